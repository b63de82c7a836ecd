/**
 * @module cli/dashboard
 * `skiff dashboard [--kubeconfig K] [--port P] [--address 127.0.0.1]`: open the dashboard as a
 * kubeconfig identity, through a loopback proxy that holds the credentials (see dashboard/proxy).
 */
import { parseArgs } from 'node:util';
import { configFromKubeconfig } from '../client/transport.js';
import { DashboardProxy } from '../dashboard/proxy.js';

const USAGE = 'usage: skiff dashboard [--kubeconfig FILE] [--port 8001] [--address 127.0.0.1]\n';

export async function dashboardCommand(argv: string[]): Promise<number | void> {
  const { values } = parseArgs({ args: argv, options: {
    kubeconfig: { type: 'string' }, port: { type: 'string' }, address: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  } });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  const kc = values.kubeconfig ?? process.env.KUBECONFIG?.split(':')[0];
  if (!kc) { process.stderr.write(`skiff dashboard: --kubeconfig (or $KUBECONFIG) is required\n${USAGE}`); return 2; }
  const port = values.port === undefined ? 8001 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) { process.stderr.write(`skiff dashboard: invalid --port "${values.port}"\n`); return 2; }
  const address = values.address ?? '127.0.0.1';
  const proxy = new DashboardProxy({ config: configFromKubeconfig(kc), address, port, log: (m) => process.stderr.write(`skiff dashboard: ${m}\n`) });
  const url = await proxy.start();
  // Tests and scripts read this line for the port (with --port 0).
  process.stdout.write(`skiff dashboard: serving on ${url}/dashboard/\n`);
  const stop = async () => { await proxy.stop(); process.exit(0); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
