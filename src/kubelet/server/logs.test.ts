/** Unit tests: CRI log lines, partial lines joined, and the PodLogOptions on whole lines. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRILogDecoder, logOptionsFromQuery, parseCRILogLine, readCRILog } from './logs.js';

const FILE = [
  '2026-01-01T00:00:00.000000001Z stdout F one',
  '2026-01-01T00:00:10Z stderr F two',
  '2026-01-01T00:00:20Z stdout P thr',
  '2026-01-01T00:00:21Z stdout F ee',
  '2026-01-01T00:00:30Z stdout P tail-partial',
  '',
].join('\n');

async function read(q: string, now = Date.parse('2026-01-01T00:00:40Z')): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-logs-'));
  try {
    await writeFile(join(dir, 'c.log'), FILE);
    const out = new PassThrough();
    let s = '';
    out.on('data', (b) => (s += b));
    await readCRILog(join(dir, 'c.log'), logOptionsFromQuery(new URLSearchParams(q), now), out, async () => false);
    return s;
  } finally { await rm(dir, { recursive: true, force: true }); }
}

describe('CRI logs', () => {
  it('parses a line', () => {
    assert.deepEqual(parseCRILogLine('2026-01-01T00:00:00Z stderr P a b'), { time: '2026-01-01T00:00:00Z', stream: 'stderr', partial: true, text: 'a b' });
    assert.equal(parseCRILogLine('garbage'), undefined);
  });
  it('joins partial lines, even across chunks', () => {
    const d = new CRILogDecoder();
    const a = d.push(FILE.slice(0, 70));
    const b = d.push(FILE.slice(70));
    assert.deepEqual([...a, ...b, ...d.flush()].map((l) => l.text), ['one\n', 'two\n', 'three\n', 'tail-partial']);
  });
  it('applies the options', async () => {
    assert.equal(await read(''), 'one\ntwo\nthree\ntail-partial');
    assert.equal(await read('tailLines=2'), 'three\ntail-partial');
    assert.equal(await read('tailLines=0'), '');
    assert.equal(await read('timestamps=true&tailLines=1'), '2026-01-01T00:00:30Z tail-partial');
    assert.equal(await read('limitBytes=6'), 'one\ntw');
    assert.equal(await read('sinceTime=2026-01-01T00:00:15Z'), 'three\ntail-partial');
    assert.equal(await read('sinceSeconds=15'), 'tail-partial');
  });
  it('rejects bad options as the API does', () => {
    assert.throws(() => logOptionsFromQuery(new URLSearchParams('tailLines=-1')), /tailLines/);
    assert.throws(() => logOptionsFromQuery(new URLSearchParams('sinceSeconds=1&sinceTime=2026-01-01T00:00:00Z')), /at most one/);
  });
});
