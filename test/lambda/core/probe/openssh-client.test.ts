import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isProtocolMarker, offersStrictKex } from '../../../../lambda/core/probe/kexinit.ts';
import { openSshClientWouldAgree } from '../../../../lambda/core/probe/openssh-client.ts';
import type { OfferedAlgorithms } from '../../../../lambda/core/probe/types.ts';

/** A stock OpenSSH 9.2 server (Debian 12), as `ssh -vv` prints its proposal. */
const DEBIAN_12: OfferedAlgorithms = {
  kex: [
    'sntrup761x25519-sha512@openssh.com',
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'diffie-hellman-group14-sha256',
    'kex-strict-s-v00@openssh.com',
  ],
  hostKey: ['rsa-sha2-512', 'rsa-sha2-256', 'ecdsa-sha2-nistp256', 'ssh-ed25519'],
  cipher: ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes256-gcm@openssh.com'],
  mac: ['umac-64-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com', 'hmac-sha1'],
  compression: ['none', 'zlib@openssh.com'],
};

// Each expected verdict is worked out by hand from OpenSSH 10.5p1's myproposal.h (client lists, in the
// client's order of preference) and kex.c kex_choose_conf (MAC ignored for AEAD ciphers).
const CASES: Array<[string, OfferedAlgorithms, ReturnType<typeof openSshClientWouldAgree>]> = [
  [
    'stock Debian 12: the client prefers sntrup@openssh.com (it lists mlkem and the IANA name first, the server has neither), its own first host key the server has is ssh-ed25519, chacha20 (AEAD, no MAC)',
    DEBIAN_12,
    {
      agrees: true,
      choice: {
        kex: 'sntrup761x25519-sha512@openssh.com',
        hostKey: 'ssh-ed25519',
        cipher: 'chacha20-poly1305@openssh.com',
      },
    },
  ],
  [
    'sntrup761x25519-sha512 (IANA name) only',
    { ...DEBIAN_12, kex: ['sntrup761x25519-sha512'] },
    {
      agrees: true,
      choice: {
        kex: 'sntrup761x25519-sha512',
        hostKey: 'ssh-ed25519',
        cipher: 'chacha20-poly1305@openssh.com',
      },
    },
  ],
  [
    'diffie-hellman-group1-sha1 only: not in any current client default (removed from defaults in 6.9)',
    { ...DEBIAN_12, kex: ['diffie-hellman-group1-sha1', 'kex-strict-s-v00@openssh.com'] },
    { agrees: false, category: 'kex', serverOffers: ['diffie-hellman-group1-sha1'] },
  ],
  [
    'diffie-hellman-group14-sha1 only: SHA-1 kex, not a client default',
    { ...DEBIAN_12, kex: ['diffie-hellman-group14-sha1'] },
    { agrees: false, category: 'kex', serverOffers: ['diffie-hellman-group14-sha1'] },
  ],
  [
    'ssh-dss host key only: DSA removed in OpenSSH 10.0',
    { ...DEBIAN_12, hostKey: ['ssh-dss'] },
    { agrees: false, category: 'hostKey', serverOffers: ['ssh-dss'] },
  ],
  [
    'ssh-rsa (SHA-1) host key only: disabled by default since 8.8',
    { ...DEBIAN_12, hostKey: ['ssh-rsa'] },
    { agrees: false, category: 'hostKey', serverOffers: ['ssh-rsa'] },
  ],
  [
    'CBC ciphers only: not client defaults',
    { ...DEBIAN_12, cipher: ['aes256-cbc', '3des-cbc'] },
    { agrees: false, category: 'cipher', serverOffers: ['aes256-cbc', '3des-cbc'] },
  ],
  [
    'CTR cipher with hmac-md5 only: the MAC decides, and MD5 is not a client default',
    { ...DEBIAN_12, cipher: ['aes256-ctr'], mac: ['hmac-md5'] },
    { agrees: false, category: 'mac', serverOffers: ['hmac-md5'] },
  ],
  [
    'AES-GCM with hmac-md5 only: an AEAD cipher makes the MAC list irrelevant',
    { ...DEBIAN_12, cipher: ['aes128-gcm@openssh.com'], mac: ['hmac-md5'] },
    {
      agrees: true,
      choice: {
        kex: 'sntrup761x25519-sha512@openssh.com',
        hostKey: 'ssh-ed25519',
        cipher: 'aes128-gcm@openssh.com',
      },
    },
  ],
  [
    'CTR with UMAC-128 ETM only: the client picks it (second in its MAC list)',
    { ...DEBIAN_12, cipher: ['aes192-ctr'], mac: ['umac-128-etm@openssh.com'] },
    {
      agrees: true,
      choice: {
        kex: 'sntrup761x25519-sha512@openssh.com',
        hostKey: 'ssh-ed25519',
        cipher: 'aes192-ctr',
        mac: 'umac-128-etm@openssh.com',
      },
    },
  ],
  [
    'pre-auth "zlib" only: the client offers none and zlib@openssh.com',
    { ...DEBIAN_12, compression: ['zlib'] },
    { agrees: false, category: 'compression', serverOffers: ['zlib'] },
  ],
  [
    'an ed25519 certificate and a plain key: the client lists certificates first',
    { ...DEBIAN_12, hostKey: ['ssh-ed25519', 'ssh-ed25519-cert-v01@openssh.com'] },
    {
      agrees: true,
      choice: {
        kex: 'sntrup761x25519-sha512@openssh.com',
        hostKey: 'ssh-ed25519-cert-v01@openssh.com',
        cipher: 'chacha20-poly1305@openssh.com',
      },
    },
  ],
  [
    'only protocol markers in the kex list: no method at all, and the markers are not printed as one',
    { ...DEBIAN_12, kex: ['ext-info-s', 'kex-strict-s-v00@openssh.com'] },
    { agrees: false, category: 'kex', serverOffers: [] },
  ],
];

describe('openSshClientWouldAgree', () => {
  for (const [name, offer, expected] of CASES) {
    it(name, () => assert.deepEqual(openSshClientWouldAgree(offer), expected));
  }
});

describe('protocol markers in the kex list', () => {
  it('recognises RFC 8308 ext-info and the strict-KEX markers, nothing else', () => {
    const markers = [
      'ext-info-s',
      'ext-info-c',
      'kex-strict-s-v00@openssh.com',
      'kex-strict-c-v00@openssh.com',
    ];
    const algorithms = [
      'curve25519-sha256',
      'ext-info-in-auth@openssh.com',
      'kex-strict',
      'mlkem768x25519-sha256',
    ];
    assert.deepEqual([...markers, ...algorithms].filter(isProtocolMarker), markers);
  });
  it('strict KEX is the server marker only (the client marker in a server offer does not count)', () => {
    assert.equal(offersStrictKex(DEBIAN_12), true);
    assert.equal(
      offersStrictKex({ ...DEBIAN_12, kex: ['curve25519-sha256', 'kex-strict-c-v00@openssh.com'] }),
      false,
    );
  });
});
