/**
 * @module client/clientset
 * The resources components use, by name, over one transport: `cs.pods`, `cs.deployments`, ... each
 * a ResourceClient with Kubernetes' paths. `cs.resource(gvr)` reaches any other (CRDs included).
 */
import { ResourceClient, type GVR } from './rest.js';
import { Transport, type ClientConfig } from './transport.js';

const core = (resource: string, namespaced = true): GVR => ({ group: '', version: 'v1', resource, namespaced });
const gv = (group: string, version: string, resource: string, namespaced = true): GVR => ({ group, version, resource, namespaced });

export const GVRS = {
  pods: core('pods'), nodes: core('nodes', false), namespaces: core('namespaces', false), services: core('services'),
  endpoints: core('endpoints'), events: core('events'), configmaps: core('configmaps'), secrets: core('secrets'),
  serviceaccounts: core('serviceaccounts'), persistentvolumeclaims: core('persistentvolumeclaims'),
  persistentvolumes: core('persistentvolumes', false), replicationcontrollers: core('replicationcontrollers'),
  resourcequotas: core('resourcequotas'), limitranges: core('limitranges'), podtemplates: core('podtemplates'),
  deployments: gv('apps', 'v1', 'deployments'), replicasets: gv('apps', 'v1', 'replicasets'),
  statefulsets: gv('apps', 'v1', 'statefulsets'), daemonsets: gv('apps', 'v1', 'daemonsets'),
  controllerrevisions: gv('apps', 'v1', 'controllerrevisions'),
  jobs: gv('batch', 'v1', 'jobs'), cronjobs: gv('batch', 'v1', 'cronjobs'),
  leases: gv('coordination.k8s.io', 'v1', 'leases'),
  endpointslices: gv('discovery.k8s.io', 'v1', 'endpointslices'),
  networkpolicies: gv('networking.k8s.io', 'v1', 'networkpolicies'),
  priorityclasses: gv('scheduling.k8s.io', 'v1', 'priorityclasses', false),
  poddisruptionbudgets: gv('policy', 'v1', 'poddisruptionbudgets'),
  csinodes: gv('storage.k8s.io', 'v1', 'csinodes', false),
} as const satisfies Record<string, GVR>;

export type ResourceName = keyof typeof GVRS;

export type Clientset = { [K in ResourceName]: ResourceClient } & {
  transport: Transport;
  resource(gvr: GVR): ResourceClient;
  close(): void;
};

export function newClientset(configOrTransport: ClientConfig | Transport): Clientset {
  const transport = configOrTransport instanceof Transport ? configOrTransport : new Transport(configOrTransport);
  const cs: any = { transport, resource: (gvr: GVR) => new ResourceClient(transport, gvr), close: () => transport.close() };
  for (const [name, gvr] of Object.entries(GVRS)) cs[name] = new ResourceClient(transport, gvr);
  return cs as Clientset;
}
