/**
 * @module apiserver/admission/interfaces
 * An admission plugin, as Kubernetes' admission.Interface: a name, which requests it handles, and
 * a mutating step (`admit`, may change `attrs.object`) and/or a validating step (`validate`, must
 * not change anything). A plugin refuses by throwing a StatusError (usually 403 Forbidden, with the
 * message Kubernetes gives). The chain (chain.ts) runs every mutating step in plugin order, then
 * every validating step in plugin order.
 */
import type { AdmissionAttributes } from '../registry/context.js';

export type { AdmissionAttributes };

export interface AdmissionPlugin {
  readonly name: string;
  /** Whether this plugin wants to see the request at all (cheap; e.g. only pods on CREATE). */
  handles(attrs: AdmissionAttributes): boolean;
  /** Mutating admission: may change attrs.object. */
  admit?(attrs: AdmissionAttributes): Promise<void>;
  /** Validating admission: may only refuse. */
  validate?(attrs: AdmissionAttributes): Promise<void>;
}
