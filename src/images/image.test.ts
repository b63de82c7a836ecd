import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLayer } from './layer.js';
import { assembleImage, DEFAULT_PATH } from './image.js';
import { writeLayout, readLayout, directorySource } from './layout.js';
import { importImage } from './import.js';
import { writeTar, type TarEntry } from './tar.js';
import { parseReference, registryBaseURL } from './reference.js';
import { buildFromRecipe, validateRecipe } from './build.js';
import { readTar } from './tar-reader.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const FILES: TarEntry[] = [
  { path: 'app', type: 'dir', mode: 0o755 },
  { path: 'app/run', type: 'file', mode: 0o755, data: Buffer.from('#!/bin/sh\n') },
  { path: 'app/data.txt', type: 'file', mode: 0o644, data: Buffer.from('data') },
];

test('layer digests are deterministic and independent of entry order', () => {
  const a = buildLayer(FILES), b = buildLayer([...FILES].reverse());
  assert.equal(a.digest, b.digest);
  assert.equal(a.diffId, b.diffId);
  assert.equal(a.digest, sha(a.blob));
  assert.equal(a.diffId, sha(gunzipSync(a.blob)));
  assert.deepEqual(readTar(gunzipSync(a.blob)).map((e) => e.path), ['app', 'app/data.txt', 'app/run'], 'parents first');
  assert.equal(assembleImage([a]).manifestDigest, assembleImage([b]).manifestDigest);
});

test('config and manifest have the OCI shape', () => {
  const layer = buildLayer(FILES);
  const img = assembleImage([layer], { entrypoint: ['/app/run'], cmd: ['x'], env: ['A=1'], workingDir: '/app', ports: ['8000', '53/udp'], user: '65534' });
  assert.deepEqual(img.manifest, {
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: img.manifest.config.digest, size: img.blobs.get(img.manifest.config.digest)!.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.blob.length }],
  });
  assert.equal(img.manifestDigest, sha(img.manifestBytes));
  const config = JSON.parse(img.blobs.get(img.manifest.config.digest)!.toString());
  assert.equal(sha(img.blobs.get(img.manifest.config.digest)!), img.manifest.config.digest);
  assert.equal(config.architecture, 'amd64');
  assert.equal(config.os, 'linux');
  assert.deepEqual(config.config, {
    User: '65534', ExposedPorts: { '8000/tcp': {}, '53/udp': {} }, Env: [DEFAULT_PATH, 'A=1'],
    Entrypoint: ['/app/run'], Cmd: ['x'], WorkingDir: '/app',
  });
  assert.deepEqual(config.rootfs, { type: 'layers', diff_ids: [layer.diffId] });
  assert.equal(config.history.length, 1);
});

test('OCI layout: written, read back, and imported from a directory and from a tar of it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-layout-test-'));
  try {
    const img = assembleImage([buildLayer(FILES)], { cmd: ['sh'] });
    const other = assembleImage([buildLayer(FILES.slice(0, 2))], { cmd: ['other'] });
    const layout = join(dir, 'layout');
    await writeLayout(layout, img, 'v1');
    await writeLayout(layout, other, 'v2');
    assert.deepEqual(JSON.parse(readFileSync(join(layout, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
    assert.equal(index.manifests.length, 2);
    assert.ok(existsSync(join(layout, 'blobs/sha256', img.manifestDigest.slice(7))));
    const back = await readLayout(directorySource(layout), 'v1');
    assert.equal(back.manifestDigest, img.manifestDigest);
    assert.deepEqual([...back.blobs.keys()].sort(), [...img.blobs.keys()].sort());
    await assert.rejects(readLayout(directorySource(layout)), /holds 2 images/);
    const tarFile = join(dir, 'layout.tar');
    execFileSync('tar', ['-cf', tarFile, '-C', layout, '.']);
    assert.equal((await importImage(tarFile, 'v2')).manifestDigest, other.manifestDigest);
    assert.equal((await importImage(layout, 'v1')).manifestDigest, img.manifestDigest);
    // A corrupted blob is caught before anything could be pushed.
    writeFileSync(join(layout, 'blobs/sha256', img.manifest.layers[0].digest.slice(7)), 'garbage');
    await assert.rejects(readLayout(directorySource(layout), 'v1'), /does not match its digest/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('docker-archive import: layers gzipped, diff_ids checked against the config', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-docker-archive-test-'));
  try {
    const layerTar = writeTar(FILES);
    const config = { architecture: 'amd64', os: 'linux', config: { Cmd: ['/app/run'] }, rootfs: { type: 'layers', diff_ids: [sha(layerTar)] } };
    const configBytes = Buffer.from(JSON.stringify(config));
    const archive = writeTar([
      { path: 'manifest.json', type: 'file', mode: 0o644, data: Buffer.from(JSON.stringify([{ Config: `${sha(configBytes).slice(7)}.json`, RepoTags: ['example/app:1'], Layers: ['abc/layer.tar'] }])) },
      { path: `${sha(configBytes).slice(7)}.json`, type: 'file', mode: 0o644, data: configBytes },
      { path: 'abc', type: 'dir', mode: 0o755 },
      { path: 'abc/layer.tar', type: 'file', mode: 0o644, data: layerTar },
    ]);
    const file = join(dir, 'app.tar');
    writeFileSync(file, archive);
    const img = await importImage(file, 'example/app:1');
    assert.equal(img.manifest.config.digest, sha(configBytes), 'config bytes kept as they were');
    const layer = img.blobs.get(img.manifest.layers[0].digest)!;
    assert.ok(gunzipSync(layer).equals(layerTar));
    await assert.rejects(importImage(file, 'nope:1'), /not found in docker-archive \(has: example\/app:1\)/);
    config.rootfs.diff_ids = [sha('other')];
    const bad = JSON.stringify(config);
    const badArchive = writeTar([
      { path: 'manifest.json', type: 'file', mode: 0o644, data: Buffer.from(JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: ['l.tar'] }])) },
      { path: 'c.json', type: 'file', mode: 0o644, data: Buffer.from(bad) },
      { path: 'l.tar', type: 'file', mode: 0o644, data: layerTar },
    ]);
    mkdirSync(join(dir, 'bad'));
    writeFileSync(join(dir, 'bad', 'x.tar'), badArchive);
    await assert.rejects(importImage(join(dir, 'bad', 'x.tar')), /has diff_id .* config says sha256:/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('references normalize like containerd and pick http only for loopback', () => {
  assert.deepEqual(parseReference('127.0.0.1:5000/skiff/busybox:1.35'), { registry: '127.0.0.1:5000', repository: 'skiff/busybox', tag: '1.35', digest: undefined });
  assert.deepEqual(parseReference('busybox'), { registry: 'docker.io', repository: 'library/busybox', tag: 'latest', digest: undefined });
  assert.equal(parseReference('localhost/x@sha256:' + 'a'.repeat(64)).digest, 'sha256:' + 'a'.repeat(64));
  assert.throws(() => parseReference('127.0.0.1:5000/Upper'), /invalid reference format/);
  assert.equal(registryBaseURL('127.0.0.1:5000'), 'http://127.0.0.1:5000');
  assert.equal(registryBaseURL('localhost:5000'), 'http://localhost:5000');
  assert.equal(registryBaseURL('registry.example.com'), 'https://registry.example.com');
});

test('recipes: scratch with inline files; validation names the field', async () => {
  const img = await buildFromRecipe(validateRecipe({ from: 'scratch', files: [{ content: 'ok', dest: '/www/health', mode: '0600' }], cmd: ['x'], env: { A: 'b' }, ports: [80] }), '/');
  assert.equal(img.manifest.layers.length, 1);
  const entries = readTar(gunzipSync(img.blobs.get(img.manifest.layers[0].digest)!));
  assert.deepEqual(entries.map((e) => [e.path, e.type, e.mode]), [['www', 'dir', 0o755], ['www/health', 'file', 0o600]]);
  assert.deepEqual(img.config.config.Env, [DEFAULT_PATH, 'A=b']);
  assert.throws(() => validateRecipe({ from: 'alpine' }), /from: Unsupported value: "alpine"/);
  assert.throws(() => validateRecipe({ from: 'scratch', files: [{ src: 'a' }] }), /files\[0\]\.dest: Required value/);
  assert.throws(() => validateRecipe({ from: 'scratch', bogus: 1 }), /bogus: unknown field/);
});
