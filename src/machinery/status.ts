/**
 * @module machinery/status
 * Kubernetes `Status` errors. Every failure that reaches an API client is one of these, built with the
 * reason and code the real API server sends (k8s.io/apimachinery/pkg/api/errors).
 */

export type StatusReason =
  | 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Gone'
  | 'Invalid' | 'ServerTimeout' | 'Timeout' | 'TooManyRequests' | 'MethodNotAllowed' | 'NotAcceptable'
  | 'RequestEntityTooLarge' | 'UnsupportedMediaType' | 'InternalError' | 'Expired' | 'ServiceUnavailable' | '';

/** One cause of an Invalid error: a field path and what is wrong with it. */
export interface StatusCause { reason?: string; message?: string; field?: string }

export interface StatusDetails {
  name?: string; group?: string; kind?: string; uid?: string;
  causes?: StatusCause[]; retryAfterSeconds?: number;
}

/** The wire form of metav1.Status. */
export interface StatusObject {
  kind: 'Status'; apiVersion: 'v1'; metadata: Record<string, unknown>;
  status: 'Failure' | 'Success'; message?: string; reason?: StatusReason; details?: StatusDetails; code: number;
}

/** An error that is already an API Status. Thrown anywhere; rendered by the apiserver as-is. */
export class StatusError extends Error {
  constructor(public readonly code: number, public readonly reason: StatusReason, message: string,
              public readonly details?: StatusDetails) {
    super(message);
    this.name = 'StatusError';
  }
  toStatus(): StatusObject {
    const s: StatusObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) s.details = this.details;
    if (!this.reason) delete s.reason;
    return s;
  }
}

/** group/resource as Kubernetes prints it in messages: `deployments.apps`, or `pods` for core. */
export function qualifiedResource(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

export function notFound(group: string, resource: string, name: string): StatusError {
  return new StatusError(404, 'NotFound', `${qualifiedResource(group, resource)} "${name}" not found`, { name, group: group || undefined, kind: resource });
}
export function alreadyExists(group: string, resource: string, name: string): StatusError {
  return new StatusError(409, 'AlreadyExists', `${qualifiedResource(group, resource)} "${name}" already exists`, { name, group: group || undefined, kind: resource });
}
export function conflict(group: string, resource: string, name: string, why: string): StatusError {
  return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(group, resource)} "${name}": ${why}`, { name, group: group || undefined, kind: resource });
}
/** The optimistic-concurrency conflict message kubectl and controllers recognise. */
export function staleObject(group: string, resource: string, name: string): StatusError {
  return conflict(group, resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
}
export function gone(message: string): StatusError {
  return new StatusError(410, 'Expired', message);
}
export function tooOldResourceVersion(requested: number, oldest: number): StatusError {
  return new StatusError(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}
export function badRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}
export function methodNotAllowed(message = 'the server does not allow this method on the requested resource'): StatusError {
  return new StatusError(405, 'MethodNotAllowed', message);
}
export function notAcceptable(message: string): StatusError {
  return new StatusError(406, 'NotAcceptable', message);
}
export function unsupportedMediaType(_contentType: string, accepted = 'application/json, application/yaml, application/vnd.kubernetes.protobuf'): StatusError {
  return new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted}`);
}
export function requestEntityTooLarge(message = 'Request entity too large: limit is 3145728'): StatusError {
  return new StatusError(413, 'RequestEntityTooLarge', message);
}
export function internalError(err: unknown): StatusError {
  const msg = err instanceof Error ? err.message : String(err);
  return new StatusError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
}
export function unauthorized(message = 'Unauthorized'): StatusError {
  return new StatusError(401, 'Unauthorized', message);
}
export function forbidden(message: string, details?: StatusDetails): StatusError {
  return new StatusError(403, 'Forbidden', message, details);
}
export function serviceUnavailable(message: string): StatusError {
  return new StatusError(503, 'ServiceUnavailable', message);
}
export function timeoutError(message: string): StatusError {
  return new StatusError(504, 'Timeout', message);
}
