import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { clientURL, etcdMemberSpecs } from './etcd.js';

test('etcd members: one component each, every member listed in the initial cluster, ports and data dirs their own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-etcd-spec-'));
  try {
    const specs = await etcdMemberSpecs(dir, 3);
    assert.deepEqual(specs.map((s) => s.component), ['etcd/1', 'etcd/2', 'etcd/3']);
    const flag = (a: string[], f: string) => a[a.indexOf(f) + 1]!;
    const clusters = new Set(specs.map((s) => flag(s.args, '--initial-cluster')));
    assert.equal(clusters.size, 1, 'every member is given the same initial cluster');
    const initial = [...clusters][0]!;
    for (const s of specs) {
      assert.ok(initial.includes(`${s.name}=${flag(s.args, '--initial-advertise-peer-urls')}`), `${s.name} in ${initial}`);
      assert.equal(flag(s.args, '--data-dir'), s.match, 'a PID is ours while it runs with this data dir');
      assert.ok(existsSync(s.match));
      assert.equal(`http://${(s.ready as { tcp: string }).tcp}`, clientURL({ ...s, pid: 0 }));
    }
    assert.equal(new Set(specs.flatMap((s) => [clientURL({ ...s, pid: 0 }), flag(s.args, '--listen-peer-urls')])).size, 6, 'six distinct ports');
    await assert.rejects(etcdMemberSpecs(dir, 0), /invalid --etcd-members 0/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
