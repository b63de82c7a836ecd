/**
 * @module cli/servicelb
 * `skiff servicelb`: the service load balancer (cluster/servicelb.ts) as its own process, run as
 * root on the machine whose underlay carries the addresses: `--kubeconfig F --pool CIDR_OR_RANGE
 * [--node-routes] [--route-dev DEV] [--keep-routes]`. Prints `skiff servicelb: synced ...` once
 * every existing Service has been handled (`skiff up` and tests wait on that line).
 */
import { parseArgs } from 'node:util';
import { configFromKubeconfig } from '../client/transport.js';
import { newClientset } from '../client/clientset.js';

const USAGE = `usage: skiff servicelb --kubeconfig FILE --pool CIDR|FIRST-LAST[,...] [--node-routes [--route-dev DEV]] [--keep-routes]
  --pool         addresses for type: LoadBalancer Services (e.g. 172.30.0.200-172.30.0.250)
  --node-routes  route each address to a Ready node on this machine (IP/32 via NODE-IP, proto 242)
  --route-dev    the device for those routes (default: the one on the pool's network)
  --keep-routes  leave the routes in place when stopped (default: withdraw them)
`;

export async function servicelbCommand(argv: string[]): Promise<number | void> {
  const { values } = parseArgs({ args: argv, options: {
    kubeconfig: { type: 'string' }, pool: { type: 'string' }, 'node-routes': { type: 'boolean' },
    'route-dev': { type: 'string' }, 'keep-routes': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  } });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  const kc = values.kubeconfig ?? process.env.KUBECONFIG;
  if (!kc) { process.stderr.write(`skiff servicelb: --kubeconfig is required\n${USAGE}`); return 2; }
  if (!values.pool) { process.stderr.write(`skiff servicelb: --pool is required\n${USAGE}`); return 2; }
  const { ServiceLBController, hostRoutes } = await import('../cluster/servicelb.js');
  const { parsePool, poolSize } = await import('../cluster/servicelb-pool.js');
  const pool = parsePool(values.pool);
  if (values['node-routes'] && process.getuid?.() !== 0) { process.stderr.write('skiff servicelb: --node-routes needs root (it adds host routes)\n'); return 2; }
  const routes = values['node-routes'] ? await hostRoutes(pool, values['route-dev']) : undefined;
  const log = (m: string): void => { process.stderr.write(`skiff servicelb: ${m}\n`); };
  const cs = newClientset({ ...configFromKubeconfig(kc), userAgent: 'skiff-servicelb' });
  const ctl = new ServiceLBController({ cs, pool, routes, withdrawOnStop: !values['keep-routes'], log });
  await ctl.start();
  log(`synced: pool ${pool.spec} (${ctl.allocator.inUse} of ${poolSize(pool)} addresses in use)${routes ? `, routes ${routes.where}` : ''}`);
  const stop = async (): Promise<void> => {
    try { await ctl.stop(); } catch (e) { log(`stop: ${(e as Error).message}`); }
    cs.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
