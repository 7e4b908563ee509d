import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Inventory, indexInventory } from '../../../lambda/core/inventory/model.ts';
import type { InstanceState } from '../../../lambda/core/state/instance-state.ts';
import { trackChanges } from '../../../lambda/steps/changes.ts';
import type { DiagnosedTarget } from '../../../lambda/steps/diagnose.ts';
import { group, tcp } from '../core/reachability/inventory-builder.ts';
import { CLOSED, diagnosisOf, PROBER_ENI, probeOf, targets, WEB, world } from './world.ts';

const AT = '2026-03-09T08:00:00.000Z';
const before = world();
/** The same fleet after someone narrowed sg-0open to one address. */
const after: Inventory = {
  ...before,
  securityGroups: before.securityGroups.map((g) =>
    g.GroupId === 'sg-0open' ? group('sg-0open', [tcp(22, 22, ['10.0.2.99/32'])]) : g,
  ),
};
const fleet = targets(before);
const web = (code: 'HEALTHY' | 'HOST_FIREWALL_DROP', authMethods?: string[]): DiagnosedTarget => ({
  target: fleet.get(WEB)!,
  probe: probeOf('10.0.1.10', code === 'HEALTHY' ? 'ok' : 'timeout', authMethods ? { authMethods } : {}),
  diagnosis: diagnosisOf(code),
});

/** The step over the fleet as it is in `inv`, with the prober's ENI on every path. */
function track(
  checked: readonly DiagnosedTarget[],
  previous: ReadonlyMap<string, InstanceState>,
  inv = after,
  snapshots = true,
) {
  return trackChanges(checked, previous, { index: indexInventory(inv), proberSpec: PROBER_ENI, snapshots });
}

/** What a healthy check at AT remembered: its path snapshot, taken by this step. */
function rememberedHealthy(extra: Partial<InstanceState> = {}): Map<string, InstanceState> {
  const healthy = track([web('HEALTHY')], new Map(), before).instances[0]!;
  assert.ok(healthy.snapshot, 'a snapshot is taken when state is kept');
  return new Map([
    [
      WEB,
      {
        instanceId: WEB,
        diagnosis: 'HEALTHY',
        since: AT,
        consecutiveFailures: 0,
        lastCheckedAt: AT,
        pendingAlerts: [],
        version: 1,
        ttl: 1_800_000_000,
        lastHealthy: { at: AT, configDigest: 'sha256:x', config: healthy.snapshot },
        ...extra,
      },
    ],
  ]);
}

describe('changes step', () => {
  it('a failing target: what changed on its path since the last healthy check, as evidence and lines', () => {
    const [c] = track([web('HOST_FIREWALL_DROP')], rememberedHealthy()).instances;
    assert.ok(c!.changes.length > 0);
    for (const line of c!.changes) {
      assert.match(line, /^sg-0open: .* since the last healthy check at 2026-03-09T08:00:00.000Z$/);
    }
    assert.ok(c!.changes.some((l) => /10\.0\.2\.99\/32.*added/.test(l)));
    assert.deepEqual(
      c!.diagnosis.evidence.filter((e) => e.kind === 'change').map((e) => e.detail),
      c!.changes,
    );
    assert.ok(c!.diagnosis.evidence.every((e) => e.kind !== 'change' || e.code === 'PATH_CONFIG_CHANGED'));
  });

  it('a healthy target is not diffed, only snapshotted', () => {
    const [c] = track([web('HEALTHY')], rememberedHealthy()).instances;
    assert.deepEqual(c!.changes, []);
    assert.deepEqual(c!.diagnosis.evidence, []);
    assert.ok(c!.snapshot);
  });

  it('without state: no snapshot, so nothing to diff', () => {
    const [c] = track([web('HOST_FIREWALL_DROP')], rememberedHealthy(), after, false).instances;
    assert.equal(c!.snapshot, undefined);
    assert.deepEqual(c!.changes, []);
  });

  it('changed auth methods are listed, failing or not', () => {
    const [c] = track(
      [web('HEALTHY', ['publickey'])],
      rememberedHealthy({ authMethods: ['password', 'publickey'] }),
      before,
    ).instances;
    assert.deepEqual(c!.changes, ['auth method password removed']);
  });

  it('a target whose changes cannot be worked out keeps its diagnosis, without changes', () => {
    const closed: DiagnosedTarget = { target: fleet.get(CLOSED)!, diagnosis: diagnosisOf('UNKNOWN') };
    const broken = new Map([
      [
        CLOSED,
        {
          get lastHealthy(): never {
            throw new Error('state record corrupted');
          },
        } as unknown as InstanceState,
      ],
    ]);
    const out = track([closed, web('HEALTHY')], broken, before);
    assert.deepEqual(
      out.instances.map((i) => [i.target.instanceId, i.diagnosis.code, i.changes]),
      [
        [CLOSED, 'UNKNOWN', []],
        [WEB, 'HEALTHY', []],
      ],
    );
    assert.deepEqual(out.errors, [`changes: ${CLOSED}: state record corrupted`]);
  });
});
