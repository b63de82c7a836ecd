/**
 * End-to-end: Secrets encrypted at rest with an EncryptionConfiguration (aesgcm, then rotated to
 * aescbc). The stored bytes (SQLite's database and WAL files, read raw) never contain a Secret's
 * plaintext, while ConfigMaps, which the configuration does not cover, are stored as they are.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, readFile, mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { kubectlVersions, kubectlOk } from '../support/kubectl.js';

const versions = kubectlVersions();
const bin = versions.find((v) => v.name.startsWith('dispatcher'))?.path ?? versions[0]?.path;
const key1 = randomBytes(32).toString('base64');
const key2 = randomBytes(32).toString('base64');
const config = (providers: string) => `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
${providers}
`;
const gcm1 = `  - aesgcm:\n      keys:\n      - name: key1\n        secret: ${key1}\n`;
const cbc2 = `  - aescbc:\n      keys:\n      - name: key2\n        secret: ${key2}\n`;

describe('encryption at rest', { skip: bin ? false : 'no kubectl installed' }, () => {
  let srv: SkiffServer | undefined;
  let dataDir = '';
  const cfg = () => join(dataDir, 'encryption.yaml');
  const k = (args: string[], input?: string) => kubectlOk(bin!, srv!.kubeconfig, args, input);
  async function stored(): Promise<string> {
    const parts = await Promise.all(['state.db', 'state.db-wal'].map((f) => readFile(join(dataDir, 'db', f)).catch(() => Buffer.alloc(0))));
    return Buffer.concat(parts).toString('latin1');
  }

  before(async () => { dataDir = await mkdtemp(join(tmpdir(), 'skiff-enc-')); });
  after(async () => {
    await srv?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('stores Secrets encrypted, ConfigMaps in plaintext, and reads both back', async () => {
    await writeFile(cfg(), config(gcm1));
    srv = await startSkiffServer({ dataDir, args: ['--encryption-provider-config', cfg()] });
    await k(['create', 'secret', 'generic', 'db-pass', '--from-literal=password=hunter2-very-secret']);
    await k(['create', 'configmap', 'plain', '--from-literal=greeting=hello-in-the-clear']);
    const back = JSON.parse(await k(['get', 'secret', 'db-pass', '-o', 'json']));
    assert.equal(Buffer.from(back.data.password, 'base64').toString(), 'hunter2-very-secret');
    const bytes = await stored();
    assert.ok(bytes.includes('hello-in-the-clear'), 'the ConfigMap is stored as is (the raw read works)');
    assert.ok(!bytes.includes('hunter2-very-secret'), 'no plaintext secret');
    assert.ok(!bytes.includes(Buffer.from('hunter2-very-secret').toString('base64')), 'no base64 of it either');
    assert.ok(bytes.includes('k8s:enc:aesgcm:v1:key1:'), 'the stored value carries the provider prefix');
  });

  it('rotates keys: a new first key writes, the old one still reads', async () => {
    await srv!.stop({ keepData: true });
    await writeFile(cfg(), config(cbc2 + gcm1));
    srv = await startSkiffServer({ dataDir, args: ['--encryption-provider-config', cfg()] });
    const old = JSON.parse(await k(['get', 'secret', 'db-pass', '-o', 'json']));
    assert.equal(Buffer.from(old.data.password, 'base64').toString(), 'hunter2-very-secret');
    await k(['create', 'secret', 'generic', 'api-key', '--from-literal=key=rotated-secret-value']);
    const bytes = await stored();
    assert.ok(bytes.includes('k8s:enc:aescbc:v1:key2:'));
    assert.ok(!bytes.includes('rotated-secret-value'));
  });
});
