import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareIdentity, hostKeyType } from '../../../../lambda/core/alerts/identity.ts';

describe('remembered identity', () => {
  const cases = [
    {
      name: 'nothing remembered yet',
      remembered: undefined,
      key: ['ssh-ed25519', 'SHA256:b'],
      auth: ['publickey'],
      expected: [],
    },
    {
      name: 'same key',
      remembered: { hostKey: 'SHA256:a', hostKeyAlgorithm: 'ssh-ed25519' },
      key: ['ssh-ed25519', 'SHA256:a'],
      auth: undefined,
      expected: [],
    },
    {
      name: 'same type, other key',
      remembered: { hostKey: 'SHA256:a', hostKeyAlgorithm: 'ssh-ed25519' },
      key: ['ssh-ed25519', 'SHA256:b'],
      auth: undefined,
      expected: ['HOST_KEY_CHANGED/critical'],
    },
    {
      name: 'RSA under another signature algorithm, other key',
      remembered: { hostKey: 'SHA256:a', hostKeyAlgorithm: 'rsa-sha2-256' },
      key: ['rsa-sha2-512', 'SHA256:b'],
      auth: undefined,
      expected: ['HOST_KEY_CHANGED/critical'],
    },
    {
      name: 'other key type',
      remembered: { hostKey: 'SHA256:a', hostKeyAlgorithm: 'ecdsa-sha2-nistp256' },
      key: ['ssh-ed25519', 'SHA256:b'],
      auth: undefined,
      expected: ['HOST_KEY_CHANGED/warning'],
    },
    {
      name: 'password login added',
      remembered: { authMethods: ['publickey'] },
      key: undefined,
      auth: ['publickey', 'password'],
      expected: ['AUTH_METHODS_CHANGED/critical'],
    },
    {
      name: 'keyboard-interactive removed',
      remembered: { authMethods: ['keyboard-interactive', 'publickey'] },
      key: undefined,
      auth: ['publickey'],
      expected: ['AUTH_METHODS_CHANGED/warning'],
    },
    {
      name: 'same methods, other order and duplicates',
      remembered: { authMethods: ['publickey', 'password'] },
      key: undefined,
      auth: ['password', 'publickey', 'password'],
      expected: [],
    },
  ] as const;
  for (const c of cases) {
    it(c.name, () => {
      const key = c.key ? { algorithm: c.key[0], sha256: c.key[1] } : undefined;
      const found = compareIdentity(c.remembered, key, c.auth).map((f) => `${f.code}/${f.severity}`);
      assert.deepEqual(found, c.expected);
    });
  }
  it('names both fingerprints and the added methods in the evidence', () => {
    const [k] = compareIdentity(
      { hostKey: 'SHA256:a', hostKeyAlgorithm: 'ssh-ed25519' },
      { algorithm: 'ssh-ed25519', sha256: 'SHA256:b' },
      undefined,
    );
    assert.equal(k?.evidence[0]?.detail, 'host key was ssh-ed25519 SHA256:a, now ssh-ed25519 SHA256:b');
    const [m] = compareIdentity({ authMethods: ['publickey'] }, undefined, ['password', 'publickey']);
    assert.equal(m?.summary, 'The authentication methods sshd offers changed: added password.');
  });
  it('treats rsa-sha2-256/512 as ssh-rsa keys (RFC 8332)', () => {
    assert.deepEqual(['rsa-sha2-256', 'rsa-sha2-512', 'ssh-rsa', 'ssh-ed25519'].map(hostKeyType), [
      'ssh-rsa',
      'ssh-rsa',
      'ssh-rsa',
      'ssh-ed25519',
    ]);
  });
});
