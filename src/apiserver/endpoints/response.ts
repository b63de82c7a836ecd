/**
 * @module apiserver/endpoints/response
 * Writing responses: JSON objects, Status errors, Warning headers (RFC 7234 `299 - "text"`, as
 * Kubernetes sends them and kubectl prints them).
 */
import type { ServerResponse, IncomingMessage } from 'node:http';
import type { Http2ServerResponse, Http2ServerRequest } from 'node:http2';
import { StatusError, internalError, type StatusObject } from '../../machinery/status.js';

export type Req = IncomingMessage | Http2ServerRequest;
export type Res = ServerResponse | Http2ServerResponse;

function warningHeader(warnings: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const w of warnings) {
    if (seen.has(w)) continue;
    seen.add(w);
    // Header values must be visible ASCII: escape everything else the way Go's %q would.
    const q = JSON.stringify(w.replace(/[\r\n]/g, ' ')).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    out.push(`299 - ${q}`);
  }
  return out;
}

export function writeJSONText(res: Res, code: number, body: string, warnings?: string[], contentType = 'application/json'): void {
  const headers: Record<string, string | string[]> = { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private' };
  if (warnings?.length) headers['Warning'] = warningHeader(warnings);
  (res as ServerResponse).writeHead(code, headers);
  (res as ServerResponse).end(body);
}

export function writeJSON(res: Res, code: number, obj: unknown, warnings?: string[]): void {
  writeJSONText(res, code, JSON.stringify(obj), warnings);
}

export function toStatusError(e: unknown): StatusError {
  if (e instanceof StatusError) return e;
  return internalError(e);
}

export function writeError(res: Res, e: unknown, warnings?: string[]): void {
  const se = toStatusError(e);
  if (se.code >= 500 && !(e instanceof StatusError)) console.error('skiff apiserver: internal error:', e);
  if (res.headersSent) { try { (res as ServerResponse).end(); } catch { /* already closed */ } return; }
  const st: StatusObject = se.toStatus();
  writeJSON(res, se.code, st, warnings);
}

/** The Status returned by a delete that does not return the object. */
export function successStatus(details: { name: string; group?: string; kind: string; uid?: string }): StatusObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { ...details, group: details.group || undefined } as any, code: 200 } as StatusObject;
}

export function readBody(req: Req, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const r = req as NodeJS.ReadableStream & { destroy?(): void };
    r.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) { reject(new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`)); r.removeAllListeners('data'); r.resume(); return; }
      chunks.push(c);
    });
    r.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    r.on('error', reject);
  });
}
