import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexInventory } from '../../../lambda/core/inventory/model.ts';
import type { InstanceState } from '../../../lambda/core/state/instance-state.ts';
import { trackChanges } from '../../../lambda/steps/changes.ts';
import type { DiagnosedTarget } from '../../../lambda/steps/diagnose.ts';
import { group, tcp } from '../core/reachability/inventory-builder.ts';
import { CLOSED, diagnosisOf, PROBER_ENI, probeOf, targets, WEB, world } from './world.ts';

const AT = '2026-03-09T08:00:00.000Z';
const before = world();
/** The same fleet after someone narrowed sg-0open to one address. */
const after = {
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

/** What a healthy check at AT remembered: its path snapshot, taken by this step. */
function rememberedHealthy(extra: Partial<InstanceState> = {}): Map<string, InstanceState> {
  const healthy = trackChanges([web('HEALTHY')], new Map(), {
    index: indexInventory(before),
    proberSpec: PROBER_ENI,
    snapshots: true,
  }).instances[0]!;
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
    const [c] = trackChanges([web('HOST_FIREWALL_DROP')], rememberedHealthy(), {
      index: indexInventory(after),
      proberSpec: PROBER_ENI,
      snapshots: true,
    }).instances;
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
    const [c] = trackChanges([web('HEALTHY')], rememberedHealthy(), {
      index: indexInventory(after),
      proberSpec: PROBER_ENI,
      snapshots: true,
    }).instances;
    assert.deepEqual(c!.changes, []);
    assert.deepEqual(c!.diagnosis.evidence, []);
    assert.ok(c!.snapshot);
  });

  it('without state: no snapshot, so nothing to diff', () => {
    const [c] = trackChanges([web('HOST_FIREWALL_DROP')], rememberedHealthy(), {
      index: indexInventory(after),
      proberSpec: PROBER_ENI,
      snapshots: false,
    }).instances;
    assert.equal(c!.snapshot, undefined);
    assert.deepEqual(c!.changes, []);
  });

  it('changed auth methods are listed, failing or not', () => {
    const [c] = trackChanges(
      [web('HEALTHY', ['publickey'])],
      rememberedHealthy({ authMethods: ['password', 'publickey'] }),
      { index: indexInventory(before), proberSpec: PROBER_ENI, snapshots: true },
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
    const out = trackChanges([closed, web('HEALTHY')], broken, {
      index: indexInventory(before),
      proberSpec: PROBER_ENI,
      snapshots: true,
    });
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
