/**
 * @module apiserver/endpoints/openapi-proto/negotiate
 * Content negotiation for `/openapi/v2` as kube-openapi does it: the Accept clauses sorted by
 * quality (then specificity), the first one that matches JSON or either protobuf media type wins,
 * no match is a bare 406. Also the protobuf body, made once per built JSON document and sent with
 * the JSON document's ETag (Kubernetes computes one ETag from the JSON and uses it for both).
 */
import type { ServerResponse } from 'node:http';
import type { Req, Res } from '../response.js';
import { encodeOpenAPIV2Protobuf, OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_DEPRECATED } from './index.js';

export interface OpenAPIV2Choice { format: 'json' | 'protobuf'; contentType: string }

/** What a request may get, in kube-openapi's order; the deprecated `@` type is answered with the dotted one. */
const OFFERED: Array<[type: string, subtype: string, choice: OpenAPIV2Choice]> = [
  ['application', 'json', { format: 'json', contentType: 'application/json' }],
  ['application', OPENAPI_V2_PROTOBUF_DEPRECATED.split('/')[1], { format: 'protobuf', contentType: OPENAPI_V2_PROTOBUF }],
  ['application', OPENAPI_V2_PROTOBUF.split('/')[1], { format: 'protobuf', contentType: OPENAPI_V2_PROTOBUF }],
];

interface Clause { type: string; subtype: string; q: number; params: number }

/** Accept clauses, best first: higher q, then concrete types before wildcards, then more parameters. */
function parseAccept(header: string): Clause[] {
  const out: Clause[] = [];
  for (const part of header.split(',')) {
    const [range, ...params] = part.split(';').map((s) => s.trim());
    if (!range) continue;
    let [type, subtype] = range.split('/');
    if (subtype === undefined) { if (type !== '*') continue; subtype = '*'; }
    let q = 1;
    let n = 0;
    for (const p of params) {
      const [k, v] = p.split('=').map((s) => s.trim());
      if (k === 'q') q = Number(v); else n++;
    }
    if (!(q > 0)) continue;
    out.push({ type: type.toLowerCase(), subtype: subtype.toLowerCase(), q, params: n });
  }
  const rank = (c: Clause) => [c.q, c.type === '*' ? 0 : 1, c.subtype === '*' ? 0 : 1, c.params];
  return out.sort((a, b) => {
    const ra = rank(a), rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return rb[i] - ra[i];
    return 0;
  });
}

/** The representation to serve for an Accept header (absent means anything), or null for 406. */
export function negotiateOpenAPIV2(accept: string | string[] | undefined): OpenAPIV2Choice | null {
  const header = (Array.isArray(accept) ? accept.join(',') : accept) || '*/*';
  for (const c of parseAccept(header)) {
    for (const [type, subtype, choice] of OFFERED) {
      if ((c.type === type || c.type === '*') && (c.subtype === subtype.toLowerCase() || c.subtype === '*')) return choice;
    }
  }
  return null;
}

/** Keyed by the cached JSON document: a rebuilt document (CRD change) is a new key, so no stale body. */
const encoded = new WeakMap<object, Buffer>();

/** The protobuf body for a built JSON document, encoded from the very JSON text that is served. */
export function protobufFor(doc: { text: string }): Buffer {
  let pb = encoded.get(doc);
  if (!pb) { pb = encodeOpenAPIV2Protobuf(JSON.parse(doc.text)); encoded.set(doc, pb); }
  return pb;
}

/** Send the protobuf document with the JSON document's ETag; a matching If-None-Match gets 304. */
export function sendOpenAPIV2Protobuf(req: Req, res: Res, doc: { text: string; etag: string }, contentType: string): void {
  const r = res as ServerResponse;
  const inm = req.headers['if-none-match'];
  if (typeof inm === 'string' && inm.replace(/"/g, '') === doc.etag) {
    r.writeHead(304, { ETag: `"${doc.etag}"`, Vary: 'Accept' });
    r.end();
    return;
  }
  const body = protobufFor(doc);
  r.writeHead(200, {
    'Content-Type': contentType, 'Content-Length': String(body.length), ETag: `"${doc.etag}"`,
    'Cache-Control': 'no-cache, private', Vary: 'Accept',
  });
  r.end(body);
}

/** A bare 406, as kube-openapi answers an Accept it cannot serve. */
export function notAcceptable(res: Res): void {
  const r = res as ServerResponse;
  r.writeHead(406, { Vary: 'Accept' });
  r.end();
}
