/**
 * @module kubelet/envvars/envvars
 * A container's environment, as the kubelet's makeEnvironmentVariables builds it: the Service
 * link variables first, then `envFrom` sources in order, then `env` entries in order, each later
 * one overriding an earlier name. Values may refer to earlier variables with `$(VAR)`. A missing
 * ConfigMap, Secret or key that is not optional stops the container from being created, with the
 * kubelet's own messages (shown as CreateContainerConfigError).
 */
import type { Clientset } from '../../client/clientset.js';
import type { EventRecorder } from '../../client/record/recorder.js';
import type { KeyValue } from '../cri/api.js';
import { expand, mappingFuncFor } from './expansion.js';
import { containerResourceValue, findContainer, podFieldSelectorRuntimeValue } from './fieldpath.js';

export interface EnvContext {
  cs: Clientset;
  nodeName: string;
  hostIP: string;
  podIP: string;
  podIPs: string[];
  /** Service link variables (`FOO_SERVICE_HOST`, ...), already filtered by enableServiceLinks. */
  serviceEnv?: Record<string, string>;
  /** The node's allocatable, used for unset limits; fetched from the Node when absent and needed. */
  nodeAllocatable?: Record<string, string>;
  /** Where to report envFrom keys skipped as invalid names (InvalidEnvironmentVariableNames). */
  recorder?: EventRecorder;
}

/** Why a container's config could not be made; the kubelet shows it as the container's waiting reason. */
export class EnvError extends Error {
  readonly reason = 'CreateContainerConfigError';
  constructor(message: string) { super(message); this.name = 'EnvError'; }
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

const isNotFound = (e: any) => e?.code === 404;

/** The kubelet's ConfigMap/Secret managers name the resource in the singular: `configmap "x" not found`. */
async function fetch(ctx: EnvContext, kind: 'configmap' | 'secret', ns: string, name: string): Promise<any | undefined> {
  try {
    return await (kind === 'configmap' ? ctx.cs.configmaps : ctx.cs.secrets).get(ns, name);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw new EnvError(`couldn't get ${kind} ${ns}/${name}: ${(e as Error).message}`);
  }
}

const decode = (b64: string) => Buffer.from(b64 ?? '', 'base64').toString('utf8');

/**
 * Resolve `env` and `envFrom` (value, fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef,
 * optional refs, `$(VAR)` expansion) in Kubernetes' order. Throws EnvError.
 */
export async function makeEnvironmentVariables(pod: any, container: any, ctx: EnvContext): Promise<KeyValue[]> {
  const ns = pod?.metadata?.namespace ?? 'default';
  const serviceEnv = ctx.serviceEnv ?? {};
  const env = new Map<string, string>();
  const cache = { configmap: new Map<string, any>(), secret: new Map<string, any>() };
  const get = async (kind: 'configmap' | 'secret', name: string, optional: boolean): Promise<any | undefined | null> => {
    if (cache[kind].has(name)) return cache[kind].get(name);
    const obj = await fetch(ctx, kind, ns, name);
    if (!obj) {
      if (optional) return null;
      throw new EnvError(`${kind} "${name}" not found`);
    }
    cache[kind].set(name, obj);
    return obj;
  };

  for (const from of container?.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? 'configmap' : 'secret';
    const obj = await get(kind, ref.name, ref.optional === true);
    if (!obj) continue;
    const data: Record<string, string> = obj.data ?? {};
    const invalid: string[] = [];
    for (const k of Object.keys(data)) {
      const name = (from.prefix ?? '') + k;
      if (!ENV_NAME.test(name)) { invalid.push(name); continue; }
      env.set(name, kind === 'secret' ? decode(data[k]) : data[k]);
    }
    if (invalid.length) {
      const what = kind === 'configmap' ? 'configMap' : 'secret';
      ctx.recorder?.event(pod, 'Warning', 'InvalidEnvironmentVariableNames',
        `Keys [${invalid.sort().join(', ')}] from the EnvFrom ${what} ${ns}/${ref.name} were skipped since they are considered invalid environment variable names.`);
    }
  }

  let allocatable = ctx.nodeAllocatable;
  for (const e of container?.env ?? []) {
    if (!e.valueFrom) {
      // Only literal values are expanded, against what is defined so far and the Service links.
      env.set(e.name, expand(e.value ?? '', mappingFuncFor(env, serviceEnv)));
      continue;
    }
    const vf = e.valueFrom;
    let value: string;
    try {
      if (vf.fieldRef) {
        value = podFieldSelectorRuntimeValue(pod, vf.fieldRef.fieldPath, ctx);
      } else if (vf.resourceFieldRef) {
        const target = vf.resourceFieldRef.containerName ? findContainer(pod, vf.resourceFieldRef.containerName) : container;
        if (!target) throw new EnvError(`container ${vf.resourceFieldRef.containerName} not found`);
        if (!allocatable && /^limits\./.test(vf.resourceFieldRef.resource) && !target.resources?.limits?.[vf.resourceFieldRef.resource.slice(7)]) {
          allocatable = await nodeAllocatable(ctx);
        }
        value = containerResourceValue(vf.resourceFieldRef, target, allocatable);
      } else if (vf.configMapKeyRef || vf.secretKeyRef) {
        const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
        const kind = vf.configMapKeyRef ? 'configmap' : 'secret';
        const optional = ref.optional === true;
        const obj = await get(kind, ref.name, optional);
        if (!obj) continue;
        const raw = obj.data?.[ref.key];
        if (raw === undefined) {
          if (optional) continue;
          throw new EnvError(`couldn't find key ${ref.key} in ${kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${ns}/${ref.name}`);
        }
        value = kind === 'secret' ? decode(raw) : raw;
      } else continue;
    } catch (err) {
      if (err instanceof EnvError) throw err;
      throw new EnvError((err as Error).message);
    }
    env.set(e.name, value);
  }

  // Service links go first; a name the container defines itself wins over the kubelet's.
  const out: KeyValue[] = [];
  for (const [key, value] of Object.entries(serviceEnv)) if (!env.has(key)) out.push({ key, value });
  for (const [key, value] of env) out.push({ key, value });
  return out;
}

async function nodeAllocatable(ctx: EnvContext): Promise<Record<string, string>> {
  try {
    const node = await ctx.cs.nodes.get('', ctx.nodeName);
    return node?.status?.allocatable ?? {};
  } catch { return {}; }
}

/** ExpandContainerCommandAndArgs: `$(VAR)` in command and args, from the container's final env. */
export function expandCommandAndArgs(container: any, env: KeyValue[]): { command?: string[]; args?: string[] } {
  const map = new Map(env.map((kv) => [kv.key, kv.value] as [string, string]));
  const mapping = mappingFuncFor(map);
  const out: { command?: string[]; args?: string[] } = {};
  if (container?.command) out.command = container.command.map((s: string) => expand(s, mapping));
  if (container?.args) out.args = container.args.map((s: string) => expand(s, mapping));
  return out;
}

/** The Service link variables of one Service, as the kubelet's envvars.FromServices writes them. */
export function serviceEnvVars(svc: any): Record<string, string> {
  const out: Record<string, string> = {};
  const ip = svc?.spec?.clusterIP;
  if (!ip || ip === 'None') return out;
  const name = String(svc.metadata.name).toUpperCase().replace(/-/g, '_');
  const ports: any[] = svc.spec.ports ?? [];
  if (!ports.length) return out;
  out[`${name}_SERVICE_HOST`] = ip;
  out[`${name}_SERVICE_PORT`] = String(ports[0].port);
  for (const p of ports) if (p.name) out[`${name}_SERVICE_PORT_${String(p.name).toUpperCase().replace(/-/g, '_')}`] = String(p.port);
  // Docker link variables, for the first port and each port.
  const host = ip.includes(':') ? `[${ip}]` : ip;
  const first = ports[0];
  out[`${name}_PORT`] = `${String(first.protocol ?? 'TCP').toLowerCase()}://${host}:${first.port}`;
  for (const p of ports) {
    const proto = String(p.protocol ?? 'TCP');
    const prefix = `${name}_PORT_${p.port}_${proto.toUpperCase()}`;
    out[prefix] = `${proto.toLowerCase()}://${host}:${p.port}`;
    out[`${prefix}_PROTO`] = proto.toLowerCase();
    out[`${prefix}_PORT`] = String(p.port);
    out[`${prefix}_ADDR`] = ip;
  }
  return out;
}

/**
 * getServiceEnvVarMap: the Service link variables a pod in `namespace` sees. Services of its own
 * namespace when enableServiceLinks (default true), and always the `kubernetes` Service of the
 * `default` namespace unless one of its own Services has that name.
 */
export function serviceEnvFor(services: any[], namespace: string, enableServiceLinks = true): Record<string, string> {
  const byName = new Map<string, any>();
  for (const svc of services) {
    const ip = svc?.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    const { name, namespace: ns } = svc.metadata;
    if (ns === namespace && enableServiceLinks) byName.set(name, svc);
  }
  const master = services.find((s) => s?.metadata?.namespace === 'default' && s.metadata.name === 'kubernetes');
  if (master && !byName.has('kubernetes') && master.spec?.clusterIP && master.spec.clusterIP !== 'None') byName.set('kubernetes', master);
  const out: Record<string, string> = {};
  for (const svc of byName.values()) Object.assign(out, serviceEnvVars(svc));
  return out;
}
