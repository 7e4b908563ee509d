/**
 * ML-KEM-768 (FIPS 203), the client's half: a key pair and the decapsulation of the server's ciphertext,
 * which is all the `mlkem768x25519-sha256` key exchange asks of a client.
 *
 * node:crypto has ML-KEM where it is built with OpenSSL 3.5 or later (Node 24 is); elsewhere (Node 20, 22)
 * the audited @noble/post-quantum does it. Which one runs is decided once, by trying node:crypto's
 * `decapsulate` and an ML-KEM key pair (a feature test: a version number says nothing about the OpenSSL a
 * distribution links). Both are checked against NIST's FIPS 203 vectors (test/lambda/core/crypto and
 * test/node24).
 */
import * as nodeCrypto from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

export const ML_KEM_768_PUBLIC_KEY_BYTES = 1184;
export const ML_KEM_768_CIPHERTEXT_BYTES = 1088;

export interface MlKem768KeyPair {
  /** The encapsulation key ek, 1184 bytes. */
  readonly publicKey: Uint8Array;
  /** K for a ciphertext (32 bytes). FIPS 203 decapsulation never fails: a bad ciphertext gives another K. */
  decapsulate(ciphertext: Uint8Array): Uint8Array;
}

export type MlKem768Implementation = 'node:crypto' | '@noble/post-quantum';

/** node:crypto's KEM functions, which @types/node 20 does not declare. */
interface NodeKem {
  decapsulate(key: nodeCrypto.KeyObject, ciphertext: Uint8Array): Buffer;
}

/**
 * PKCS#8 for an ML-KEM-768 private key given as its 64-byte seed d ‖ z (draft-ietf-lamps-kyber-certificates:
 * the `seed [0] IMPLICIT OCTET STRING` choice, OID 2.16.840.1.101.3.4.4.2) — the form OpenSSL exports too.
 */
const PKCS8_SEED_PREFIX = Buffer.from('3054020100300b060960864801650304040204428040', 'hex');

let chosen: MlKem768Implementation | undefined;

/** The implementation this runtime uses. */
export function mlKem768Implementation(): MlKem768Implementation {
  chosen ??= nodeHasMlKem() ? 'node:crypto' : '@noble/post-quantum';
  return chosen;
}

/**
 * A fresh key pair, or the one a 64-byte seed d ‖ z determines (FIPS 203 ML-KEM.KeyGen_internal), which the
 * known-answer tests use. `implementation` defaults to the one this runtime has.
 */
export function mlKem768Keypair(
  seed?: Uint8Array,
  implementation: MlKem768Implementation = mlKem768Implementation(),
): MlKem768KeyPair {
  if (seed !== undefined && seed.length !== 64)
    throw new Error(`ML-KEM seed is 64 bytes, got ${seed.length}`);
  return implementation === 'node:crypto' ? nodeKeypair(seed) : nobleKeypair(seed);
}

function nodeHasMlKem(): boolean {
  if (typeof (nodeCrypto as unknown as Partial<NodeKem>).decapsulate !== 'function') return false;
  try {
    nodeCrypto.generateKeyPairSync('ml-kem-768' as never);
    return true;
  } catch {
    return false;
  }
}

function nodeKeypair(seed: Uint8Array | undefined): MlKem768KeyPair {
  const privateKey =
    seed === undefined
      ? (nodeCrypto.generateKeyPairSync('ml-kem-768' as never) as nodeCrypto.KeyPairKeyObjectResult)
          .privateKey
      : nodeCrypto.createPrivateKey({
          key: Buffer.concat([PKCS8_SEED_PREFIX, seed]),
          format: 'der',
          type: 'pkcs8',
        });
  const spki = nodeCrypto.createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const kem = nodeCrypto as unknown as NodeKem;
  return {
    // The SubjectPublicKeyInfo ends with the raw encapsulation key (a BIT STRING with no unused bits).
    publicKey: new Uint8Array(spki.subarray(spki.length - ML_KEM_768_PUBLIC_KEY_BYTES)),
    decapsulate: (ciphertext) => new Uint8Array(kem.decapsulate(privateKey, checkCiphertext(ciphertext))),
  };
}

function nobleKeypair(seed: Uint8Array | undefined): MlKem768KeyPair {
  const { publicKey, secretKey } = ml_kem768.keygen(seed);
  return {
    publicKey,
    decapsulate: (ciphertext) => ml_kem768.decapsulate(checkCiphertext(ciphertext), secretKey),
  };
}

function checkCiphertext(ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length !== ML_KEM_768_CIPHERTEXT_BYTES) {
    throw new Error(
      `ML-KEM-768 ciphertext is ${ML_KEM_768_CIPHERTEXT_BYTES} bytes, got ${ciphertext.length}`,
    );
  }
  return ciphertext;
}
