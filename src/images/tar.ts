/**
 * @module images/tar
 * A small, deterministic tar writer (POSIX ustar, with PAX extended headers for names, link
 * targets or sizes that do not fit ustar's fields). Image layers are tar streams whose sha256 is
 * the layer's diff_id, so the same entries must always give the same bytes: nothing here reads
 * the clock, the host's user names or the order of a directory listing.
 */

/** One member of a tar stream. Paths are relative ("bin/sh"), without a leading "/" or "./". */
export interface TarEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  /** Permission bits including setuid/setgid/sticky, e.g. 0o755, 0o1777. */
  mode: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch; defaults to {@link DEFAULT_MTIME} so builds are reproducible. */
  mtime?: number;
  /** File contents (type 'file'). */
  data?: Buffer;
  /** Target of a symlink, or the path of an earlier member for a hardlink. */
  linkname?: string;
}

/** The fixed modification time given to every entry without one (the epoch, as reproducible builds use). */
export const DEFAULT_MTIME = 0;

const BLOCK = 512;
const TYPEFLAG: Record<TarEntry['type'], string> = { file: '0', hardlink: '1', symlink: '2', dir: '5' };

/** Serialize entries, in the given order, into a complete tar archive (ending in two zero blocks). */
export function writeTar(entries: Iterable<TarEntry>): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) appendEntry(parts, e);
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function appendEntry(parts: Buffer[], e: TarEntry): void {
  const name = normalizePath(e.path, e.type === 'dir');
  const linkname = e.linkname ?? '';
  const data = e.type === 'file' ? (e.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
  const pax: Record<string, string> = {};
  const split = splitUstarName(name);
  if (!split) pax.path = name;
  if (Buffer.byteLength(linkname) > 100) pax.linkpath = linkname;
  if (data.length > 0o77777777777) pax.size = String(data.length);
  if (Object.keys(pax).length) {
    const body = paxRecords(pax);
    // The extended header's own name is informational; keep it short and stable.
    parts.push(header({ name: 'PaxHeader', prefix: '', mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: e.mtime ?? DEFAULT_MTIME, typeflag: 'x', linkname: '' }));
    parts.push(padded(body));
  }
  const [prefix, base] = split ?? ['', truncateBytes(name, 100)];
  parts.push(header({
    name: base, prefix, mode: e.mode & 0o7777, uid: e.uid ?? 0, gid: e.gid ?? 0,
    size: data.length > 0o77777777777 ? 0 : data.length, mtime: e.mtime ?? DEFAULT_MTIME,
    typeflag: TYPEFLAG[e.type], linkname: truncateBytes(linkname, 100),
  }));
  if (data.length) parts.push(padded(data));
}

/** Directories end in "/" in tar, as GNU tar writes them; leading "/" and "./" are dropped. */
function normalizePath(p: string, isDir: boolean): string {
  let n = p.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
  if (!n) throw new Error(`tar: empty path for entry "${p}"`);
  if (isDir) n += '/';
  return n;
}

/** ustar splits a long name at a "/" into prefix (155 bytes) and name (100 bytes); null if it cannot. */
function splitUstarName(name: string): [string, string] | null {
  if (/[^\x00-\x7f]/.test(name)) return null; // non-ASCII goes to PAX, which is UTF-8 by definition
  if (name.length <= 100) return ['', name];
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/' || i === name.length - 1) continue;
    const prefix = name.slice(0, i), base = name.slice(i + 1);
    if (prefix.length <= 155 && base.length <= 100 && base.length > 0) return [prefix, base];
    if (base.length > 100) return null;
  }
  return null;
}

/** PAX records are "LEN key=value\n", where LEN counts the whole record including its own digits. */
function paxRecords(kv: Record<string, string>): Buffer {
  let out = '';
  for (const [k, v] of Object.entries(kv)) {
    const rest = ` ${k}=${v}\n`;
    const restLen = Buffer.byteLength(rest);
    let len = restLen + String(restLen).length;
    if (String(len).length !== String(restLen).length) len = restLen + String(len).length;
    out += `${len}${rest}`;
  }
  return Buffer.from(out, 'utf8');
}

interface Header { name: string; prefix: string; mode: number; uid: number; gid: number; size: number; mtime: number; typeflag: string; linkname: string }

function header(h: Header): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(h.name, 0, 100, 'utf8');
  octal(b, 100, 8, h.mode);
  octal(b, 108, 8, h.uid);
  octal(b, 116, 8, h.gid);
  octal(b, 124, 12, h.size);
  octal(b, 136, 12, h.mtime);
  b.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  b.write(h.typeflag, 156, 1, 'ascii');
  b.write(h.linkname, 157, 100, 'utf8');
  b.write('ustar\x0000', 257, 8, 'binary');
  b.write(h.uid === 0 ? 'root' : '', 265, 32, 'ascii');
  b.write(h.gid === 0 ? 'root' : '', 297, 32, 'ascii');
  octal(b, 329, 8, 0);
  octal(b, 337, 8, 0);
  b.write(h.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i];
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return b;
}

/** A NUL-terminated, zero-padded octal number filling `len` bytes. */
function octal(b: Buffer, off: number, len: number, n: number): void {
  const s = Math.max(0, Math.floor(n)).toString(8);
  if (s.length > len - 1) throw new Error(`tar: value ${n} does not fit a ${len}-byte field`);
  b.write(s.padStart(len - 1, '0') + '\0', off, len, 'ascii');
}

function padded(data: Buffer): Buffer {
  const rem = data.length % BLOCK;
  return rem ? Buffer.concat([data, Buffer.alloc(BLOCK - rem)]) : data;
}

function truncateBytes(s: string, max: number): string {
  const b = Buffer.from(s, 'utf8');
  return b.length <= max ? s : b.subarray(0, max).toString('utf8');
}
