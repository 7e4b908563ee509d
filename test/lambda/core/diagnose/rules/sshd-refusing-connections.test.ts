import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose } from '../../../../../lambda/core/diagnose/diagnose.ts';
import type { ProbeResult } from '../../../../../lambda/core/probe/types.ts';

/** A probe that sshd closed before its identification, after writing `line` (what the prober saw). */
function closedAfter(refusal: ProbeResult['refusal'], line?: string): ProbeResult {
  return {
    target: { host: '10.0.1.5', port: 22 },
    outcome: 'closed-before-ident',
    phases: { connectMs: 1, identMs: 3, totalMs: 4 },
    ...(refusal ? { refusal } : {}),
    ...(line ? { detail: `closed after 1 line(s) before any identification, first "${line}"` } : {}),
  };
}

const run = (probe: ProbeResult) =>
  diagnose({ instanceId: 'i-0abc', expect: 'open', probe, sourceVerdicts: [] });

describe('SSHD_REFUSING_CONNECTIONS names what sshd wrote', () => {
  it('OpenSSH 9.8+: "Not allowed at this time" → MaxStartups or PerSourcePenalties, with the exempt list', () => {
    const d = run(closedAfter('not-allowed-at-this-time', 'Not allowed at this time'));
    assert.equal(d.code, 'SSHD_REFUSING_CONNECTIONS');
    assert.match(d.summary, /closed it before its identification, writing "Not allowed at this time" \(/);
    assert.match(d.evidence[0]!.detail, /"Not allowed at this time"/);
    assert.ok(d.remediation.some((s) => s.includes('PerSourcePenaltyExemptList')));
    assert.ok(d.remediation.some((s) => /both when MaxStartups is full and when PerSourcePenalties/.test(s)));
    assert.ok(!d.remediation.some((s) => s.startsWith('`Exceeded MaxStartups`')));
  });

  it('OpenSSH 8.2-9.7: "Exceeded MaxStartups" → the MaxStartups queue, no penalty advice', () => {
    const d = run(closedAfter('exceeded-maxstartups', 'Exceeded MaxStartups'));
    assert.match(d.summary, /writing "Exceeded MaxStartups"/);
    assert.ok(d.remediation.some((s) => s.startsWith('`Exceeded MaxStartups`')));
    assert.ok(!d.remediation.some((s) => s.includes('PerSourcePenaltyExemptList')));
  });

  it('a bare close (OpenSSH before 8.2, hosts.deny): neither specific step, no "writing"', () => {
    const d = run(closedAfter(undefined));
    assert.doesNotMatch(d.summary, /writing/);
    assert.match(d.summary, /then closed it before its identification \(closed-before-ident after 3 ms\)/);
    assert.ok(!d.remediation.some((s) => s.includes('PerSourcePenaltyExemptList')));
    assert.ok(d.remediation.some((s) => s.includes('MaxStartups 30:30:100')));
  });
});
