/**
 * @module apiserver/admission/setup
 * The admission plugins skiff has, in Kubernetes' order, and the chain the flags choose.
 */
import type { LoopbackClient } from '../registry/loopback.js';
import type { AdmissionChain } from '../registry/context.js';
import type { Runnable } from '../server.js';
import type { AdmissionPlugin } from './interfaces.js';
import { admissionChain, selectPlugins } from './chain.js';

export interface AdmissionSetup { chain: AdmissionChain | null; runnables: Runnable[]; plugins: AdmissionPlugin[] }

export async function admissionFromFlags(client: LoopbackClient, f: { enableAdmissionPlugins: string[]; disableAdmissionPlugins: string[] }): Promise<AdmissionSetup> {
  const available: AdmissionPlugin[] = [];
  const defaultOn: string[] = [];
  void client;
  const plugins = selectPlugins(available, defaultOn, f.enableAdmissionPlugins, f.disableAdmissionPlugins);
  return { chain: plugins.length ? admissionChain(plugins) : null, runnables: [], plugins };
}
