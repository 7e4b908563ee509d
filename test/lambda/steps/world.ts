/**
 * A small fleet for step tests, built from the evaluator tests' inventory builder: one VPC, a prober ENI
 * in subnet b, and instances in subnet a — web (open to the prober), closed (tagged port22:expect=closed),
 * walled (its group lets nothing in) and bare (no private address).
 */
import type { Diagnosis, DiagnosisCode, Severity } from '../../../lambda/core/diagnose/types.ts';
import { type Instance, type Inventory, indexInventory } from '../../../lambda/core/inventory/model.ts';
import type { ProbeOutcome, ProbeResult } from '../../../lambda/core/probe/types.ts';
import { type SelectedTarget, selectTargets } from '../../../lambda/core/targets/select.ts';
import type { StateStore } from '../../../lambda/ports.ts';
import { group, instance, inventory, SUBNET_B, tcp, VPC } from '../core/reachability/inventory-builder.ts';

export const PROBER_ENI = 'eni-0prober';
export const WEB = 'i-0web';
export const CLOSED = 'i-0closed';
export const WALLED = 'i-0walled';
export const BARE = 'i-0bare';

const tagged = (i: Instance, tags: Record<string, string>): Instance => ({
  ...i,
  Tags: [...(i.Tags ?? []), ...Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))],
});

export function world(): Inventory {
  const bare = instance(BARE, { ip: '10.0.1.40', groups: ['sg-0open'] });
  return inventory({
    securityGroups: [
      group('sg-0open', [tcp(22, 22, ['10.0.2.0/24'])]),
      group('sg-0wall', []),
      group('sg-0prober', []),
    ],
    instances: [
      tagged(instance(WEB, { ip: '10.0.1.10', groups: ['sg-0open'] }), { Name: 'web' }),
      tagged(instance(CLOSED, { ip: '10.0.1.20', groups: ['sg-0open'] }), { 'port22:expect': 'closed' }),
      instance(WALLED, { ip: '10.0.1.30', groups: ['sg-0wall'] }),
      {
        ...bare,
        PrivateIpAddress: undefined,
        NetworkInterfaces: bare.NetworkInterfaces?.map((n) => ({
          ...n,
          PrivateIpAddress: undefined,
          PrivateIpAddresses: [],
        })),
      } as Instance,
    ],
    networkInterfaces: [
      {
        NetworkInterfaceId: PROBER_ENI,
        SubnetId: SUBNET_B,
        VpcId: VPC,
        PrivateIpAddress: '10.0.2.5',
        PrivateIpAddresses: [{ PrivateIpAddress: '10.0.2.5', Primary: true }],
        Groups: [{ GroupId: 'sg-0prober' }],
      },
    ],
  });
}

/** The world's targets by instance id, as the select step would give them. */
export function targets(inv: Inventory = world()): Map<string, SelectedTarget> {
  return new Map(selectTargets(indexInventory(inv), { port: 22 }).map((t) => [t.instanceId, t]));
}

export function probeOf(host: string, outcome: ProbeOutcome, extra: Partial<ProbeResult> = {}): ProbeResult {
  return { target: { host, port: 22 }, outcome, phases: { connectMs: 1, totalMs: 5 }, ...extra };
}

export function diagnosisOf(code: DiagnosisCode, severity: Severity = 'critical'): Diagnosis {
  return { code, severity, summary: `summary of ${code}`, evidence: [], remediation: [] };
}

/** A state store whose reads fail (throttled, access denied); writes would succeed. */
export function unreadableStateStore(message: string): StateStore {
  return {
    get: async () => {
      throw new Error(message);
    },
    put: async () => 'ok',
    getGroups: async () => new Map(),
    putGroup: async () => 'ok',
    listPending: async () => {
      throw new Error(message);
    },
  };
}
