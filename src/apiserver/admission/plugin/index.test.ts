import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeClient } from './fake-client.js';
import { builtinAdmissionPlugins, builtinPriorityClasses, recalculateQuota, ResourceQuotaController } from './index.js';

describe('builtinAdmissionPlugins', () => {
  it('lists the plugins in Kubernetes order', () => {
    assert.deepEqual(builtinAdmissionPlugins(fakeClient()).map((p) => p.name),
      ['NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'DefaultTolerationSeconds', 'Priority', 'ResourceQuota']);
    assert.equal(builtinPriorityClasses().length, 2);
    assert.equal(typeof recalculateQuota, 'function');
    assert.equal(typeof ResourceQuotaController, 'function');
  });
});
