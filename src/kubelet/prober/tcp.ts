/**
 * @module kubelet/prober/tcp
 * The tcpSocket probe (pkg/probe/tcp): success when a TCP connection opens within the timeout;
 * the connection is closed at once.
 */
import * as net from 'node:net';
import { dialError, joinHostPort, type ProbeOutcome } from './results.js';

export function probeTCP(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  const hostPort = joinHostPort(host, port);
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (o: ProbeOutcome) => { clearTimeout(timer); sock.destroy(); resolve(o); };
    const timer = setTimeout(() => done({ result: 'Failure', output: `dial tcp ${hostPort}: i/o timeout` }), timeoutMs);
    sock.once('connect', () => done({ result: 'Success', output: '' }));
    sock.once('error', (e) => done({ result: 'Failure', output: dialError(hostPort, e) }));
  });
}
