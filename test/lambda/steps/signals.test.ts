import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostSignals } from '../../../lambda/core/diagnose/types.ts';
import type { SignalsFetchOptions, SignalsSource, SignalsTarget } from '../../../lambda/ports.ts';
import type { ProbedTarget } from '../../../lambda/steps/probe.ts';
import { gatherSignals } from '../../../lambda/steps/signals.ts';
import { CLOSED, probeOf, targets, WALLED, WEB, world } from './world.ts';

const NOW = new Date(Date.UTC(2026, 2, 9, 8, 0));
const fleet = targets();
const inventory = {
  ...world(),
  instanceStatuses: [{ InstanceId: WEB, InstanceState: { Name: 'running' }, SystemStatus: { Status: 'ok' } }],
};

/** WEB fast and fine, CLOSED closed as tagged, WALLED silent. */
const probed: ProbedTarget[] = [
  { target: fleet.get(WEB)!, probe: probeOf('10.0.1.10', 'ok', { phases: { identMs: 5, totalMs: 9 } }) },
  { target: fleet.get(CLOSED)!, probe: probeOf('10.0.1.20', 'timeout') },
  { target: fleet.get(WALLED)!, probe: probeOf('10.0.1.30', 'ident-timeout') },
];

function source(answer: (t: readonly SignalsTarget[]) => Map<string, HostSignals>, errors: string[] = []) {
  const calls: { targets: readonly SignalsTarget[]; options?: SignalsFetchOptions }[] = [];
  const s: SignalsSource = {
    fetch: async (targets, _now, options) => {
      calls.push({ targets, ...(options ? { options } : {}) });
      return { signals: answer(targets), errors };
    },
  };
  return { source: s, calls };
}

describe('signals step', () => {
  it('no source: state and status checks from the inventory alone', async () => {
    const s = await gatherSignals(undefined, inventory, probed, {}, NOW);
    assert.deepEqual(s.byInstance.get(WEB), { instanceId: WEB, state: 'running', systemStatus: 'ok' });
    assert.deepEqual(s.byInstance.get(WALLED), { instanceId: WALLED, state: 'running' });
    assert.deepEqual(s.errors, []);
  });

  it('asks every target for state, CloudWatch metrics only where they could change the diagnosis', async () => {
    const { source: s, calls } = source(() => new Map());
    await gatherSignals(s, inventory, probed, {}, NOW);
    assert.deepEqual(
      calls[0]?.targets.map((t) => t.instanceId),
      [WEB, CLOSED, WALLED],
    );
    assert.deepEqual([...(calls[0]?.options?.metricsFor ?? [])], [WALLED]);
  });

  it('the slow-ident threshold decides which healthy probes still want metrics', async () => {
    const { source: s, calls } = source(() => new Map());
    await gatherSignals(s, inventory, probed, { thresholds: { slowIdentMs: 4 } }, NOW);
    assert.deepEqual([...(calls[0]?.options?.metricsFor ?? [])].sort(), [WALLED, WEB].sort());
  });

  it('what the source knows wins field by field; its failures are named', async () => {
    const { source: s } = source(
      () => new Map([[WEB, { instanceId: WEB, state: undefined, cpuPercent: 97 }]]),
      ['GetMetricData: Throttling'],
    );
    const got = await gatherSignals(s, inventory, probed, {}, NOW);
    assert.deepEqual(got.byInstance.get(WEB), {
      instanceId: WEB,
      state: 'running',
      systemStatus: 'ok',
      cpuPercent: 97,
    });
    assert.deepEqual(got.errors, ['signals: GetMetricData: Throttling']);
  });

  it('a source that throws: the inventory’s signals stay, one line', async () => {
    const broken: SignalsSource = {
      fetch: async () => {
        throw new Error('AccessDenied: cloudwatch:GetMetricData');
      },
    };
    const got = await gatherSignals(broken, inventory, probed, {}, NOW);
    assert.deepEqual(got.errors, ['signals: AccessDenied: cloudwatch:GetMetricData']);
    assert.equal(got.byInstance.get(WEB)?.state, 'running');
  });
});
