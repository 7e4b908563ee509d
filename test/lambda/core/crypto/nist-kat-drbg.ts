/**
 * The deterministic random source of NIST's post-quantum KAT harness (rng.c of the submission package:
 * AES-256 CTR_DRBG of SP 800-90A without derivation function, no prediction resistance). `PQCgenKAT_kem`
 * seeds it with each record's 48-byte `seed`, then calls keypair, enc and dec, so a record's pk, sk, ct and
 * ss follow from its seed — and from how the implementation calls randombytes: every call ends with a state
 * update that discards the unused rest of the last block.
 */
import { createCipheriv } from 'node:crypto';

export function nistKatRandom(seed: Uint8Array): (n: number) => Uint8Array {
  if (seed.length !== 48) throw new Error(`the KAT seed is 48 bytes, got ${seed.length}`);
  let key = new Uint8Array(32);
  let v = new Uint8Array(16);

  const block = (): Uint8Array => {
    // V is a 128-bit big-endian counter, incremented before each block.
    for (let i = 15; i >= 0; i--) {
      v[i] = (v[i]! + 1) & 0xff;
      if (v[i] !== 0) break;
    }
    const aes = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
    return new Uint8Array(aes.update(v));
  };
  const update = (provided?: Uint8Array): void => {
    const temp = new Uint8Array(48);
    for (let i = 0; i < 3; i++) temp.set(block(), 16 * i);
    if (provided) for (let i = 0; i < 48; i++) temp[i]! ^= provided[i]!;
    key = temp.slice(0, 32);
    v = temp.slice(32, 48);
  };

  update(seed);
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += 16) out.set(block().subarray(0, Math.min(16, n - at)), at);
    update();
    return out;
  };
}
