/**
 * @module api/validation
 * Object-level validation helpers in Kubernetes' words: names, labels, annotations, ObjectMeta.
 */
export * from './names.js';
export * from './labels.js';
export * from './object-meta.js';
