/**
 * @module bench/scenarios/dashboard
 * Issue 7's figure: the dashboard's first load with 1,000 pods on simulated nodes, under 1 s on
 * loopback. Measured in headless Chromium (a fresh profile each load: nothing cached) through
 * `skiff dashboard` (the kubeconfig path), from navigation start to the page's own
 * `skiff:pods-rendered` mark (the first commit with the pod list in it), checked against the DOM
 * holding all 1,000 pods. Three loads per round; the row is their median. The API server's
 * `GET /api/v1/pods` alone is reported beside it as the anchor.
 */
import { startSkiffServer } from '../../test/support/skiff-server.js';
import { startSkiff } from '../../test/support/skiff-process.js';
import { haveChromium, launchBrowser } from '../../test/support/browser.js';
import { H2Client, median } from '../lib/h2client.js';
import type { Row, Scenario } from '../lib/harness.js';

const PODS = 1000;
const NODES = 10;
const LOADS = 3;

function pod(i: number): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `web-${String(i).padStart(4, '0')}`, namespace: 'default', labels: { app: 'web' } },
    spec: { nodeName: `sim-${i % NODES}`, containers: [{ name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  });
}

async function firstLoad(): Promise<Row[]> {
  const srv = await startSkiffServer({ args: ['--simulated-nodes', String(NODES)] });
  let dash;
  try {
    const c = new H2Client(srv.url, srv.tls);
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < PODS) {
        const r = await c.request('POST', '/api/v1/namespaces/default/pods', pod(next++));
        if (r.status !== 201) throw new Error(`create pod: ${r.status} ${r.body.slice(0, 200)}`);
      }
    }));
    const lists: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const t = performance.now();
      const r = await c.request('GET', '/api/v1/pods');
      if (r.status !== 200) throw new Error(`list pods: ${r.status}`);
      lists.push(performance.now() - t);
    }
    c.close();
    dash = await startSkiff(['dashboard', '--kubeconfig', srv.kubeconfig, '--port', '0'], /serving on (http:\/\/\S+)\/dashboard\//);
    const base = /serving on (http:\/\/\S+)\/dashboard\//.exec(dash.log())![1]!;
    const loads: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const b = await launchBrowser();
      try {
        await b.page.goto(`${base}/dashboard/`);
        await b.page.waitForFunction(() => performance.getEntriesByName('skiff:pods-rendered').length > 0, undefined, { timeout: 30_000 });
        const { at, shown } = await b.page.evaluate(() => ({ at: performance.getEntriesByName('skiff:pods-rendered')[0]!.startTime, shown: document.querySelectorAll('[data-pod]').length }));
        if (shown !== PODS) throw new Error(`the page rendered ${shown} pods, not ${PODS}`);
        loads.push(at);
      } finally { await b.close(); }
    }
    return [
      { name: `dashboard first load, ${PODS} pods (navigation -> pod list rendered)`, value: median(loads), unit: 'ms', target: '< 1000', note: `median of ${LOADS} cold loads via skiff dashboard: ${loads.map((x) => x.toFixed(0)).join(', ')}` },
      { name: `anchor: GET /api/v1/pods, ${PODS} pods (HTTP/2, no browser)`, value: median(lists), unit: 'ms' },
    ];
  } finally {
    await dash?.stop();
    await srv.stop();
  }
}

export function dashboardScenarios(): Scenario[] {
  if (!haveChromium()) return [{ name: 'dashboard', run: async () => [{ name: 'dashboard first load (skipped: no /usr/bin/chromium)', value: NaN, unit: 'ms' }] }];
  return [{ name: 'dashboard', run: firstLoad }];
}
