/**
 * port22's probe beside OpenSSH's own client on OpenSSH's sshd in the configurations hardening guides and
 * busy hosts produce: several host keys, post-quantum key exchange only, restricted ciphers and MACs, an
 * RSA-only host key, publickey-only authentication, a pre-authentication banner, and MaxStartups full.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { opensshClientMissing } from '../../lab/openssh-client.ts';
import { type RunningSshd, type SshdOptions, sshdAvailable, startSshd } from '../../lab/sshd.ts';
import type { ProbeOutcome } from '../../lambda/core/probe/types.ts';
import { assertAgreesWithOpenssh } from './agreement.ts';

interface Case {
  readonly name: string;
  readonly options: (keys: string) => SshdOptions;
  readonly expected: ProbeOutcome;
  /** Fill sshd's unauthenticated slots before comparing. */
  readonly hold?: number;
}

const keyPath = (keys: string, type: string) => join(keys, `ssh_host_${type}_key`);

const CASES: readonly Case[] = [
  {
    // Each client may be handed a different key; the probe's must be the one keyscan reports for its type.
    name: 'ed25519, ECDSA and RSA host keys',
    options: (keys) => ({
      mode: 'healthy',
      extraConfig: [`HostKey ${keyPath(keys, 'ecdsa')}`, `HostKey ${keyPath(keys, 'rsa')}`],
    }),
    expected: 'ok',
  },
  {
    // OpenSSH 9.2 has no mlkem768x25519-sha256 (10.0 offers it first); sntrup761 is its post-quantum method.
    name: 'post-quantum key exchange only (sntrup761x25519-sha512@openssh.com)',
    options: () => ({ mode: 'restricted-kex' }),
    expected: 'ok',
  },
  {
    name: 'restricted ciphers and MACs (aes256-ctr, hmac-sha2-512-etm@openssh.com)',
    options: () => ({
      mode: 'healthy',
      extraConfig: ['Ciphers aes256-ctr', 'MACs hmac-sha2-512-etm@openssh.com'],
    }),
    expected: 'ok',
  },
  {
    name: 'AEAD only (chacha20-poly1305@openssh.com), curve25519-sha256 only',
    options: () => ({
      mode: 'healthy',
      extraConfig: ['Ciphers chacha20-poly1305@openssh.com', 'KexAlgorithms curve25519-sha256'],
    }),
    expected: 'ok',
  },
  {
    // The probe signs nothing but negotiates rsa-sha2-512; ssh-keygen and ssh -v name the key ssh-rsa.
    name: 'RSA host key only, rsa-sha2-512 only',
    options: (keys) => ({
      mode: 'healthy',
      hostKey: readFileSync(keyPath(keys, 'rsa'), 'utf8'),
      extraConfig: ['HostKeyAlgorithms rsa-sha2-512'],
    }),
    expected: 'ok',
  },
  {
    name: 'AuthenticationMethods publickey',
    options: () => ({ mode: 'healthy', extraConfig: ['AuthenticationMethods publickey'] }),
    expected: 'ok',
  },
  {
    name: 'a pre-authentication Banner',
    options: (keys) => ({ mode: 'healthy', extraConfig: [`Banner ${join(keys, 'banner.txt')}`] }),
    expected: 'ok',
  },
  {
    // sshd drops the connection before its ident; ssh says "kex_exchange_identification: Connection closed".
    name: 'MaxStartups full',
    options: () => ({ mode: 'maxstartups' }),
    hold: 1,
    expected: 'closed-before-ident',
  },
];

const skip = (await opensshClientMissing()) ?? sshdAvailable();

describe('differential: OpenSSH sshd configurations, probe vs OpenSSH client', { skip }, () => {
  const keys = mkdtempSync(join(tmpdir(), 'port22-diff-keys-'));
  const running = new Map<Case, RunningSshd>();
  const failedToStart = new Map<Case, Error>();
  before(async () => {
    for (const type of ['ecdsa', 'rsa']) {
      execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', type, '-N', '', '-f', keyPath(keys, type)], {
        stdio: 'ignore',
      });
    }
    writeFileSync(join(keys, 'banner.txt'), 'Authorised use only. port22 differential test.\n');
    await Promise.all(
      CASES.map(async (c) => {
        try {
          running.set(c, await startSshd(c.options(keys)));
        } catch (error) {
          failedToStart.set(c, error as Error);
        }
      }),
    );
  });
  after(async () => {
    await Promise.all([...running.values()].map((s) => s.close()));
    rmSync(keys, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${c.name}: ${c.expected}, as OpenSSH's client sees it`, async (t) => {
      const sshd = running.get(c);
      if (!sshd) throw failedToStart.get(c) ?? new Error(`sshd for ${c.name} not started`);
      // Held here, not in before(): sshd closes a held connection after LoginGraceTime (30 s in the lab).
      if (c.hold) await sshd.holdConnections(c.hold);
      try {
        await assertAgreesWithOpenssh(t, sshd, c.expected);
      } finally {
        sshd.releaseConnections();
      }
    });
  }
});
