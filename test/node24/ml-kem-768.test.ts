// Run by scripts/test.mjs on the pinned Node 24 only: there node:crypto has ML-KEM (OpenSSL 3.5), so the
// prober's mlkem768x25519-sha256 uses it, and it must meet NIST's FIPS 203 vector as @noble/post-quantum does.
import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { mlKem768Implementation, mlKem768Keypair } from '../../lambda/core/crypto/ml-kem-768.ts';
import { readRsp } from '../lambda/core/crypto/rsp-fixture.ts';

const kat = readRsp('ml-kem-768-keygen.rsp');

describe(`Node ${process.versions.node}: ML-KEM-768 from node:crypto`, () => {
  it('the feature test picks node:crypto', () => {
    assert.equal(mlKem768Implementation(), 'node:crypto');
  });

  it("KeyGen_internal(d, z) through node:crypto gives ACVP's ek", () => {
    const { publicKey } = mlKem768Keypair(Buffer.concat([kat.d!, kat.z!]), 'node:crypto');
    assert.equal(Buffer.from(publicKey).toString('hex'), kat.ek!.toString('hex'));
  });

  it('node:crypto decapsulates what @noble/post-quantum encapsulated to its key, and the reverse', () => {
    const keys = mlKem768Keypair(undefined, 'node:crypto');
    const sent = ml_kem768.encapsulate(keys.publicKey, randomBytes(32));
    assert.deepEqual(Buffer.from(keys.decapsulate(sent.cipherText)), Buffer.from(sent.sharedSecret));
    const noble = mlKem768Keypair(undefined, '@noble/post-quantum');
    // SubjectPublicKeyInfo for an ML-KEM-768 key (OID 2.16.840.1.101.3.4.4.2) around noble's raw ek.
    const spki = Buffer.concat([
      Buffer.from('308204b2300b0609608648016503040402038204a100', 'hex'),
      noble.publicKey,
    ]);
    const kem = nodeCrypto as unknown as {
      encapsulate(key: KeyObject): { sharedKey: Buffer; ciphertext: Buffer };
    };
    const { sharedKey, ciphertext } = kem.encapsulate(
      createPublicKey({ key: spki, format: 'der', type: 'spki' }),
    );
    assert.deepEqual(Buffer.from(noble.decapsulate(ciphertext)), sharedKey);
  });
});
