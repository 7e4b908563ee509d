/**
 * Host key types as `ssh-keygen -l` names them: `3072 SHA256:… (RSA)`. The name comes from the key blob's
 * own type (OpenSSH sshkey.c, the `keytypes[]` table's short names), not from the negotiated algorithm: an
 * RSA key signs as `rsa-sha2-512` or `ssh-rsa`, and is `RSA` either way.
 */
import { keyTypeOfBlob } from './fingerprint.ts';
import { readUint32 } from './kexinit.ts';

/** sshkey.c keytypes[]: blob type → the short name `ssh-keygen -l` prints; the size for fixed-size keys. */
const KEYGEN_TYPES: Readonly<Record<string, { type: string; bits?: number }>> = {
  'ssh-ed25519': { type: 'ED25519', bits: 256 },
  'sk-ssh-ed25519@openssh.com': { type: 'ED25519-SK', bits: 256 },
  'ssh-ed448': { type: 'ED448', bits: 456 },
  'ssh-rsa': { type: 'RSA' },
  'ssh-dss': { type: 'DSA' },
  'ecdsa-sha2-nistp256': { type: 'ECDSA', bits: 256 },
  'ecdsa-sha2-nistp384': { type: 'ECDSA', bits: 384 },
  'ecdsa-sha2-nistp521': { type: 'ECDSA', bits: 521 },
  'sk-ecdsa-sha2-nistp256@openssh.com': { type: 'ECDSA-SK', bits: 256 },
};

export interface KeygenName {
  /** The blob's type string: `ssh-rsa`, `ssh-ed25519`, `ecdsa-sha2-nistp256`. */
  keyType: string;
  /** `RSA`, `ED25519`, `ECDSA`, … (`ssh-keygen -l`'s parenthesised name). */
  type: string;
  /** `ssh-keygen -l`'s first column: modulus bits for RSA and DSA, the curve size otherwise. */
  bits?: number;
}

/** The `ssh-keygen -l` naming of a public key blob, or `undefined` when its type is not one OpenSSH knows. */
export function keygenName(blob: Uint8Array): KeygenName | undefined {
  const keyType = keyTypeOfBlob(blob);
  if (keyType === undefined) return undefined;
  const known = KEYGEN_TYPES[keyType];
  if (known === undefined) return undefined;
  const bits = known.bits ?? mpintBits(blob, keyType === 'ssh-rsa' ? 2 : 1);
  return { keyType, type: known.type, ...(bits === undefined ? {} : { bits }) };
}

/**
 * The bit length of the `index`-th field after the type string (RFC 4253 §6.6: RSA is `e, n`, DSA `p, q, g,
 * y`; ssh-keygen sizes RSA by n and DSA by p). `undefined` when the blob is truncated.
 */
function mpintBits(blob: Uint8Array, index: number): number | undefined {
  let at = 0;
  let field: Uint8Array | undefined;
  for (let i = 0; i <= index; i++) {
    if (at + 4 > blob.length) return undefined;
    const len = readUint32(blob, at);
    if (at + 4 + len > blob.length) return undefined;
    field = blob.subarray(at + 4, at + 4 + len);
    at += 4 + len;
  }
  let start = 0;
  while (start < field!.length && field![start] === 0) start++;
  if (start === field!.length) return 0;
  return (field!.length - start - 1) * 8 + (32 - Math.clz32(field![start]!));
}
