/**
 * Host key fingerprints in OpenSSH's form. `ssh-keygen -lf` prints `SHA256:` followed by the base64 of the
 * SHA-256 of the public key blob (RFC 4253 §6.6 encoding) with the trailing `=` padding removed
 * (OpenSSH sshkey_fingerprint_raw + fingerprint_b64).
 */
import { createHash } from 'node:crypto';
import { readUint32 } from './kexinit.ts';

export function openSshSha256Fingerprint(keyBlob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * The key type named at the start of the blob (`ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`):
 * RFC 4253 §6.6, a uint32 length then the name. `undefined` when the blob is too short to hold it.
 */
export function keyTypeOfBlob(keyBlob: Uint8Array): string | undefined {
  if (keyBlob.length < 4) return undefined;
  const len = readUint32(keyBlob, 0);
  if (len === 0 || len > 64 || 4 + len > keyBlob.length) return undefined;
  return String.fromCharCode(...keyBlob.subarray(4, 4 + len));
}
