/**
 * @module api/builtin
 * Every built-in kind skiff serves, registered on import.
 */
import '../meta/v1.js';
import './status.js';
import './container.js';
import './pod.js';
import './core.js';
import './workloads.js';
import './others.js';
import './auth.js';
import './admission.js';
import './certificates.js';
