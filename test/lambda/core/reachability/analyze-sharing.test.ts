/**
 * The analysis shares evaluations between targets (per group, per group set, per target subnet, per
 * cell of a rule set, per internet). These cases pin down where sharing must NOT happen: two targets
 * that look alike but differ in one address, one rule or one VPC get their own answers, each blocker
 * names its own target, and no verdict depends on which instance the inventory lists first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Instance, Inventory, Route } from '../../../../lambda/core/inventory/model.ts';
import { analyze } from '../../../../lambda/core/reachability/analyze.ts';
import type { Verdict } from '../../../../lambda/core/reachability/types.ts';
import {
  ALL_EGRESS,
  customAcl,
  DEFAULT_ACL,
  group,
  instance,
  inventory,
  ipv4CidrsOutside,
  MAIN_RTB,
  routeTable,
  rule,
  SUBNET_A,
  SUBNET_B,
  tcp,
} from './inventory-builder.ts';

function find(verdicts: Verdict[], instanceId: string, source: string, family = 'ipv4'): Verdict {
  const v = verdicts.find((x) => x.instanceId === instanceId && x.source === source && x.family === family);
  assert.ok(v, `verdict for ${instanceId} from ${source} (${family})`);
  return v;
}
const codes = (v: Verdict) => v.blockers.map((b) => b.code).sort();

/** Every verdict as JSON, in a fixed order, to compare two analyses. */
function canonical(verdicts: Verdict[]): string[] {
  return verdicts.map((v) => JSON.stringify(v)).sort();
}

/** Two targets in subnet b behind the same group, and a source instance in subnet a. */
function twoTargets(parts: Partial<Inventory> = {}): Inventory {
  return inventory({
    instances: [
      instance('i-0s', { ip: '10.0.1.5', groups: ['sg-s'] }),
      instance('i-0t1', { ip: '10.0.2.7', groups: ['sg-t'], subnet: SUBNET_B }),
      instance('i-0t2', { ip: '10.0.2.8', groups: ['sg-t'], subnet: SUBNET_B }),
    ],
    securityGroups: [group('sg-s', []), group('sg-t', [tcp(22, 22, ['10.0.0.0/16'])])],
    ...parts,
  });
}

describe('analyze: shared evaluations', () => {
  it('a source-side ACL rule for one address blocks that target only, naming it', () => {
    const inv = twoTargets({
      // Subnet b keeps the VPC's default ACL (every subnet has one).
      networkAcls: [
        DEFAULT_ACL,
        customAcl(
          'acl-a',
          [SUBNET_A],
          [
            rule(90, 'deny', true, '10.0.2.7/32', [22, 22]),
            rule(100, 'allow', true, '0.0.0.0/0'),
            rule(100, 'allow', false, '0.0.0.0/0'),
          ],
        ),
      ],
    });
    const { verdicts } = analyze(inv, { sources: ['i-0s'] });
    const blocked = find(verdicts, 'i-0t1', 'i-0s');
    assert.deepEqual(codes(blocked), ['SOURCE_NACL_OUTBOUND_DENY']);
    assert.match(
      blocked.blockers[0]!.detail,
      /rule 90 denies TCP 22 to i-0t1 \(10\.0\.2\.7\) outbound from subnet-0a1/,
    );
    assert.equal(find(verdicts, 'i-0t2', 'i-0s').reachable, true);
  });

  it('targets blocked by the same source-side rule get blockers naming each of them', () => {
    const inv = twoTargets({
      networkAcls: [customAcl('acl-a', [SUBNET_A], [rule(100, 'allow', false, '0.0.0.0/0')])],
    });
    const { verdicts } = analyze(inv, { sources: ['i-0s'] });
    for (const [id, ip] of [
      ['i-0t1', '10.0.2.7'],
      ['i-0t2', '10.0.2.8'],
    ]) {
      const v = find(verdicts, id!, 'i-0s');
      assert.deepEqual(codes(v), ['SOURCE_NACL_OUTBOUND_DENY']);
      assert.ok(v.blockers[0]!.detail.includes(`to ${id} (${ip})`), v.blockers[0]!.detail);
    }
  });

  it("the source's egress rule for one address lets only that target through", () => {
    const inv = twoTargets({
      securityGroups: [
        group('sg-s', [], [tcp(22, 22, ['10.0.2.8/32'])]),
        group('sg-t', [tcp(22, 22, ['10.0.0.0/16'])]),
      ],
    });
    const { verdicts } = analyze(inv, { sources: ['i-0s'] });
    const blocked = find(verdicts, 'i-0t1', 'i-0s');
    assert.deepEqual(codes(blocked), ['SG_EGRESS_NO_MATCH']);
    assert.match(blocked.blockers[0]!.detail, /allows no TCP 22 to i-0t1 \(10\.0\.2\.7\)/);
    assert.equal(find(verdicts, 'i-0t2', 'i-0s').reachable, true);
  });

  it("a blackhole route to one address in the source's table blocks that target only", () => {
    const blackhole: Route = {
      DestinationCidrBlock: '10.0.2.8/32',
      NatGatewayId: 'nat-0gone',
      State: 'blackhole',
    };
    const inv = twoTargets({ routeTables: [MAIN_RTB, routeTable('rtb-a', [SUBNET_A], [blackhole])] });
    const { verdicts } = analyze(inv, { sources: ['i-0s'] });
    assert.equal(find(verdicts, 'i-0t1', 'i-0s').reachable, true);
    const blocked = find(verdicts, 'i-0t2', 'i-0s');
    assert.deepEqual(codes(blocked), ['BLACKHOLE_ROUTE']);
    assert.match(blocked.blockers[0]!.detail, /SYN to i-0t2 \(10\.0\.2\.8\) via 10\.0\.2\.8\/32/);
  });

  it('a group reference matches the source by its groups, target by target', () => {
    const inv = inventory({
      instances: [
        instance('i-0s1', { ip: '10.0.1.5', groups: ['sg-ops'] }),
        instance('i-0s2', { ip: '10.0.1.6', groups: ['sg-other'] }),
        instance('i-0t', { ip: '10.0.2.7', groups: ['sg-t'], subnet: SUBNET_B }),
      ],
      securityGroups: [
        group('sg-ops', []),
        group('sg-other', []),
        group('sg-t', [tcp(22, 22, [], { UserIdGroupPairs: [{ GroupId: 'sg-ops' }] })]),
      ],
    });
    const { verdicts } = analyze(inv, { sources: ['i-0s1', 'i-0s2'] });
    assert.equal(find(verdicts, 'i-0t', 'i-0s1').reachable, true);
    assert.deepEqual(codes(find(verdicts, 'i-0t', 'i-0s2')), ['SG_INGRESS_NO_MATCH']);
  });

  it('each group set is worded with its own groups, whatever it shares with others', () => {
    const inv = inventory({
      instances: [
        instance('i-0t1', { ip: '10.0.1.7', groups: ['sg-a'], publicIp: '54.1.1.7' }),
        instance('i-0t2', { ip: '10.0.1.8', groups: ['sg-b', 'sg-a'], publicIp: '54.1.1.8' }),
      ],
      securityGroups: [group('sg-a', [tcp(443, 443, ['0.0.0.0/0'])]), group('sg-b', [])],
    });
    const { verdicts } = analyze(inv, { sources: ['internet'] });
    const one = find(verdicts, 'i-0t1', 'internet');
    const two = find(verdicts, 'i-0t2', 'internet');
    assert.deepEqual(codes(one), ['SG_INGRESS_NO_MATCH']);
    assert.deepEqual(codes(two), ['SG_INGRESS_NO_MATCH']);
    assert.match(one.blockers[0]!.detail, /^security group sg-a allows no TCP 22 from internet$/);
    assert.match(two.blockers[0]!.detail, /^security groups sg-a, sg-b allow no TCP 22 from internet$/);
  });
});

describe('analyze: the internet of each VPC', () => {
  // A VPC on a public CIDR: its own addresses are not internet clients of its instances.
  const PUBLIC_VPC_CIDR = '52.10.0.0/16';
  const everythingButPublicVpc = ipv4CidrsOutside(PUBLIC_VPC_CIDR);

  function twoVpcs(): Inventory {
    const base = inventory({});
    const inPublicVpc: Instance = {
      ...instance('i-0pub', { ip: '52.10.1.5', groups: ['sg-open'], publicIp: '54.1.1.1' }),
      SubnetId: 'subnet-0pub',
      VpcId: 'vpc-0pub',
    };
    return {
      ...base,
      instances: [
        instance('i-0priv', { ip: '10.0.1.5', groups: ['sg-open'], publicIp: '54.1.1.2' }),
        {
          ...inPublicVpc,
          NetworkInterfaces: inPublicVpc.NetworkInterfaces!.map((n) => ({
            ...n,
            SubnetId: 'subnet-0pub',
            VpcId: 'vpc-0pub',
          })),
        },
      ],
      securityGroups: [group('sg-open', [tcp(22, 22, everythingButPublicVpc)], [ALL_EGRESS])],
      subnets: [...base.subnets, { SubnetId: 'subnet-0pub', VpcId: 'vpc-0pub', CidrBlock: '52.10.1.0/24' }],
      vpcs: [...base.vpcs, { VpcId: 'vpc-0pub', CidrBlock: PUBLIC_VPC_CIDR }],
      networkAcls: [...base.networkAcls, { ...DEFAULT_ACL, NetworkAclId: 'acl-0pub', VpcId: 'vpc-0pub' }],
      routeTables: [
        MAIN_RTB,
        {
          RouteTableId: 'rtb-0pub',
          VpcId: 'vpc-0pub',
          Routes: [
            { DestinationCidrBlock: PUBLIC_VPC_CIDR, GatewayId: 'local', State: 'active' },
            { DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-0pub', State: 'active' },
          ],
          Associations: [{ Main: true, RouteTableId: 'rtb-0pub' }],
        },
      ],
    };
  }

  it('VPCs that see different internets get different answers from the same group', () => {
    const { verdicts } = analyze(twoVpcs(), { sources: ['internet'] });
    // For the public-CIDR VPC, its own /16 is not internet: the group admits every other address.
    assert.equal(find(verdicts, 'i-0pub', 'internet').reachable, true);
    // For a private VPC, 52.10.0.0/16 is part of the internet, and the group leaves it out.
    const partly = find(verdicts, 'i-0priv', 'internet');
    assert.deepEqual(codes(partly), ['SG_INGRESS_NO_MATCH']);
    assert.match(partly.blockers[0]!.detail, /only part of internet .*not 52\.10\.0\.0\/16/);
  });
});

describe('analyze: no verdict depends on the order of instances', () => {
  it('an IPv6 target behind the same subnet and groups as an IPv4-only one keeps its return route', () => {
    // Replies to an IPv6 client leave through an egress-only gateway: they never reach it.
    const eigw: Route = {
      DestinationIpv6CidrBlock: '::/0',
      EgressOnlyInternetGatewayId: 'eigw-0a1',
      State: 'active',
    };
    const v4only = instance('i-0v4', { ip: '10.0.2.7', groups: ['sg-t'], subnet: SUBNET_B });
    const dual = instance('i-0v6', {
      ip: '10.0.2.8',
      groups: ['sg-t'],
      subnet: SUBNET_B,
      ipv6: '2600:1f18:1:2::8',
    });
    const build = (instances: Instance[]) =>
      inventory({
        instances,
        securityGroups: [group('sg-t', [tcp(22, 22, [], { Ipv6Ranges: [{ CidrIpv6: '::/0' }] })])],
        routeTables: [MAIN_RTB, routeTable('rtb-b', [SUBNET_B], [eigw])],
      });
    const sources = ['2001:db8::/64'];
    const first = analyze(build([v4only, dual]), { sources }).verdicts;
    const reversed = analyze(build([dual, v4only]), { sources }).verdicts;
    assert.deepEqual(codes(find(first, 'i-0v6', '2001:db8::/64', 'ipv6')), ['NO_ROUTE']);
    assert.deepEqual(canonical(first), canonical(reversed));
  });
});
