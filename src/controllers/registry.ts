/**
 * @module controllers/registry
 * Every controller the controller manager can run, by its `--controllers` name.
 */
import type { ControllerDescriptor } from './framework.js';
import { descriptor as deployment } from './deployment/index.js';
import { descriptor as replicaset } from './replicaset/index.js';
import { descriptor as nodeipam } from './nodeipam/index.js';
import { descriptor as nodelifecycle } from './nodelifecycle/index.js';
import { descriptor as statefulset } from './statefulset/index.js';
import { descriptor as daemonset } from './daemonset/index.js';
import { descriptor as job } from './job/index.js';
import { descriptor as cronjob } from './cronjob/index.js';
import { descriptor as ttlAfterFinished } from './ttlafterfinished/index.js';
import { descriptor as endpoint } from './endpoint/index.js';
import { descriptor as endpointslice } from './endpointslice/index.js';
import { descriptor as garbagecollector } from './garbagecollector/index.js';
import { descriptor as namespace } from './namespace/index.js';
import { descriptor as podgc } from './podgc/index.js';
import { approverDescriptor as csrapproving, signerDescriptor as csrsigning } from './certificates/index.js';

export const CONTROLLERS: ControllerDescriptor[] = [
  deployment, replicaset, statefulset, daemonset, job, cronjob, ttlAfterFinished,
  endpoint, endpointslice, garbagecollector, namespace, podgc, nodeipam, nodelifecycle, csrapproving, csrsigning,
];
