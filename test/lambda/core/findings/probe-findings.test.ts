import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authMethodChanges, probeFindings } from '../../../../lambda/core/findings/probe-findings.ts';
import { weakAlgorithms } from '../../../../lambda/core/findings/weak-algorithms.ts';
import type { ProbeResult } from '../../../../lambda/core/probe/types.ts';

const ID = 'i-0123456789abcdef0';
const ok = (extra: Partial<ProbeResult> = {}): ProbeResult => ({
  target: { host: '10.0.1.25', port: 22 },
  outcome: 'ok',
  phases: { connectMs: 1, identMs: 5, kexMs: 20, totalMs: 30 },
  ...extra,
});

describe('weakAlgorithms', () => {
  it('flags offered SHA-1 kex, ssh-rsa, CBC, 3DES, arcfour and hmac-md5, not modern algorithms', () => {
    const weak = weakAlgorithms(
      ok({
        serverAlgorithms: {
          kex: ['curve25519-sha256', 'diffie-hellman-group1-sha1', 'diffie-hellman-group14-sha256'],
          hostKey: ['ssh-ed25519', 'rsa-sha2-512', 'ssh-rsa'],
          cipher: ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes256-cbc', '3des-cbc', 'arcfour256'],
          mac: ['hmac-sha2-256-etm@openssh.com', 'hmac-md5', 'hmac-sha1-96'],
          compression: ['none'],
        },
      }),
    );
    assert.deepEqual(
      weak.map((w) => w.name),
      [
        'diffie-hellman-group1-sha1',
        'ssh-rsa',
        'aes256-cbc',
        '3des-cbc',
        'arcfour256',
        'hmac-md5',
        'hmac-sha1-96',
      ],
    );
  });
  it('falls back to the negotiated algorithms when no offer was recorded', () => {
    const weak = weakAlgorithms(
      ok({ kex: { kex: 'diffie-hellman-group14-sha1', hostKey: 'ssh-ed25519', cipher: 'aes128-ctr' } }),
    );
    assert.deepEqual(
      weak.map((w) => w.name),
      ['diffie-hellman-group14-sha1'],
    );
  });
});

describe('probeFindings', () => {
  /** An open port whose ed25519 host key had the fingerprint `previous` and now has `now`. */
  const ed25519HostKeys = (previous: string, now: string): Parameters<typeof probeFindings>[0] => ({
    instanceId: ID,
    expect: 'open',
    probe: ok({ hostKey: { algorithm: 'ssh-ed25519', sha256: now } }),
    previous: { hostKey: { algorithm: 'ssh-ed25519', sha256: previous } },
  });
  const CASES: Array<{
    name: string;
    input: Parameters<typeof probeFindings>[0];
    codes: string[];
    detail?: RegExp;
  }> = [
    {
      name: 'modern healthy server → nothing',
      input: { instanceId: ID, expect: 'open', probe: ok({ software: 'OpenSSH_10.0p2' }) },
      codes: [],
    },
    {
      name: 'regreSSHion range, no distribution tag → OUTDATED_OPENSSH, hedged',
      input: {
        instanceId: ID,
        expect: 'open',
        probe: ok({ software: 'OpenSSH_9.6p1', ident: 'SSH-2.0-OpenSSH_9.6p1' }),
      },
      codes: ['OUTDATED_OPENSSH'],
      detail:
        /^OpenSSH_9\.6p1 may be affected by CVE-2024-6387 \(regreSSHion, critical, fixed upstream in 9\.8p1\), CVE-2025-26466 \(SSH2_MSG_PING DoS, medium, fixed upstream in 9\.9p2\), CVE-2025-32728 \(DisableForwarding, low, fixed upstream in 10\.0p1\) — the version number alone cannot tell/,
    },
    {
      name: 'Debian package past the regreSSHion and Terrapin fixes → only what its package still lacks',
      input: {
        instanceId: ID,
        expect: 'open',
        probe: ok({ software: 'OpenSSH_9.2p1', ident: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3' }),
      },
      codes: ['OUTDATED_OPENSSH'],
      detail:
        /^OpenSSH_9\.2p1 \(Debian-2\+deb12u3\) affected by CVE-2025-32728 \(DisableForwarding, low, fixed upstream in 10\.0p1\): package 1:9\.2p1-2\+deb12u3 is older than the fixed 1:9\.2p1-2\+deb12u6/,
    },
    {
      name: 'expect=closed and answering → UNEXPECTEDLY_OPEN',
      input: { instanceId: ID, expect: 'closed', probe: ok({ outcome: 'closed-before-ident' }) },
      codes: ['UNEXPECTEDLY_OPEN'],
    },
    {
      name: 'expect=closed and timing out → nothing',
      input: { instanceId: ID, expect: 'closed', probe: ok({ outcome: 'timeout' }) },
      codes: [],
    },
    {
      name: 'different host key → HOST_KEY_CHANGED',
      input: ed25519HostKeys('SHA256:old', 'SHA256:new'),
      codes: ['HOST_KEY_CHANGED'],
      detail: /SHA256:old to ssh-ed25519 SHA256:new/,
    },
    { name: 'same host key → nothing', input: ed25519HostKeys('SHA256:same', 'SHA256:same'), codes: [] },
    { name: 'no probe → nothing', input: { instanceId: ID, expect: 'closed' }, codes: [] },
  ];
  for (const c of CASES) {
    it(c.name, () => {
      const findings = probeFindings(c.input);
      assert.deepEqual(
        findings.map((f) => f.code),
        c.codes,
      );
      if (c.detail) assert.match(findings[0]!.detail, c.detail);
      for (const f of findings) assert.deepEqual(f.instanceIds, [ID]);
    });
  }
  it('names auth-method changes', () => {
    assert.deepEqual(authMethodChanges(['publickey', 'password'], ['publickey', 'keyboard-interactive']), [
      'auth method keyboard-interactive added',
      'auth method password removed',
    ]);
    assert.deepEqual(authMethodChanges(undefined, ['publickey']), []);
  });
});
