/**
 * @module apiserver/request-info
 * Parse a request path and method into Kubernetes' RequestInfo (what authorization, admission and
 * the handlers all look at): verb, API group/version, namespace, resource, subresource, name.
 */

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  /** get list watch create update patch delete deletecollection, or the lowercase HTTP method for non-resource requests. */
  verb: string;
  apiPrefix: string; // 'api' | 'apis'
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  parts: string[];
}

function isWatch(query: URLSearchParams): boolean {
  const w = query.get('watch');
  return w === 'true' || w === '1';
}

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false, path, verb: method.toLowerCase(), apiPrefix: '', apiGroup: '', apiVersion: '',
    namespace: '', resource: '', subresource: '', name: '', parts: [],
  };
  const segs = path.split('/').filter((s) => s.length > 0).map((s) => { try { return decodeURIComponent(s); } catch { return s; } });
  if (segs.length === 0 || (segs[0] !== 'api' && segs[0] !== 'apis')) return info;
  info.apiPrefix = segs[0];
  let rest = segs.slice(1);
  if (info.apiPrefix === 'apis') {
    if (rest.length < 1) return info;
    info.apiGroup = rest[0];
    rest = rest.slice(1);
  }
  if (rest.length < 1) return info;
  info.apiVersion = rest[0];
  rest = rest.slice(1);
  if (rest.length === 0) return info; // group-version discovery

  info.isResourceRequest = true;
  let legacyWatch = false;
  if (rest[0] === 'watch') { legacyWatch = true; rest = rest.slice(1); }
  // namespaces/{ns}/{resource}... ; but `namespaces` and `namespaces/{name}` (+ /status, /finalize) are the Namespace resource itself.
  if (rest[0] === 'namespaces' && rest.length >= 2) {
    info.namespace = rest[1];
    if (rest.length >= 3) rest = rest.slice(2);
    else rest = [];
    if (rest.length === 0 || (rest.length >= 1 && (rest[0] === 'status' || rest[0] === 'finalize') && rest.length === 1)) {
      // /namespaces/{name}[/status|/finalize]
      // Kubernetes keeps namespace = name for requests on a Namespace itself.
      const sub = rest[0] ?? '';
      rest = ['namespaces', info.namespace, ...(sub ? [sub] : [])];
    }
  }
  info.parts = rest;
  info.resource = rest[0] ?? '';
  info.name = rest[1] ?? '';
  info.subresource = rest.length >= 3 ? rest.slice(2).join('/') : '';

  const m = method.toUpperCase();
  switch (m) {
    case 'GET': case 'HEAD':
      info.verb = info.name ? 'get' : 'list';
      if (legacyWatch || (isWatch(query) && !info.subresource)) info.verb = 'watch';
      break;
    case 'POST': info.verb = 'create'; break;
    case 'PUT': info.verb = 'update'; break;
    case 'PATCH': info.verb = 'patch'; break;
    case 'DELETE': info.verb = info.name ? 'delete' : 'deletecollection'; break;
    default: info.verb = m.toLowerCase();
  }
  // A list or watch narrowed to one name by field selector is about that name (Kubernetes does the
  // same, so a kubelet may watch just the Secrets its pods use).
  if ((info.verb === 'list' || info.verb === 'watch') && !info.name) {
    const fs = query.get('fieldSelector');
    const m = fs ? /^metadata\.name==?([^,=!]+)$/.exec(fs.trim()) : null;
    if (m) info.name = m[1];
  }
  return info;
}
