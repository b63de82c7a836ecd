import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { AuditLog, type AuditSink } from './log.js';
import { Auditor, disabledAuditContext } from './auditor.js';
import { parsePolicy, type AuditAttributes } from './policy.js';
import { authenticationFailedMessage, microTime, sourceIPs, type AuditEvent } from './event.js';

const POLICY = parsePolicy(`apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    resources: [{group: "", resources: ["events"]}]
  - level: RequestResponse
    resources: [{group: "", resources: ["configmaps"]}]
  - level: Request
    resources: [{group: "", resources: ["pods"]}]
    omitManagedFields: true
  - level: Metadata
    omitStages: [RequestReceived]
`);

const user = { name: 'alice', uid: 'u-1', groups: ['dev', 'system:authenticated'], extra: { scopes: ['a'] } };
function attrs(resource: string, extra: Partial<AuditAttributes> = {}): AuditAttributes {
  return { user, verb: 'create', namespace: 'default', apiGroup: '', apiVersion: 'v1', resource, subresource: '', name: '', isResourceRequest: true, path: `/api/v1/namespaces/default/${resource}`, ...extra };
}
const meta = { requestURI: '/api/v1/namespaces/default/configmaps?fieldManager=kubectl', userAgent: 'kubectl/v1.32.0', sourceIPs: ['127.0.0.1'], receivedAt: Date.UTC(2026, 10, 28, 10, 0, 0) + 0.123456 * 1000 };
const OBJ = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1', namespace: 'default', managedFields: [{ manager: 'kubectl' }] }, data: { k: 'v' } };

class Memory implements AuditSink { events: AuditEvent[] = []; processEvent(e: AuditEvent) { this.events.push(JSON.parse(JSON.stringify(e))); } }

function tmp(): string { return mkdtempSync(join(tmpdir(), 'skiff-audit-')); }
function lines(path: string): any[] { return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)); }

test('microTime has six fractional digits in UTC', () => {
  assert.equal(microTime(Date.UTC(2026, 10, 28, 10, 0, 0) + 123.456), '2026-11-28T10:00:00.123456Z');
  assert.equal(microTime(new Date(Date.UTC(2026, 0, 1))), '2026-01-01T00:00:00.000000Z');
  assert.match(microTime(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});

test('a log file receives one correct JSON line per stage, fields in Kubernetes order', async () => {
  const dir = tmp();
  const path = join(dir, 'sub', 'audit.log');
  const log = new AuditLog(path);
  const a = new Auditor(POLICY, log);
  const rec = a.begin(attrs('configmaps'), meta);
  assert.match(rec.auditID, /^[0-9a-f-]{36}$/);
  rec.setRequestObject(OBJ);
  OBJ.data.k = 'changed later';
  rec.annotateAuthorization(true, 'RBAC: allowed by ClusterRoleBinding "x"');
  rec.annotate('authorization.k8s.io/decision', 'forbid'); // first value stays
  rec.setResponseObject({ ...OBJ, metadata: { ...OBJ.metadata, uid: 'uid-1', resourceVersion: '42' } });
  rec.end(201);
  rec.end(500); // ignored
  await log.close();
  const evs = lines(path);
  OBJ.data.k = 'v';
  assert.equal(evs.length, 2);
  const [rr, rc] = evs;
  assert.deepEqual(Object.keys(rc), ['kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'sourceIPs', 'userAgent', 'objectRef', 'responseStatus', 'requestObject', 'responseObject', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations']);
  assert.equal(rr.stage, 'RequestReceived');
  assert.equal(rr.stageTimestamp, '2026-11-28T10:00:00.123456Z');
  assert.equal(rr.requestReceivedTimestamp, '2026-11-28T10:00:00.123456Z');
  assert.equal(rr.responseStatus, undefined);
  assert.equal(rc.kind, 'Event');
  assert.equal(rc.apiVersion, 'audit.k8s.io/v1');
  assert.equal(rc.level, 'RequestResponse');
  assert.equal(rc.auditID, rr.auditID);
  assert.equal(rc.stage, 'ResponseComplete');
  assert.equal(rc.verb, 'create');
  assert.deepEqual(rc.user, { username: 'alice', uid: 'u-1', groups: ['dev', 'system:authenticated'], extra: { scopes: ['a'] } });
  assert.deepEqual(rc.objectRef, { resource: 'configmaps', namespace: 'default', name: 'cm1', apiVersion: 'v1' });
  assert.deepEqual(rc.responseStatus, { metadata: {}, code: 201 });
  assert.equal(rc.requestObject.data.k, 'v', 'copied when given');
  assert.deepEqual(rc.requestObject.metadata.managedFields, [{ manager: 'kubectl' }]);
  assert.equal(rc.responseObject.metadata.uid, 'uid-1');
  assert.deepEqual(rc.annotations, { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "x"' });
  assert.ok(rc.stageTimestamp >= rc.requestReceivedTimestamp);
  rmSync(dir, { recursive: true });
});

test('objects only at their levels; omitManagedFields; None logs nothing', () => {
  const m = new Memory();
  const a = new Auditor(POLICY, m);
  const req = a.begin(attrs('pods'), meta); // Request
  req.setRequestObject(OBJ);
  req.setResponseObject(OBJ);
  req.end(201);
  const md = a.begin(attrs('secrets'), meta); // Metadata, RequestReceived omitted
  md.setRequestObject(OBJ);
  md.setResponseObject(OBJ);
  md.end(201);
  const none = a.begin(attrs('events'), { ...meta, auditID: 'client-id' });
  none.setRequestObject(OBJ); none.annotate('a', 'b'); none.end(200);
  assert.equal(none.enabled, false);
  assert.equal(none.auditID, 'client-id');
  assert.deepEqual(m.events.map((e) => `${e.level}/${e.stage}`), ['Request/RequestReceived', 'Request/ResponseComplete', 'Metadata/ResponseComplete']);
  const [, r, md2] = m.events;
  assert.deepEqual(r.requestObject, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1', namespace: 'default' }, data: { k: 'v' } });
  assert.equal(r.responseObject, undefined);
  assert.equal(md2.requestObject, undefined);
  assert.equal(md2.responseObject, undefined);
  assert.equal(md2.objectRef!.name, 'cm1', 'objectRef completed from the body at Metadata too');
  assert.ok(OBJ.metadata.managedFields, 'the caller object is untouched');
  assert.equal(disabledAuditContext().enabled, false);
});

test('error Status fills responseStatus; non-resource requests have no objectRef; impersonation', () => {
  const m = new Memory();
  const a = new Auditor(POLICY, m);
  const rec = a.begin(attrs('secrets', { verb: 'get', name: 's' }), meta);
  rec.setImpersonatedUser({ name: 'bob', groups: ['system:authenticated'] });
  rec.annotateAuthorization(false);
  rec.setResponseObject({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'secrets "s" is forbidden', reason: 'Forbidden', details: { name: 's', kind: 'secrets' }, code: 403 });
  rec.end(403);
  const e = m.events[0];
  assert.deepEqual(e.responseStatus, { metadata: {}, status: 'Failure', message: 'secrets "s" is forbidden', reason: 'Forbidden', details: { name: 's', kind: 'secrets' }, code: 403 });
  assert.deepEqual(e.impersonatedUser, { username: 'bob', groups: ['system:authenticated'] });
  assert.deepEqual(e.annotations, { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' });
  const nr = a.begin({ user, verb: 'get', isResourceRequest: false, path: '/healthz' }, { requestURI: '/healthz' });
  nr.end(200, { status: 'Success' });
  assert.equal(m.events[1].objectRef, undefined);
  assert.deepEqual(m.events[1].responseStatus, { metadata: {}, status: 'Success', code: 200 });
});

test('long-running requests log ResponseStarted; panics log Panic', () => {
  const m = new Memory();
  const a = new Auditor(parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Metadata}]'), m);
  const w = a.begin(attrs('pods', { verb: 'watch' }), { ...meta, longRunning: true });
  w.responseStarted(200);
  w.end(200);
  const short = a.begin(attrs('pods', { verb: 'get' }), meta);
  short.responseStarted(200);
  short.end(200);
  const p = a.begin(attrs('pods'), meta);
  p.panic(new Error('boom'));
  p.end(200);
  assert.deepEqual(m.events.map((e) => e.stage), ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'RequestReceived', 'ResponseComplete', 'RequestReceived', 'Panic']);
  assert.deepEqual(m.events[6].responseStatus, { metadata: {}, status: 'Failure', message: "APIServer panic'd: boom", reason: 'InternalError', code: 500 });
});

test('failed authentication: one ResponseStarted event, code 401, empty user, as Kubernetes', () => {
  const m = new Memory();
  const a = new Auditor(parsePolicy(`apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: RequestResponse
    userGroups: ["system:unauthenticated"]
  - level: Metadata
`), m);
  const req = { headers: { authorization: 'Bearer abc' }, url: '/api/v1/pods' };
  const msg = authenticationFailedMessage(req);
  assert.equal(msg, 'Authentication failed, attempted: bearer');
  assert.equal(authenticationFailedMessage({ headers: {} }), 'Authentication failed, no credentials provided');
  assert.equal(authenticationFailedMessage({ headers: {}, url: '/x?access_token=t' }, true), 'Authentication failed, attempted: access_token, x509');
  const id = a.failedAuthentication({ user: { name: 'x', groups: ['system:unauthenticated'] }, verb: 'list', namespace: '', apiGroup: '', apiVersion: 'v1', resource: 'pods', isResourceRequest: true, path: '/api/v1/pods' }, { requestURI: '/api/v1/pods', sourceIPs: ['10.0.0.1'] }, msg);
  assert.equal(m.events.length, 1);
  const e = m.events[0];
  assert.equal(e.auditID, id);
  assert.equal(e.level, 'Metadata', 'evaluated without a user');
  assert.equal(e.stage, 'ResponseStarted');
  assert.deepEqual(e.user, {});
  assert.deepEqual(e.responseStatus, { metadata: {}, message: 'Authentication failed, attempted: bearer', code: 401 });
});

test('sourceIPs as utilnet.SourceIPs', () => {
  assert.deepEqual(sourceIPs({ 'x-forwarded-for': '1.2.3.4, bad, 5.6.7.8', 'x-real-ip': '1.2.3.4' }, '::ffff:127.0.0.1'), ['1.2.3.4', '5.6.7.8', '127.0.0.1']);
  assert.deepEqual(sourceIPs({ 'x-forwarded-for': '127.0.0.1' }, '127.0.0.1'), ['127.0.0.1']);
  assert.deepEqual(sourceIPs({}, '::1'), ['::1']);
});

test('appends to an existing file; rotation to <path>.1 at maxsize, older backups shifted', async () => {
  const dir = tmp();
  const path = join(dir, 'audit.log');
  writeFileSync(path, '{"old":true}\n');
  const log = new AuditLog(path, { maxSizeBytes: 4000, maxBackups: 2 });
  const a = new Auditor(parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Metadata, omitStages: [RequestReceived]}]'), log);
  for (let i = 0; i < 40; i++) a.begin(attrs('pods', { name: `p${i}` }), meta).end(200);
  await log.flush();
  for (let i = 40; i < 60; i++) a.begin(attrs('pods', { name: `p${i}` }), meta).end(200);
  await log.close();
  assert.ok(existsSync(`${path}.1`) && existsSync(`${path}.2`));
  const files = [`${path}.2`, `${path}.1`, path].filter(existsSync);
  const all = files.flatMap(lines);
  for (const f of files) assert.ok(readFileSync(f).length <= 4000, f);
  const names = all.filter((e) => !e.old).map((e) => e.objectRef.name);
  // maxBackups 2: the oldest events rotated out; what remains is in order and ends with the last.
  assert.deepEqual(names, names.slice().sort((x: string, y: string) => Number(x.slice(1)) - Number(y.slice(1))));
  assert.equal(names[names.length - 1], 'p59');
  assert.ok(names.length < 60);
  rmSync(dir, { recursive: true });
});

test('no rotation without maxsize; events after close are ignored; stdout with "-"', async () => {
  const dir = tmp();
  const path = join(dir, 'audit.log');
  const log = new AuditLog(path);
  const a = new Auditor(parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Metadata}]'), log);
  for (let i = 0; i < 200; i++) a.begin(attrs('pods'), meta).end(200);
  await log.close();
  a.begin(attrs('pods'), meta).end(200);
  await log.flush();
  assert.equal(lines(path).length, 400);
  assert.ok(!existsSync(`${path}.1`));
  rmSync(dir, { recursive: true });

  const out = new PassThrough();
  let text = '';
  out.on('data', (c) => { text += c; });
  const so = new AuditLog('-', { stdout: out });
  new Auditor(parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Metadata}]'), so).begin(attrs('pods'), meta).end(200);
  await so.close();
  assert.deepEqual(text.trim().split('\n').map((l) => JSON.parse(l).stage), ['RequestReceived', 'ResponseComplete']);
});

test('a full queue drops and counts instead of growing; write errors do not throw', async () => {
  const errors: string[] = [];
  const dir = tmp();
  const log = new AuditLog(join(dir, 'audit.log'), { maxBuffered: 5 });
  const a = new Auditor(parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Metadata}]'), log);
  for (let i = 0; i < 10; i++) a.begin(attrs('pods'), meta);
  assert.equal(log.dropped, 5);
  await log.close();
  const bad = new AuditLog(join(dir, 'audit.log', 'not-a-dir', 'x.log'), { onError: (e) => errors.push(e.message) });
  new Auditor(POLICY, bad).begin(attrs('pods'), meta).end(200);
  await bad.close();
  assert.equal(errors.length, 1);
  assert.equal(bad.dropped, 2);
  rmSync(dir, { recursive: true });
});
