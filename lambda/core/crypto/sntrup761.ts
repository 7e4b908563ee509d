/**
 * Streamlined NTRU Prime sntrup761, the KEM inside OpenSSH's `sntrup761x25519-sha512` key exchange.
 *
 * Written from the NTRU Prime round 3 specification (Bernstein, Chuengsatiansup, Lange, van Vredendaal,
 * "NTRU Prime: round 3", 2020, §3 "Streamlined NTRU Prime" and the encodings of §3.4) with the parameters
 * p = 761, q = 4591, w = 286 and the byte formats of the `crypto_kem_sntrup761` API that SUPERCOP and
 * OpenSSH share: public key 1158 bytes, secret key 1763, ciphertext 1039, session key 32. Checked against
 * the submission's known-answer tests and against OpenSSH's sshd (test/lambda/core/crypto/sntrup761.test.ts,
 * test/lambda/adapters/net/ssh2-hybrid-kex.test.ts).
 *
 * An SSH client needs key generation and decapsulation (it sends a public key, the server encapsulates);
 * encapsulation is here too, for the known-answer test and for a round trip.
 *
 * Randomness is injected. The known-answer tests depend on how the random source is called, not only on
 * what it returns (NIST's DRBG discards the unused end of each call), so the calls follow the reference
 * implementation that generated them: four bytes per random 32-bit word, then the 191 bytes of rho at once.
 *
 * Not constant-time: the prober's keys live for one key exchange and protect nothing but a `none`
 * authentication request, so timing side channels buy an observer nothing.
 */
import { createHash } from 'node:crypto';

/** Returns n fresh random bytes. */
export type RandomBytes = (n: number) => Uint8Array;

const P = 761;
const Q = 4591;
const W = 286;
/** (q - 1) / 2: coefficients of R/q are kept in [-Q12, Q12]. */
const Q12 = (Q - 1) / 2;
/** (q + 2) / 3: a rounded coefficient (a multiple of 3 in [-Q12, Q12]) divided by 3 and shifted to ≥ 0. */
const ROUNDED_MODULUS = (Q + 2) / 3;

const SMALL_BYTES = (P + 3) / 4;
const HASH_BYTES = 32;

export const SNTRUP761_PUBLIC_KEY_BYTES = 1158;
export const SNTRUP761_SECRET_KEY_BYTES =
  2 * SMALL_BYTES + SNTRUP761_PUBLIC_KEY_BYTES + SMALL_BYTES + HASH_BYTES;
export const SNTRUP761_CIPHERTEXT_BYTES = 1007 + HASH_BYTES;

export interface Sntrup761KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** KeyGen: a public key h = g / (3f) in R/q and the secret key the decapsulation needs. */
export function sntrup761Keypair(random: RandomBytes): Sntrup761KeyPair {
  let g: Int8Array;
  let gInverse: Int8Array | undefined;
  // g must be invertible in R/3; a random small g is with probability about 1 - 1/p.
  do {
    g = smallRandom(random);
    gInverse = reciprocalMod3(g);
  } while (gInverse === undefined);
  const f = shortRandom(random);
  const h = multiplySmall(reciprocalOf3TimesMod(f), g);
  const publicKey = encodeRq(h);
  const rho = random(SMALL_BYTES);
  const secretKey = concat(encodeSmall(f), encodeSmall(gInverse), publicKey, rho, hashPrefix(4, publicKey));
  return { publicKey, secretKey };
}

/** Encapsulation: a ciphertext for the public key and the 32-byte session key it carries. */
export function sntrup761Encapsulate(
  publicKey: Uint8Array,
  random: RandomBytes,
): { ciphertext: Uint8Array; sharedSecret: Uint8Array } {
  if (publicKey.length !== SNTRUP761_PUBLIC_KEY_BYTES) {
    throw new Error(`sntrup761 public key is ${SNTRUP761_PUBLIC_KEY_BYTES} bytes, got ${publicKey.length}`);
  }
  const r = shortRandom(random);
  const { ciphertext, rEncoded } = hide(r, publicKey, hashPrefix(4, publicKey));
  return { ciphertext, sharedSecret: hashSession(1, rEncoded, ciphertext) };
}

/**
 * Decapsulation. Never fails: a ciphertext that does not re-encrypt to itself yields a key derived from the
 * secret rho instead (implicit rejection), so the two sides simply disagree and the SSH signature check fails.
 */
export function sntrup761Decapsulate(ciphertext: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (ciphertext.length !== SNTRUP761_CIPHERTEXT_BYTES) {
    throw new Error(`sntrup761 ciphertext is ${SNTRUP761_CIPHERTEXT_BYTES} bytes, got ${ciphertext.length}`);
  }
  if (secretKey.length !== SNTRUP761_SECRET_KEY_BYTES) {
    throw new Error(`sntrup761 secret key is ${SNTRUP761_SECRET_KEY_BYTES} bytes, got ${secretKey.length}`);
  }
  // sk = Small(f) ‖ Small(1/g) ‖ pk ‖ rho ‖ Hash_4(pk)
  const pkAt = 2 * SMALL_BYTES;
  const rhoAt = pkAt + SNTRUP761_PUBLIC_KEY_BYTES;
  const f = decodeSmall(secretKey.subarray(0, SMALL_BYTES));
  const gInverse = decodeSmall(secretKey.subarray(SMALL_BYTES, pkAt));
  const publicKey = secretKey.subarray(pkAt, rhoAt);
  const rho = secretKey.subarray(rhoAt, rhoAt + SMALL_BYTES);
  const cache = secretKey.subarray(rhoAt + SMALL_BYTES);

  const r = decrypt(
    decodeRounded(ciphertext.subarray(0, SNTRUP761_CIPHERTEXT_BYTES - HASH_BYTES)),
    f,
    gInverse,
  );
  const again = hide(r, publicKey, cache);
  return equalBytes(again.ciphertext, ciphertext)
    ? hashSession(1, again.rEncoded, ciphertext)
    : hashSession(0, rho, ciphertext);
}

// ── the KEM around the core ────────────────────────────────────────────────────────────────────────────

/** Hash_b(x): the first 32 bytes of SHA-512(b ‖ x). */
function hashPrefix(b: number, input: Uint8Array): Uint8Array {
  const digest = createHash('sha512').update(Uint8Array.of(b)).update(input).digest();
  return Uint8Array.from(digest.subarray(0, HASH_BYTES));
}

/** Encrypts r and appends the confirmation hash HashConfirm(r, pk) = Hash_2(Hash_3(r) ‖ Hash_4(pk)). */
function hide(
  r: Int8Array,
  publicKey: Uint8Array,
  publicKeyHash: Uint8Array,
): { ciphertext: Uint8Array; rEncoded: Uint8Array } {
  const rEncoded = encodeSmall(r);
  const c = round(multiplySmall(decodeRq(publicKey), r));
  const confirm = hashPrefix(2, concat(hashPrefix(3, rEncoded), publicKeyHash));
  return { ciphertext: concat(encodeRounded(c), confirm), rEncoded };
}

/** HashSession(b, y, z) = Hash_b(Hash_3(y) ‖ z). */
function hashSession(b: number, y: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return hashPrefix(b, concat(hashPrefix(3, y), ciphertext));
}

/**
 * Decrypt: e = 3fc in R/q, lifted to R/3, times 1/g gives r — if the result has weight w; otherwise the
 * fixed weight-w vector (1,…,1,0,…,0), so a forged ciphertext learns nothing from the weight check.
 */
function decrypt(c: Int16Array, f: Int8Array, gInverse: Int8Array): Int8Array {
  const cf = multiplySmall(c, f);
  const e = new Int8Array(P);
  for (let i = 0; i < P; i++) e[i] = mod3(modQ(3 * cf[i]!));
  const ev = multiplyMod3(e, gInverse);
  let weight = 0;
  for (let i = 0; i < P; i++) if (ev[i] !== 0) weight++;
  if (weight === W) return ev;
  const fallback = new Int8Array(P);
  fallback.fill(1, 0, W);
  return fallback;
}

/** Round: every coefficient to the nearest multiple of 3. */
function round(a: Int16Array): Int16Array {
  const out = new Int16Array(P);
  for (let i = 0; i < P; i++) out[i] = a[i]! - mod3(a[i]!);
  return out;
}

// ── randomness, in the reference implementation's call pattern ──────────────────────────────────────────

function randomWords(random: RandomBytes): Uint32Array {
  const words = new Uint32Array(P);
  for (let i = 0; i < P; i++) {
    const b = random(4);
    words[i] = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }
  return words;
}

/** A uniformly random small polynomial: coefficients in {-1, 0, 1}. */
function smallRandom(random: RandomBytes): Int8Array {
  const words = randomWords(random);
  const out = new Int8Array(P);
  for (let i = 0; i < P; i++) out[i] = Math.floor(((words[i]! & 0x3fffffff) * 3) / 2 ** 30) - 1;
  return out;
}

/**
 * A random short polynomial: exactly w coefficients ±1. The low two bits of each word carry the value
 * (w words forced to ±1, the rest to 0) and sorting the words shuffles them by their random high bits.
 */
function shortRandom(random: RandomBytes): Int8Array {
  const words = randomWords(random);
  for (let i = 0; i < P; i++) words[i] = i < W ? words[i]! & ~1 : (words[i]! & ~3) | 1;
  words.sort();
  const out = new Int8Array(P);
  for (let i = 0; i < P; i++) out[i] = (words[i]! & 3) - 1;
  return out;
}

// ── arithmetic in R = Z[x]/(x^p - x - 1), modulo 3 and modulo q ──────────────────────────────────────────

/** x mod m for an odd m, centred in [-(m-1)/2, (m-1)/2]. x is an integer well inside ±2^31. */
function centred(x: number, m: number): number {
  const r = x % m;
  const half = (m - 1) >> 1;
  return r > half ? r - m : r < -half ? r + m : r;
}

/** x mod 3, centred in {-1, 0, 1}. */
function mod3(x: number): number {
  return centred(x, 3);
}

/** x mod q, centred in [-Q12, Q12]. */
function modQ(x: number): number {
  return centred(x, Q);
}

/** The product before reduction modulo 3 or q: degree 2p-2 folded back with x^p = x + 1. */
function multiplyRaw(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const product = new Float64Array(2 * P - 1);
  for (let i = 0; i < P; i++) {
    const ai = a[i]!;
    if (ai === 0) continue;
    for (let j = 0; j < P; j++) product[i + j]! += ai * b[j]!;
  }
  for (let i = 2 * P - 2; i >= P; i--) {
    product[i - P]! += product[i]!;
    product[i - P + 1]! += product[i]!;
  }
  return product;
}

/** f · g in R/q for a small g. */
function multiplySmall(f: Int16Array, g: Int8Array): Int16Array {
  const product = multiplyRaw(g, f);
  const out = new Int16Array(P);
  for (let i = 0; i < P; i++) out[i] = modQ(product[i]!);
  return out;
}

/** f · g in R/3. */
function multiplyMod3(f: Int8Array, g: Int8Array): Int8Array {
  const product = multiplyRaw(f, g);
  const out = new Int8Array(P);
  for (let i = 0; i < P; i++) out[i] = mod3(product[i]!);
  return out;
}

/** The inverse of a in Z/q (q is prime), by Fermat. */
function inverseModQ(a: number): number {
  let result = 1;
  let base = modQ(a);
  for (let e = Q - 2; e > 0; e >>= 1) {
    if (e & 1) result = modQ(result * base);
    base = modQ(base * base);
  }
  return result;
}

/**
 * The reciprocal in R/m (m = 3 or q) by the specification's division-step algorithm: it runs f = x^p - x - 1
 * and g = the input, both with their coefficients reversed, through 2p - 1 steps and reads the inverse off
 * the cofactor v; delta ends at 0 exactly when the input is invertible.
 */
function reciprocal(input: Int8Array, modulus: 3 | typeof Q, r0: number): Int32Array | undefined {
  let f = new Int32Array(P + 1);
  let g = new Int32Array(P + 1);
  let v = new Int32Array(P + 1);
  let r = new Int32Array(P + 1);
  r[0] = r0;
  f[0] = 1;
  f[P - 1] = -1;
  f[P] = -1;
  for (let i = 0; i < P; i++) g[P - 1 - i] = input[i]!;
  let delta = 1;
  for (let step = 0; step < 2 * P - 1; step++) {
    v.copyWithin(1, 0, P);
    v[0] = 0;
    if (delta > 0 && g[0] !== 0) {
      delta = -delta;
      [f, g] = [g, f];
      [v, r] = [r, v];
    }
    delta += 1;
    const f0 = f[0]!;
    const g0 = g[0]!;
    // Eliminate g's constant term: g ← f0·g − g0·f (and r alongside), then divide g by x.
    for (let i = 0; i <= P; i++) g[i] = centred(f0 * g[i]! - g0 * f[i]!, modulus);
    for (let i = 0; i <= P; i++) r[i] = centred(f0 * r[i]! - g0 * v[i]!, modulus);
    g.copyWithin(0, 1);
    g[P] = 0;
  }
  if (delta !== 0) return undefined;
  const scale = modulus === 3 ? f[0]! : inverseModQ(f[0]!);
  const out = new Int32Array(P);
  for (let i = 0; i < P; i++) out[i] = centred(scale * v[P - 1 - i]!, modulus);
  return out;
}

/** 1/g in R/3, or undefined when g is not invertible there. */
function reciprocalMod3(g: Int8Array): Int8Array | undefined {
  const inverse = reciprocal(g, 3, 1);
  return inverse === undefined ? undefined : Int8Array.from(inverse);
}

/** 1/(3f) in R/q; always exists for a short f (the specification's parameters make R/q a field). */
function reciprocalOf3TimesMod(f: Int8Array): Int16Array {
  const inverse = reciprocal(f, Q, inverseModQ(3));
  if (inverse === undefined) throw new Error('sntrup761: 3f not invertible in R/q');
  return Int16Array.from(inverse);
}

// ── encodings (specification §3.4) ───────────────────────────────────────────────────────────────────────

/** Small: four coefficients per byte, each as c + 1 in two bits, the last coefficient alone. */
function encodeSmall(f: Int8Array): Uint8Array {
  const out = new Uint8Array(SMALL_BYTES);
  for (let i = 0; i < P; i++) out[i >> 2]! |= (f[i]! + 1) << (2 * (i & 3));
  return out;
}

function decodeSmall(s: Uint8Array): Int8Array {
  const out = new Int8Array(P);
  for (let i = 0; i < P; i++) out[i] = ((s[i >> 2]! >> (2 * (i & 3))) & 3) - 1;
  return out;
}

function encodeRq(r: Int16Array): Uint8Array {
  return encode(
    Array.from(r, (c) => c + Q12),
    new Array<number>(P).fill(Q),
  );
}

function decodeRq(s: Uint8Array): Int16Array {
  return Int16Array.from(decode(s, new Array<number>(P).fill(Q)), (c) => c - Q12);
}

function encodeRounded(r: Int16Array): Uint8Array {
  return encode(
    Array.from(r, (c) => (c + Q12) / 3),
    new Array<number>(P).fill(ROUNDED_MODULUS),
  );
}

function decodeRounded(s: Uint8Array): Int16Array {
  return Int16Array.from(decode(s, new Array<number>(P).fill(ROUNDED_MODULUS)), (c) => c * 3 - Q12);
}

/**
 * The specification's mixed-radix encoding of values R[i] in [0, M[i]): neighbours are merged pairwise into
 * one value modulo M[i]·M[i+1], whose low bytes go out while the modulus is at least 2^14, and the halved
 * sequence is encoded the same way until one value is left, which goes out least significant byte first.
 */
function encode(values: number[], moduli: number[]): Uint8Array {
  const out: number[] = [];
  let R = values;
  let M = moduli;
  while (R.length > 1) {
    const R2: number[] = [];
    const M2: number[] = [];
    for (let i = 0; i + 1 < R.length; i += 2) {
      let r = R[i]! + R[i + 1]! * M[i]!;
      let m = M[i]! * M[i + 1]!;
      while (m >= 16384) {
        out.push(r & 0xff);
        r = Math.floor(r / 256);
        m = (m + 255) >> 8;
      }
      R2.push(r);
      M2.push(m);
    }
    if (R.length % 2 === 1) {
      R2.push(R[R.length - 1]!);
      M2.push(M[M.length - 1]!);
    }
    R = R2;
    M = M2;
  }
  let r = R[0]!;
  for (let m = M[0]!; m > 1; m = (m + 255) >> 8) {
    out.push(r & 0xff);
    r >>= 8;
  }
  return Uint8Array.from(out);
}

/** The inverse of encode; out-of-range input is reduced modulo each M[i] rather than rejected. */
function decode(bytes: Uint8Array, moduli: number[]): number[] {
  let at = 0;
  const next = () => bytes[at++] ?? 0;
  const level = (M: number[]): number[] => {
    if (M.length === 1) {
      const m = M[0]!;
      if (m === 1) return [0];
      const r = m <= 256 ? next() : next() + (next() << 8);
      return [r % m];
    }
    const M2: number[] = [];
    const bottom: { r: number; t: number }[] = [];
    for (let i = 0; i + 1 < M.length; i += 2) {
      const m = M[i]! * M[i + 1]!;
      if (m > 256 * 16383) {
        const lo = next();
        bottom.push({ r: lo + 256 * next(), t: 65536 });
        M2.push((((m + 255) >> 8) + 255) >> 8);
      } else if (m >= 16384) {
        bottom.push({ r: next(), t: 256 });
        M2.push((m + 255) >> 8);
      } else {
        bottom.push({ r: 0, t: 1 });
        M2.push(m);
      }
    }
    if (M.length % 2 === 1) M2.push(M[M.length - 1]!);
    const R2 = level(M2);
    const out: number[] = [];
    for (let i = 0; i + 1 < M.length; i += 2) {
      const r = bottom[i / 2]!.r + bottom[i / 2]!.t * R2[i / 2]!;
      out.push(r % M[i]!, Math.floor(r / M[i]!) % M[i + 1]!);
    }
    if (M.length % 2 === 1) out.push(R2[R2.length - 1]!);
    return out;
  };
  return level(moduli);
}

// ── bytes ─────────────────────────────────────────────────────────────────────────────────────────────────

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
