import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { probeHTTP } from './http.js';
import { probeTCP } from './tcp.js';
import { probeGRPC, encodeHealthCheckRequest, decodeHealthCheckResponse } from './grpc.js';
import { resolvePort } from './prober.js';

async function listen(t: any, handler: http.RequestListener): Promise<number> {
  const srv = http.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }));
  return (srv.address() as net.AddressInfo).port;
}

/** A port nothing listens on: bind, note it, close. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('httpGet: 2xx and 3xx succeed, 4xx/5xx fail with the status code, headers and redirects as upstream', async (t) => {
  const seen: http.IncomingHttpHeaders[] = [];
  const port = await listen(t, (req, res) => {
    seen.push(req.headers);
    if (req.url === '/ok') return res.end('healthy');
    if (req.url === '/hop') { res.writeHead(302, { location: '/ok' }); return res.end(); }
    if (req.url === '/away') { res.writeHead(301, { location: 'http://127.0.0.2:1/elsewhere' }); return res.end('moved'); }
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 500);
    res.writeHead(500); res.end('boom');
  });
  const t0 = { scheme: 'HTTP' as const, host: '127.0.0.1', port };
  assert.deepEqual(await probeHTTP({ ...t0, path: '/ok', headers: [{ name: 'X-Probe', value: 'yes' }] }, 1000), { result: 'Success', output: 'healthy' });
  assert.equal(seen[0]['user-agent'], 'kube-probe/1.32');
  assert.equal(seen[0]['x-probe'], 'yes');
  assert.equal(seen[0].accept, '*/*');
  assert.deepEqual(await probeHTTP({ ...t0, path: '/hop' }, 1000), { result: 'Success', output: 'healthy' });
  assert.deepEqual(await probeHTTP({ ...t0, path: '/away' }, 1000), { result: 'Warning', output: 'Probe terminated redirects, Response body: moved' });
  assert.deepEqual(await probeHTTP({ ...t0, path: '/bad' }, 1000), { result: 'Failure', output: 'HTTP probe failed with statuscode: 500' });
  assert.deepEqual(await probeHTTP({ ...t0, path: '/slow' }, 100), { result: 'Failure', output: `Get "http://127.0.0.1:${port}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
  const dead = await deadPort();
  assert.deepEqual(await probeHTTP({ ...t0, port: dead, path: '/' }, 1000), { result: 'Failure', output: `Get "http://127.0.0.1:${dead}/": dial tcp 127.0.0.1:${dead}: connect: connection refused` });
});

test('tcpSocket: open port succeeds, closed port fails as Go words it', async (t) => {
  const port = await listen(t, (_q, s) => s.end());
  assert.deepEqual(await probeTCP('127.0.0.1', port, 1000), { result: 'Success', output: '' });
  const dead = await deadPort();
  assert.deepEqual(await probeTCP('127.0.0.1', dead, 1000), { result: 'Failure', output: `dial tcp 127.0.0.1:${dead}: connect: connection refused` });
});

test('ports by name, or an error', () => {
  const c = { ports: [{ name: 'http', containerPort: 8000 }] };
  assert.equal(resolvePort('http', c), 8000);
  assert.equal(resolvePort(81, c), 81);
  assert.equal(resolvePort('82', c), 82);
  assert.throws(() => resolvePort('nope', c), /couldn't find port: nope/);
  assert.throws(() => resolvePort(0, c), { message: 'invalid port number: 0' });
});

test('grpc: grpc.health.v1.Health/Check by service', async (t) => {
  assert.deepEqual(encodeHealthCheckRequest('svc'), Buffer.from([0x0a, 3, 0x73, 0x76, 0x63]));
  assert.equal(decodeHealthCheckResponse(Buffer.from([0x08, 2])), 2);
  const server = new grpc.Server();
  const statuses: Record<string, number> = { '': 1, good: 1, bad: 2 };
  server.register('/grpc.health.v1.Health/Check', (call: any, cb: any) => {
    const s = statuses[call.request.service];
    if (s === undefined) return cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
    cb(null, s);
  }, (n: number) => Buffer.from([0x08, n]), (b: Buffer) => ({ service: b.length ? b.subarray(2).toString('utf8') : '' }), 'unary');
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  t.after(() => server.forceShutdown());
  assert.deepEqual(await probeGRPC('127.0.0.1', port, undefined, 2000), { result: 'Success', output: 'service healthy' });
  assert.deepEqual(await probeGRPC('127.0.0.1', port, 'good', 2000), { result: 'Success', output: 'service healthy' });
  assert.deepEqual(await probeGRPC('127.0.0.1', port, 'bad', 2000), { result: 'Failure', output: 'service unhealthy (responded with "NOT_SERVING")' });
  assert.match((await probeGRPC('127.0.0.1', port, 'other', 2000)).output, /^error: health rpc probe failed: 5 NOT_FOUND: unknown service/);
  const dead = await deadPort();
  assert.deepEqual(await probeGRPC('127.0.0.1', dead, '', 300), { result: 'Failure', output: `timeout: failed to connect service "127.0.0.1:${dead}" within 0.3s: context deadline exceeded` });
});
