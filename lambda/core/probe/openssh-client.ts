/**
 * What a current OpenSSH client would negotiate with a server, decided from the server's KEXINIT alone.
 * When the prober cannot complete key exchange, this tells a server that real clients cannot reach (a
 * negotiation failure) from one the prober merely lacks an algorithm for.
 *
 * The lists are OpenSSH 10.5p1's client defaults, in its order of preference: myproposal.h
 * (`$OpenBSD: myproposal.h,v 1.80 2026/08/10`, KEX_CLIENT_KEX, KEX_DEFAULT_PK_ALG, KEX_CLIENT_ENCRYPT,
 * KEX_CLIENT_MAC) and cipher.c `compression_alg_list(0)` (Compression defaults to no), read at tag
 * V_10_5_P1 of github.com/openssh/openssh-portable. OpenSSH 10.0 (myproposal.h v1.77) differs only in
 * lacking the two webauthn-sk host key algorithms, which no server offers as its only host key.
 */
import { withoutProtocolMarkers } from './kexinit.ts';
import type { OfferedAlgorithms } from './types.ts';

export const OPENSSH_CLIENT_VERSION = 'OpenSSH 10.5p1';

export const OPENSSH_CLIENT_DEFAULTS: Readonly<Record<keyof OfferedAlgorithms, readonly string[]>> = {
  kex: [
    'mlkem768x25519-sha256',
    'sntrup761x25519-sha512',
    'sntrup761x25519-sha512@openssh.com',
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha256',
  ],
  hostKey: [
    'ssh-ed25519-cert-v01@openssh.com',
    'ecdsa-sha2-nistp256-cert-v01@openssh.com',
    'ecdsa-sha2-nistp384-cert-v01@openssh.com',
    'ecdsa-sha2-nistp521-cert-v01@openssh.com',
    'sk-ssh-ed25519-cert-v01@openssh.com',
    'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
    'webauthn-sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
    'rsa-sha2-512-cert-v01@openssh.com',
    'rsa-sha2-256-cert-v01@openssh.com',
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'sk-ssh-ed25519@openssh.com',
    'sk-ecdsa-sha2-nistp256@openssh.com',
    'webauthn-sk-ecdsa-sha2-nistp256@openssh.com',
    'rsa-sha2-512',
    'rsa-sha2-256',
  ],
  cipher: [
    'chacha20-poly1305@openssh.com',
    'aes128-gcm@openssh.com',
    'aes256-gcm@openssh.com',
    'aes128-ctr',
    'aes192-ctr',
    'aes256-ctr',
  ],
  mac: [
    'umac-64-etm@openssh.com',
    'umac-128-etm@openssh.com',
    'hmac-sha2-256-etm@openssh.com',
    'hmac-sha2-512-etm@openssh.com',
    'hmac-sha1-etm@openssh.com',
    'umac-64@openssh.com',
    'umac-128@openssh.com',
    'hmac-sha2-256',
    'hmac-sha2-512',
    'hmac-sha1',
  ],
  compression: ['none', 'zlib@openssh.com'],
};

/**
 * Ciphers that authenticate as well as encrypt: with one of them OpenSSH ignores the MAC list entirely
 * (kex.c kex_choose_conf: "ignore mac for authenticated encryption"), so a MAC mismatch cannot fail it.
 */
const AEAD_CIPHERS: ReadonlySet<string> = new Set([
  'chacha20-poly1305@openssh.com',
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
]);

/** Human names of the KEXINIT lists, as OpenSSH's "no matching … found" messages word them. */
export const ALGORITHM_CATEGORY: Readonly<Record<keyof OfferedAlgorithms, string>> = {
  kex: 'key exchange algorithm',
  hostKey: 'host key algorithm',
  cipher: 'cipher',
  mac: 'MAC',
  compression: 'compression',
};

export type OpenSshAgreement =
  | { agrees: true; choice: { kex: string; hostKey: string; cipher: string; mac?: string } }
  | { agrees: false; category: keyof OfferedAlgorithms; serverOffers: string[] };

/**
 * RFC 4253 §7.1: each algorithm is the first on the client's list that the server also lists, checked in
 * OpenSSH's order (kex, host key, cipher, MAC unless the cipher is AEAD, compression). Only the
 * client-to-server cipher and MAC lists are recorded; OpenSSH servers offer the same lists both ways.
 */
export function openSshClientWouldAgree(offer: OfferedAlgorithms): OpenSshAgreement {
  const pick = (category: keyof OfferedAlgorithms): string | undefined =>
    OPENSSH_CLIENT_DEFAULTS[category].find((name) => offer[category].includes(name));
  const refuse = (category: keyof OfferedAlgorithms): OpenSshAgreement => ({
    agrees: false,
    category,
    serverOffers: withoutProtocolMarkers(offer[category]),
  });

  const kex = pick('kex');
  if (kex === undefined) return refuse('kex');
  const hostKey = pick('hostKey');
  if (hostKey === undefined) return refuse('hostKey');
  const cipher = pick('cipher');
  if (cipher === undefined) return refuse('cipher');
  const mac = AEAD_CIPHERS.has(cipher) ? undefined : pick('mac');
  if (!AEAD_CIPHERS.has(cipher) && mac === undefined) return refuse('mac');
  if (pick('compression') === undefined) return refuse('compression');
  return { agrees: true, choice: { kex, hostKey, cipher, ...(mac === undefined ? {} : { mac }) } };
}
