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

describe('classifyKexEnd', () => {
  const cases: [string, KexEnd, OfferedAlgorithms | undefined, ProbeOutcome, RegExp][] = [
    [
      'no matching kex, server list known',
      { kind: 'error', message: 'Handshake failed: no matching key exchange algorithm' },
      OFFER,
      'kex-failed',
      /^no matching key exchange algorithm; server offers: sntrup761x25519-sha512@openssh\.com$/,
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
  for (const [name, end, offered, outcome, detail] of cases) {
    it(name, () => {
      const v = classifyKexEnd(end, offered);
      assert.equal(v.outcome, outcome);
      assert.match(v.detail, detail);
    });
  }
});
