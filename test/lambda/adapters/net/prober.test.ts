import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateHostKey, startZooServer, type ZooServer } from '../../../../lab/zoo.ts';
import { netProber, probe } from '../../../../lambda/adapters/net/prober.ts';
import { DEFAULT_TIMEOUTS } from '../../../../lambda/core/probe/types.ts';
import { probeZoo } from './probe-zoo.ts';

const FAST = { connectMs: 1000, identMs: 1000, kexMs: 1000, authMs: 1000, totalMs: 2000 };
const hasSshKeygen = spawnSync('ssh-keygen', ['-?']).error === undefined;

/** What `ssh-keygen -lf` prints for a private key file: `256 SHA256:… comment (ED25519)`. */
function sshKeygenFingerprint(privateKey: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'port22-fp-'));
  try {
    const file = join(dir, 'host_key');
    writeFileSync(file, privateKey, { mode: 0o600 });
    const out = spawnSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    return out.stdout.split(' ')[1]!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('probe against a healthy ssh2 server', () => {
  let zoo: ZooServer;
  let hostKey: string;
  before(async () => {
    hostKey = generateHostKey('ed25519').private;
    zoo = await startZooServer('healthy', { hostKey });
  });
  after(() => zoo.close());

  it('walks every phase and reports ok with ident, kex, host key and auth methods', async () => {
    const r = await probe({ host: zoo.host, port: zoo.port }, FAST);
    assert.equal(r.outcome, 'ok', r.detail);
    assert.deepEqual(r.target, { host: zoo.host, port: zoo.port });
    assert.equal(r.ident, 'SSH-2.0-OpenSSH_9.6p1 port22-zoo');
    assert.equal(r.software, 'OpenSSH_9.6p1');
    assert.deepEqual(r.authMethods, ['publickey', 'password']);
    assert.equal(r.hostKey?.algorithm, 'ssh-ed25519');
    assert.equal(r.hostKey?.sha256, zoo.hostKeyFingerprint);
    assert.equal(r.kex?.hostKey, 'ssh-ed25519');
    assert.ok(r.kex?.kex && r.kex.cipher, 'negotiated kex and cipher');
    for (const phase of ['connectMs', 'identMs', 'kexMs', 'authMs'] as const) {
      assert.equal(typeof r.phases[phase], 'number', phase);
    }
    const sum = r.phases.connectMs! + r.phases.identMs! + r.phases.kexMs! + r.phases.authMs!;
    assert.ok(sum <= r.phases.totalMs + 1, `phases ${sum} fit in total ${r.phases.totalMs}`);
    assert.equal(r.detail, undefined);
  });

  it('records the algorithm lists the server offered', async () => {
    const r = await probe({ host: zoo.host, port: zoo.port }, FAST);
    assert.ok(r.serverAlgorithms?.kex.includes(r.kex!.kex), 'negotiated kex is in the offer');
    assert.ok(r.serverAlgorithms?.hostKey.includes('ssh-ed25519'));
    assert.ok(r.serverAlgorithms?.cipher.includes(r.kex!.cipher));
    assert.ok((r.serverAlgorithms?.mac.length ?? 0) > 0);
  });

  it('gives the fingerprint ssh-keygen -lf prints for the same host key', {
    skip: !hasSshKeygen && 'ssh-keygen not installed',
  }, async () => {
    const r = await probe({ host: zoo.host, port: zoo.port }, FAST);
    assert.equal(r.hostKey?.sha256, sshKeygenFingerprint(hostKey));
  });

  it('is exposed as the Prober port', async () => {
    const r = await netProber.probe({ host: zoo.host, port: zoo.port }, FAST);
    assert.equal(r.outcome, 'ok');
  });
});

describe('probe against other healthy variants', () => {
  it('an RSA host key: negotiated rsa-sha2-*, fingerprint equal to ssh-keygen', {
    skip: !hasSshKeygen && 'ssh-keygen not installed',
  }, async () => {
    const hostKey = generateHostKey('rsa', 2048).private;
    const r = await probeZoo('healthy', { hostKey }, FAST);
    assert.equal(r.outcome, 'ok', r.detail);
    assert.match(r.hostKey!.algorithm, /^rsa-sha2-(256|512)$/);
    assert.equal(r.hostKey!.sha256, sshKeygenFingerprint(hostKey));
  });

  it('lines before the ident are allowed (RFC 4253 §4.2)', async () => {
    const r = await probeZoo('healthy-greeting', {}, FAST);
    assert.equal(r.outcome, 'ok', r.detail);
    assert.equal(r.software, 'OpenSSH_9.6p1');
  });

  it('a server that accepts `none` is ok, with the fact in detail', async () => {
    const r = await probeZoo('open-none-auth', {}, FAST);
    assert.equal(r.outcome, 'ok');
    assert.deepEqual(r.authMethods, ['none']);
    assert.match(r.detail ?? '', /no authentication required/);
  });

  it('a slow ident within the deadline is ok, and identMs shows the wait', async () => {
    const r = await probeZoo('slow-ident', { delayMs: 300 }, FAST);
    assert.equal(r.outcome, 'ok', r.detail);
    assert.ok(r.phases.identMs! >= 280, `identMs ${r.phases.identMs}`);
  });

  it('a slow ident past the ident deadline is ident-timeout', async () => {
    const r = await probeZoo('slow-ident', { delayMs: 1500 }, { ...FAST, identMs: 300 });
    assert.equal(r.outcome, 'ident-timeout');
    assert.ok(r.phases.totalMs < 400, `total ${r.phases.totalMs}`);
  });

  it('IPv6 loopback', async (t) => {
    let zoo: ZooServer;
    try {
      zoo = await startZooServer('healthy', { host: '::1' });
    } catch {
      t.skip('no IPv6 loopback on this machine');
      return;
    }
    try {
      const r = await probe({ host: '::1', port: zoo.port }, FAST);
      assert.equal(r.outcome, 'ok', r.detail);
      assert.equal(r.hostKey?.sha256, zoo.hostKeyFingerprint);
    } finally {
      await zoo.close();
    }
  });
});

describe('probe: deadlines and targets', () => {
  it('refused: RST answers the SYN', async () => {
    const r = await probeZoo('refused', {}, FAST);
    assert.equal(r.outcome, 'refused');
    assert.match(r.detail ?? '', /ECONNREFUSED/);
    assert.equal(typeof r.phases.connectMs, 'number');
    assert.equal(r.phases.identMs, undefined);
  });

  it('totalMs cuts every phase short', async () => {
    const zoo = await startZooServer('silent');
    try {
      const started = performance.now();
      const r = await probe({ host: zoo.host, port: zoo.port }, { identMs: 5000, totalMs: 300 });
      const elapsed = performance.now() - started;
      assert.equal(r.outcome, 'ident-timeout');
      assert.ok(elapsed < 400, `elapsed ${elapsed}`);
      assert.ok(r.phases.totalMs >= 290 && r.phases.totalMs < 400, `totalMs ${r.phases.totalMs}`);
    } finally {
      await zoo.close();
    }
  });

  it('an invalid target is a result, not an exception', async () => {
    const r = await probe({ host: '127.0.0.1', port: 70000 });
    assert.equal(r.outcome, 'unreachable');
    assert.match(r.detail ?? '', /invalid target/);
  });

  it('defaults match the documented deadlines', () => {
    assert.deepEqual(DEFAULT_TIMEOUTS, {
      connectMs: 3000,
      identMs: 5000,
      kexMs: 5000,
      authMs: 3000,
      totalMs: 10000,
    });
  });
});
