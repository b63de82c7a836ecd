import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Recorder } from './recorder.js';
import { StatusError } from '../../machinery/status.js';

function fakeEvents(failures: Error[]) {
  const created: any[] = [];
  let calls = 0;
  const client = {
    async create(_ns: string, ev: any) {
      calls++;
      const f = failures.shift();
      if (f) throw f;
      if (created.some((c) => c.metadata.name === ev.metadata.name)) throw new StatusError(409, 'AlreadyExists', `events "${ev.metadata.name}" already exists`);
      created.push(ev);
      return ev;
    },
    async patch() { return {}; },
  };
  return { client: client as any, created, calls: () => calls };
}

test('an event whose write fails in transport is tried again, as client-go does', async () => {
  const f = fakeEvents([new Error('socket hang up')]);
  const r = new Recorder(f.client, 'kubelet', 'n1');
  r.event({ kind: 'Node', apiVersion: 'v1', metadata: { name: 'n1' } }, 'Normal', 'Starting', 'Starting kubelet.');
  await r.flush();
  assert.equal(f.calls(), 2);
  assert.deepEqual(f.created.map((e) => e.reason), ['Starting']);
});

test('an event the server refuses is dropped, not retried', async () => {
  const f = fakeEvents([new StatusError(422, 'Invalid', 'bad event')]);
  const r = new Recorder(f.client, 'kubelet', 'n1');
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    r.event({ kind: 'Node', apiVersion: 'v1', metadata: { name: 'n1' } }, 'Normal', 'Starting', 'Starting kubelet.');
    await r.flush();
    await new Promise((res) => setImmediate(res));
  } finally { process.off('warning', onWarning); }
  assert.equal(f.calls(), 1);
  assert.equal(f.created.length, 0);
  assert.match(warnings.join('\n'), /server rejected event Starting about Node\/n1/);
});

test('two events about one object in the same millisecond get different names', async () => {
  const f = fakeEvents([]);
  const r = new Recorder(f.client, 'kubelet', 'n1');
  const node = { kind: 'Node', apiVersion: 'v1', metadata: { name: 'n1' } };
  const realNow = Date.now;
  Date.now = () => 1_700_000_000_000;
  try {
    r.event(node, 'Normal', 'NodeReady', 'Node n1 status is now: NodeReady');
    r.event(node, 'Normal', 'Starting', 'Starting kubelet.');
  } finally { Date.now = realNow; }
  await r.flush();
  assert.equal(f.created.length, 2);
  assert.notEqual(f.created[0].metadata.name, f.created[1].metadata.name);
});
