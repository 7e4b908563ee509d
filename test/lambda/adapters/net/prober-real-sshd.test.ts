import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { PQ_ONLY_KEX, type RunningSshd, sshdAvailable } from '../../../../lab/sshd.ts';
import { probe } from '../../../../lambda/adapters/net/prober.ts';
import { withSshd } from '../../../lab/with-sshd.ts';

const skip = sshdAvailable();
const timeouts = { connectMs: 2000, identMs: 2000, kexMs: 3000, authMs: 2000, totalMs: 5000 };

/**
 * What OpenSSH's client learns from the server: `ssh-keyscan | ssh-keygen -lf -` for the host key's
 * fingerprint, `ssh -v` for the methods the `none` request is refused with (it never logs in: BatchMode).
 */
function openSshClientView(host: string, port: number): { fingerprint: string; authMethods: string[] } {
  const scanned = execFileSync('ssh-keyscan', ['-p', String(port), '-t', 'ed25519', host], { timeout: 5000 });
  const listed = execFileSync('ssh-keygen', ['-lf', '-'], { input: scanned, timeout: 5000 }).toString();
  const fingerprint = /SHA256:\S+/.exec(listed)?.[0] ?? `no fingerprint in: ${listed}`;
  const ssh = spawnSync(
    'ssh',
    ['-v', '-p', String(port), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no'].concat([
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'ConnectTimeout=5',
      `port22-oracle@${host}`,
      'true',
    ]),
    { timeout: 10_000 },
  );
  const continued = /Authentications that can continue: (\S+)/.exec(ssh.stderr.toString())?.[1] ?? '';
  return { fingerprint, authMethods: continued.split(',').filter(Boolean).sort() };
}

/** Waits (bounded) for sshd to log a line matching `pattern`; returns the log either way. */
async function sshdLogged(sshd: RunningSshd, pattern: RegExp, ms = 2000): Promise<string> {
  const deadline = Date.now() + ms;
  while (!pattern.test(sshd.log()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return sshd.log();
}

describe('probe against real OpenSSH sshd', () => {
  it('healthy → ok: OpenSSH software, ssh-keygen’s fingerprint, auth methods, clean disconnect', {
    skip,
  }, async () => {
    await withSshd('healthy', async (sshd) => {
      const result = await probe({ host: sshd.host, port: sshd.port }, timeouts);
      assert.equal(result.outcome, 'ok', result.detail);
      assert.match(result.ident ?? '', /^SSH-2\.0-OpenSSH_\d/);
      assert.match(result.software ?? '', /^OpenSSH_\d+\.\d+/);
      // ssh-keygen -lf on the lab's ed25519 key: "256 SHA256:… (ED25519)".
      assert.deepEqual(result.hostKey, {
        algorithm: 'ssh-ed25519',
        keyType: 'ssh-ed25519',
        type: 'ED25519',
        bits: 256,
        sha256: sshd.hostKeyFingerprint,
      });
      // KbdInteractiveAuthentication is off in the lab config, so exactly these two remain.
      assert.deepEqual([...(result.authMethods ?? [])].sort(), ['password', 'publickey']);
      assert.equal(result.kex?.hostKey, 'ssh-ed25519');
      for (const phase of ['connectMs', 'identMs', 'kexMs', 'authMs'] as const) {
        assert.equal(typeof result.phases[phase], 'number', `${phase} missing`);
      }
      // The probe says goodbye with SSH_MSG_DISCONNECT: sshd logs a disconnect, not a reset or a timeout.
      const log = await sshdLogged(sshd, /Disconnected from|Received disconnect/);
      assert.match(log, /Received disconnect from 127\.0\.0\.1|Disconnected from invalid user/);
      assert.doesNotMatch(log, /Connection reset|Timeout before authentication/);
    });
  });

  it('MaxStartups exhausted → the connection ends before any ident', { skip }, async () => {
    await withSshd('maxstartups', async (sshd) => {
      await sshd.holdConnections(1);
      const started = Date.now();
      const result = await probe({ host: sshd.host, port: sshd.port }, timeouts);
      assert.ok(
        result.outcome === 'closed-before-ident' || result.outcome === 'reset-before-ident',
        `${result.outcome}: ${result.detail}`,
      );
      assert.ok(Date.now() - started < 1000, 'a dropped connection is answered at once, not at a deadline');
      assert.equal(result.ident, undefined);
      assert.match(await sshdLogged(sshd, /past MaxStartups/), /drop connection #\d+ .* past MaxStartups/);
      sshd.releaseConnections();
    });
  });

  it('MaxStartups with the held connection released → ok again', { skip }, async () => {
    await withSshd('maxstartups', async (sshd) => {
      await sshd.holdConnections(1);
      sshd.releaseConnections();
      // sshd frees the slot when the held connection's child exits; allow it a moment.
      let result = await probe({ host: sshd.host, port: sshd.port }, timeouts);
      for (let i = 0; i < 20 && result.outcome !== 'ok'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        result = await probe({ host: sshd.host, port: sshd.port }, timeouts);
      }
      assert.equal(result.outcome, 'ok', result.detail);
    });
  });

  it('post-quantum-only key exchange → ok, with ssh-keyscan’s fingerprint and ssh -v’s auth methods', {
    skip,
  }, async () => {
    await withSshd('restricted-kex', async (sshd) => {
      const result = await probe({ host: sshd.host, port: sshd.port }, timeouts);
      assert.equal(result.outcome, 'ok', result.detail);
      assert.equal(result.kex?.kex, PQ_ONLY_KEX);
      // The oracle is OpenSSH's own client on the same server.
      const oracle = openSshClientView(sshd.host, sshd.port);
      assert.deepEqual(result.hostKey?.sha256, oracle.fingerprint);
      assert.deepEqual([...(result.authMethods ?? [])].sort(), oracle.authMethods);
    });
  });
});
