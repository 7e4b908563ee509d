import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kexinitPacket, sshPacket } from '../../../../lab/zoo.ts';
import { createKexinitReader, parseKexinitPacket } from '../../../../lambda/core/probe/kexinit.ts';

const OFFER = {
  kex: ['curve25519-sha256', 'diffie-hellman-group1-sha1'],
  hostKey: ['ssh-ed25519'],
  cipher: ['aes128-ctr', '3des-cbc'],
  mac: ['hmac-sha2-256', 'hmac-md5'],
  compression: ['none', 'zlib@openssh.com'],
};

describe('createKexinitReader', () => {
  const packet = kexinitPacket(OFFER);
  const splits: [string, number[]][] = [
    ['one chunk', [packet.length]],
    ['length split', [2, packet.length - 2]],
    ['byte by byte', Array.from({ length: packet.length }, () => 1)],
    ['followed by the next packet', [packet.length]],
  ];
  for (const [name, sizes] of splits) {
    it(`reads the offer: ${name}`, () => {
      const reader = createKexinitReader();
      const bytes = name.startsWith('followed')
        ? Buffer.concat([packet, sshPacket(Buffer.from([30, 1, 2]))])
        : packet;
      let at = 0;
      let step = reader.feed(new Uint8Array(0));
      for (const n of sizes) {
        step = reader.feed(bytes.subarray(at, at + n));
        at += n;
      }
      if (name.startsWith('followed')) step = reader.feed(bytes.subarray(at));
      assert.equal(step.kind, 'kexinit');
      assert.deepEqual(step.kind === 'kexinit' && step.offer, OFFER);
    });
  }

  it('gives up on a first packet longer than 16 KiB without buffering it', () => {
    const reader = createKexinitReader();
    const head = Buffer.alloc(8);
    head.writeUInt32BE(1_000_000, 0);
    const step = reader.feed(head);
    assert.equal(step.kind, 'invalid');
  });

  it('rejects a first packet that is not KEXINIT', () => {
    const step = parseKexinitPacket(sshPacket(Buffer.concat([Buffer.from([2]), Buffer.alloc(40)])));
    assert.deepEqual(step, { kind: 'invalid', reason: 'first packet is message 2, not KEXINIT' });
  });

  it('rejects a truncated name-list', () => {
    const payload = Buffer.concat([Buffer.from([20]), Buffer.alloc(16), Buffer.from([0, 0, 1, 0, 0x61])]);
    assert.equal(parseKexinitPacket(sshPacket(payload)).kind, 'invalid');
  });
});
