/**
 * @module controllers/registry
 * Every controller the controller manager can run, by its `--controllers` name.
 */
import type { ControllerDescriptor } from './framework.js';
import { descriptor as replicaset } from './replicaset/index.js';
import { descriptor as nodeipam } from './nodeipam/index.js';
import { descriptor as nodelifecycle } from './nodelifecycle/index.js';
import { descriptor as statefulset } from './statefulset/index.js';
import { descriptor as daemonset } from './daemonset/index.js';

export const CONTROLLERS: ControllerDescriptor[] = [
  replicaset, statefulset, daemonset, nodeipam, nodelifecycle,
];
