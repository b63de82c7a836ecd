import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCSV, loadTokenFile, tokenFileAuthenticator } from './token-file.js';

test('parseCSV follows encoding/csv', () => {
  assert.deepEqual(parseCSV('a,b,c\n\n"x,y","q""q",\r\nlast'), [['a', 'b', 'c'], ['x,y', 'q"q', ''], ['last']]);
  assert.deepEqual(parseCSV('a,"multi\nline",c\n'), [['a', 'multi\nline', 'c']]);
  assert.throws(() => parseCSV('a,b"c,d'), /bare "/);
  assert.throws(() => parseCSV('a,"b"c,d'), /extraneous or missing "/);
  assert.throws(() => parseCSV('a,"bc'), /extraneous or missing "/);
});

test('token file users, groups and system:authenticated', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokfile-'));
  try {
    const p = join(dir, 'tokens.csv');
    writeFileSync(p, 'tok1,alice,1001,"dev,ops"\ntok2,bob,1002\n,empty,9\ntok3,carol,1003,admins\ntok3,dave,1004\n');
    const a = loadTokenFile(p);
    assert.deepEqual(await a.authenticateToken('tok1', ['api']), {
      user: { name: 'alice', uid: '1001', groups: ['dev', 'ops', 'system:authenticated'] }, audiences: ['api'],
    });
    assert.deepEqual((await a.authenticateToken('tok2', []))!.user, { name: 'bob', uid: '1002', groups: ['system:authenticated'] });
    assert.equal((await a.authenticateToken('tok3', []))!.user.name, 'dave', 'the last line of a repeated token wins');
    assert.equal(await a.authenticateToken('nope', []), null);
    assert.equal(await a.authenticateToken('', []), null);
    // The result is a copy: callers cannot change the table.
    (await a.authenticateToken('tok1', []))!.user.groups.push('system:masters');
    assert.deepEqual((await a.authenticateToken('tok1', []))!.user.groups, ['dev', 'ops', 'system:authenticated']);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a record with fewer than 3 columns stops loading', () => {
  assert.throws(() => tokenFileAuthenticator('tok,user\n', '/etc/t.csv'),
    /token file '\/etc\/t.csv' must have at least 3 columns \(token, user name, user uid\), found 2/);
  assert.throws(() => loadTokenFile('/nonexistent/tokens.csv'), /ENOENT/);
});
