/**
 * @module apiserver/endpoints/virtual
 * Endpoints answered without the generic store: the review kinds (TokenReview,
 * SubjectAccessReview, ...) and connect-style subresources (serviceaccounts/token). Each is a
 * handler for POST that decodes the body, checks its kind, and answers with an object.
 */
import { badRequest, methodNotAllowed } from '../../machinery/status.js';
import type { RequestInfo } from '../request-info.js';
import type { UserInfo } from '../registry/context.js';
import { decodeBody } from './codec.js';
import { readBody, writeJSON, type Req, type Res } from './response.js';
import { parseDryRun } from './options.js';

export interface VirtualRequest {
  ri: RequestInfo;
  user: UserInfo;
  body: any;
  dryRun: boolean;
  /** Warnings for the client. */
  warnings: string[];
}

export interface VirtualHandler {
  /** apiVersion and kind the body must have (`authentication.k8s.io/v1`, `TokenReview`). */
  apiVersion: string;
  kind: string;
  handle(r: VirtualRequest): Promise<{ code: number; obj: any }>;
}

const MAX_BODY = 1024 * 1024;

export class VirtualEndpoints {
  private handlers = new Map<string, VirtualHandler>();

  private id(group: string, resource: string, sub: string): string { return `${group}/${resource}/${sub}`; }

  register(group: string, resource: string, subresource: string, h: VirtualHandler): void {
    this.handlers.set(this.id(group, resource, subresource), h);
  }

  find(ri: RequestInfo): VirtualHandler | undefined {
    return this.handlers.get(this.id(ri.apiGroup, ri.resource, ri.subresource));
  }

  async serve(h: VirtualHandler, ri: RequestInfo, q: URLSearchParams, req: Req, res: Res, user: UserInfo): Promise<void> {
    if (ri.verb !== 'create') throw methodNotAllowed();
    const body = await readBody(req, MAX_BODY);
    const obj: any = decodeBody(body, req.headers['content-type'] as string | undefined).obj;
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest(`Object 'Kind' is missing in '${body.toString('utf8').slice(0, 200)}'`);
    if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== h.kind) {
      throw badRequest(`the object provided is unrecognized (must be of type ${h.kind}): ${obj.kind} in version "${obj.apiVersion ?? ''}" cannot be handled as a ${h.kind}`);
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== h.apiVersion) {
      throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${h.apiVersion})`);
    }
    obj.apiVersion = h.apiVersion;
    obj.kind = h.kind;
    obj.metadata ??= {};
    if (typeof obj.metadata !== 'object') throw badRequest('metadata must be an object');
    const warnings: string[] = [];
    const r = await h.handle({ ri, user, body: obj, dryRun: parseDryRun(q), warnings });
    writeJSON(res, r.code, r.obj, warnings);
  }
}
