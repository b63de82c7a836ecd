/**
 * @module apiserver/authorization/testing/fake-loopback
 * The shared in-memory LoopbackClient for the authorizers' tests.
 */
export { FakeLoopback, settle } from '../../registry/testing/fake-loopback.js';
