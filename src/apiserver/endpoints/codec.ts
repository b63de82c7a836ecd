/**
 * @module apiserver/endpoints/codec
 * Request bodies in (JSON or YAML, with strict-decoding checks) and responses out (JSON, or a
 * server-side Table when the client asks for `as=Table`). Protobuf is not served; clients that ask
 * for it also accept JSON, as every Kubernetes client does.
 */
import { parseDocument } from 'yaml';
import { decodeKubernetesProtobuf } from './protobuf/index.js';
import { StatusError, badRequest, unsupportedMediaType, notAcceptable } from '../../machinery/status.js';
import { findDuplicateKeys, mayHaveDuplicateKeys, JSONDepthError, MAX_JSON_DEPTH } from '../../machinery/json-scan.js';

export interface Decoded { obj: any; duplicates: string[] }

function mediaType(contentType: string | undefined): string {
  return (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
}

/** Decode a body of the given content type. `what` names the target for error messages. */
export function decodeBody(body: Buffer, contentType: string | undefined, what = 'the request body'): Decoded {
  const mt = mediaType(contentType);
  const text = body.toString('utf8');
  if (mt === 'application/json' || mt.endsWith('+json') || mt === '*/*' || mt === '') {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw badRequest(`${what} could not be decoded: ${(e as Error).message}`);
    }
    try {
      return { obj, duplicates: text.length < 4 || mayHaveDuplicateKeys(text, obj) === false ? [] : findDuplicateKeys(text) };
    } catch (e) {
      if (e instanceof JSONDepthError) throw badRequest(`${what} could not be decoded: ${e.message}`);
      throw e;
    }
  }
  if (mt === 'application/yaml' || mt.endsWith('+yaml') || mt === 'text/yaml') {
    // JSON is YAML: take the fast, bounded JSON path when the body is JSON (kubectl sends JSON
    // even for apply-patch+yaml), and refuse absurdly deep flow collections before the YAML parser sees them.
    const head = text.trimStart()[0];
    if (head === '{' || head === '[') {
      try { return decodeBody(body, 'application/json', what); } catch (e) { if (!(e instanceof StatusError) || !/max depth/.test(e.message)) { /* not JSON after all: parse as YAML */ } else throw e; }
    }
    if (flowDepth(text) > MAX_JSON_DEPTH) throw badRequest(`${what} could not be decoded: yaml: exceeded max depth`);
    const doc = parseDocument(text, { uniqueKeys: false, strict: true, prettyErrors: false });
    if (doc.errors.length) throw badRequest(`${what} could not be decoded: yaml: ${doc.errors[0].message}`);
    const duplicates: string[] = [];
    collectYamlDuplicates(doc.contents, '', duplicates);
    return { obj: doc.toJS({ maxAliasCount: 100 }), duplicates };
  }
  if (mt === 'application/vnd.kubernetes.protobuf') {
    // kubectl 1.30+ sends typed-client bodies (kubectl create <kind>) as Kubernetes protobuf.
    // Unknown field numbers are skipped, as Kubernetes' protobuf decoder does.
    try {
      return { obj: decodeKubernetesProtobuf(body).object, duplicates: [] };
    } catch (e) {
      throw badRequest(`${what} could not be decoded: ${(e as Error).message}`);
    }
  }
  throw unsupportedMediaType(mt);
}

/** The deepest nesting of `[`/`{` flow collections (a cheap upper bound; quotes are not excluded). */
function flowDepth(text: string): number {
  let d = 0, max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) { if (++d > max) max = d; } else if ((c === 93 || c === 125) && d > 0) d--;
  }
  return max;
}

function collectYamlDuplicates(node: any, path: string, out: string[]): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node.items)) {
    const seen = new Set<string>();
    node.items.forEach((it: any, i: number) => {
      if (it && 'key' in it) {
        const k = String(it.key?.value ?? it.key);
        const p = path ? `${path}.${k}` : k;
        if (seen.has(k)) out.push(p); else seen.add(k);
        collectYamlDuplicates(it.value, p, out);
      } else collectYamlDuplicates(it, `${path}[${i}]`, out);
    });
  }
}

export type OutputFormat = { kind: 'json' } | { kind: 'table'; includeObject: 'None' | 'Metadata' | 'Object' } | { kind: 'partialmetadata'; list: boolean };

/** Pick the response form from the Accept header (first acceptable wins, as Kubernetes negotiates). */
export function negotiateOutput(accept: string | undefined, includeObject: string | null): OutputFormat {
  if (!accept) return { kind: 'json' };
  let sawProtobufOnly = true;
  for (const part of accept.split(',')) {
    const [mt, ...params] = part.split(';').map((s) => s.trim());
    const p: Record<string, string> = {};
    for (const kv of params) { const i = kv.indexOf('='); if (i > 0) p[kv.slice(0, i).trim()] = kv.slice(i + 1).trim(); }
    const m = mt.toLowerCase();
    if (m === 'application/vnd.kubernetes.protobuf') continue;
    sawProtobufOnly = false;
    if (p.as === 'Table' && (p.g === 'meta.k8s.io') && (p.v === 'v1' || p.v === 'v1beta1')) {
      const io = includeObject === 'None' || includeObject === 'Object' ? includeObject : 'Metadata';
      return { kind: 'table', includeObject: io };
    }
    if ((p.as === 'PartialObjectMetadata' || p.as === 'PartialObjectMetadataList') && p.g === 'meta.k8s.io') {
      return { kind: 'partialmetadata', list: p.as === 'PartialObjectMetadataList' };
    }
    if (p.as) continue; // some other transformation we do not serve; try the next choice
    if (m === 'application/json' || m === '*/*' || m === 'application/*' || m === 'application/yaml' || m === 'application/json;stream=watch') return { kind: 'json' };
  }
  if (sawProtobufOnly) throw notAcceptable('only the following media types are accepted: application/json, application/yaml');
  return { kind: 'json' };
}
