import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DashboardFiles, isDashboardPath } from './static.js';

test('dashboard files: index for app paths, hashed assets cached, nothing outside the folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-dash-static-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<meta name="skiff-auth" content="token"><div id="root"></div>');
  await writeFile(join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
  await writeFile(join(tmpdir(), 'skiff-dash-secret.txt'), 'secret');
  const files = new DashboardFiles(dir + '/', 'proxy');
  const srv = createServer((req, res) => { void files.serve(req.url!.split('?')[0]!, req, res); /* raw, as the API server passes it */ });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  try {
    const index = await fetch(`${base}/dashboard/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.match(await index.text(), /content="proxy"/, 'the proxy tells the page it holds the credentials');
    assert.equal((await fetch(`${base}/dashboard/services`)).status, 200, 'an app path gets the page');
    const asset = await fetch(`${base}/dashboard/assets/app-1234.js`);
    assert.match(asset.headers.get('content-type')!, /^text\/javascript/);
    assert.match(asset.headers.get('cache-control')!, /immutable/);
    const redirect = await fetch(`${base}/dashboard`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/dashboard/');
    assert.equal((await fetch(`${base}/dashboard/%2e%2e/skiff-dash-secret.txt`)).status, 404);
    assert.equal((await fetch(`${base}/dashboard/missing.js`)).status, 404);
    assert.equal((await fetch(`${base}/dashboard/`, { method: 'POST' })).status, 405);
  } finally {
    srv.close();
    await rm(dir, { recursive: true, force: true });
    await rm(join(tmpdir(), 'skiff-dash-secret.txt'), { force: true });
  }
  assert.ok(isDashboardPath('/dashboard') && isDashboardPath('/dashboard/x'));
  assert.ok(!isDashboardPath('/dashboards') && !isDashboardPath('/api/v1/dashboard'));
});
