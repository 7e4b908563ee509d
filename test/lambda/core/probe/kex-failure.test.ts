import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyKexEnd, type KexEnd } from '../../../../lambda/core/probe/kex-failure.ts';
import type { OfferedAlgorithms, ProbeOutcome } from '../../../../lambda/core/probe/types.ts';

const OFFER: OfferedAlgorithms = {
  kex: ['sntrup761x25519-sha512@openssh.com'],
  hostKey: ['ssh-dss'],
  cipher: ['rijndael-cbc@lysator.liu.se'],
  mac: ['hmac-md5'],
  compression: ['zlib'],
};

/** A hardened OpenSSH 10 server: PQ-only kex, ed25519, chacha20 and AES-GCM, UMAC ETM only; strict KEX on. */
const PQ_ONLY: OfferedAlgorithms = {
  kex: ['mlkem768x25519-sha256', 'ext-info-s', 'kex-strict-s-v00@openssh.com'],
  hostKey: ['ssh-ed25519'],
  cipher: ['chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com'],
  mac: ['umac-128-etm@openssh.com'],
  compression: ['none', 'zlib@openssh.com'],
};

const PROBER_IS_THE_LIMIT: [string, KexEnd, OfferedAlgorithms | undefined, ProbeOutcome, RegExp][] = [
  [
    'PQ-only kex the prober lacks, OpenSSH agrees: not kex-failed, markers not printed as algorithms',
    { kind: 'error', message: 'Handshake failed: no matching key exchange algorithm' },
    PQ_ONLY,
    'kex-unsupported-by-prober',
    /^the prober lacks the key exchange algorithm this server requires \(mlkem768x25519-sha256\); server offers: mlkem768x25519-sha256; an OpenSSH 10\.5p1 client would negotiate mlkem768x25519-sha256, ssh-ed25519, chacha20-poly1305@openssh\.com, so the service answers SSH/,
  ],
  [
    'UMAC-only MACs with CTR ciphers: OpenSSH picks umac-64-etm, the prober has no UMAC',
    { kind: 'error', message: 'Handshake failed: no matching C->S MAC' },
    {
      ...PQ_ONLY,
      kex: ['curve25519-sha256'],
      cipher: ['aes128-ctr'],
      mac: ['umac-64-etm@openssh.com', 'umac-128-etm@openssh.com'],
    },
    'kex-unsupported-by-prober',
    /lacks the MAC this server requires \(umac-64-etm@openssh\.com\).*would negotiate curve25519-sha256, ssh-ed25519, aes128-ctr, umac-64-etm@openssh\.com/,
  ],
];

describe('classifyKexEnd', () => {
  const cases: [string, KexEnd, OfferedAlgorithms | undefined, ProbeOutcome, RegExp][] = [
    [
      'no matching kex, server list known',
      { kind: 'error', message: 'Handshake failed: no matching key exchange algorithm' },
      OFFER,
      'kex-failed',
      // ssh-dss is the only host key: OpenSSH 10 removed DSA, so no current client gets further either.
      /^no matching key exchange algorithm; server offers: sntrup761x25519-sha512@openssh\.com; an OpenSSH 10\.5p1 client finds no host key algorithm in common either$/,
    ],
    [
      'no matching host key format',
      { kind: 'error', message: 'Handshake failed: no matching host key format' },
      OFFER,
      'kex-failed',
      /host key algorithm; server offers: ssh-dss/,
    ],
    [
      'no matching C->S cipher',
      { kind: 'error', message: 'Handshake failed: no matching C->S cipher' },
      OFFER,
      'kex-failed',
      /cipher; server offers: rijndael-cbc@lysator\.liu\.se/,
    ],
    [
      'no matching MAC',
      { kind: 'error', message: 'Handshake failed: no matching C->S MAC' },
      OFFER,
      'kex-failed',
      /MAC; server offers: hmac-md5/,
    ],
    [
      'no matching, server list unknown',
      { kind: 'error', message: 'Handshake failed: no matching key exchange algorithm' },
      undefined,
      'kex-failed',
      /^no matching key exchange algorithm$/,
    ],
    [
      'bad signature',
      { kind: 'error', message: 'Handshake failed: signature verification failed' },
      OFFER,
      'kex-failed',
      /signature verification failed/,
    ],
    [
      'garbage packet',
      { kind: 'error', message: 'Bad packet length' },
      undefined,
      'kex-failed',
      /Bad packet length/,
    ],
    [
      'server DISCONNECT',
      { kind: 'error', message: 'Too many connections', code: 12 },
      undefined,
      'kex-failed',
      /server disconnected \(too many connections\)/,
    ],
    ['socket reset', { kind: 'reset', code: 'ECONNRESET' }, undefined, 'closed-during-kex', /reset/],
    [
      'socket error code',
      { kind: 'error', message: 'read ECONNRESET', code: 'ECONNRESET' },
      undefined,
      'closed-during-kex',
      /reset/,
    ],
    ['socket closed', { kind: 'closed' }, undefined, 'closed-during-kex', /closed/],
    [
      'ssh2: lost before handshake',
      { kind: 'error', message: 'Connection lost before handshake' },
      undefined,
      'closed-during-kex',
      /closed/,
    ],
  ];
  for (const [name, end, offered, outcome, detail] of [...cases, ...PROBER_IS_THE_LIMIT]) {
    it(name, () => {
      const v = classifyKexEnd(end, offered);
      assert.equal(v.outcome, outcome);
      assert.match(v.detail, detail);
    });
  }
});
