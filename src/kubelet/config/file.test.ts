import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSource, staticPodFromManifest, CONFIG_HASH, CONFIG_SOURCE } from './file.js';

const manifest = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: c
    image: busybox
`;

test('a manifest becomes a static pod: name-node, default namespace, hash UID, source annotations', () => {
  const p = staticPodFromManifest(manifest, '/etc/m/web.yaml', 'Node-1');
  assert.equal(p.metadata.name, 'web-node-1');
  assert.equal(p.metadata.namespace, 'default');
  assert.match(p.metadata.uid, /^[0-9a-f]{32}$/);
  assert.equal(p.metadata.annotations[CONFIG_HASH], p.metadata.uid);
  assert.equal(p.metadata.annotations[CONFIG_SOURCE], 'file');
  assert.equal(p.spec.nodeName, 'Node-1');
  assert.equal(p.spec.restartPolicy, 'Always');
  // Same content, same node, same file: same UID; anything else: another.
  assert.equal(staticPodFromManifest(manifest, '/etc/m/web.yaml', 'Node-1').metadata.uid, p.metadata.uid);
  assert.notEqual(staticPodFromManifest(manifest, '/etc/m/web.yaml', 'node-2').metadata.uid, p.metadata.uid);
  assert.notEqual(staticPodFromManifest(manifest.replace('busybox', 'busybox:1'), '/etc/m/web.yaml', 'Node-1').metadata.uid, p.metadata.uid);
  assert.throws(() => staticPodFromManifest('kind: Service\nmetadata: {name: x}\n', 'x', 'n'), /not a Pod/);
});

test('the file source reports the set of pods when the directory changes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-static-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const seen: string[][] = [];
  const src = new FileSource({ dir, nodeName: 'n', onChange: (pods) => seen.push(pods.map((p) => p.metadata.name)) });
  await src.poll();
  await writeFile(join(dir, 'web.yaml'), manifest);
  await writeFile(join(dir, '.hidden.yaml'), manifest);
  await writeFile(join(dir, 'api.json'), JSON.stringify({ kind: 'Pod', metadata: { name: 'api', namespace: 'kube-system' }, spec: { containers: [{ name: 'c', image: 'x' }] } }));
  await src.poll();
  await src.poll();
  await unlink(join(dir, 'web.yaml'));
  await src.poll();
  assert.deepEqual(seen, [['api-n', 'web-n'], ['api-n']]);
});
