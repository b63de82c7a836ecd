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
import { podSecurityPlugin } from './podsecurity/admission.js';

/**
 * Every admission plugin skiff has, by Kubernetes' name, in Kubernetes' order (the order of
 * kube-apiserver's AllOrderedPlugins, restricted to these). All are on by default.
 */
export const ADMISSION_PLUGIN_NAMES: string[] = ['PodSecurity', 'MutatingAdmissionWebhook', 'ValidatingAdmissionWebhook'];

export interface AdmissionSetup { chain: AdmissionChain | null; runnables: Runnable[]; plugins: AdmissionPlugin[] }

export async function admissionFromFlags(client: LoopbackClient, f: { enableAdmissionPlugins: string[]; disableAdmissionPlugins: string[] }): Promise<AdmissionSetup> {
  const webhooks = new WebhookAdmission(client);
  const available: AdmissionPlugin[] = [podSecurityPlugin(client), webhooks.mutatingPlugin(), webhooks.validatingPlugin()];
  const byName = new Map(available.map((p) => [p.name, p]));
  const ordered = ADMISSION_PLUGIN_NAMES.map((n) => byName.get(n)!).filter(Boolean);
  const plugins = selectPlugins(ordered, ADMISSION_PLUGIN_NAMES, f.enableAdmissionPlugins, f.disableAdmissionPlugins);
  const runnables: Runnable[] = [];
  if (plugins.some((p) => p.name.endsWith('AdmissionWebhook'))) runnables.push(webhooks);
  return { chain: plugins.length ? admissionChain(plugins) : null, runnables, plugins };
}
