// Diagnoses sharpened by console output: the rules read the console reading of a failing instance
// (test/fixtures/console/, see test/lambda/core/evidence/console-output.test.ts for where each message comes
// from) and name the cause the console shows. Expected codes and summaries are written out here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { diagnoseWithRule } from '../../../../../lambda/core/diagnose/diagnose.ts';
import type { DiagnosisInput } from '../../../../../lambda/core/diagnose/input.ts';
import type { HostSignals } from '../../../../../lambda/core/diagnose/types.ts';
import { parseConsoleOutput } from '../../../../../lambda/core/evidence/console-output.ts';
import type { ProbeOutcome, ProbeResult } from '../../../../../lambda/core/probe/types.ts';
import type { Verdict } from '../../../../../lambda/core/reachability/types.ts';

const ID = 'i-0c0450000000000a1';
const console = (name: string) =>
  parseConsoleOutput(readFileSync(new URL(`../../../../fixtures/console/${name}`, import.meta.url), 'utf8'));

const PHASES: Partial<Record<ProbeOutcome, ProbeResult['phases']>> = {
  ok: { connectMs: 2, identMs: 15, kexMs: 30, authMs: 8, totalMs: 55 },
  refused: { connectMs: 3, totalMs: 3 },
  timeout: { totalMs: 3001 },
  'closed-before-ident': { connectMs: 2, identMs: 4, totalMs: 6 },
  'ident-timeout': { connectMs: 2, identMs: 5000, totalMs: 5002 },
};
const probe = (outcome: ProbeOutcome): ProbeResult => ({
  target: { host: '10.0.1.5', port: 22 },
  outcome,
  phases: PHASES[outcome]!,
  ...(outcome === 'ok' ? { software: 'OpenSSH_9.2p1' } : {}),
});
const open: Verdict = {
  instanceId: ID,
  address: '10.0.1.5',
  source: 'prober',
  family: 'ipv4',
  reachable: true,
  blockers: [],
};
const sgBlocked: Verdict = {
  ...open,
  reachable: false,
  blockers: [
    { code: 'SG_INGRESS_NO_MATCH', resourceId: 'sg-0a', direction: 'inbound', detail: 'no rule for tcp/22' },
  ],
};
const checksPass: HostSignals = {
  instanceId: ID,
  state: 'running',
  systemStatus: 'ok',
  instanceStatus: 'ok',
};

function run(outcome: ProbeOutcome, fixture: string | undefined, extra: Partial<DiagnosisInput> = {}) {
  return diagnoseWithRule({
    instanceId: ID,
    expect: 'open',
    probe: probe(outcome),
    proberVerdict: open,
    sourceVerdicts: [],
    signals: checksPass,
    ...(fixture === undefined ? {} : { observations: { console: console(fixture) } }),
    ...extra,
  });
}

describe('INSTANCE_IMPAIRED from the console: a panic, emergency mode or fsck before the status checks fail', () => {
  it('refused, checks still pass, the console shows a panic → INSTANCE_IMPAIRED "kernel panic at …"', () => {
    const { diagnosis: d, rule } = run('refused', 'kernel-panic.txt');
    assert.equal(rule, 'instance-impaired');
    assert.equal(d.code, 'INSTANCE_IMPAIRED');
    assert.equal(
      d.summary,
      `kernel panic on ${ID} at 8891.3 s after boot: Kernel panic - not syncing: Fatal exception in interrupt`,
    );
    assert.ok(d.remediation.some((s) => s.startsWith('A kernel panic: reboot')));
    assert.ok(!d.remediation.some((s) => s.startsWith('Emergency mode or an fsck prompt')));
  });

  it('a panic explains a timeout before a blocking security group does (the host is down either way)', () => {
    const { diagnosis: d } = run('timeout', 'kernel-panic.txt', { proberVerdict: sgBlocked });
    assert.equal(d.code, 'INSTANCE_IMPAIRED');
  });

  it('emergency mode → INSTANCE_IMPAIRED with the fsck/fstab step, not the panic step', () => {
    const { diagnosis: d } = run('timeout', 'emergency-mode.txt');
    assert.equal(d.code, 'INSTANCE_IMPAIRED');
    assert.equal(
      d.summary,
      `the boot stopped in emergency mode on ${ID} at a time the console does not show: You are in emergency mode`,
    );
    assert.ok(d.remediation.some((s) => s.startsWith('Emergency mode or an fsck prompt')));
    assert.ok(!d.remediation.some((s) => s.startsWith('A kernel panic')));
  });

  it('an fsck prompt → INSTANCE_IMPAIRED', () => {
    assert.equal(run('timeout', 'fsck-required.txt').diagnosis.code, 'INSTANCE_IMPAIRED');
  });

  it('a failed status check without console evidence keeps its summary', () => {
    const { diagnosis: d } = run('refused', 'benign-debian12.txt', {
      signals: { ...checksPass, instanceStatus: 'impaired' },
    });
    assert.equal(d.summary, `${ID} fails its EC2 instance status check`);
  });

  it('a successful probe overrides a panic on the console', () => {
    assert.equal(run('ok', 'kernel-panic.txt').diagnosis.code, 'HEALTHY');
  });

  it("the previous boot's panic, followed by a clean boot, is not the cause: refused stays SSHD_NOT_LISTENING", () => {
    assert.equal(run('refused', 'benign-previous-panic.txt').diagnosis.code, 'SSHD_NOT_LISTENING');
  });
});

describe('RESOURCE_EXHAUSTION from the OOM killer, without any CPU or memory metric', () => {
  it('refused, the OOM killer killed sshd → RESOURCE_EXHAUSTION "the OOM killer killed sshd at …"', () => {
    const { diagnosis: d, rule } = run('refused', 'oom-kill-sshd.txt');
    assert.equal(rule, 'sshd-oom-killed');
    assert.equal(d.code, 'RESOURCE_EXHAUSTION');
    assert.equal(
      d.summary,
      `The OOM killer killed sshd (pid 612) on ${ID} at 6187.1 s after boot; SSH fails: refused after 3 ms`,
    );
    assert.ok(d.remediation.some((s) => s.includes('OOMScoreAdjust=-1000')));
  });

  it('closed before the ident, sshd OOM-killed → RESOURCE_EXHAUSTION, not SSHD_REFUSING_CONNECTIONS', () => {
    assert.equal(run('closed-before-ident', 'oom-kill-sshd.txt').diagnosis.code, 'RESOURCE_EXHAUSTION');
  });

  it('a timeout is not explained by an OOM kill (a kernel short of memory still answers a SYN)', () => {
    const { diagnosis: d } = run('timeout', 'oom-kill-sshd.txt');
    assert.notEqual(d.code, 'RESOURCE_EXHAUSTION');
  });

  it('ident-timeout, unknown load, another process OOM-killed → RESOURCE_EXHAUSTION naming the kill', () => {
    const { diagnosis: d, rule } = run('ident-timeout', 'oom-kill-other.txt');
    assert.equal(rule, 'resource-exhaustion');
    assert.equal(
      d.summary,
      `${ID} is starved (the OOM killer killed java (pid 1433) at 6120.6 s after boot) and SSH suffers: ident-timeout after 5000 ms`,
    );
    assert.ok(!d.remediation.some((s) => s.includes('OOMScoreAdjust')));
  });

  it('refused with only another process OOM-killed: sshd is not the victim, so SSHD_NOT_LISTENING', () => {
    assert.equal(run('refused', 'oom-kill-other.txt').diagnosis.code, 'SSHD_NOT_LISTENING');
  });

  it('ident-timeout, unknown load, a quiet console → UNKNOWN as before', () => {
    assert.equal(run('ident-timeout', 'benign-debian12.txt').diagnosis.code, 'UNKNOWN');
  });
});

describe('SSHD_NOT_LISTENING names why the ssh unit failed', () => {
  it('refused, ssh.service exited 255 → "ssh.service failed: …"', () => {
    const { diagnosis: d } = run('refused', 'ssh-unit-failed.txt');
    assert.equal(d.code, 'SSHD_NOT_LISTENING');
    assert.equal(
      d.summary,
      `ssh.service failed on ${ID} at 5.2 s after boot: Main process exited, code=exited, status=255/EXCEPTION; nothing listens on 10.0.1.5:22 (connection refused)`,
    );
    assert.ok(
      d.remediation.includes(
        'Read why ssh.service failed: `journalctl -b -u ssh.service` (a bad sshd_config line, missing host keys, a port already taken)',
      ),
    );
  });

  it('Amazon Linux 2: sshd.service by its description', () => {
    const { diagnosis: d } = run('refused', 'sshd-unit-failed-al2.txt');
    assert.equal(
      d.summary,
      `sshd.service failed on ${ID} at a time the console does not show: Failed to start OpenSSH server daemon; nothing listens on 10.0.1.5:22 (connection refused)`,
    );
  });

  it('a unit that failed and then started again says nothing: the plain summary', () => {
    const { diagnosis: d } = run('refused', 'benign-ssh-restarted.txt');
    assert.equal(
      d.summary,
      `Nothing listens on 10.0.1.5:22 of ${ID}: the connection was refused (TCP reset)`,
    );
    assert.ok(!d.remediation.some((s) => s.startsWith('Read why')));
  });
});
