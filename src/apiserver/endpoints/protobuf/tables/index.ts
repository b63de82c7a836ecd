/**
 * @module apiserver/endpoints/protobuf/tables
 * Every generated field table, one per proto package.
 */
import { meta } from './meta.js';
import { resource } from './resource.js';
import { intstr } from './intstr.js';
import { runtime } from './runtime.js';
import { schema } from './schema.js';
import { core } from './core.js';
import { apps } from './apps.js';
import { batch } from './batch.js';
import { rbac } from './rbac.js';
import { networking } from './networking.js';
import { policy } from './policy.js';
import { scheduling } from './scheduling.js';
import { autoscaling } from './autoscaling.js';
import { autoscalingV2 } from './autoscalingV2.js';
import { authentication } from './authentication.js';
import { coordination } from './coordination.js';
import { discovery } from './discovery.js';
import { authorization } from './authorization.js';
import { admissionregistration } from './admissionregistration.js';
import { events } from './events.js';
import type { PackageTable } from '../types.js';

export const ALL_PACKAGES: PackageTable[] = [meta, resource, intstr, runtime, schema, core, apps, batch, rbac, networking, policy, scheduling, autoscaling, autoscalingV2, authentication, coordination, discovery, authorization, admissionregistration, events];
