/**
 * @module images/tar-reader
 * Reads tar archives (ustar, PAX 'x' headers, GNU 'L'/'K' long names) into entries. `skiff image
 * import` needs it for OCI layouts and `docker save` archives packed as tar files.
 */
import type { TarEntry } from './tar.js';

/** A member read back from an archive; `type` also covers kinds the writer never makes. */
export interface ReadTarEntry extends Omit<TarEntry, 'type'> {
  type: TarEntry['type'] | 'other';
}

const BLOCK = 512;

/** Parse a whole tar archive held in memory. Throws on a bad header checksum. */
export function readTar(buf: Buffer): ReadTarEntry[] {
  const out: ReadTarEntry[] = [];
  let off = 0;
  let pax: Record<string, string> = {};
  let longName: string | undefined, longLink: string | undefined;
  while (off + BLOCK <= buf.length) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((x) => x === 0)) break;
    verifyChecksum(h, off);
    const typeflag = String.fromCharCode(h[156] || 0x30);
    const size = parseNumber(h.subarray(124, 136));
    const dataStart = off + BLOCK;
    const realSize = pax.size ? Number(pax.size) : size;
    const data = buf.subarray(dataStart, dataStart + realSize);
    off = dataStart + Math.ceil(realSize / BLOCK) * BLOCK;
    if (typeflag === 'x') { pax = { ...pax, ...parsePax(data) }; continue; }
    if (typeflag === 'g') continue;
    if (typeflag === 'L') { longName = cstr(data); continue; }
    if (typeflag === 'K') { longLink = cstr(data); continue; }
    const magicUstar = h.subarray(257, 262).toString('binary') === 'ustar';
    const prefix = magicUstar ? cstr(h.subarray(345, 500)) : '';
    let path = pax.path ?? longName ?? (prefix ? `${prefix}/${cstr(h.subarray(0, 100))}` : cstr(h.subarray(0, 100)));
    path = path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
    const linkname = pax.linkpath ?? longLink ?? cstr(h.subarray(157, 257));
    const type = typeflag === '0' || typeflag === '\0' || typeflag === '7' ? 'file'
      : typeflag === '5' ? 'dir' : typeflag === '2' ? 'symlink' : typeflag === '1' ? 'hardlink' : 'other';
    out.push({
      path, type, mode: parseNumber(h.subarray(100, 108)), uid: parseNumber(h.subarray(108, 116)),
      gid: parseNumber(h.subarray(116, 124)), mtime: pax.mtime ? Math.floor(Number(pax.mtime)) : parseNumber(h.subarray(136, 148)),
      data: type === 'file' ? Buffer.from(data) : undefined, linkname: linkname || undefined,
    });
    pax = {}; longName = undefined; longLink = undefined;
  }
  return out;
}

function verifyChecksum(h: Buffer, off: number): void {
  const want = parseNumber(h.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  if (sum !== want) throw new Error(`tar: bad header checksum at offset ${off}`);
}

/** Octal, NUL/space terminated; or GNU base-256 when the high bit is set. */
function parseNumber(f: Buffer): number {
  if (f[0] & 0x80) {
    let n = f[0] & 0x7f;
    for (let i = 1; i < f.length; i++) n = n * 256 + f[i];
    return n;
  }
  const s = f.toString('ascii').replace(/[\0 ].*$/s, '').trim();
  return s ? parseInt(s, 8) : 0;
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(data.subarray(i, sp).toString('ascii'), 10);
    if (!len) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

function cstr(b: Buffer): string {
  const z = b.indexOf(0);
  return b.subarray(0, z < 0 ? b.length : z).toString('utf8');
}
