/**
 * @module apiserver/admission/plugin/fake-client
 * The shared in-memory LoopbackClient for the plugins' tests, and admission attributes as the
 * tests want them.
 */
import { FakeLoopback } from '../../registry/testing/fake-loopback.js';

export type FakeClient = FakeLoopback;
export function fakeClient(): FakeClient { return new FakeLoopback(); }

/** Admission attributes for a request, with the defaults most tests want. */
export function attrsFor(operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT', resource: string, namespace: string, object: any, extra: Record<string, unknown> = {}): any {
  return {
    operation, group: '', version: 'v1', kind: resource === 'pods' ? 'Pod' : '', resource, subresource: '',
    namespace, name: object?.metadata?.name ?? '', object, oldObject: undefined, dryRun: false,
    user: { name: 'alice', groups: ['system:authenticated'] }, ...extra,
  };
}
