import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  SNTRUP761_CIPHERTEXT_BYTES,
  SNTRUP761_PUBLIC_KEY_BYTES,
  SNTRUP761_SECRET_KEY_BYTES,
  sntrup761Decapsulate,
  sntrup761Encapsulate,
  sntrup761Keypair,
} from '../../../../lambda/core/crypto/sntrup761.ts';
import { nistKatRandom } from './nist-kat-drbg.ts';
import { assertFieldLengths, hex, readRsp } from './rsp-fixture.ts';

// Record 0 of the NTRU Prime round 3 submission's KAT (source in the fixture's header).
const kat = readRsp('sntrup761-kat.rsp');

describe('sntrup761 against the NTRU Prime submission’s known-answer test', () => {
  it('the fixture is one whole record, at the API’s sizes', () => {
    assertFieldLengths(kat, { seed: 48, pk: 1158, sk: 1763, ct: 1039, ss: 32 });
  });

  it('keypair then encapsulation from the record’s DRBG seed reproduce pk, sk, ct and ss byte for byte', () => {
    const random = nistKatRandom(kat.seed!);
    const { publicKey, secretKey } = sntrup761Keypair(random);
    assert.equal(hex(publicKey), hex(kat.pk!));
    assert.equal(hex(secretKey), hex(kat.sk!));
    const { ciphertext, sharedSecret } = sntrup761Encapsulate(publicKey, random);
    assert.equal(hex(ciphertext), hex(kat.ct!));
    assert.equal(hex(sharedSecret), hex(kat.ss!));
  });

  it('decapsulation of the record’s ct with its sk gives its ss', () => {
    assert.deepEqual(Buffer.from(sntrup761Decapsulate(kat.ct!, kat.sk!)), kat.ss);
  });

  it('a ciphertext changed in one bit decapsulates to another key (implicit rejection), the same each time', () => {
    for (const at of [0, 500, SNTRUP761_CIPHERTEXT_BYTES - 1]) {
      const forged = Buffer.from(kat.ct!);
      forged[at]! ^= 1;
      const k = sntrup761Decapsulate(forged, kat.sk!);
      assert.notDeepEqual(Buffer.from(k), kat.ss, `byte ${at}`);
      assert.deepEqual(k, sntrup761Decapsulate(forged, kat.sk!));
    }
  });
});

describe('sntrup761 with fresh randomness', () => {
  it('keypair, encapsulation and decapsulation agree, at the API sizes', () => {
    for (let i = 0; i < 3; i++) {
      const { publicKey, secretKey } = sntrup761Keypair((n) => randomBytes(n));
      assert.equal(publicKey.length, SNTRUP761_PUBLIC_KEY_BYTES);
      assert.equal(secretKey.length, SNTRUP761_SECRET_KEY_BYTES);
      const { ciphertext, sharedSecret } = sntrup761Encapsulate(publicKey, (n) => randomBytes(n));
      assert.deepEqual(sntrup761Decapsulate(ciphertext, secretKey), sharedSecret);
    }
  });

  it('wrong lengths are refused with the expected size', () => {
    const { secretKey } = sntrup761Keypair((n) => randomBytes(n));
    assert.throws(() => sntrup761Decapsulate(new Uint8Array(1038), secretKey), /1039 bytes, got 1038/);
    assert.throws(() => sntrup761Decapsulate(kat.ct!, new Uint8Array(1762)), /1763 bytes, got 1762/);
    assert.throws(() => sntrup761Encapsulate(new Uint8Array(1159), randomBytes), /1158 bytes, got 1159/);
  });
});
