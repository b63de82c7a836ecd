/**
 * Unit tests: SPDY/3.1 frames and header blocks (including the shared zlib context across frames
 * and Go-style compressed blocks), and a session between two SpdyConnections over a socket pair.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import { constants as Z, createDeflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';
import { FrameReader, FrameType, HeaderCompressor, HeaderDecompressor, adler32, encodeData, encodePing, encodeSynStream, synStreamHeaderBlock, Flag } from './spdy-frames.js';
import { SpdyConnection, type SpdyStream } from './spdy-connection.js';

describe('SPDY/3.1 framing', () => {
  it('has the 1423-byte SPDY/3 dictionary', () => {
    assert.equal(SPDY3_DICTIONARY.length, 1423);
    assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
    assert.equal(SPDY3_DICTIONARY.subarray(-7).toString('latin1'), ',enq=0.');
  });

  it('round-trips header blocks across frames with one zlib context per direction', async () => {
    const c = new HeaderCompressor();
    const d = new HeaderDecompressor();
    const blocks: Record<string, string[]>[] = [{ streamtype: ['error'] }, { streamtype: ['data'], port: ['8080'], requestid: ['0'] }, {}, { multi: ['a', 'b'] }];
    for (const h of blocks) assert.deepEqual(await d.decode(c.encode(h)), h);
    d.close();
  });

  it('reads blocks a real deflater made with the dictionary (as Go writes them)', async () => {
    const z = createDeflate({ dictionary: SPDY3_DICTIONARY });
    const chunks: Buffer[] = [];
    z.on('data', (b: Buffer) => chunks.push(b));
    const block = (h: Record<string, string[]>) => new Promise<Buffer>((r) => {
      const raw: Buffer[] = [Buffer.alloc(4)];
      raw[0]!.writeUInt32BE(Object.keys(h).length);
      for (const [k, v] of Object.entries(h)) { const a = Buffer.alloc(4), b = Buffer.alloc(4); a.writeUInt32BE(k.length); b.writeUInt32BE(v.join('\0').length); raw.push(a, Buffer.from(k), b, Buffer.from(v.join('\0'))); }
      z.write(Buffer.concat(raw));
      z.flush(Z.Z_SYNC_FLUSH, () => { const out = Buffer.concat(chunks); chunks.length = 0; r(out); });
    });
    const d = new HeaderDecompressor();
    assert.deepEqual(await d.decode(await block({ streamtype: ['error'] })), { streamtype: ['error'] });
    assert.deepEqual(await d.decode(await block({ streamtype: ['stdout'] })), { streamtype: ['stdout'] });
    d.close(); z.close();
  });

  it('names the dictionary by its Adler-32 in the stream header', () => {
    const first = new HeaderCompressor().encode({});
    assert.equal(first[0], 0x78);
    assert.equal((first[0]! * 256 + first[1]!) % 31, 0);
    assert.equal(first.readUInt32BE(2), adler32(SPDY3_DICTIONARY));
  });

  it('splits a byte stream into frames however it arrives', () => {
    const c = new HeaderCompressor();
    const bytes = Buffer.concat([encodeSynStream(c, 1, { a: ['b'] }), encodeData(1, Buffer.from('hello')), encodeData(1, Buffer.alloc(0), Flag.FIN), encodePing(7)]);
    const r = new FrameReader();
    const frames = [];
    for (let i = 0; i < bytes.length; i += 3) frames.push(...r.push(bytes.subarray(i, i + 3)));
    assert.deepEqual(frames.map((f) => [f.control, f.type, f.streamId, f.flags]), [[true, FrameType.SYN_STREAM, 1, 0], [false, 0, 1, 0], [false, 0, 1, Flag.FIN], [true, FrameType.PING, 0, 0]]);
    assert.equal(frames[1]!.payload.toString(), 'hello');
    assert.ok(synStreamHeaderBlock(frames[0]!).length > 0);
  });
});

describe('SpdyConnection', () => {
  it('opens streams, moves data both ways with half-close, and answers pings', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const accepted = new Promise<SpdyConnection>((r) => srv.once('connection', (s) => r(new SpdyConnection(s, { server: true }))));
    const client = new SpdyConnection(connect((srv.address() as any).port, '127.0.0.1'), { server: false });
    const server = await accepted;
    server.on('stream', (s: SpdyStream) => {
      s.reply();
      let got = '';
      s.on('data', (b) => (got += b));
      s.on('end', () => s.end(`echo:${s.headers.streamtype?.[0]}:${got}`));
    });
    const st = await client.createStream({ streamtype: ['stdin'] });
    const reply = new Promise<string>((r) => { let o = ''; st.on('data', (b) => (o += b)); st.on('end', () => r(o)); });
    st.end('x'.repeat(100_000));
    assert.equal(await reply, `echo:stdin:${'x'.repeat(100_000)}`);
    assert.ok((await client.ping()) >= 0);
    client.close();
    await new Promise((r) => server.once('close', r));
    srv.close();
  });
});
