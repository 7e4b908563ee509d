import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KEX_THE_CLIENT_LACKS, type RunningSshd, sshdAvailable } from '../../../../lab/sshd.ts';
import { probe } from '../../../../lambda/adapters/net/prober.ts';
import { withSshd } from '../../../lab/with-sshd.ts';

const skip = sshdAvailable();
const timeouts = { connectMs: 2000, identMs: 2000, kexMs: 3000, authMs: 2000, totalMs: 5000 };

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

  it('key exchange restricted to a method ssh2 lacks, that OpenSSH negotiates → kex-unsupported-by-prober naming it', {
    skip,
  }, async () => {
    await withSshd('restricted-kex', async (sshd) => {
      const result = await probe({ host: sshd.host, port: sshd.port }, timeouts);
      assert.equal(result.outcome, 'kex-unsupported-by-prober', result.detail);
      assert.match(result.software ?? '', /^OpenSSH_/);
      assert.match(result.detail ?? '', /key exchange|kex/i);
      assert.ok(
        (result.detail ?? '').includes(KEX_THE_CLIENT_LACKS) ||
          (result.serverAlgorithms?.kex ?? []).includes(KEX_THE_CLIENT_LACKS),
        `neither detail nor serverAlgorithms name ${KEX_THE_CLIENT_LACKS}: ${result.detail}`,
      );
    });
  });
});
