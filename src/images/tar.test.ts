import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTar, type TarEntry } from './tar.js';
import { readTar } from './tar-reader.js';

const longDir = 'a'.repeat(90) + '/' + 'b'.repeat(90);           // 181 bytes: fits ustar prefix+name
const longComponent = 'c'.repeat(180);                            // one component > 100: needs PAX
const longTarget = '/' + 'd'.repeat(60) + '/' + 'e'.repeat(60);   // symlink target > 100: PAX linkpath

const ENTRIES: TarEntry[] = [
  { path: 'bin', type: 'dir', mode: 0o755 },
  { path: 'bin/tool', type: 'file', mode: 0o4755, data: Buffer.from('#!/bin/sh\necho hi\n') },
  { path: 'bin/link', type: 'symlink', mode: 0o777, linkname: 'tool' },
  { path: 'bin/hard', type: 'hardlink', mode: 0o4755, linkname: 'bin/tool' },
  { path: 'tmp', type: 'dir', mode: 0o1777 },
  { path: 'etc/owned', type: 'file', mode: 0o600, uid: 1000, gid: 2000, mtime: 1_700_000_000, data: Buffer.from('secret') },
  { path: longDir, type: 'dir', mode: 0o750 },
  { path: `${longDir}/file.txt`, type: 'file', mode: 0o644, data: Buffer.alloc(1000, 0x61) },
  { path: longComponent, type: 'file', mode: 0o640, data: Buffer.from('long') },
  { path: 'far', type: 'symlink', mode: 0o777, linkname: longTarget },
  { path: 'ünïcode.txt', type: 'file', mode: 0o644, data: Buffer.from('utf8') },
  { path: 'empty', type: 'file', mode: 0o644 },
];

test('host tar lists and extracts what the writer wrote', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-tar-test-'));
  try {
    const tarFile = join(dir, 'x.tar');
    writeFileSync(tarFile, writeTar(ENTRIES));
    const listing = execFileSync('tar', ['-tvf', tarFile], { encoding: 'utf8' });
    assert.match(listing, /^-rwsr-xr-x root\/root\s+18 1970-01-01 00:00 bin\/tool$/m);
    assert.match(listing, /^drwxrwxrwt root\/root\s+0 .* tmp\/$/m);
    assert.match(listing, /^-rw------- 1000\/2000\s+6 2023-11-1\d .* etc\/owned$/m);
    assert.match(listing, /bin\/link -> tool$/m);
    assert.match(listing, /bin\/hard link to bin\/tool$/m);
    assert.ok(listing.includes(`${longDir}/file.txt`));
    assert.ok(listing.includes(longComponent));
    assert.ok(listing.includes(`far -> ${longTarget}`));
    assert.ok(listing.includes('ünïcode.txt'));
    const out = join(dir, 'out');
    execFileSync('mkdir', [out]);
    execFileSync('tar', ['-xf', tarFile, '-C', out, '--same-owner', '--same-permissions']);
    assert.equal(lstatSync(join(out, 'bin/tool')).mode & 0o7777, 0o4755);
    assert.equal(readFileSync(join(out, 'bin/tool'), 'utf8'), '#!/bin/sh\necho hi\n');
    assert.equal(readlinkSync(join(out, 'bin/link')), 'tool');
    assert.equal(lstatSync(join(out, 'bin/hard')).ino, lstatSync(join(out, 'bin/tool')).ino);
    assert.equal(lstatSync(join(out, 'tmp')).mode & 0o7777, 0o1777);
    const owned = lstatSync(join(out, 'etc/owned'));
    if (process.getuid?.() === 0) { assert.equal(owned.uid, 1000); assert.equal(owned.gid, 2000); }
    assert.equal(owned.mtimeMs / 1000, 1_700_000_000);
    assert.equal(readFileSync(join(out, longDir, 'file.txt')).length, 1000);
    assert.equal(readFileSync(join(out, longComponent), 'utf8'), 'long');
    assert.equal(readlinkSync(join(out, 'far')), longTarget);
    assert.equal(readFileSync(join(out, 'ünïcode.txt'), 'utf8'), 'utf8');
    assert.equal(lstatSync(join(out, 'empty')).size, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the reader reads back every entry, including PAX long names and link targets', () => {
  const back = readTar(writeTar(ENTRIES));
  assert.equal(back.length, ENTRIES.length);
  for (const [i, e] of ENTRIES.entries()) {
    const b = back[i];
    assert.equal(b.path, e.path);
    assert.equal(b.type, e.type);
    assert.equal(b.mode, e.mode);
    assert.equal(b.uid, e.uid ?? 0);
    assert.equal(b.mtime, e.mtime ?? 0);
    if (e.type === 'file') assert.deepEqual(b.data, e.data ?? Buffer.alloc(0));
    if (e.linkname) assert.equal(b.linkname, e.linkname);
  }
});

test('the reader reads archives made by the host tar (GNU format long names)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-tar-test-'));
  try {
    execFileSync('mkdir', ['-p', join(dir, 'src', longComponent)]);
    writeFileSync(join(dir, 'src', longComponent, 'f'), 'x');
    const tar = execFileSync('tar', ['--format=gnu', '-cf', '-', '-C', join(dir, 'src'), '.']);
    const names = readTar(tar).map((e) => e.path);
    assert.ok(names.includes(`${longComponent}/f`), names.join(','));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('output is deterministic and block-aligned; a corrupt header is refused', () => {
  const a = writeTar(ENTRIES), b = writeTar(ENTRIES);
  assert.ok(a.equals(b));
  assert.equal(a.length % 512, 0);
  const bad = Buffer.from(a);
  bad[0] ^= 1;
  assert.throws(() => readTar(bad), /bad header checksum/);
});
