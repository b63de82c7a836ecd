/**
 * @module apiserver/admission/podsecurity/checks/index
 * Every Pod Security check (k8s.io/pod-security-admission/policy DefaultChecks), baseline and
 * restricted. The evaluator orders them by ID, baseline first, as Kubernetes does.
 */
import type { Check } from './helpers.js';
import { appArmorProfile } from './appArmorProfile.js';
import { capabilities_baseline } from './capabilities_baseline.js';
import { hostNamespaces } from './hostNamespaces.js';
import { hostPathVolumes } from './hostPathVolumes.js';
import { hostPorts } from './hostPorts.js';
import { privileged } from './privileged.js';
import { procMount } from './procMount.js';
import { seLinuxOptions } from './seLinuxOptions.js';
import { seccompProfile_baseline } from './seccompProfile_baseline.js';
import { sysctls } from './sysctls.js';
import { windowsHostProcess } from './windowsHostProcess.js';
import { allowPrivilegeEscalation } from './allowPrivilegeEscalation.js';
import { capabilities_restricted } from './capabilities_restricted.js';
import { restrictedVolumes } from './restrictedVolumes.js';
import { runAsNonRoot } from './runAsNonRoot.js';
import { runAsUser } from './runAsUser.js';
import { seccompProfile_restricted } from './seccompProfile_restricted.js';

export * from './helpers.js';

export const DEFAULT_CHECKS: readonly Check[] = [
  appArmorProfile, capabilities_baseline, hostNamespaces, hostPathVolumes, hostPorts, privileged, procMount,
  seLinuxOptions, seccompProfile_baseline, sysctls, windowsHostProcess,
  allowPrivilegeEscalation, capabilities_restricted, restrictedVolumes, runAsNonRoot, runAsUser, seccompProfile_restricted,
];
