/**
 * @module kubelet/prober/results
 * What one probe says (pkg/probe Result: Success, Warning, Failure, Unknown) with its output, and the
 * Go-style wording of network errors, so probe events read as they do on a real node
 * (`dial tcp 10.1.0.5:8000: connect: connection refused`).
 */

/** A probe's outcome as the workers keep it per container. */
export type ProbeResult = 'Success' | 'Failure' | 'Unknown';

/** One probe run: Warning counts as Success but is reported (e.g. a redirect to another host). */
export interface ProbeOutcome { result: 'Success' | 'Warning' | 'Failure'; output: string }

/** Go's net error text for a Node socket error code. */
export function dialError(hostPort: string, e: any): string {
  const code = e?.code as string | undefined;
  const tail: Record<string, string> = {
    ECONNREFUSED: 'connect: connection refused', EHOSTUNREACH: 'connect: no route to host', ENETUNREACH: 'connect: network is unreachable',
    ETIMEDOUT: 'i/o timeout', ECONNRESET: 'read: connection reset by peer', EADDRNOTAVAIL: 'connect: cannot assign requested address',
  };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `dial tcp: lookup ${hostPort.replace(/:\d+$/, '')}: no such host`;
  return `dial tcp ${hostPort}: ${(code && tail[code]) ?? e?.message ?? String(e)}`;
}

/** `host:port`, with brackets for IPv6 as Go's net.JoinHostPort writes it. */
export const joinHostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
