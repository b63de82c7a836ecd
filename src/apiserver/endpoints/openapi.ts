/**
 * @module apiserver/endpoints/openapi
 * `/openapi/v2` (Swagger 2.0, one document) and `/openapi/v3` (an index, then one OpenAPI 3.0
 * document per group-version), generated from the kinds' schemas. kubectl needs them for apply,
 * explain and client-side validation. Documents are built once and rebuilt when CRDs change.
 */
import { createHash } from 'node:crypto';
import { StatusError } from '../../machinery/status.js';
import { buildOpenAPIV2, buildOpenAPIV3Index, buildOpenAPIV3, invalidate as invalidateSchemaDocs } from '../../api/schema/openapi.js';
import { writeJSONText, type Req, type Res } from './response.js';
import { negotiateOpenAPIV2, sendOpenAPIV2Protobuf, notAcceptable } from './openapi-proto/negotiate.js';

let v2: { text: string; etag: string } | null = null;
const v3 = new Map<string, { text: string; etag: string }>();
let v3Index: string | null = null;

/** Drop the built documents (a CRD was added, changed or removed). */
export function invalidateOpenAPI(): void {
  invalidateSchemaDocs();
  v2 = null;
  v3.clear();
  v3Index = null;
}

function etagOf(text: string): string {
  return createHash('sha512').update(text).digest('hex').slice(0, 32).toUpperCase();
}

function send(req: Req, res: Res, doc: { text: string; etag: string }, immutable: boolean): void {
  const inm = req.headers['if-none-match'];
  if (inm && inm.replace(/"/g, '') === doc.etag) {
    (res as any).writeHead(304, { ETag: `"${doc.etag}"` });
    (res as any).end();
    return;
  }
  (res as any).writeHead(200, {
    'Content-Type': 'application/json', ETag: `"${doc.etag}"`,
    'Cache-Control': immutable ? 'public, immutable' : 'no-cache, private', Vary: 'Accept',
  });
  (res as any).end(doc.text);
}

export function serveOpenAPI(segs: string[], url: URL, req: Req, res: Res): void {
  if (segs[0] === 'v2' && segs.length === 1) {
    // JSON or the gnostic protobuf (kubectl 1.27 asks only for the latter), negotiated as kube-openapi does.
    const choice = negotiateOpenAPIV2(req.headers['accept']);
    if (!choice) return notAcceptable(res);
    if (!v2) { const text = JSON.stringify(buildOpenAPIV2()); v2 = { text, etag: etagOf(text) }; }
    if (choice.format === 'protobuf') return sendOpenAPIV2Protobuf(req, res, v2, choice.contentType);
    return send(req, res, v2, false);
  }
  const accept = String(req.headers['accept'] ?? '');
  if (/protobuf/.test(accept) && !/json|\*\/\*/.test(accept)) throw new StatusError(406, 'NotAcceptable', 'only application/json is served');
  if (segs[0] === 'v3') {
    if (segs.length === 1) {
      if (!v3Index) {
        const idx = buildOpenAPIV3Index() as { paths: Record<string, { serverRelativeURL: string }> };
        // Each entry carries the hash of its document, as Kubernetes does, so clients can cache them forever.
        for (const [gv, entry] of Object.entries(idx.paths)) {
          const doc = documentFor(gv);
          if (doc) entry.serverRelativeURL = `/openapi/v3/${gv}?hash=${doc.etag}`;
        }
        v3Index = JSON.stringify(idx);
      }
      return writeJSONText(res, 200, v3Index);
    }
    const gv = segs.slice(1).join('/');
    const doc = documentFor(gv);
    if (!doc) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    return send(req, res, doc, url.searchParams.has('hash'));
  }
  throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
}

function documentFor(gv: string): { text: string; etag: string } | null {
  let d = v3.get(gv);
  if (d) return d;
  const obj = buildOpenAPIV3(gv);
  if (!obj) return null;
  const text = JSON.stringify(obj);
  d = { text, etag: etagOf(text) };
  v3.set(gv, d);
  return d;
}
