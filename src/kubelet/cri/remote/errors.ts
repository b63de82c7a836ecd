/**
 * @module kubelet/cri/remote/errors
 * gRPC failures from a remote runtime as `CriError`s. The message is spelled the way Go's gRPC
 * status prints it (`rpc error: code = NotFound desc = ...`), because that is what a real kubelet
 * shows users in ErrImagePull, CreateContainerError and event messages; the `desc` is the runtime's
 * own words (for a pull, containerd quotes the registry).
 */
import type { ServiceError } from '@grpc/grpc-js';
import { CriCode, CriError } from '../api.js';

/** gRPC code numbers -> the names Go's codes.Code.String() prints. */
const codeNames: Record<number, string> = {
  0: 'OK', 1: 'Canceled', 2: 'Unknown', 3: 'InvalidArgument', 4: 'DeadlineExceeded', 5: 'NotFound',
  6: 'AlreadyExists', 7: 'PermissionDenied', 8: 'ResourceExhausted', 9: 'FailedPrecondition', 10: 'Aborted',
  11: 'OutOfRange', 12: 'Unimplemented', 13: 'Internal', 14: 'Unavailable', 15: 'DataLoss', 16: 'Unauthenticated',
};

/** Format a code and description as Go's status.Error(...).Error() does. */
export function grpcErrorString(code: number, desc: string): string {
  return `rpc error: code = ${codeNames[code] ?? `Code(${code})`} desc = ${desc}`;
}

/** Convert whatever a gRPC call rejected with into a CriError keeping the runtime's description. */
export function toCriError(err: unknown): CriError {
  if (err instanceof CriError) return err;
  const e = err as Partial<ServiceError>;
  if (typeof e?.code === 'number') {
    const desc = e.details ?? e.message ?? '';
    return new CriError(e.code, grpcErrorString(e.code, desc));
  }
  return new CriError(CriCode.UNKNOWN, grpcErrorString(CriCode.UNKNOWN, String((err as Error)?.message ?? err)));
}
