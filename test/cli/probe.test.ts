import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { parseTarget, renderTable, timeoutsFor } from '../../cli/probe.ts';
import { startZooServer, type ZooServer } from '../../lab/zoo.ts';
import type { ProbeResult } from '../../lambda/core/probe/types.ts';

const root = new URL('../..', import.meta.url).pathname;

/** Runs the CLI as a user would; async, so the zoo in this process keeps answering meanwhile. */
function port22(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['bin/port22.mjs', ...args], { cwd: root, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('parseTarget', () => {
  const good: [string, string, number][] = [
    ['bastion.example.com', 'bastion.example.com', 22],
    ['10.0.0.5:2222', '10.0.0.5', 2222],
    ['[::1]:2222', '::1', 2222],
    ['[2001:db8::7]', '2001:db8::7', 22],
    ['::1', '::1', 22],
    ['  host:65535 ', 'host', 65535],
  ];
  for (const [spec, host, port] of good) {
    it(`accepts '${spec}'`, () => assert.deepEqual(parseTarget(spec), { host, port }));
  }
  const bad: [string, RegExp][] = [
    ['', /empty target/],
    [':22', /empty host/],
    ['[]:22', /empty host/],
    ['host:0', /bad port '0'/],
    ['host:65536', /bad port '65536'/],
    ['host:ssh', /bad port 'ssh'/],
    ['host:', /bad port ''/],
    ['[10.0.0.1]:22', /not an IPv6 address/],
    ['::g', /not an IPv6 address/],
    ['a b', /bad host/],
  ];
  for (const [spec, message] of bad) {
    it(`rejects '${spec}'`, () => assert.throws(() => parseTarget(spec), { name: 'UsageError', message }));
  }
});

describe('timeoutsFor', () => {
  it('caps every phase at --timeout-ms', () => {
    assert.deepEqual(timeoutsFor(2000), {
      connectMs: 2000,
      identMs: 2000,
      kexMs: 2000,
      authMs: 2000,
      totalMs: 2000,
    });
    assert.equal(timeoutsFor(4000).connectMs, 3000);
    assert.equal(timeoutsFor(undefined).totalMs, 10000);
  });
});

describe('renderTable', () => {
  it('one aligned line per target, IPv6 bracketed, dashes for what is unknown', () => {
    const results: ProbeResult[] = [
      {
        target: { host: '::1', port: 22 },
        outcome: 'ok',
        phases: { connectMs: 1.2, identMs: 2, kexMs: 10.6, authMs: 3, totalMs: 16.8 },
        software: 'OpenSSH_9.6p1',
        hostKey: { algorithm: 'ssh-ed25519', sha256: 'SHA256:abc' },
        authMethods: ['publickey', 'password'],
      },
      {
        target: { host: '10.0.0.9', port: 2222 },
        outcome: 'refused',
        phases: { connectMs: 0.4, totalMs: 0.4 },
        detail: 'ECONNREFUSED',
      },
    ];
    const lines = renderTable(results).trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(
      lines[0]!,
      /^TARGET\s+OUTCOME\s+CONNECT\s+IDENT\s+KEX\s+AUTH\s+TOTAL\s+SOFTWARE\s+FINGERPRINT\s+AUTH METHODS\s+DETAIL$/,
    );
    assert.match(
      lines[1]!,
      /^\[::1\]:22\s+ok\s+1\s+2\s+11\s+3\s+17\s+OpenSSH_9\.6p1\s+ssh-ed25519 SHA256:abc\s+publickey,password$/,
    );
    assert.match(lines[2]!, /^10\.0\.0\.9:2222\s+refused\s+0\s+-\s+-\s+-\s+0\s+-\s+-\s+-\s+ECONNREFUSED$/);
    assert.equal(lines[1]!.indexOf('OpenSSH'), lines[0]!.indexOf('SOFTWARE'), 'columns line up');
  });
});

describe('port22 probe (spawned)', () => {
  let healthy: ZooServer;
  let refused: ZooServer;
  let umacOnly: ZooServer;
  before(async () => {
    healthy = await startZooServer('healthy');
    refused = await startZooServer('refused');
    umacOnly = await startZooServer('mac-beyond-prober');
  });
  after(async () => {
    await healthy.close();
    await refused.close();
    await umacOnly.close();
  });

  it('exit 0 and a table when every target is ok', async () => {
    const r = await port22('probe', `127.0.0.1:${healthy.port}`, '--timeout-ms', '3000');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^127\\.0\\.0\\.1:${healthy.port}\\s+ok\\s`, 'm'));
    assert.ok(r.stdout.includes(healthy.hostKeyFingerprint!));
  });

  it('exit 0 when the prober, not the server, lacks an algorithm (UMAC-only MACs: OpenSSH clients get in)', async () => {
    const r = await port22('probe', `127.0.0.1:${umacOnly.port}`, `127.0.0.1:${healthy.port}`, '--json');
    assert.equal(r.code, 0, r.stderr);
    const outcomes = (JSON.parse(r.stdout) as ProbeResult[]).map((p) => p.outcome);
    assert.deepEqual(outcomes, ['kex-unsupported-by-prober', 'ok']);
  });

  it('exit 1 and the JSON array, in argument order, when any target is not ok', async () => {
    const r = await port22(
      'probe',
      `127.0.0.1:${refused.port}`,
      `127.0.0.1:${healthy.port}`,
      '--json',
      '--concurrency',
      '2',
    );
    assert.equal(r.code, 1, r.stderr);
    const results = JSON.parse(r.stdout) as ProbeResult[];
    assert.equal(results.length, 2);
    assert.deepEqual(results[0]!.target, { host: '127.0.0.1', port: refused.port });
    assert.equal(results[0]!.outcome, 'refused');
    assert.equal(results[1]!.outcome, 'ok');
    assert.equal(results[1]!.hostKey?.sha256, healthy.hostKeyFingerprint);
    assert.deepEqual(results[1]!.authMethods, ['publickey', 'password']);
    assert.equal(typeof results[1]!.phases.totalMs, 'number');
    assert.deepEqual(Object.keys(results[1]!.kex ?? {}).sort(), ['cipher', 'hostKey', 'kex']);
  });

  const usage: [string[], RegExp][] = [
    [['probe', 'host:99999'], /^port22: bad port '99999' in 'host:99999' \(expected 1-65535\)$/],
    [['probe', ':22'], /^port22: empty host in ':22'$/],
    [['probe', 'host', '--timeout-ms', 'soon'], /^port22: bad number 'soon' for --timeout-ms/],
    [['probe', 'host', '--concurrency', '0'], /^port22: bad number '0' for --concurrency/],
    [['probe'], /^port22: missing required argument 'targets'$/],
  ];
  for (const [args, message] of usage) {
    it(`exit 2 and one line on stderr: ${args.slice(1).join(' ') || '(no target)'}`, async () => {
      const r = await port22(...args);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, message);
    });
  }
});
