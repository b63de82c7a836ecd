/**
 * End-to-end: `kill -9` of the API server during a write storm loses no acknowledged write, and a
 * snapshot taken with `skiff snapshot save` restores exactly the saved objects.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSkiffServer } from '../support/skiff-server.js';
import { H2Client } from '../../bench/lib/h2client.js';

const cm = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { n: name } });

async function names(c: H2Client): Promise<Set<string>> {
  const r = await c.request('GET', '/api/v1/namespaces/default/configmaps');
  assert.equal(r.status, 200, r.body);
  return new Set(JSON.parse(r.body).items.map((i: any) => i.metadata.name));
}

it('loses no acknowledged write when the server is killed with SIGKILL mid-storm', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-crash-'));
  try {
    const srv = await startSkiffServer({ dataDir });
    const c = new H2Client(srv.url, srv.tls);
    const acked: string[] = [];
    let stop = false;
    const writers = Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const name = `w${w}-${i}`;
        try {
          const r = await c.request('POST', '/api/v1/namespaces/default/configmaps', cm(name));
          if (r.status === 201) acked.push(name);
        } catch { return; }
      }
    });
    const deadline = Date.now() + 20_000;
    while (acked.length < 1500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    srv.proc.kill('SIGKILL');
    stop = true;
    await Promise.allSettled(writers);
    c.close();
    await srv.stop({ keepData: true });
    assert.ok(acked.length >= 100, `only ${acked.length} writes were acknowledged before the kill`);

    const again = await startSkiffServer({ dataDir });
    const c2 = new H2Client(again.url, again.tls);
    try {
      const have = await names(c2);
      const lost = acked.filter((n) => !have.has(n));
      assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged writes were lost`);
    } finally { c2.close(); await again.stop({ keepData: true }); }
  } finally { await rm(dataDir, { recursive: true, force: true }); }
});

it('restores a snapshot to exactly the saved objects', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-snap-'));
  const snap = join(dataDir, 'backup.db');
  try {
    const srv = await startSkiffServer({ dataDir });
    const c = new H2Client(srv.url, srv.tls);
    for (let i = 0; i < 20; i++) assert.equal((await c.request('POST', '/api/v1/namespaces/default/configmaps', cm(`saved-${i}`))).status, 201);
    const saved = await names(c);
    const r = spawnSync(process.execPath, ['bin/skiff.js', 'snapshot', 'save', snap, '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (let i = 0; i < 5; i++) assert.equal((await c.request('POST', '/api/v1/namespaces/default/configmaps', cm(`after-${i}`))).status, 201);
    assert.equal((await c.request('DELETE', '/api/v1/namespaces/default/configmaps/saved-0')).status, 200);
    c.close();
    await srv.stop({ keepData: true });
    const rr = spawnSync(process.execPath, ['bin/skiff.js', 'snapshot', 'restore', snap, '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(rr.status, 0, rr.stderr);
    const again = await startSkiffServer({ dataDir });
    const c2 = new H2Client(again.url, again.tls);
    try {
      assert.deepEqual([...(await names(c2))].sort(), [...saved].sort());
    } finally { c2.close(); await again.stop({ keepData: true }); }
  } finally { await rm(dataDir, { recursive: true, force: true }); }
});
