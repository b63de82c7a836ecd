/** Unit tests: WebSocket channel framing (binary and base64) and remote command status. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeChannelMessage, encodeChannelMessage, spdyProtocolFor } from './channel.js';
import { errorStreamPayload, remoteCommandOptions, ResizeDecoder } from './remotecommand.js';
import { negotiateProtocol } from './upgrade.js';

describe('channel protocols', () => {
  it('frames binary and base64 messages', () => {
    const b = encodeChannelMessage('v5.channel.k8s.io', 1, Buffer.from('hi')) as Buffer;
    assert.deepEqual([...b], [1, 104, 105]);
    assert.deepEqual(decodeChannelMessage('v5.channel.k8s.io', b), { channel: 1, data: Buffer.from('hi') });
    const t = encodeChannelMessage('v4.base64.channel.k8s.io', 2, Buffer.from('hi')) as string;
    assert.equal(t, '2aGk=');
    assert.deepEqual(decodeChannelMessage('v4.base64.channel.k8s.io', Buffer.from(t)), { channel: 2, data: Buffer.from('hi') });
    assert.equal(spdyProtocolFor('v4.base64.channel.k8s.io'), 'v4.channel.k8s.io');
  });
  it('negotiates in the client\'s order', () => {
    assert.equal(negotiateProtocol(['v5.channel.k8s.io', 'v4.channel.k8s.io'], ['v4.channel.k8s.io', 'v5.channel.k8s.io']), 'v5.channel.k8s.io');
    assert.equal(negotiateProtocol(['x'], ['y']), undefined);
  });
  it('reports exit codes as kubectl reads them', () => {
    const s = JSON.parse(errorStreamPayload('v4.channel.k8s.io', { exitCode: 3 }, ['sh', '-c', 'exit 3'])!.toString());
    assert.equal(s.reason, 'NonZeroExitCode');
    assert.deepEqual(s.details.causes, [{ reason: 'ExitCode', message: '3' }]);
    assert.deepEqual(JSON.parse(errorStreamPayload('v4.channel.k8s.io', { exitCode: 0 })!.toString()), { metadata: {}, status: 'Success' });
    assert.equal(errorStreamPayload('v2.channel.k8s.io', { exitCode: 0 }), undefined);
  });
  it('decodes resizes and stdio options', () => {
    const d = new ResizeDecoder();
    assert.deepEqual([...d.push('{"Width":80,"Heig'), ...d.push('ht":24}{"Width":1,"Height":2}')], [{ width: 80, height: 24 }, { width: 1, height: 2 }]);
    assert.deepEqual(remoteCommandOptions(new URLSearchParams('stdin=true&stdout=true&stderr=true&tty=true')), { stdin: true, stdout: true, stderr: false, tty: true });
  });
});
