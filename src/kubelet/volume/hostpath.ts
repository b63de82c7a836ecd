/**
 * @module kubelet/volume/hostpath
 * The hostPath volume: a path on the node, checked (or made) according to its `type`, with the
 * kubelet's own messages (`hostPath type check failed: /x is not a directory`).
 */
import { promises as fs, constants } from 'node:fs';

async function lstatOrUndefined(p: string) {
  try { return await fs.stat(p); } catch { return undefined; }
}

/** checkType for a hostPath volume's `type` ('' or undefined: no check). */
export async function checkHostPathType(p: string, type: string | undefined): Promise<void> {
  const st = await lstatOrUndefined(p);
  switch (type ?? '') {
    case '': return;
    case 'DirectoryOrCreate':
    case 'Directory':
      if (!st && type === 'DirectoryOrCreate') { await fs.mkdir(p, { recursive: true, mode: 0o755 }); return; }
      if (!st?.isDirectory()) throw new Error(`hostPath type check failed: ${p} is not a directory`);
      return;
    case 'FileOrCreate':
    case 'File':
      if (!st && type === 'FileOrCreate') {
        const h = await fs.open(p, constants.O_CREAT | constants.O_RDWR, 0o644);
        await h.close();
        return;
      }
      if (!st?.isFile()) throw new Error(`hostPath type check failed: ${p} is not a file`);
      return;
    case 'Socket':
      if (!st?.isSocket()) throw new Error(`hostPath type check failed: ${p} is not a socket file`);
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw new Error(`hostPath type check failed: ${p} is not a character device`);
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw new Error(`hostPath type check failed: ${p} is not a block device`);
      return;
    default:
      throw new Error(`${type} is an invalid volume type`);
  }
}
