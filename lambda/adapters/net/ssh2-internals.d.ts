/**
 * The two ssh2 1.17.0 internals lambda/adapters/net/ssh2-hybrid-kex.ts uses: the key exchange registry that
 * scripts/patch-ssh2.mjs adds to lib/protocol/kex.js, and the list of methods ssh2's Client accepts in its
 * `algorithms` option. Typed as narrowly as they are used; both modules are CommonJS (default import).
 */
declare module 'ssh2/lib/protocol/kex.js' {
  /** ssh2's KeyExchange base class: what a subclass for an ECDH-shaped (one round trip) method overrides. */
  class KeyExchange {
    constructor(negotiated: unknown, protocol: { readonly _server: boolean }, remoteKexinit: unknown);
    protected _protocol: { readonly _server: boolean };
    type: string;
    hashName: string;
    generateKeys(): void;
    getPublicKey(): Buffer;
    convertPublicKey(key: Buffer): Buffer;
    computeSecret(otherPublicKey: Buffer): Buffer | Error;
  }
  const kex: {
    /** Present only when scripts/patch-ssh2.mjs has run. */
    readonly KEX_EXTENSIONS?: {
      KeyExchange: typeof KeyExchange | undefined;
      readonly methods: Map<string, (...args: ConstructorParameters<typeof KeyExchange>) => KeyExchange>;
    };
  };

  export type { KeyExchange };
  export default kex;
}

declare module 'ssh2/lib/protocol/constants.js' {
  const constants: { readonly SUPPORTED_KEX: string[] };
  export default constants;
}
