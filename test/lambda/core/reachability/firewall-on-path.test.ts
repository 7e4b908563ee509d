/**
 * AWS Network Firewall on the SSH path, end to end through `analyze`. The topologies are the Network
 * Firewall Developer Guide's ("Architectures with internet gateways": a firewall subnet between the
 * internet gateway and a protected subnet, with an IGW edge route table; and east-west inspection
 * between two subnets of one VPC with more-specific-than-local routes to the firewall endpoint).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Inventory, Route, RouteTable } from '../../../../lambda/core/inventory/model.ts';
import type { Verdict } from '../../../../lambda/core/reachability/types.ts';
import {
  eastWestThroughFirewall,
  FIREWALL_ENDPOINT as INSPECTION_ENDPOINT,
  INSPECTION_FIREWALL,
  inspectionPolicy,
  inventory,
  MAIN_RTB,
  PUBLIC_SERVER,
  routeTable,
  SSH_FROM_ANYWHERE,
  SUBNET_A,
  SUBNET_B,
  sshRuleGroup,
  VPC,
  viaFirewall,
} from './inventory-builder.ts';
import { verdictFor } from './verdict-for.ts';

/**
 * North-south: the server's public subnet sends replies to the firewall; the IGW edge table sends in; the
 * firewall subnet takes the main route table (0.0.0.0/0 to the internet gateway).
 */
function northSouth(parts: Partial<Inventory>): Inventory {
  const edge: RouteTable = {
    RouteTableId: 'rtb-0edge',
    VpcId: VPC,
    Routes: [
      { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
      viaFirewall('10.0.1.0/24'),
    ],
    Associations: [{ GatewayId: 'igw-0a1', RouteTableId: 'rtb-0edge' }],
  };
  return inventory({
    instances: [PUBLIC_SERVER],
    securityGroups: [SSH_FROM_ANYWHERE],
    routeTables: [routeTable('rtb-0a', [SUBNET_A], [viaFirewall('0.0.0.0/0')]), edge, MAIN_RTB],
    networkFirewalls: [INSPECTION_FIREWALL],
    ...parts,
  });
}

/** Every verdict here is SSH to the server. */
const verdict = (inv: Inventory, source: string): Verdict => verdictFor(inv, 'i-0server', source);

const codes = (v: Verdict) =>
  v.blockers.map((b) => `${b.code} ${b.firewallRule?.ruleGroup ?? ''} ${b.firewallRule?.rule ?? ''}`.trim());

describe('Network Firewall on the path (analyze)', () => {
  it('east-west: a Suricata reject on tcp/22 blocks with a TCP reset, naming the rule', () => {
    const v = verdict(
      eastWestThroughFirewall({
        networkFirewallPolicies: [inspectionPolicy(false)],
        networkFirewallRuleGroups: [
          sshRuleGroup('reject tcp any any -> $HOME_NET 22 (msg:"no ssh"; sid:2;)'),
        ],
      }),
      'i-0client',
    );
    assert.equal(v.reachable, false);
    assert.deepEqual(codes(v), ['NETWORK_FIREWALL_REJECT ssh-rules sid 2']);
    assert.match(v.blockers[0]!.detail, /rejects it with a TCP reset/);
    assert.equal(v.blockers[0]!.resourceId, 'inspection');
  });

  it('east-west: a pass rule first in strict order, then aws:drop_strict: reachable', () => {
    const v = verdict(
      eastWestThroughFirewall({
        networkFirewallPolicies: [inspectionPolicy(true, ['aws:drop_strict'])],
        networkFirewallRuleGroups: [sshRuleGroup('pass tcp 10.0.2.0/24 any -> $HOME_NET 22 (sid:1;)')],
      }),
      'i-0client',
    );
    assert.equal(v.reachable, true);
    assert.deepEqual(v.blockers, []);
  });

  it('north-south: internet sources meet aws:drop_strict except an allowed office range', () => {
    const inv = northSouth({
      networkFirewallPolicies: [inspectionPolicy(true, ['aws:drop_strict'])],
      networkFirewallRuleGroups: [sshRuleGroup('pass tcp 198.51.100.0/24 any -> $HOME_NET 22 (sid:1;)')],
    });
    const office = verdict(inv, '198.51.100.0/24');
    assert.equal(office.reachable, true, JSON.stringify(office.blockers));
    const internet = verdict(inv, 'internet');
    assert.equal(internet.reachable, false);
    assert.deepEqual(codes(internet), [
      'NETWORK_FIREWALL_DROP inspection-policy aws:drop_strict (stateful default action)',
    ]);
    assert.match(internet.blockers[0]!.detail, /drops it silently/);
  });

  it('an unreadable rule is an assumption on the verdict, naming the firewall and the rule', () => {
    const v = verdict(
      eastWestThroughFirewall({
        networkFirewallPolicies: [inspectionPolicy(false)],
        networkFirewallRuleGroups: [sshRuleGroup('drop tcp any any -> any 22 (content:"SSH-1."; sid:9;)')],
      }),
      'i-0client',
    );
    assert.equal(v.reachable, true);
    assert.deepEqual(
      v.assumed?.map((a) => `${a.resourceId}: ${a.detail}`),
      [
        'inspection: firewall inspection: rule group ssh-rules sid 9 is assumed not to match TCP 22: it uses the option "content"',
      ],
    );
  });

  it('a firewall whose rule group is not in the inventory leaves the path unknown', () => {
    const v = verdict(
      eastWestThroughFirewall({ networkFirewallPolicies: [inspectionPolicy(false)] }),
      'i-0client',
    );
    assert.equal(v.unknown, true);
    assert.equal(v.reachable, false);
    assert.deepEqual(
      v.missing?.map((m) => `${m.kind} ${m.resourceId} ${m.file}`),
      ['network-firewall inspection network-firewall/rule-groups/ssh-rules.json'],
    );
  });

  it('without a firewall endpoint route, the firewall is not on the path', () => {
    const inv = eastWestThroughFirewall({
      networkFirewallPolicies: [inspectionPolicy(false)],
      networkFirewallRuleGroups: [sshRuleGroup('drop tcp any any -> any 22 (sid:2;)')],
      routeTables: [routeTable('rtb-0a', [SUBNET_A], []), routeTable('rtb-0b', [SUBNET_B], [])],
    });
    assert.equal(verdict(inv, 'i-0client').reachable, true);
  });
});

/*
 * Routes to an endpoint named in `VpcEndpointId`, as DescribeRouteTables prints Gateway Load Balancer
 * endpoint routes (EC2 API Reference, "Route": VpcEndpointId "Supported for Gateway Load Balancer endpoints
 * only"); a Network Firewall endpoint is one (Network Firewall Developer Guide, "Firewall endpoints").
 */
describe('routes through VpcEndpointId', () => {
  const viaEndpoint = (cidr: string, id: string) => ({
    DestinationCidrBlock: cidr,
    VpcEndpointId: id,
    State: 'active',
  });

  it('a Network Firewall endpoint in VpcEndpointId puts the firewall on the path', () => {
    const v = verdict(
      eastWestThroughFirewall({
        networkFirewallPolicies: [inspectionPolicy(false)],
        networkFirewallRuleGroups: [sshRuleGroup('reject tcp any any -> $HOME_NET 22 (sid:2;)')],
        routeTables: [
          routeTable('rtb-0a', [SUBNET_A], [viaEndpoint('10.0.2.0/24', INSPECTION_ENDPOINT)]),
          routeTable('rtb-0b', [SUBNET_B], [viaEndpoint('10.0.1.0/24', INSPECTION_ENDPOINT)]),
        ],
      }),
      'i-0client',
    );
    assert.deepEqual(codes(v), ['NETWORK_FIREWALL_REJECT ssh-rules sid 2']);
  });

  it('a Gateway Load Balancer endpoint that is no Network Firewall: reachable, assumed to pass, named', () => {
    const gwlb = 'vpce-0gwlb00000000001';
    const v = verdict(
      eastWestThroughFirewall({
        networkFirewalls: [],
        routeTables: [
          routeTable('rtb-0a', [SUBNET_A], [viaEndpoint('10.0.2.0/24', gwlb)]),
          routeTable('rtb-0b', [SUBNET_B], [viaEndpoint('10.0.1.0/24', gwlb)]),
        ],
      }),
      'i-0client',
    );
    assert.equal(v.reachable, true);
    assert.deepEqual(
      v.assumed?.map((a) => `${a.kind} ${a.resourceId}`),
      [`gateway-load-balancer-endpoint ${gwlb}`],
    );
    assert.match(v.assumed![0]!.detail, /appliance behind it is assumed to pass the connection/);
  });
});

/*
 * Past the endpoint, the firewall subnet's own route table carries the packets on (Network Firewall
 * Developer Guide, "Simple single zone architecture with an internet gateway": the firewall subnet's
 * route table sends 0.0.0.0/0 to the internet gateway; the protected subnet's sends it to the endpoint).
 */
describe('the firewall subnet`s route table decides the next hop', () => {
  const FIREWALL_SUBNET = { SubnetId: 'subnet-0fw', VpcId: VPC, CidrBlock: '10.0.9.0/28' };
  const allowSsh = {
    networkFirewallPolicies: [inspectionPolicy(false)],
    networkFirewallRuleGroups: [sshRuleGroup('pass tcp any any -> $HOME_NET 22 (sid:1;)')],
  };
  const withFirewallSubnet = (inv: Inventory, routes: Route[]): Inventory => ({
    ...inv,
    subnets: [...inv.subnets, FIREWALL_SUBNET],
    routeTables: [...inv.routeTables, routeTable('rtb-0fw', ['subnet-0fw'], routes)],
  });

  it('north-south: the firewall subnet routes 0.0.0.0/0 to the internet gateway: reachable', () => {
    const inv = withFirewallSubnet(northSouth(allowSsh), [
      { DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-0a1', State: 'active' },
    ]);
    const v = verdict(inv, 'internet');
    assert.deepEqual([v.reachable, v.blockers], [true, []]);
  });

  it('north-south: the firewall subnet has no route to the internet: replies stop there (NO_ROUTE)', () => {
    const v = verdict(withFirewallSubnet(northSouth(allowSsh), []), 'internet');
    assert.equal(v.reachable, false);
    assert.deepEqual(
      v.blockers.map((b) => `${b.code} ${b.resourceId}`),
      ['NO_ROUTE rtb-0fw'],
    );
    assert.match(v.blockers[0]!.detail, /route table rtb-0fw of subnet-0fw has no route for replies/);
  });

  it('east-west: a blackhole in the firewall subnet`s table drops what the endpoint passes on', () => {
    const inv = withFirewallSubnet(eastWestThroughFirewall(allowSsh), [
      { DestinationCidrBlock: '10.0.2.0/24', VpcPeeringConnectionId: 'pcx-0gone', State: 'blackhole' },
    ]);
    const v = verdict(inv, 'i-0client');
    assert.equal(v.reachable, false);
    assert.deepEqual(
      v.blockers.map((b) => `${b.code} ${b.resourceId}`),
      ['BLACKHOLE_ROUTE rtb-0fw'],
    );
  });

  it('a firewall subnet whose table sends the packets back to the endpoint: a loop, NO_ROUTE', () => {
    const inv = withFirewallSubnet(northSouth(allowSsh), [viaFirewall('0.0.0.0/0')]);
    const v = verdict(inv, 'internet');
    assert.deepEqual(
      v.blockers.map((b) => `${b.code} ${b.resourceId}`),
      ['NO_ROUTE rtb-0fw'],
    );
    assert.match(v.blockers[0]!.detail, /back to Network Firewall endpoint/);
  });
});
