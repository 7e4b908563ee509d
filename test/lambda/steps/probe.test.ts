import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProbeResult, ProbeTarget } from '../../../lambda/core/probe/types.ts';
import { identityResolver, type Prober, type TargetResolver } from '../../../lambda/ports.ts';
import { probeTargets } from '../../../lambda/steps/probe.ts';
import { BARE, CLOSED, targets, WALLED, WEB } from './world.ts';

const fleet = targets();
const all = [...fleet.values()];
const withAddress = all.filter((t) => t.address !== undefined);

/** Answers `ok` at once and records what it was asked to probe. */
function recordingProber(answer: (t: ProbeTarget) => Partial<ProbeResult> = () => ({})) {
  const asked: ProbeTarget[] = [];
  const prober: Prober = {
    probe: async (target) => {
      asked.push(target);
      return { target, outcome: 'ok', phases: { totalMs: 3 }, ...answer(target) };
    },
  };
  return { prober, asked };
}

const CLOCK = () => 1_000_000;

describe('probe step', () => {
  it('probe: false — every target to diagnose, nothing probed, no reasons', async () => {
    const { prober, asked } = recordingProber();
    const p = await probeTargets({ prober, resolver: identityResolver }, all, { probe: false }, CLOCK);
    assert.deepEqual(p, {
      checked: all.map((target) => ({ target })),
      unchecked: [],
      proberErrors: 0,
      errors: [],
    });
    assert.equal(asked.length, 0);
  });

  it('probes through the resolver and reports the VPC address; a target without an address is not probed', async () => {
    const { prober, asked } = recordingProber();
    const lab: TargetResolver = {
      resolve: (t) => ({ host: '127.0.0.1', port: 20000 + Number(t.host.split('.')[3]) }),
    };
    const p = await probeTargets({ prober, resolver: lab }, all, {}, CLOCK);
    assert.deepEqual(
      asked.map((t) => t.port),
      [20010, 20020, 20030],
    );
    assert.deepEqual(
      p.checked.map((c) => [c.target.instanceId, c.probe?.target.host, c.noProbeReason]),
      [
        [WEB, '10.0.1.10', undefined],
        [CLOSED, '10.0.1.20', undefined],
        [WALLED, '10.0.1.30', undefined],
        [BARE, undefined, 'not probed: the instance has no private address'],
      ],
    );
    assert.deepEqual(p.unchecked, []);
  });

  it('no route from this prober: diagnosed without a probe, the reason kept', async () => {
    const { prober } = recordingProber();
    const resolver: TargetResolver = { resolve: (t) => (t.host === '10.0.1.20' ? undefined : t) };
    const p = await probeTargets({ prober, resolver }, withAddress, {}, CLOCK);
    assert.equal(
      p.checked.find((c) => c.target.instanceId === CLOSED)?.noProbeReason,
      'not probed: the target resolver has no route to 10.0.1.20:22 from this prober',
    );
    assert.equal(p.checked.length, 3);
  });

  it('a resolver that throws for one target: that one unchecked and counted, the rest probed', async () => {
    const { prober } = recordingProber();
    const resolver: TargetResolver = {
      resolve: (t) => {
        if (t.host === '10.0.1.20') throw new Error('no lab host for 10.0.1.20');
        return t;
      },
    };
    const p = await probeTargets({ prober, resolver }, withAddress, {}, CLOCK);
    assert.deepEqual(
      p.checked.map((c) => c.target.instanceId),
      [WEB, WALLED],
    );
    assert.deepEqual(p.unchecked, [
      { instanceId: CLOSED, reason: 'target resolver failed: no lab host for 10.0.1.20' },
    ]);
    assert.equal(p.proberErrors, 1);
    assert.deepEqual(p.errors, [`probe: ${CLOSED}: target resolver: no lab host for 10.0.1.20`]);
  });

  it('a prober that throws for one target: that one unchecked with the prober’s error', async () => {
    const prober: Prober = {
      probe: async (target) => {
        if (target.host === '10.0.1.10') throw new Error('EMFILE: too many open files');
        return { target, outcome: 'refused', phases: { totalMs: 1 } };
      },
    };
    const p = await probeTargets({ prober, resolver: identityResolver }, withAddress, {}, CLOCK);
    assert.deepEqual(p.unchecked, [
      { instanceId: WEB, name: 'web', reason: 'prober error: EMFILE: too many open files' },
    ]);
    assert.deepEqual(p.errors, [`probe: ${WEB}: prober error: EMFILE: too many open files`]);
    assert.equal(p.proberErrors, 1);
    assert.deepEqual(
      p.checked.map((c) => c.probe?.outcome),
      ['refused', 'refused'],
    );
  });

  describe('the deadline', () => {
    const deadlineAt = 1_000_000 + 3000;

    it('reserve exactly used up: no probe starts, every target with an address unchecked', async () => {
      const { prober, asked } = recordingProber();
      const p = await probeTargets(
        { prober, resolver: identityResolver },
        all,
        { deadlineAt, reserveMs: 3000 },
        CLOCK,
      );
      assert.equal(asked.length, 0);
      assert.deepEqual(
        p.unchecked.map((u) => [u.instanceId, u.reason]),
        [WEB, CLOSED, WALLED].map((id) => [id, 'deadline: no time left to start the probe']),
      );
      // Not probing BARE was never a matter of time: it is still diagnosed.
      assert.deepEqual(
        p.checked.map((c) => c.target.instanceId),
        [BARE],
      );
      assert.equal(p.proberErrors, 0);
      assert.deepEqual(p.errors, []);
    });

    it('the default reserve is 3000 ms: one ms more and the probes are handed to the fan-out', async () => {
      // A 1 ms budget: the fan-out's own real-time deadline may pass before every probe starts on a loaded
      // machine, so what is asserted is the step's decision — no target refused for want of time up front.
      const { prober } = recordingProber();
      const p = await probeTargets(
        { prober, resolver: identityResolver },
        withAddress,
        { deadlineAt: deadlineAt + 1 },
        CLOCK,
      );
      assert.ok(p.unchecked.every((u) => u.reason !== 'deadline: no time left to start the probe'));
      assert.equal(p.checked.length + p.unchecked.length, 3);
      const atReserve = await probeTargets(
        { prober, resolver: identityResolver },
        withAddress,
        { deadlineAt },
        CLOCK,
      );
      assert.deepEqual(
        atReserve.unchecked.map((u) => u.reason),
        Array(3).fill('deadline: no time left to start the probe'),
      );
    });

    it('probes not started before the fan-out deadline: unchecked, never counted as failures', async () => {
      // One probe at a time, each slower than the whole budget: the first runs, the rest never start.
      const prober: Prober = {
        probe: async (target) => {
          await new Promise((r) => setTimeout(r, 60));
          return { target, outcome: 'ok', phases: { totalMs: 60 } };
        },
      };
      const now = Date.now();
      const p = await probeTargets(
        { prober, resolver: identityResolver },
        withAddress,
        { deadlineAt: now + 40, reserveMs: 0, concurrency: 1 },
        () => now,
      );
      assert.deepEqual(
        p.checked.map((c) => c.target.instanceId),
        [WEB],
      );
      assert.deepEqual(
        p.unchecked.map((u) => [u.instanceId, u.reason]),
        [CLOSED, WALLED].map((id) => [id, 'deadline: the run stopped starting probes to save state in time']),
      );
      assert.equal(p.proberErrors, 0);
    });
  });
});
