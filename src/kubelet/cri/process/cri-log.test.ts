/**
 * @module kubelet/cri/process/cri-log.test
 * The CRI log shipper: whole lines as `F`, over-long lines split into `P` pieces, a last line with
 * no newline held until the process ends, and a new shipper resuming from saved offsets.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriLogShipper, rfc3339Nano } from './cri-log.js';
import { parseCriLog } from '../testing/contract.js';

describe('CriLogShipper', () => {
  it('formats RFC3339 times with nanoseconds in UTC', () => {
    assert.match(rfc3339Nano(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  it('ships lines, splits long ones, holds a partial line until final, and resumes from offsets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cri-log-'));
    try {
      const raw = { stdout: join(dir, 'out'), stderr: join(dir, 'err') };
      const log = join(dir, 'c', '0.log');
      await writeFile(raw.stdout, `one\n${'x'.repeat(20_000)}\npart`);
      await writeFile(raw.stderr, 'bad\n');
      const offsets = { stdout: 0, stderr: 0 };
      await new CriLogShipper(raw, log, offsets).pump();
      let recs = parseCriLog(await readFile(log, 'utf8'));
      assert.deepEqual(recs.map((r) => [r.stream, r.tag, r.content.length]), [['stdout', 'F', 3], ['stdout', 'P', 16384], ['stdout', 'F', 3616], ['stderr', 'F', 3]]);
      assert.equal(offsets.stdout, 4 + 20_001, 'the partial line is not consumed');

      // A new shipper (a restarted agent) carries on from the offsets.
      await appendFile(raw.stdout, 'ial');
      await new CriLogShipper(raw, log, offsets).pump(true);
      recs = parseCriLog(await readFile(log, 'utf8'));
      assert.deepEqual(recs.at(-1), { ...recs.at(-1)!, stream: 'stdout', tag: 'F', content: 'partial' });
      assert.equal(recs.length, 5);
    } finally { await rm(dir, { recursive: true, force: true }); }
  });
});
