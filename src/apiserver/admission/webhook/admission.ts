/**
 * @module apiserver/admission/webhook/admission
 * MutatingAdmissionWebhook and ValidatingAdmissionWebhook: the webhook configurations in the
 * cluster, kept current from the watch cache, turned into two admission plugins. Mutating webhooks
 * run one after another (configurations by name, webhooks in order), each JSONPatch applied before
 * the next; a webhook with reinvocationPolicy IfNeeded runs once more if a later one changed the
 * object. Validating webhooks run in parallel. failurePolicy decides what a call failure means.
 */
import { StatusError, badRequest } from '../../../machinery/status.js';
import { applyJSONPatch, jsonEqual } from '../../../machinery/jsonpatch.js';
import type { AdmissionAttributes } from '../../registry/context.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { AdmissionPlugin } from '../interfaces.js';
import { isExempt, webhookApplies } from './matcher.js';
import { admissionReview, readAnswer, type WebhookAnswer } from './request.js';
import { noServiceResolver, postReview, webhookURL, type ServiceResolver } from './caller.js';

const GROUP = 'admissionregistration.k8s.io';

interface Hook { w: any; config: string }

function denial(name: string, ans: WebhookAnswer): StatusError {
  const deniedBy = `admission webhook "${name}" denied the request`;
  const s = ans.status ?? {};
  const message = s.message ? `${deniedBy}: ${s.message}` : `${deniedBy} without explanation`;
  // Kubernetes 1.32 (ToStatusErr) keeps the webhook's code and reason, but never answers a
  // refusal below 400: a denial without a code is 400 with no reason.
  return new StatusError(s.code && s.code >= 400 ? s.code : 400, (s.reason ?? '') as any, message);
}

export class WebhookAdmission {
  private mutating: Hook[] = [];
  private validating: Hook[] = [];
  private unsubs: (() => void)[] = [];

  constructor(private readonly client: LoopbackClient, private readonly resolve: ServiceResolver = noServiceResolver,
              private readonly log: (m: string) => void = (m) => process.stderr.write(`skiff admission: ${m}\n`)) {}

  async start(): Promise<void> {
    await this.reload();
    for (const r of ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']) {
      this.unsubs.push(this.client.onChange(GROUP, r, () => { void this.reload(); }));
    }
  }

  stop(): void { for (const u of this.unsubs) u(); this.unsubs = []; }

  /** Re-read the configurations (also called by tests to avoid waiting for the watch). */
  async reload(): Promise<void> {
    const load = async (r: string) => (await this.client.list(GROUP, r))
      .slice().sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
      .flatMap((c) => (c.webhooks ?? []).map((w: any) => ({ w, config: c.metadata.name })));
    this.mutating = await load('mutatingwebhookconfigurations');
    this.validating = await load('validatingwebhookconfigurations');
  }

  mutatingPlugin(): AdmissionPlugin {
    return { name: 'MutatingAdmissionWebhook', handles: (a) => this.mutating.length > 0 && !isExempt(a), admit: (a) => this.runMutating(a) };
  }

  validatingPlugin(): AdmissionPlugin {
    return { name: 'ValidatingAdmissionWebhook', handles: (a) => this.validating.length > 0 && !isExempt(a), validate: (a) => this.runValidating(a) };
  }

  /** Call one webhook; null when it was skipped for a failure under failurePolicy Ignore. */
  private async call(h: Hook, a: AdmissionAttributes, kind: 'mutating' | 'validating', index: number): Promise<WebhookAnswer | null> {
    const w = h.w;
    if (a.dryRun && !['None', 'NoneOnDryRun'].includes(w.sideEffects)) throw badRequest(`admission webhook "${w.name}" does not support dry run`);
    const timeout = (w.timeoutSeconds ?? 10) * 1000;
    const { uid, body } = admissionReview(a);
    let where = '';
    try {
      const { url, servername } = await webhookURL(w.clientConfig, this.resolve);
      url.searchParams.set('timeout', `${w.timeoutSeconds ?? 10}s`);
      where = url.toString();
      const ans = readAnswer(await postReview(url, servername, w.clientConfig?.caBundle, body, timeout), uid);
      if (a.warnings) a.warnings.push(...ans.warnings);
      if (a.auditAnnotations) for (const [k, v] of Object.entries(ans.auditAnnotations)) a.auditAnnotations[`${w.name}/${k}`] = String(v);
      return ans;
    } catch (e) {
      const msg = `failed calling webhook "${w.name}": failed to call webhook: ${where ? `Post "${where}": ` : ''}${(e as Error).message}`;
      if ((w.failurePolicy ?? 'Fail') === 'Ignore') {
        this.log(`${msg} (failurePolicy Ignore: admitted)`);
        if (a.auditAnnotations) a.auditAnnotations[`failed-open.${kind}.webhook.admission.k8s.io/round_0_index_${index}`] = w.name;
        return null;
      }
      throw new StatusError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
    }
  }

  private async runMutating(a: AdmissionAttributes): Promise<void> {
    const ran: { h: Hook; index: number; after: unknown }[] = [];
    const hooks = this.mutating;
    for (let i = 0; i < hooks.length; i++) {
      if (!(await webhookApplies(hooks[i].w, a, this.client))) continue;
      await this.mutateOnce(hooks[i], a, i);
      ran.push({ h: hooks[i], index: i, after: structuredClone(a.object) });
    }
    // Reinvocation: a webhook asking IfNeeded runs once more when the object changed after it ran.
    const final = a.object;
    for (const r of ran) {
      if (r.h.w.reinvocationPolicy !== 'IfNeeded' || jsonEqual(r.after, final)) continue;
      await this.mutateOnce(r.h, a, r.index);
    }
  }

  private async mutateOnce(h: Hook, a: AdmissionAttributes, index: number): Promise<void> {
    const ans = await this.call(h, a, 'mutating', index);
    if (!ans) return;
    if (!ans.allowed) throw denial(h.w.name, ans);
    if (!ans.patch?.length) return;
    if (a.object === null || a.object === undefined) {
      // DELETE (and CONNECT) have no object to patch; Kubernetes refuses such a patch.
      throw new StatusError(500, 'InternalError', `Internal error occurred: admission webhook "${h.w.name}" attempted to modify the object, which is not supported for this operation`);
    }
    let next: any;
    try { next = applyJSONPatch(structuredClone(a.object), ans.patch); } catch (e) {
      throw new StatusError(500, 'InternalError', `Internal error occurred: admission webhook "${h.w.name}" returned a patch that could not be applied: ${(e as Error).message}`);
    }
    // The store holds a reference to the object: change it in place.
    const obj = a.object as Record<string, unknown>;
    for (const k of Object.keys(obj)) delete obj[k];
    Object.assign(obj, next);
  }

  private async runValidating(a: AdmissionAttributes): Promise<void> {
    const hooks = this.validating;
    const applicable: { h: Hook; i: number }[] = [];
    for (let i = 0; i < hooks.length; i++) if (await webhookApplies(hooks[i].w, a, this.client)) applicable.push({ h: hooks[i], i });
    const answers = await Promise.allSettled(applicable.map(({ h, i }) => this.call(h, a, 'validating', i)));
    for (let k = 0; k < answers.length; k++) {
      const r = answers[k];
      if (r.status === 'rejected') throw r.reason;
      if (r.value && !r.value.allowed) throw denial(applicable[k].h.w.name, r.value);
    }
  }
}
