/**
 * Missing data is unknown, never "allowed" and never a block. Expected values are written from the Amazon
 * VPC User Guide:
 * - "Network ACLs": each subnet in your VPC must be associated with a network ACL; a subnet not explicitly
 *   associated is associated with the default network ACL. A network ACL only sees traffic that enters or
 *   leaves the subnet.
 * - "Route tables" / "Main route table": each subnet must be associated with a route table; a subnet not
 *   explicitly associated uses the main route table.
 * - "Security groups": every network interface has at least one security group, and traffic is allowed
 *   when any rule of any of them allows it.
 * So an inventory without the ACL, route table or group a path needs cannot say the path is open or
 * blocked by it: the verdict is `unknown`, naming what is missing. A blocker read from data that IS
 * there still decides the path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Inventory } from '../../../../lambda/core/inventory/model.ts';
import type { MissingKind } from '../../../../lambda/core/reachability/types.ts';
import {
  DEFAULT_ACL,
  group,
  instance,
  inventory,
  routeTable,
  SUBNET_A,
  SUBNET_B,
  tcp,
} from './inventory-builder.ts';
import { verdictFor } from './verdict-for.ts';

/** A bastion in subnet a, an app server in subnet b admitting SSH from the VPC. */
function base(parts: Partial<Inventory>): Inventory {
  return inventory({
    instances: [
      instance('i-0bastion', { ip: '10.0.1.5', groups: ['sg-bastion'], publicIp: '54.0.0.5' }),
      instance('i-0app', { ip: '10.0.2.7', groups: ['sg-app'], subnet: SUBNET_B }),
      instance('i-0peer', { ip: '10.0.2.8', groups: ['sg-bastion'], subnet: SUBNET_B }),
    ],
    securityGroups: [group('sg-bastion', []), group('sg-app', [tcp(22, 22, ['10.0.0.0/16'])])],
    ...parts,
  });
}

interface Scenario {
  readonly name: string;
  readonly inventory: Inventory;
  readonly target: string;
  readonly source: string;
  /** What the verdict must say. */
  readonly reachable: boolean;
  readonly unknown: boolean;
  readonly blockers: readonly string[];
  /** `kind resourceId` of each missing item, sorted. */
  readonly missing: readonly string[];
  /** A pattern every missing detail taken together must match. */
  readonly detail?: RegExp;
}

const NO_ACL_FILE = { networkAcls: [], absentFiles: ['describe-network-acls.json'] };
const NO_RTB_FILE = { routeTables: [], absentFiles: ['describe-route-tables.json'] };

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'describe-network-acls.json absent: both subnets cross a boundary, so both ACLs are unknown',
    inventory: base(NO_ACL_FILE),
    target: 'i-0app',
    source: 'i-0bastion',
    reachable: false,
    unknown: true,
    blockers: [],
    missing: [`network-acl ${SUBNET_A}`, `network-acl ${SUBNET_B}`],
    detail: /the network ACL of subnet-0b2 is unknown: describe-network-acls\.json is not in the inventory/,
  },
  {
    name: 'describe-network-acls.json absent, the internet as source: unknown, never "not filtered"',
    inventory: base({ ...NO_ACL_FILE, securityGroups: [group('sg-bastion', [tcp(22, 22, ['0.0.0.0/0'])])] }),
    target: 'i-0bastion',
    source: 'internet',
    reachable: false,
    unknown: true,
    blockers: [],
    missing: [`network-acl ${SUBNET_A}`],
  },
  {
    name: 'a known security-group block still decides when the ACL is unknown',
    inventory: base({ ...NO_ACL_FILE, securityGroups: [group('sg-bastion', []), group('sg-app', [])] }),
    target: 'i-0app',
    source: 'i-0bastion',
    reachable: false,
    unknown: false,
    blockers: ['SG_INGRESS_NO_MATCH'],
    missing: [`network-acl ${SUBNET_A}`, `network-acl ${SUBNET_B}`],
  },
  {
    name: 'within one subnet no ACL applies, so a missing ACL file changes nothing',
    inventory: base({
      ...NO_ACL_FILE,
      securityGroups: [group('sg-bastion', []), group('sg-app', [tcp(22, 22, ['10.0.2.0/24'])])],
    }),
    target: 'i-0app',
    source: 'i-0peer',
    reachable: true,
    unknown: false,
    blockers: [],
    missing: [],
  },
  {
    name: 'describe-route-tables.json absent: unknown, not NO_ROUTE',
    inventory: base(NO_RTB_FILE),
    target: 'i-0app',
    source: 'i-0bastion',
    reachable: false,
    unknown: true,
    blockers: [],
    missing: [`route-table ${SUBNET_A}`, `route-table ${SUBNET_B}`],
    detail: /the route table of subnet-0a1 is unknown: describe-route-tables\.json is not in the inventory/,
  },
  {
    // Without the route table a public CIDR may arrive over a VPN or transit gateway: no NO_PUBLIC_IP.
    name: 'describe-route-tables.json absent, a public CIDR to a private-only instance: unknown, not NO_PUBLIC_IP',
    inventory: base({
      ...NO_RTB_FILE,
      securityGroups: [group('sg-bastion', []), group('sg-app', [tcp(22, 22, ['198.51.100.0/24'])])],
    }),
    target: 'i-0app',
    source: '198.51.100.0/24',
    reachable: false,
    unknown: true,
    blockers: [],
    missing: [`route-table ${SUBNET_B}`],
  },
  {
    name: 'a subnet without an associated route table and no main one in the data: unknown',
    inventory: base({ routeTables: [routeTable('rtb-a', [SUBNET_A], [])] }),
    target: 'i-0app',
    source: 'i-0bastion',
    reachable: false,
    unknown: true,
    blockers: [],
    missing: [`route-table ${SUBNET_B}`],
    detail:
      /describe-route-tables\.json associates no route table with subnet-0b2 and lists no main route table of vpc-0a1/,
  },
  {
    name: 'a subnet without an associated ACL and no default one in the data: unknown',
    inventory: base({
      networkAcls: [
        { ...DEFAULT_ACL, NetworkAclId: 'acl-a', IsDefault: false, Associations: [{ SubnetId: SUBNET_A }] },
      ],
    }),
    target: 'i-0app',
    source: 'i-0bastion',
    reachable: false,
    unknown: true,
    blockers: [],
    missing: [`network-acl ${SUBNET_B}`],
    detail: /associates no network ACL with subnet-0b2 and lists no default ACL of vpc-0a1/,
  },
  {
    name: 'a group on the ENI absent from describe-security-groups.json: unknown, not "allows no TCP 22"',
    inventory: base({
      instances: [
        instance('i-0bastion', { ip: '10.0.1.5', groups: ['sg-bastion'] }),
        instance('i-0app', { ip: '10.0.2.7', groups: ['sg-gone'], subnet: SUBNET_B }),
      ],
    }),
    target: 'i-0app',
    source: 'i-0bastion',
    reachable: false,
    unknown: true,
    blockers: [],
    missing: ['security-group sg-gone'],
    detail: /security group sg-gone is attached to eni-0app but not in describe-security-groups\.json/,
  },
  {
    name: 'an absent group does not matter when another group on the ENI admits the source',
    inventory: base({
      instances: [
        instance('i-0bastion', { ip: '10.0.1.5', groups: ['sg-bastion'] }),
        instance('i-0app', { ip: '10.0.2.7', groups: ['sg-app', 'sg-gone'], subnet: SUBNET_B }),
      ],
    }),
    target: 'i-0app',
    source: 'i-0bastion',
    reachable: true,
    unknown: false,
    blockers: [],
    missing: [],
  },
];

describe('analyze: missing data is unknown, never allowed', () => {
  for (const s of SCENARIOS) {
    it(s.name, () => {
      const v = verdictFor(s.inventory, s.target, s.source);
      assert.equal(v.reachable, s.reachable);
      assert.equal(v.unknown === true, s.unknown);
      assert.deepEqual(v.blockers.map((b) => b.code).sort(), [...s.blockers].sort());
      const missing = (v.missing ?? []).map((m) => `${m.kind satisfies MissingKind} ${m.resourceId}`).sort();
      assert.deepEqual(missing, s.missing);
      if (s.detail) assert.match((v.missing ?? []).map((m) => m.detail).join('\n'), s.detail);
      // Never both: an unknown path is not reachable and not partial.
      if (v.unknown) assert.equal(v.partial, undefined);
    });
  }
});
