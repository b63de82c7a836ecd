/**
 * @module test/e2e/images
 * Images end to end against a real registry (Debian's docker-registry): the test images are built
 * from busybox-static and pushed, then read back through the distribution API; every blob's
 * digest and size must match the manifest, and the config must name the layers' diff_ids.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushTestImages } from '../support/images.js';
import { buildFromRecipeFile } from '../../src/images/build.js';
import { pushImage } from '../../src/images/push.js';
import { readTar } from '../../src/images/tar-reader.js';
import { join, dirname } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { testImagesDir } from '../support/images.js';

let reg: TestRegistry;
before(async () => { reg = await startRegistry(); });
after(async () => { await reg?.stop(); });

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

async function get(path: string, accept?: string): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const r = await fetch(`http://${reg.host}${path}`, { headers: accept ? { Accept: accept } : {} });
  return { status: r.status, body: Buffer.from(await r.arrayBuffer()), headers: r.headers };
}

test('test images push, and every blob reads back with its digest', async () => {
  const images = await pushTestImages(reg.host);
  assert.equal(images.busybox, `${reg.host}/skiff/busybox:1.35`);
  for (const [key, repoTag] of [['busybox', 'skiff/busybox/manifests/1.35'], ['pause', 'skiff/pause/manifests/3.9'], ['doctorBackend', 'skiff/doctor-backend/manifests/1.0']] as const) {
    const m = await get(`/v2/${repoTag}`, OCI_MANIFEST);
    assert.equal(m.status, 200, `${repoTag}: ${m.body}`);
    assert.equal(m.headers.get('content-type'), OCI_MANIFEST);
    assert.equal(sha(m.body), images.digests[key]);
    assert.equal(m.headers.get('docker-content-digest'), images.digests[key]);
    const manifest = JSON.parse(m.body.toString());
    const repo = repoTag.split('/manifests/')[0];
    const cfg = await get(`/v2/${repo}/blobs/${manifest.config.digest}`);
    assert.equal(cfg.status, 200);
    assert.equal(sha(cfg.body), manifest.config.digest);
    assert.equal(cfg.body.length, manifest.config.size);
    const config = JSON.parse(cfg.body.toString());
    assert.equal(config.architecture, 'amd64');
    assert.equal(config.os, 'linux');
    assert.equal(config.rootfs.diff_ids.length, manifest.layers.length);
    for (const [i, l] of manifest.layers.entries()) {
      const b = await get(`/v2/${repo}/blobs/${l.digest}`);
      assert.equal(b.status, 200);
      assert.equal(sha(b.body), l.digest);
      assert.equal(b.body.length, l.size);
      assert.equal(sha(gunzipSync(b.body)), config.rootfs.diff_ids[i], 'diff_id is the sha256 of the uncompressed layer');
    }
    if (key === 'busybox') {
      assert.deepEqual(config.config.Cmd, ['sh']);
      const last = await get(`/v2/${repo}/blobs/${manifest.layers[0].digest}`);
      const entries = readTar(gunzipSync(last.body));
      const bb = entries.find((e) => e.path === 'bin/busybox')!;
      assert.equal(bb.mode, 0o755);
      assert.equal(entries.find((e) => e.path === 'bin/sh')?.linkname, 'busybox');
      assert.equal(entries.find((e) => e.path === 'tmp')?.mode, 0o1777);
      assert.match(entries.find((e) => e.path === 'etc/passwd')!.data!.toString(), /^root:x:0:0:/);
    }
    if (key === 'doctorBackend') assert.deepEqual(config.config.ExposedPorts, { '8000/tcp': {} });
  }
  // Cached per registry: the second call is the same promise's result.
  assert.deepEqual(await pushTestImages(reg.host), images);
});

test('pushing an image again uploads nothing; the shared busybox base is uploaded once', async () => {
  const img = await buildFromRecipeFile(join(testImagesDir(), 'busybox.yaml'));
  const first = await pushImage(img, `${reg.host}/again/busybox:a`);
  assert.equal(first.skipped, 0);
  const second = await pushImage(img, `${reg.host}/again/busybox:b`);
  assert.equal(second.uploaded, 0);
  assert.equal(second.digest, first.digest);
});

test('a manifest naming a missing blob is refused with the registry error', async () => {
  const img = await buildFromRecipeFile(join(testImagesDir(), 'busybox.yaml'));
  const blobs = new Map(img.blobs);
  blobs.delete(img.manifest.layers[0].digest);
  await assert.rejects(pushImage({ ...img, blobs }, `${reg.host}/broken/busybox:1`), /MANIFEST_BLOB_UNKNOWN|BLOB_UNKNOWN/);
});

const skiff = (args: string[]) => promisify(execFile)(process.execPath, [join(dirname(testImagesDir()), '..', 'bin', 'skiff.js'), ...args]);

test('skiff image build (recipe and directory), push and import reach the registry', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-image-cli-'));
  try {
    const recipe = join(testImagesDir(), 'doctor-backend.yaml');
    const built = await skiff(['image', 'build', '-f', recipe, '-t', `${reg.host}/cli/doctor:1`, '--output', join(dir, 'layout'), '--push']);
    assert.match(built.stdout, new RegExp(`${reg.host}/cli/doctor:1@sha256:[a-f0-9]{64}`));
    await mkdir(join(dir, 'ctx', 'bin'), { recursive: true });
    await writeFile(join(dir, 'ctx', 'bin', 'hello'), 'hello\n', { mode: 0o755 });
    await skiff(['image', 'build', join(dir, 'ctx'), '-t', `${reg.host}/cli/dir:1`, '--cmd', '["/bin/hello"]', '--env', 'A=1', '--port', '8080', '--push']);
    await skiff(['image', 'push', join(dir, 'layout'), `${reg.host}/cli/pushed:2`]);
    await promisify(execFile)('tar', ['-cf', join(dir, 'layout.tar'), '-C', join(dir, 'layout'), '.']);
    await skiff(['image', 'import', join(dir, 'layout.tar'), '-t', `${reg.host}/cli/imported:3`, '--push']);
    const digests = [];
    for (const path of ['cli/doctor/manifests/1', 'cli/pushed/manifests/2', 'cli/imported/manifests/3']) {
      const m = await get(`/v2/${path}`, OCI_MANIFEST);
      assert.equal(m.status, 200, path);
      digests.push(m.headers.get('docker-content-digest'));
    }
    assert.equal(new Set(digests).size, 1, 'push and import keep the built manifest byte for byte');
    const m = JSON.parse((await get('/v2/cli/dir/manifests/1', OCI_MANIFEST)).body.toString());
    const config = JSON.parse((await get(`/v2/cli/dir/blobs/${m.config.digest}`)).body.toString());
    assert.deepEqual(config.config.Cmd, ['/bin/hello']);
    assert.deepEqual(config.config.ExposedPorts, { '8080/tcp': {} });
    assert.ok(config.config.Env.includes('A=1'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
