import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { containerdConfigToml, containerdLayout, hostsToml, isLoopbackRegistry, writeContainerdConfig } from './config.js';

test('everything of a managed containerd lives under its dir, runc state included', () => {
  const l = containerdLayout('/data/containerd');
  for (const p of [l.root, l.state, l.socket, l.configFile, l.certsDir, l.runcRoot, l.logFile]) assert.ok(p.startsWith('/data/containerd/'), p);
  assert.ok(l.runcRoot.startsWith(l.state));
});

test('config.toml: version 2, CRI with sandbox image, CNI dirs, runc on cgroupfs, overlayfs, certs.d, loopback streaming', () => {
  const l = containerdLayout('/d');
  const t = containerdConfigToml(l, { sandboxImage: '127.0.0.1:5000/skiff/pause:3.9', cniConfDir: '/d/cni' });
  for (const line of [
    'version = 2', 'root = "/d/root"', 'state = "/d/state"', 'address = "/d/containerd.sock"',
    'sandbox_image = "127.0.0.1:5000/skiff/pause:3.9"', 'bin_dir = "/usr/lib/cni"', 'conf_dir = "/d/cni"',
    'snapshotter = "overlayfs"', 'default_runtime_name = "runc"', 'runtime_type = "io.containerd.runc.v2"',
    'SystemdCgroup = false', 'Root = "/d/state/runc"', 'config_path = "/d/certs.d"',
    'stream_server_address = "127.0.0.1"', 'stream_server_port = "0"', 'restrict_oom_score_adj = true',
    'netns_mounts_under_state_dir = true',
  ]) assert.ok(t.includes(line), `missing: ${line}`);
  assert.match(t, /disabled_plugins = \[.*"io\.containerd\.internal\.v1\.opt".*"io\.containerd\.snapshotter\.v1\.btrfs"/);
});

test('hosts.toml: plain http for loopback registries, https otherwise, pull and resolve only', () => {
  assert.equal(isLoopbackRegistry('127.0.0.1:5000'), true);
  assert.equal(isLoopbackRegistry('localhost:5000'), true);
  assert.equal(isLoopbackRegistry('registry.example.com'), false);
  assert.equal(hostsToml('127.0.0.1:5000'), 'server = "http://127.0.0.1:5000"\n\n[host."http://127.0.0.1:5000"]\n  capabilities = ["pull", "resolve"]\n');
  assert.match(hostsToml('registry.example.com'), /^server = "https:\/\/registry\.example\.com"/);
});

test('containerd itself accepts the written config (config dump)', { skip: !existsSync('/usr/bin/containerd') && 'containerd not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-ctdcfg-'));
  try {
    const l = containerdLayout(dir);
    writeContainerdConfig(l, { sandboxImage: '127.0.0.1:5000/skiff/pause:3.9', cniConfDir: join(dir, 'cni'), registries: ['127.0.0.1:5000'] });
    assert.ok(readFileSync(join(l.certsDir, '127.0.0.1:5000', 'hosts.toml'), 'utf8').includes('http://127.0.0.1:5000'));
    const dump = execFileSync('containerd', ['--config', l.configFile, 'config', 'dump'], { encoding: 'utf8' });
    assert.match(dump, /sandbox_image = "127\.0\.0\.1:5000\/skiff\/pause:3\.9"/);
    assert.match(dump, new RegExp(`Root = "${l.runcRoot}"`));
    assert.match(dump, /restrict_oom_score_adj = true/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a registry given as HOST=URL is pulled through that mirror', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-ctdcfg-'));
  try {
    const l = containerdLayout(dir);
    writeContainerdConfig(l, { sandboxImage: 'x', cniConfDir: join(dir, 'cni'), registries: ['127.0.0.1:5000=http://172.30.0.1:5001'] });
    assert.equal(readFileSync(join(l.certsDir, '127.0.0.1:5000', 'hosts.toml'), 'utf8'),
      'server = "http://172.30.0.1:5001"\n\n[host."http://172.30.0.1:5001"]\n  capabilities = ["pull", "resolve"]\n');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
