import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareIdentity, hostKeyType } from '../../../../lambda/core/alerts/identity.ts';

describe('remembered identity', () => {
  type Case = {
    name: string;
    remembered: Parameters<typeof compareIdentity>[0];
    key: readonly [algorithm: string, sha256: string] | undefined;
    auth: readonly string[] | undefined;
    expected: readonly string[];
  };
  /** Remembered `[algorithm, fingerprint]`, then the probe's: auth methods unknown on both sides. */
  const keyCase = (name: string, was: [string, string], now: [string, string], expected: string[]): Case => ({
    name,
    remembered: { hostKeyAlgorithm: was[0], hostKey: was[1] },
    key: now,
    auth: undefined,
    expected,
  });
  /** Remembered auth methods, then the probe's: no host key on either side. */
  const authCase = (name: string, was: string[], now: string[], expected: string[]): Case => ({
    name,
    remembered: { authMethods: was },
    key: undefined,
    auth: now,
    expected,
  });
  const cases: Case[] = [
    {
      name: 'nothing remembered yet',
      remembered: undefined,
      key: ['ssh-ed25519', 'SHA256:b'],
      auth: ['publickey'],
      expected: [],
    },
    keyCase('same key', ['ssh-ed25519', 'SHA256:a'], ['ssh-ed25519', 'SHA256:a'], []),
    keyCase(
      'same type, other key',
      ['ssh-ed25519', 'SHA256:a'],
      ['ssh-ed25519', 'SHA256:b'],
      ['HOST_KEY_CHANGED/critical'],
    ),
    keyCase(
      'RSA under another signature algorithm, other key',
      ['rsa-sha2-256', 'SHA256:a'],
      ['rsa-sha2-512', 'SHA256:b'],
      ['HOST_KEY_CHANGED/critical'],
    ),
    keyCase(
      'other key type',
      ['ecdsa-sha2-nistp256', 'SHA256:a'],
      ['ssh-ed25519', 'SHA256:b'],
      ['HOST_KEY_CHANGED/warning'],
    ),
    authCase(
      'password login added',
      ['publickey'],
      ['publickey', 'password'],
      ['AUTH_METHODS_CHANGED/critical'],
    ),
    authCase(
      'keyboard-interactive removed',
      ['keyboard-interactive', 'publickey'],
      ['publickey'],
      ['AUTH_METHODS_CHANGED/warning'],
    ),
    authCase(
      'same methods, other order and duplicates',
      ['publickey', 'password'],
      ['password', 'publickey', 'password'],
      [],
    ),
  ];
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
