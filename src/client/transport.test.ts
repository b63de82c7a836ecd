import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Transport, STREAM_WINDOW, CONNECTION_WINDOW } from './transport.js';

const until = async (ok: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!ok()) { if (Date.now() > end) throw new Error('condition not met in time'); await new Promise((r) => setTimeout(r, 10)); }
};

it("opens its connection with Go's flow-control windows, so watches are not held to 64 KiB in flight", async () => {
  const sessions: ServerHttp2Session[] = [];
  const server = createServer();
  server.on('session', (s) => sessions.push(s));
  server.on('stream', (stream) => { stream.respond({ ':status': 200, 'content-type': 'application/json' }); stream.end('{}'); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const t = new Transport({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ca: '' });
  try {
    assert.equal((await t.request('GET', '/api')).status, 200);
    const s = sessions[0];
    // What the server may send us: per stream (SETTINGS) and for the whole connection (WINDOW_UPDATE).
    await until(() => s.remoteSettings.initialWindowSize === STREAM_WINDOW && (s.state.remoteWindowSize ?? 0) >= CONNECTION_WINDOW - 65_535);
    assert.equal(s.remoteSettings.initialWindowSize, STREAM_WINDOW);
    assert.ok((s.state.remoteWindowSize ?? 0) > 64 << 20, `connection window ${s.state.remoteWindowSize}`);
  } finally {
    t.close();
    for (const s of sessions) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
