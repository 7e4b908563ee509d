import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyTypeOfBlob, openSshSha256Fingerprint } from '../../../../lambda/core/probe/fingerprint.ts';

// Public keys and the fingerprints `ssh-keygen -lf` printed for them (OpenSSH 9).
const KEYS = [
  {
    name: 'ed25519',
    blob: 'AAAAC3NzaC1lZDI1NTE5AAAAIIyzyLJuEg8KvQbmgvl7rPTZTLsEPnGMrGTBxiBc1Ckt',
    type: 'ssh-ed25519',
    sha256: 'SHA256:SDEzVK0rVMvIbRLEHmm2WhpVR9t+3eb0HoeEi59a9E8',
  },
  {
    name: 'ecdsa p-256',
    blob: 'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBCem6rfZ9vmJ/4Gj7ko4xPRFKq5AEMw15gbp/ChvowQe34rPHY9LJ6L8baC76j3p0fnV0eQbvXnTdg/ZkhZSI/M=',
    type: 'ecdsa-sha2-nistp256',
    sha256: 'SHA256:0IQw49iqWgjFHBo08htuZ1pZMJdwaRdTJwOWKjjWMUM',
  },
];

describe('openSshSha256Fingerprint', () => {
  for (const k of KEYS) {
    it(`matches ssh-keygen -lf for ${k.name}`, () => {
      const fp = openSshSha256Fingerprint(Buffer.from(k.blob, 'base64'));
      assert.equal(fp, k.sha256);
      assert.doesNotMatch(fp, /=$/, 'OpenSSH strips base64 padding');
    });
  }
});

describe('keyTypeOfBlob', () => {
  const cases: [string, Uint8Array, string | undefined][] = [
    ['ed25519 blob', Buffer.from(KEYS[0]!.blob, 'base64'), 'ssh-ed25519'],
    ['ecdsa blob', Buffer.from(KEYS[1]!.blob, 'base64'), 'ecdsa-sha2-nistp256'],
    ['too short for the length', Buffer.from([0, 0]), undefined],
    ['length past the end', Buffer.from([0, 0, 0, 9, 0x61]), undefined],
    ['zero-length name', Buffer.from([0, 0, 0, 0]), undefined],
  ];
  for (const [name, blob, expected] of cases) {
    it(name, () => assert.equal(keyTypeOfBlob(blob), expected));
  }
});
