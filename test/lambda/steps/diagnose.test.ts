import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostSignals } from '../../../lambda/core/diagnose/types.ts';
import { indexInventory } from '../../../lambda/core/inventory/model.ts';
import { analyse } from '../../../lambda/steps/analyse.ts';
import { diagnoseTargets, reviseWithEvidence } from '../../../lambda/steps/diagnose.ts';
import type { ProbedTarget } from '../../../lambda/steps/probe.ts';
import { select } from '../../../lambda/steps/select.ts';
import { BARE, CLOSED, PROBER_ENI, probeOf, targets, WALLED, WEB, world } from './world.ts';

const inventory = world();
const index = indexInventory(inventory);
const { paths } = analyse(inventory, index, select(index, {}), { proberSource: PROBER_ENI });
const fleet = targets(inventory);
const running = (id: string): [string, HostSignals] => [id, { instanceId: id, state: 'running' }];
const signals = new Map([WEB, CLOSED, WALLED, BARE].map(running));

const probed: ProbedTarget[] = [
  { target: fleet.get(WEB)!, probe: probeOf('10.0.1.10', 'refused') },
  { target: fleet.get(CLOSED)!, probe: probeOf('10.0.1.20', 'timeout') },
  { target: fleet.get(WALLED)!, probe: probeOf('10.0.1.30', 'timeout') },
  { target: fleet.get(BARE)!, noProbeReason: 'not probed: the instance has no private address' },
];

describe('diagnose step', () => {
  it('one diagnosis per target from its probe, its paths and its signals, in order', () => {
    const d = diagnoseTargets(probed, paths, signals, {});
    assert.deepEqual(
      d.diagnosed.map((t) => [t.target.instanceId, t.diagnosis.code]),
      [
        [WEB, 'SSHD_NOT_LISTENING'],
        [CLOSED, 'EXPECTED_CLOSED'],
        [WALLED, 'BLOCKED_BY_SECURITY_GROUP'],
        // No address: no probe and no path to it, so nothing rules anything out.
        [BARE, 'UNKNOWN'],
      ],
    );
    assert.deepEqual(d.errors, []);
  });

  it('a target without a probe says why, as the last evidence', () => {
    const bare = diagnoseTargets(probed, paths, signals, {}).diagnosed[3]!;
    assert.deepEqual(bare.diagnosis.evidence.at(-1), {
      kind: 'config',
      code: 'NOT_PROBED',
      detail: 'not probed: the instance has no private address',
    });
    assert.equal(bare.noProbeReason, 'not probed: the instance has no private address');
  });

  it('the thresholds reach the rules', () => {
    const slow: ProbedTarget = {
      target: fleet.get(WEB)!,
      probe: probeOf('10.0.1.10', 'ok', { phases: { identMs: 300, totalMs: 400 } }),
    };
    const code = (slowIdentMs: number) =>
      diagnoseTargets([slow], paths, signals, { thresholds: { slowIdentMs } }).diagnosed[0]?.diagnosis.code;
    assert.equal(code(300), 'HEALTHY');
    assert.equal(code(299), 'DEGRADED_SLOW');
  });

  it('a target whose diagnosis throws is left out and named; the others are diagnosed', () => {
    const poisoned = new Map(signals);
    poisoned.set(WALLED, {
      instanceId: WALLED,
      get state(): string {
        throw new Error('signals record corrupted');
      },
    });
    const d = diagnoseTargets(probed, paths, poisoned, {});
    assert.deepEqual(
      d.diagnosed.map((t) => t.target.instanceId),
      [WEB, CLOSED, BARE],
    );
    assert.deepEqual(d.errors, [`diagnose: ${WALLED}: signals record corrupted`]);
  });

  it('with evidence: only the instances it looked into are diagnosed again, reading what it found', () => {
    const first = diagnoseTargets(probed, paths, signals, {});
    const unitFailed = {
      kind: 'ssh-unit-failed' as const,
      line: '[    5.210442] systemd[1]: ssh.service: Main process exited, code=exited, status=255/EXCEPTION',
      message: 'Main process exited, code=exited, status=255/EXCEPTION',
      uptimeSeconds: 5.210442,
      unit: 'ssh.service',
    };
    const evidence = [{ kind: 'console' as const, code: 'SSH_UNIT_FAILED', detail: unitFailed.line }];
    const gathered = new Map([
      [WEB, { evidence, observations: { console: { lines: 14, events: [unitFailed] } } }],
    ]);
    const revised = reviseWithEvidence(first, paths, signals, {}, gathered);
    const web = revised.diagnosed.find((d) => d.target.instanceId === WEB);
    assert.equal(web?.diagnosis.code, 'SSHD_NOT_LISTENING');
    assert.match(web?.diagnosis.summary ?? '', /^ssh\.service failed on i-0web at /);
    assert.deepEqual(web?.diagnosis.evidence.at(-1), evidence[0]);
    // The others are the first pass's very answers, in the same order.
    assert.deepEqual(
      revised.diagnosed.map((d) => d.target.instanceId),
      first.diagnosed.map((d) => d.target.instanceId),
    );
    for (const id of [CLOSED, WALLED, BARE]) {
      const before = first.diagnosed.find((d) => d.target.instanceId === id);
      assert.equal(
        revised.diagnosed.find((d) => d.target.instanceId === id),
        before,
        id,
      );
    }
    assert.equal(reviseWithEvidence(first, paths, signals, {}, new Map()), first);
  });
});
