/**
 * @module cli/dns
 * `skiff dns`: the cluster DNS server (the cluster's CoreDNS) as its own process against any API
 * server: `--kubeconfig F --listen IP:PORT [--zone cluster.local] [--upstream IP:PORT ...]
 * [--ttl 5] [--service-cidr C] [--pod-cidr C]`. Prints `skiff dns: serving <zone> on IP:PORT`
 * once it answers (tests wait on that line).
 */
import { parseArgs } from 'node:util';
import { configFromKubeconfig } from '../client/transport.js';
import { newClientset } from '../client/clientset.js';
import { DNSServer } from '../dns/server.js';
import { parseUpstream } from '../dns/forward.js';

export async function dnsCommand(argv: string[]): Promise<number | void> {
  const { values } = parseArgs({
    args: argv, options: {
      kubeconfig: { type: 'string' }, listen: { type: 'string' }, zone: { type: 'string' },
      upstream: { type: 'string', multiple: true }, ttl: { type: 'string' },
      'service-cidr': { type: 'string', multiple: true }, 'pod-cidr': { type: 'string', multiple: true },
      'ns-address': { type: 'string', multiple: true },
    },
  });
  const kc = values.kubeconfig ?? process.env.KUBECONFIG;
  if (!kc) { process.stderr.write('skiff dns: --kubeconfig is required\n'); return 2; }
  if (!values.listen) { process.stderr.write('skiff dns: --listen IP:PORT is required\n'); return 2; }
  const listen = parseUpstream(values.listen);
  const zone = values.zone ?? 'cluster.local';
  const cidrs = [...(values['service-cidr'] ?? ['10.96.0.0/12']), ...(values['pod-cidr'] ?? ['10.244.0.0/16'])];
  const cs = newClientset({ ...configFromKubeconfig(kc), userAgent: 'skiff-dns' });
  const server = new DNSServer({
    address: listen.host, port: listen.port, zone, upstreams: values.upstream ?? [], clientset: cs,
    ttl: values.ttl ? Number(values.ttl) : undefined, reverseCIDRs: cidrs, nsAddresses: values['ns-address'],
    log: (m) => process.stderr.write(`skiff dns: ${m}\n`),
  });
  const { udpPort } = await server.start();
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  process.stderr.write(`skiff dns: serving ${zone} on ${host}:${udpPort}\n`);
  const stop = async () => { await server.stop(); cs.close(); process.exit(0); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
