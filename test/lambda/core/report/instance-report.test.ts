import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Diagnosis, DiagnosisCode } from '../../../../lambda/core/diagnose/types.ts';
import type { ProbeResult } from '../../../../lambda/core/probe/types.ts';
import { type InstanceReportInput, instanceReport } from '../../../../lambda/core/report/instance-report.ts';

const diagnosis = (code: DiagnosisCode): Diagnosis => ({
  code,
  severity: code === 'HEALTHY' || code === 'EXPECTED_CLOSED' ? 'ok' : 'critical',
  summary: `summary of ${code}`,
  evidence: [{ kind: 'probe', code: 'x', detail: 'evidence' }],
  remediation: ['step'],
});

const target = (expect: 'open' | 'closed', extra: Partial<InstanceReportInput['target']> = {}) => ({
  instanceId: 'i-0abc',
  address: '10.0.1.10',
  port: 22,
  expect,
  ...extra,
});

describe('instanceReport: healthy, given the port22:expect tag', () => {
  const cases: [DiagnosisCode, 'open' | 'closed', boolean][] = [
    ['HEALTHY', 'open', true],
    ['EXPECTED_CLOSED', 'open', true],
    ['DEGRADED_SLOW', 'open', false],
    ['SSHD_NOT_LISTENING', 'open', false],
    ['UNKNOWN', 'open', false],
    ['EXPECTED_CLOSED', 'closed', true],
    ['HEALTHY', 'closed', false],
    // expect=closed and the port accepted, then said nothing: it answered.
    ['UNKNOWN', 'closed', false],
    ['RESOURCE_EXHAUSTION', 'closed', false],
  ];
  for (const [code, expect, healthy] of cases) {
    it(`${code}, expect=${expect} → healthy ${healthy}`, () => {
      const r = instanceReport({ target: target(expect), diagnosis: diagnosis(code), changes: [] });
      assert.equal(r.healthy, healthy);
    });
  }
});

describe('instanceReport: shape', () => {
  it('a probed instance with changes: every field, the probe cut to what check --json shows', () => {
    const probe: ProbeResult = {
      target: { host: '10.0.1.10', port: 22 },
      outcome: 'ok',
      phases: { connectMs: 1, identMs: 3, kexMs: 9, authMs: 2, totalMs: 15 },
      ident: 'SSH-2.0-OpenSSH_9.6p1',
      software: 'OpenSSH_9.6p1',
      hostKey: { algorithm: 'ssh-ed25519', sha256: 'SHA256:abc' },
      authMethods: ['publickey'],
      kex: { kex: 'curve25519-sha256', hostKey: 'ssh-ed25519', cipher: 'aes128-gcm@openssh.com' },
    };
    const r = instanceReport({
      target: target('open', { name: 'web-1', port: 2222 }),
      diagnosis: diagnosis('HEALTHY'),
      probe,
      changes: ['auth method password removed'],
    });
    assert.deepEqual(r, {
      instanceId: 'i-0abc',
      name: 'web-1',
      address: '10.0.1.10',
      port: 2222,
      diagnosis: 'HEALTHY',
      healthy: true,
      severity: 'ok',
      summary: 'summary of HEALTHY',
      evidence: [{ kind: 'probe', code: 'x', detail: 'evidence' }],
      remediation: ['step'],
      probe: {
        outcome: 'ok',
        phases: { connectMs: 1, identMs: 3, kexMs: 9, authMs: 2, totalMs: 15 },
        software: 'OpenSSH_9.6p1',
        hostKey: { algorithm: 'ssh-ed25519', sha256: 'SHA256:abc' },
        authMethods: ['publickey'],
      },
      changes: ['auth method password removed'],
    });
  });

  it('not probed, no name, no address, no changes: those fields are absent, the address empty', () => {
    const r = instanceReport({
      target: target('open', { address: undefined }),
      diagnosis: diagnosis('NO_ROUTE'),
      changes: [],
    });
    assert.equal(r.address, '');
    for (const absent of ['name', 'probe', 'changes']) assert.ok(!(absent in r), absent);
  });

  it('a failed probe keeps its detail', () => {
    const r = instanceReport({
      target: target('open'),
      diagnosis: diagnosis('SSHD_NOT_LISTENING'),
      probe: {
        target: { host: '10.0.1.10', port: 22 },
        outcome: 'refused',
        phases: { totalMs: 1 },
        detail: 'ECONNREFUSED',
      },
      changes: [],
    });
    assert.deepEqual(r.probe, { outcome: 'refused', phases: { totalMs: 1 }, detail: 'ECONNREFUSED' });
  });
});
