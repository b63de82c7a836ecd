/**
 * @module storage/value/encryption-config
 * kube-apiserver's --encryption-provider-config: the `apiserver.config.k8s.io/v1`
 * EncryptionConfiguration, validated with Kubernetes' rules and messages, turned into one value
 * transformer per resource. A resource takes the providers of the entry naming it exactly, else of
 * the entry naming its group (`*.apps`, `*.` for core), else of `*.*`; the first entry to name a
 * pattern wins. Resources no entry covers are stored in plaintext. skiff implements identity,
 * aescbc and aesgcm; secretbox and kms are recognised but refused at load time.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYAML } from 'yaml';
import { fieldErrorText, invalid, required, type FieldError } from '../../machinery/field-errors.js';
import { aescbc, aesgcm, identity, type PrefixTransformer } from './aes.js';
import { prefixTransformers, type ValueTransformer } from './prefix-transformers.js';
import { defaultPrefixToResource } from './storage-key.js';

export const ENCRYPTION_CONFIG_API_VERSION = 'apiserver.config.k8s.io/v1';

export interface Key { name: string; secret: string }
export interface KeysConfiguration { keys: Key[] }
export interface ProviderConfiguration {
  aescbc?: KeysConfiguration; aesgcm?: KeysConfiguration; secretbox?: KeysConfiguration;
  identity?: Record<string, never>; kms?: Record<string, unknown>;
}
export interface ResourceConfiguration { resources: string[]; providers: ProviderConfiguration[] }
export interface EncryptionConfiguration { apiVersion: string; kind: 'EncryptionConfiguration'; resources: ResourceConfiguration[] }

/** A configuration Kubernetes would refuse; `errors` are the field errors, the message lists them all. */
export class EncryptionConfigError extends Error {
  constructor(message: string, readonly errors: FieldError[] = []) {
    super(message);
    this.name = 'EncryptionConfigError';
  }
}

const AES_KEY_SIZES = [16, 24, 32];
const SECRETBOX_KEY_SIZES = [32];
const PROVIDER_NAMES = ['kms', 'aesgcm', 'aescbc', 'secretbox', 'identity'] as const;

/** schema.ParseGroupResource: `deployments.apps` -> apps/deployments; `*.` -> core/*. */
export function parseGroupResource(s: string): { group: string; resource: string } {
  const i = s.indexOf('.');
  return i < 0 ? { group: '', resource: s } : { group: s.slice(i + 1), resource: s.slice(0, i) };
}

function validateKeys(keys: unknown, path: string, sizes: number[]): FieldError[] {
  if (!Array.isArray(keys) || keys.length === 0) return [required(path, 'at least one keys is required')];
  const errs: FieldError[] = [];
  keys.forEach((k: any, i) => {
    const p = `${path}[${i}]`;
    if (typeof k?.name !== 'string' || k.name === '') errs.push(required(`${p}.name`, 'name is a mandatory field for a key'));
    if (typeof k?.secret !== 'string' || k.secret === '') { errs.push(required(`${p}.secret`, 'secret is a mandatory field for a key')); return; }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(k.secret) || k.secret.length % 4 !== 0) { errs.push(invalid(`${p}.secret`, 'REDACTED', 'secrets must be base64 encoded')); return; }
    const n = Buffer.from(k.secret, 'base64').length;
    if (!sizes.includes(n)) errs.push(invalid(`${p}.secret`, 'REDACTED', `secret is not of the expected length, got ${n}, expected one of [${sizes.join(' ')}]`));
  });
  return errs;
}

function validateResourceNames(resources: string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  resources.forEach((res, j) => {
    const p = `${path}[${j}]`;
    if (typeof res !== 'string') { errs.push(invalid(p, res, 'must be a string')); return; }
    const gr = parseGroupResource(res);
    if (/[A-Z]/.test(res)) errs.push(invalid(p, res, 'resource name should not contain capital letters'));
    else if (res === '*') errs.push(invalid(p, res, "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources"));
    else if (['apiserveripinfo', 'serviceipallocations', 'servicenodeportallocations'].includes(res)) errs.push(invalid(p, res, 'resources which do not have REST API/s cannot be encrypted'));
    else if (gr.group === 'events.k8s.io') errs.push(invalid(p, res, "'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file"));
    else if (gr.group === 'extensions') errs.push(invalid(p, res, "'extensions' group has been removed and cannot be used for encryption"));
    else if (gr.group === '*' && gr.resource !== '*') errs.push(invalid(p, res, 'encrypting the same resource across groups is not supported'));
  });
  return errs;
}

/** Duplicates, and patterns that mask each other (`secrets` with `*.`, anything with `*.*`) in one list. */
function validateResourceOverlap(resources: string[], path: string): FieldError[] {
  if (resources.length < 2) return [];
  const grs = resources.map((r) => parseGroupResource(String(r)));
  let duplicate = false, overlap = false;
  grs.forEach((a, i) => grs.forEach((b, j) => {
    if (i === j) return;
    if (a.group === b.group && a.resource === b.resource) { duplicate = true; return; }
    if ((a.group === '*' && a.resource === '*') || (a.group === b.group && (a.resource === '*' || b.resource === '*'))) overlap = true;
  }));
  const errs: FieldError[] = [];
  if (duplicate) errs.push(invalid(path, resources, 'the same resource cannot be specified multiple times'));
  if (overlap) errs.push(invalid(path, resources, "using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked"));
  return errs;
}

/** ValidateEncryptionConfiguration: every field error, with Kubernetes' paths and details. */
export function validateEncryptionConfiguration(c: any): FieldError[] {
  const root = 'resources';
  if (!Array.isArray(c?.resources) || c.resources.length === 0) return [required(root, `at least one ${root} is required`)];
  const errs: FieldError[] = [];
  c.resources.forEach((conf: any, i: number) => {
    const r = `${root}[${i}].resources`, p = `${root}[${i}].providers`;
    const resources = conf?.resources;
    if (!Array.isArray(resources) || resources.length === 0) errs.push(required(r, `at least one ${r} is required`));
    else errs.push(...validateResourceOverlap(resources, r), ...validateResourceNames(resources, r));
    const providers = conf?.providers;
    if (!Array.isArray(providers) || providers.length === 0) { errs.push(required(p, `at least one ${p} is required`)); return; }
    providers.forEach((prov: any, j: number) => {
      const path = `${p}[${j}]`;
      const found = PROVIDER_NAMES.filter((n) => prov?.[n] !== undefined && prov?.[n] !== null);
      if (found.length === 0) { errs.push(invalid(path, prov, 'provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity')); return; }
      if (found.length > 1) { errs.push(invalid(path, prov, 'more than one provider specified in a single element, should split into different list elements')); return; }
      const name = found[0];
      if (name === 'aescbc' || name === 'aesgcm') errs.push(...validateKeys(prov[name]?.keys, `${path}.${name}.keys`, AES_KEY_SIZES));
      else if (name === 'secretbox') errs.push(...validateKeys(prov[name]?.keys, `${path}.secretbox.keys`, SECRETBOX_KEY_SIZES));
      else if (name === 'kms' && (typeof prov.kms?.name !== 'string' || prov.kms.name === '')) errs.push(required(`${path}.kms.name`, 'name is a mandatory field for a KMS provider'));
    });
  });
  return errs;
}

function aggregate(errs: FieldError[]): string {
  const texts = errs.map(fieldErrorText);
  return texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
}

/** Parse (YAML or JSON) and validate an EncryptionConfiguration; throws EncryptionConfigError. */
export function parseEncryptionConfiguration(text: string, source = 'encryption provider config'): EncryptionConfiguration {
  let doc: any;
  try {
    doc = parseYAML(text);
  } catch (e) {
    throw new EncryptionConfigError(`error while parsing file ${source}: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new EncryptionConfigError(`error while parsing file ${source}: not an EncryptionConfiguration object`);
  if (doc.kind !== 'EncryptionConfiguration' || doc.apiVersion !== ENCRYPTION_CONFIG_API_VERSION) {
    throw new EncryptionConfigError(`error while parsing file ${source}: got unexpected config type: ${doc.apiVersion ?? ''}, Kind=${doc.kind ?? ''}; want ${ENCRYPTION_CONFIG_API_VERSION}, Kind=EncryptionConfiguration`);
  }
  const errs = validateEncryptionConfiguration(doc);
  if (errs.length) throw new EncryptionConfigError(`error while parsing file ${source}: ${aggregate(errs)}`, errs);
  for (const [i, conf] of (doc.resources as any[]).entries()) {
    for (const [j, prov] of (conf.providers as any[]).entries()) {
      for (const unsupported of ['secretbox', 'kms']) {
        if (prov[unsupported] != null) throw new EncryptionConfigError(`error while parsing file ${source}: resources[${i}].providers[${j}].${unsupported}: the ${unsupported} provider is not supported by skiff; use aescbc or aesgcm`);
      }
    }
  }
  return doc as EncryptionConfiguration;
}

/** Read and parse --encryption-provider-config. */
export function loadEncryptionConfiguration(path: string): EncryptionConfiguration {
  return parseEncryptionConfiguration(readFileSync(path, 'utf8'), `"${path}"`);
}

function providerTransformers(p: ProviderConfiguration): PrefixTransformer[] {
  if (p.identity != null) return [identity];
  if (p.aescbc) return p.aescbc.keys.map((k) => aescbc(k.name, Buffer.from(k.secret, 'base64')));
  if (p.aesgcm) return p.aesgcm.keys.map((k) => aesgcm(k.name, Buffer.from(k.secret, 'base64')));
  throw new Error('unsupported provider');
}

const plaintext: ValueTransformer = { toStorage: (s) => s, fromStorage: (s) => s };

/** The transformers of one configuration, per group resource (`secrets`, `deployments.apps`). */
export class EncryptionTransformers {
  private readonly byPattern = new Map<string, ValueTransformer>();
  private readonly resolved = new Map<string, ValueTransformer>();

  constructor(readonly config: EncryptionConfiguration) {
    for (const conf of config.resources) {
      const t = prefixTransformers(conf.providers.flatMap(providerTransformers));
      for (const r of conf.resources) {
        const gr = parseGroupResource(r);
        const k = `${gr.resource}.${gr.group}`;
        if (!this.byPattern.has(k)) this.byPattern.set(k, t);
      }
    }
  }

  /** `secrets`, `deployments.apps`, `widgets.example.com`: exact, then `*.<group>`, then `*.*`, else plaintext. */
  transformerFor(resourceAndGroup: string): ValueTransformer {
    let t = this.resolved.get(resourceAndGroup);
    if (t) return t;
    const gr = parseGroupResource(resourceAndGroup);
    t = this.byPattern.get(`${gr.resource}.${gr.group}`) ?? this.byPattern.get(`*.${gr.group}`) ?? this.byPattern.get('*.*') ?? plaintext;
    this.resolved.set(resourceAndGroup, t);
    return t;
  }

  /** True when some configured pattern would encrypt this resource (identity-only entries count too). */
  covers(resourceAndGroup: string): boolean { return this.transformerFor(resourceAndGroup) !== plaintext; }
}

/**
 * One ValueTransformer for the whole store (what ObjectCodec takes): each storage key is mapped to
 * its group resource by `prefixToResource` and handled by that resource's providers.
 */
export function encryptionTransformer(config: EncryptionConfiguration | EncryptionTransformers,
                                      prefixToResource: (key: string) => string = defaultPrefixToResource): ValueTransformer {
  const all = config instanceof EncryptionTransformers ? config : new EncryptionTransformers(config);
  return {
    toStorage: (plain, key) => all.transformerFor(prefixToResource(key)).toStorage(plain, key),
    fromStorage: (stored, key) => all.transformerFor(prefixToResource(key)).fromStorage(stored, key),
  };
}
