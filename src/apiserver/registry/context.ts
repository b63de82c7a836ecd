/**
 * @module apiserver/registry/context
 * What a verb needs to know about the request besides the object: who asks, dry run, field
 * manager and validation mode, the admission chain, and where warnings go.
 */

import type { RequestTrace } from '../tracing.js';

export interface UserInfo { name: string; uid?: string; groups: string[]; extra?: Record<string, string[]> }

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** What admission plugins see (admission.Attributes). */
export interface AdmissionAttributes {
  operation: Operation;
  group: string; version: string; kind: string; resource: string; subresource: string;
  namespace: string; name: string;
  object: any; oldObject: any;
  options?: any;
  dryRun: boolean;
  user: UserInfo;
  /** Warnings for the client (the Warning header); admission plugins may add to it. */
  warnings?: string[];
  /** Audit annotations added by admission plugins (key -> value), as Kubernetes' AddAnnotation. */
  auditAnnotations?: Record<string, string>;
  /** The request's trace, for the admission/<Plugin> spans. */
  trace?: RequestTrace;
}

/** Mutating plugins run first (`admit`), validating after (`validate`), as in Kubernetes. */
export interface AdmissionChain {
  admit(attrs: AdmissionAttributes): Promise<void>;
  validate(attrs: AdmissionAttributes): Promise<void>;
}

export const noAdmission: AdmissionChain = { admit: async () => {}, validate: async () => {} };

export interface RequestContext {
  user: UserInfo;
  userAgent: string;
  dryRun: boolean;
  fieldManager?: string;
  fieldValidation: 'Ignore' | 'Warn' | 'Strict';
  warnings: string[];
  admission: AdmissionChain;
  /** Audit annotations admission plugins add (only when the request is audited). */
  auditAnnotations?: Record<string, string>;
  /** The request's trace (apiserver/tracing): spans for the pipeline's stages, the context stamped on changed objects. */
  trace?: RequestTrace;
}

/** The default field manager name Kubernetes derives from the User-Agent (`kubectl-create`, ...). */
export function defaultFieldManager(userAgent: string): string {
  const first = (userAgent || 'unknown').split('/')[0];
  const s = first.replace(/[^\x20-\x7e]/g, '').slice(0, 128);
  return s || 'unknown';
}
