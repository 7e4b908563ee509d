import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import {
  ML_KEM_768_PUBLIC_KEY_BYTES,
  mlKem768Implementation,
  mlKem768Keypair,
} from '../../../../lambda/core/crypto/ml-kem-768.ts';
import { assertFieldLengths, hex, readRsp } from './rsp-fixture.ts';

// NIST's ACVP FIPS 203 key generation case (source in the fixture's header). test/node24 runs the same
// checks on node:crypto; here they run on whatever this runtime has and on @noble/post-quantum explicitly.
const kat = readRsp('ml-kem-768-keygen.rsp');

describe('ML-KEM-768 against NIST’s FIPS 203 vectors', () => {
  it('the fixture holds d, z and a whole encapsulation key', () => {
    assertFieldLengths(kat, { d: 32, z: 32, ek: ML_KEM_768_PUBLIC_KEY_BYTES });
  });

  for (const implementation of new Set([mlKem768Implementation(), '@noble/post-quantum'] as const)) {
    it(`${implementation}: KeyGen_internal(d, z) gives ACVP's ek`, () => {
      const { publicKey } = mlKem768Keypair(Buffer.concat([kat.d!, kat.z!]), implementation);
      assert.equal(hex(publicKey), hex(kat.ek!));
    });
  }

  it(`${mlKem768Implementation()}: decapsulates what an independent encapsulation sent to the KAT key`, () => {
    const keys = mlKem768Keypair(Buffer.concat([kat.d!, kat.z!]));
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(kat.ek!, randomBytes(32));
    assert.deepEqual(Buffer.from(keys.decapsulate(cipherText)), Buffer.from(sharedSecret));
  });

  it('a fresh key pair has a 1184-byte ek, a 64-byte seed is required, a 1088-byte ciphertext', () => {
    const keys = mlKem768Keypair();
    assert.equal(keys.publicKey.length, ML_KEM_768_PUBLIC_KEY_BYTES);
    assert.throws(() => mlKem768Keypair(new Uint8Array(63)), /64 bytes, got 63/);
    assert.throws(() => keys.decapsulate(new Uint8Array(1087)), /1088 bytes, got 1087/);
  });
});
