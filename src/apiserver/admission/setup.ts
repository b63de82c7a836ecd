/**
 * @module apiserver/admission/setup
 * The admission plugins skiff has, in Kubernetes' order, and the chain the flags choose.
 */
import type { LoopbackClient } from '../registry/loopback.js';
import type { AdmissionChain } from '../registry/context.js';
import type { Runnable } from '../server.js';
import type { AdmissionPlugin } from './interfaces.js';
import { admissionChain, selectPlugins } from './chain.js';
import { WebhookAdmission } from './webhook/admission.js';
import { podSecurityPlugin } from './podsecurity/index.js';
import { nodeRestrictionPlugin } from './noderestriction/admission.js';
import { namespaceLifecyclePlugin, limitRangerPlugin, serviceAccountPlugin, defaultTolerationSecondsPlugin, priorityPlugin, resourceQuotaPlugin,
  ResourceQuotaController, builtinPriorityClasses } from './plugin/index.js';
import { StatusError } from '../../machinery/status.js';
import { certificateApprovalPlugin, certificateSigningPlugin, certificateSubjectRestrictionPlugin, type SignerAuthorizer } from './certificates/admission.js';

/**
 * Every admission plugin skiff has, by Kubernetes' name, in Kubernetes' order (the order of
 * kube-apiserver's AllOrderedPlugins, restricted to these). All are on by default.
 */
export const ADMISSION_PLUGIN_NAMES: string[] = ['NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'NodeRestriction', 'PodSecurity', 'Priority',
  'DefaultTolerationSeconds', 'CertificateApproval', 'CertificateSigning', 'CertificateSubjectRestriction', 'MutatingAdmissionWebhook', 'ValidatingAdmissionWebhook', 'ResourceQuota'];

export interface AdmissionSetup { chain: AdmissionChain | null; runnables: Runnable[]; plugins: AdmissionPlugin[] }

/**
 * `authorizeSigner` answers the certificate plugins' `approve`/`sign` on signers questions with the
 * server's authorizers; without it (no authorization) those two plugins allow everything.
 */
export async function admissionFromFlags(client: LoopbackClient, f: { enableAdmissionPlugins: string[]; disableAdmissionPlugins: string[] }, authorizeSigner?: SignerAuthorizer): Promise<AdmissionSetup> {
  const signers: SignerAuthorizer = authorizeSigner ?? (async () => true);
  const webhooks = new WebhookAdmission(client);
  const available: AdmissionPlugin[] = [namespaceLifecyclePlugin(client), limitRangerPlugin(client), serviceAccountPlugin(client), nodeRestrictionPlugin(client),
    podSecurityPlugin(client), priorityPlugin(client), defaultTolerationSecondsPlugin(),
    certificateApprovalPlugin(signers), certificateSigningPlugin(signers), certificateSubjectRestrictionPlugin(),
    webhooks.mutatingPlugin(), webhooks.validatingPlugin(),
    resourceQuotaPlugin(client)];
  const byName = new Map(available.map((p) => [p.name, p]));
  const ordered = ADMISSION_PLUGIN_NAMES.map((n) => byName.get(n)!).filter(Boolean);
  const plugins = selectPlugins(ordered, ADMISSION_PLUGIN_NAMES, f.enableAdmissionPlugins, f.disableAdmissionPlugins);
  const runnables: Runnable[] = [];
  if (plugins.some((p) => p.name.endsWith('AdmissionWebhook'))) runnables.push(webhooks);
  if (plugins.some((p) => p.name === 'ResourceQuota')) runnables.push(new ResourceQuotaController(client));
  // The system PriorityClasses exist in every cluster (the scheduling bootstrap controller makes them).
  runnables.push({ start: async () => {
    for (const pc of builtinPriorityClasses()) {
      if (await client.get('scheduling.k8s.io', 'priorityclasses', '', pc.metadata.name)) continue;
      try { await client.create('scheduling.k8s.io', 'priorityclasses', '', pc); } catch (e) { if (!(e instanceof StatusError && e.code === 409)) throw e; }
    }
  }, stop: () => {} });
  return { chain: plugins.length ? admissionChain(plugins) : null, runnables, plugins };
}
