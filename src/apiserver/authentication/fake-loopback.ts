/**
 * @module apiserver/authentication/fake-loopback
 * The shared in-memory LoopbackClient for the authenticators' tests.
 */
import { FakeLoopback } from '../registry/testing/fake-loopback.js';

export { FakeLoopback };
export function fakeLoopback(): FakeLoopback { return new FakeLoopback(); }
