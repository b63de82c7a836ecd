/**
 * End-to-end on real containerd: a node with no registry at all imports skiff's own pause image
 * (built from busybox-static) and runs a pod sandbox from it; importing again is a no-op.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startTestContainerd, type TestContainerd } from '../support/containerd.js';
import { BUILTIN_PAUSE_IMAGE } from '../../src/images/pause.js';
import { ensureBuiltinSandboxImage, hasImage } from '../../src/kubelet/containerd/sandbox-image.js';

const isRoot = process.getuid?.() === 0;

describe('built-in sandbox image on containerd', { skip: !isRoot ? 'needs root for containerd' : false }, () => {
  let ctrd: TestContainerd;
  before(async () => {
    // Port 9 (discard) on loopback: any pull attempt fails at once, so a sandbox can only come from the import.
    ctrd = await startTestContainerd({ registryHost: '127.0.0.1:9', sandboxImage: BUILTIN_PAUSE_IMAGE });
  });
  after(async () => { await ctrd?.stop(); });

  it('imports the pause image once and runs a sandbox from it with no registry', async () => {
    const socket = ctrd.containerd.layout.socket;
    assert.equal(await hasImage(socket, BUILTIN_PAUSE_IMAGE), false);
    assert.equal(await ensureBuiltinSandboxImage(socket), true, 'first call imports');
    assert.equal(await ensureBuiltinSandboxImage(socket), false, 'second call finds it');
    const listed = await ctrd.runtime.listImages();
    assert.ok(listed.some((i) => i.repoTags.includes(BUILTIN_PAUSE_IMAGE)), `CRI sees ${BUILTIN_PAUSE_IMAGE}: ${JSON.stringify(listed.map((i) => i.repoTags))}`);
    const uid = randomBytes(8).toString('hex');
    const logDirectory = join(ctrd.logRoot, `pause_${uid}`);
    await mkdir(logDirectory, { recursive: true });
    const id = await ctrd.runtime.runPodSandbox({
      metadata: { name: 'pause-check', uid, namespace: 'default', attempt: 0 }, hostname: 'pause-check', logDirectory,
      labels: { 'io.kubernetes.pod.name': 'pause-check', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': uid }, annotations: {}, linux: {},
    });
    assert.equal((await ctrd.runtime.podSandboxStatus(id)).state, 'SANDBOX_READY');
    await ctrd.runtime.stopPodSandbox(id);
    await ctrd.runtime.removePodSandbox(id);
  });
});
