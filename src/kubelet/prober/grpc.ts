/**
 * @module kubelet/prober/grpc
 * The grpc probe (pkg/probe/grpc): `grpc.health.v1.Health/Check` with the probe's service name,
 * over plaintext HTTP/2; SERVING is success. The two tiny protobuf messages are encoded by hand so
 * no .proto file is needed.
 */
import * as grpc from '@grpc/grpc-js';
import { joinHostPort, type ProbeOutcome } from './results.js';

const STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** HealthCheckRequest { string service = 1; } */
export function encodeHealthCheckRequest(service: string): Buffer {
  const s = Buffer.from(service ?? '', 'utf8');
  if (!s.length) return Buffer.alloc(0);
  const len: number[] = [];
  let n = s.length;
  while (n > 0x7f) { len.push((n & 0x7f) | 0x80); n >>>= 7; }
  len.push(n);
  return Buffer.concat([Buffer.from([0x0a, ...len]), s]);
}

/** HealthCheckResponse { ServingStatus status = 1; } -> the status number. */
export function decodeHealthCheckResponse(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const tag = b[i++];
    let v = 0, shift = 0;
    if ((tag & 7) === 0) {
      for (;;) { const x = b[i++]; v |= (x & 0x7f) << shift; shift += 7; if (!(x & 0x80)) break; }
      if (tag >> 3 === 1) return v;
    } else if ((tag & 7) === 2) {
      let l = 0;
      for (;;) { const x = b[i++]; l |= (x & 0x7f) << shift; shift += 7; if (!(x & 0x80)) break; }
      i += l;
    } else return 0;
  }
  return 0;
}

export function probeGRPC(host: string, port: number, service: string | undefined, timeoutMs: number): Promise<ProbeOutcome> {
  const addr = joinHostPort(host, port);
  const within = `${timeoutMs / 1000}s`;
  const client = new grpc.Client(addr, grpc.credentials.createInsecure(), { 'grpc.enable_retries': 0 });
  const deadline = Date.now() + timeoutMs;
  return new Promise<ProbeOutcome>((resolve) => {
    client.waitForReady(deadline, (err) => {
      if (err) return resolve({ result: 'Failure', output: `timeout: failed to connect service "${addr}" within ${within}: context deadline exceeded` });
      client.makeUnaryRequest('/grpc.health.v1.Health/Check', (x: string) => encodeHealthCheckRequest(x), (b: Buffer) => decodeHealthCheckResponse(b),
        service ?? '', new grpc.Metadata({}), { deadline }, (e, status) => {
          if (e) {
            if (e.code === grpc.status.UNIMPLEMENTED) return resolve({ result: 'Failure', output: `this server does not implement the grpc health protocol (grpc.health.v1.Health): ${e.details}` });
            if (e.code === grpc.status.DEADLINE_EXCEEDED) return resolve({ result: 'Failure', output: `timeout: health rpc did not complete within ${within}` });
            return resolve({ result: 'Failure', output: `error: health rpc probe failed: ${e.message}` });
          }
          if (status !== 1) return resolve({ result: 'Failure', output: `service unhealthy (responded with "${STATUS[status ?? 0] ?? status}")` });
          resolve({ result: 'Success', output: 'service healthy' });
        });
    });
  }).finally(() => client.close());
}
