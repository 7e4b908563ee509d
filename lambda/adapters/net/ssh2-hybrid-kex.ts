/**
 * The post-quantum hybrid key exchanges OpenSSH defaults to, added to ssh2 1.17.0 (client side only):
 *
 * - `mlkem768x25519-sha256` (draft-ietf-sshm-mlkem-hybrid-kex; OpenSSH 9.9+, the default from 10.0),
 * - `sntrup761x25519-sha512` and its older name `sntrup761x25519-sha512@openssh.com`
 *   (draft-josefsson-ntruprime-ssh; OpenSSH 8.5+, the default from 9.0 to 9.9).
 *
 * Both have curve25519-sha256's shape (RFC 8731): one KEX_ECDH_INIT (30) / KEX_ECDH_REPLY (31) round trip,
 * so ssh2's KeyExchange drives them — packets, host key check, exchange hash, signature, key derivation —
 * and this file supplies only what differs:
 *
 * - the client sends C_INIT = KEM public key ‖ X25519 public key (1184 + 32 or 1158 + 32 bytes);
 * - the server answers S_REPLY = KEM ciphertext ‖ X25519 public key (1088 + 32 or 1039 + 32 bytes);
 * - K = HASH(KEM shared secret ‖ X25519 shared secret), 32 bytes from SHA-256 or 64 from SHA-512, and K
 *   enters the exchange hash and the key derivation as a *string*, not an mpint: no leading zero stripped,
 *   none added (OpenSSH kexmlkem768x25519.c / kexsntrup761x25519.c: `sshbuf_put_string(buf, hash, …)`).
 *   ssh2 hashes whatever computeSecret returns with a length prefix, which is exactly string encoding,
 *   so computeSecret returns the raw digest (curve25519 returns mpint bytes there instead).
 *
 * ssh2 has no way to add a method from outside; scripts/patch-ssh2.mjs (run at postinstall) opens one, and
 * `hybridKexMethods()` returns nothing when that patch is absent, so the prober then simply does not offer
 * these methods instead of failing.
 */
import {
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  type KeyPairKeyObjectResult,
  randomBytes,
} from 'node:crypto';
import constants from 'ssh2/lib/protocol/constants.js';
import kexModule, { type KeyExchange } from 'ssh2/lib/protocol/kex.js';
import { ML_KEM_768_CIPHERTEXT_BYTES, mlKem768Keypair } from '../../core/crypto/ml-kem-768.ts';
import {
  SNTRUP761_CIPHERTEXT_BYTES,
  sntrup761Decapsulate,
  sntrup761Keypair,
} from '../../core/crypto/sntrup761.ts';

const X25519_BYTES = 32;

/** The client's half of one KEM: a fresh key pair, and decapsulation with it. */
interface KemClient {
  readonly publicKey: Uint8Array;
  decapsulate(ciphertext: Uint8Array): Uint8Array;
}

interface HybridMethod {
  readonly name: string;
  readonly hash: 'sha256' | 'sha512';
  readonly ciphertextBytes: number;
  readonly keypair: () => KemClient;
}

function sntrup761Client(): KemClient {
  const { publicKey, secretKey } = sntrup761Keypair((n) => randomBytes(n));
  return { publicKey, decapsulate: (ciphertext) => sntrup761Decapsulate(ciphertext, secretKey) };
}

const SNTRUP761: Omit<HybridMethod, 'name'> = {
  hash: 'sha512',
  ciphertextBytes: SNTRUP761_CIPHERTEXT_BYTES,
  keypair: sntrup761Client,
};

/** In the order the prober offers them (OpenSSH 10's own order). */
const METHODS: readonly HybridMethod[] = [
  {
    name: 'mlkem768x25519-sha256',
    hash: 'sha256',
    ciphertextBytes: ML_KEM_768_CIPHERTEXT_BYTES,
    keypair: () => mlKem768Keypair(),
  },
  { name: 'sntrup761x25519-sha512', ...SNTRUP761 },
  { name: 'sntrup761x25519-sha512@openssh.com', ...SNTRUP761 },
];

export const HYBRID_KEX_METHODS: readonly string[] = METHODS.map((m) => m.name);

let registered: readonly string[] | undefined;

/**
 * Registers the hybrid methods with ssh2 (once) and returns their names, for the Client's `algorithms.kex`;
 * an empty list when ssh2 is not patched (then ssh2 would reject the names).
 */
export function hybridKexMethods(): readonly string[] {
  registered ??= register();
  return registered;
}

function register(): readonly string[] {
  const extensions = kexModule.KEX_EXTENSIONS;
  const Base = extensions?.KeyExchange;
  if (extensions === undefined || Base === undefined) return [];
  for (const method of METHODS) {
    const Exchange = hybridExchangeClass(Base, method);
    extensions.methods.set(method.name, (...args) => new Exchange(...args));
    // ssh2's Client checks `algorithms` against this list; its defaults (DEFAULT_KEX) stay as they were.
    if (!constants.SUPPORTED_KEX.includes(method.name)) constants.SUPPORTED_KEX.push(method.name);
  }
  return HYBRID_KEX_METHODS;
}

function hybridExchangeClass(Base: typeof KeyExchange, method: HybridMethod) {
  return class HybridKemExchange extends Base {
    private kem: KemClient | undefined;
    private x25519: KeyPairKeyObjectResult | undefined;
    private clientInit: Buffer | undefined;

    constructor(...args: ConstructorParameters<typeof KeyExchange>) {
      super(...args);
      this.type = 'hybrid';
      this.hashName = method.hash;
    }

    override generateKeys(): void {
      if (this.clientInit !== undefined) return;
      this.kem = method.keypair();
      this.x25519 = generateKeyPairSync('x25519');
      this.clientInit = Buffer.concat([this.kem.publicKey, rawX25519(this.x25519.publicKey)]);
    }

    /** C_INIT, sent in KEX_ECDH_INIT and hashed as the client's method-specific data. */
    override getPublicKey(): Buffer {
      this.generateKeys();
      return this.clientInit!;
    }

    /** S_REPLY enters the exchange hash exactly as received (ssh2's ECDH classes strip leading zeros). */
    override convertPublicKey(reply: Buffer): Buffer {
      return reply;
    }

    override computeSecret(reply: Buffer): Buffer | Error {
      try {
        if (this._protocol._server) throw new Error('only the client side is implemented');
        if (reply.length !== method.ciphertextBytes + X25519_BYTES) {
          throw new Error(
            `server reply is ${reply.length} bytes, expected ${method.ciphertextBytes + X25519_BYTES}`,
          );
        }
        this.generateKeys();
        const kemSecret = this.kem!.decapsulate(reply.subarray(0, method.ciphertextBytes));
        const ecdhSecret = diffieHellman({
          privateKey: this.x25519!.privateKey,
          publicKey: createPublicKey({
            key: {
              kty: 'OKP',
              crv: 'X25519',
              x: reply.subarray(method.ciphertextBytes).toString('base64url'),
            },
            format: 'jwk',
          }),
        });
        // RFC 7748 §6.1, and OpenSSH's kexc25519_shared_key_ext: an all-zero result means a low-order point.
        if (ecdhSecret.every((b) => b === 0)) throw new Error('X25519 shared secret is all zero');
        return createHash(method.hash).update(kemSecret).update(ecdhSecret).digest();
      } catch (e) {
        return e instanceof Error ? e : new Error(String(e));
      }
    }
  };
}

function rawX25519(publicKey: KeyObject): Buffer {
  const { x } = publicKey.export({ format: 'jwk' });
  return Buffer.from(x!, 'base64url');
}
