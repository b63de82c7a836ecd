/**
 * @module cli/proxy
 * `skiff proxy`: kube-proxy as its own process on a node (--kubeconfig, --node-name, --proxy-mode,
 * --cluster-cidr, --cleanup, as upstream names them), and `skiff proxy rules SERVICE [-n NS]`,
 * which prints the live rules of this network namespace that belong to one Service (the seed's
 * debugging tip: look at what kube-proxy actually programmed).
 */
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';
import { configFromKubeconfig } from '../client/transport.js';
import { newClientset } from '../client/clientset.js';
import { ProxyServer } from '../proxy/server.js';
import { newProxier, PROXY_MODES, type ProxyMode } from '../proxy/modes.js';
import { parseDuration } from './flags.js';

const USAGE = `usage: skiff proxy --kubeconfig FILE [--node-name NAME] [--proxy-mode iptables|nftables] [--cluster-cidr CIDR] [--cleanup]
       skiff proxy rules SERVICE [-n NAMESPACE] [--proxy-mode iptables|nftables]
`;

function mode(v: string | undefined): ProxyMode {
  const m = (v ?? 'iptables') as ProxyMode;
  if (!PROXY_MODES.includes(m)) throw new Error(`invalid value "${v}" for --proxy-mode: must be one of ${PROXY_MODES.join(', ')} (this kernel has no IPVS)`);
  return m;
}

async function rulesCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: {
    namespace: { type: 'string', short: 'n' }, 'proxy-mode': { type: 'string' }, netns: { type: 'string' },
  } });
  const [name] = positionals;
  if (!name) { process.stderr.write(USAGE); return 2; }
  const ns = values.namespace ?? 'default';
  const proxier = await newProxier(mode(values['proxy-mode']), { netns: values.netns });
  const text = await proxier.rulesFor(ns, name);
  if (!text) { process.stderr.write(`skiff proxy: no rules for service "${ns}/${name}" in this network namespace\n`); return 1; }
  process.stdout.write(text);
  return 0;
}

export async function proxyCommand(argv: string[]): Promise<number | void> {
  if (argv[0] === 'rules') return rulesCommand(argv.slice(1));
  const { values } = parseArgs({ args: argv, options: {
    kubeconfig: { type: 'string' }, 'node-name': { type: 'string' }, 'hostname-override': { type: 'string' },
    'proxy-mode': { type: 'string' }, 'cluster-cidr': { type: 'string' }, cleanup: { type: 'boolean' },
    'min-sync-period': { type: 'string' }, 'sync-period': { type: 'string' }, 'node-ip': { type: 'string', multiple: true },
    netns: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  } });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  const m = mode(values['proxy-mode']);
  const log = (msg: string) => process.stderr.write(`skiff proxy: ${msg}\n`);
  if (values.cleanup) {
    await (await newProxier(m, { log, netns: values.netns })).cleanup();
    log('cleaned up');
    return 0;
  }
  const kc = values.kubeconfig ?? process.env.KUBECONFIG;
  if (!kc) { process.stderr.write(`skiff proxy: --kubeconfig is required\n${USAGE}`); return 2; }
  const cs = newClientset({ ...configFromKubeconfig(kc), userAgent: 'kube-proxy' });
  const server = new ProxyServer({
    cs, nodeName: values['node-name'] ?? values['hostname-override'] ?? hostname(), nodeIPs: values['node-ip'],
    clusterCIDR: values['cluster-cidr'] ?? '', mode: m, netns: values.netns, log,
    minSyncPeriodMs: values['min-sync-period'] ? parseDuration(values['min-sync-period'], 'min-sync-period') : undefined,
    syncPeriodMs: values['sync-period'] ? parseDuration(values['sync-period'], 'sync-period') : undefined,
  });
  await server.start();
  process.stdout.write(`skiff proxy: synced (${m} mode, ${server.lastSync?.changed ?? 0} service ports, ${server.lastSync?.durationMs.toFixed(0)} ms)\n`);
  const stop = async () => {
    // Rules stay: existing Services keep working while kube-proxy is down.
    await server.stop();
    cs.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
