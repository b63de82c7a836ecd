/**
 * @module api
 * Importing this registers every definition and served resource.
 */
import './meta/v1.js';
import './builtin/index.js';
