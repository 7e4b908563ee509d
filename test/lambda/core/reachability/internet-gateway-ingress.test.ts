/**
 * From the internet through an internet gateway with an edge route table (ingress routing). Expected
 * answers derived by hand from AWS's documentation:
 * - VPC User Guide, "Gateway route tables" (https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html):
 *   a table associated with the internet gateway routes "traffic entering your VPC through an internet
 *   gateway"; a route for "the entire IPv4 or IPv6 CIDR block of a subnet in your VPC" to a Gateway Load
 *   Balancer endpoint or a network interface "is a more specific route than the default local route";
 *   "When you route traffic through a middlebox appliance, the return traffic from the destination subnet
 *   must be routed through the same appliance. Asymmetric routing is not supported."
 * - Network Firewall Developer Guide, "VPC route table configuration" and "Simple single zone
 *   architecture with an internet gateway": the edge table sends the protected subnet to the firewall
 *   endpoint, the firewall subnet's own table carries it on (local inside the VPC, 0.0.0.0/0 to the
 *   internet gateway), the protected subnet's table sends 0.0.0.0/0 to the endpoint.
 * - Network Firewall Developer Guide, "Avoiding asymmetric routing with AWS Network Firewall": "Network
 *   Firewall doesn't support asymmetric routing … the traffic must be routed to the Network Firewall
 *   endpoint in both directions."
 * The server i-0server (10.0.1.10, public 54.0.0.10) is in subnet a (10.0.1.0/24); the firewall
 * "inspection" has endpoint vpce-0fw… in subnet-0fw (10.0.9.0/28) and passes SSH.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Inventory, Route, RouteTable } from '../../../../lambda/core/inventory/model.ts';
import type { Verdict } from '../../../../lambda/core/reachability/types.ts';
import {
  FIREWALL_ENDPOINT,
  INSPECTION_FIREWALL,
  inspectionPolicy,
  inventory,
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

const IGW = 'igw-0a1';
const GWLB_ENDPOINT = 'vpce-0gwlb00000000001';
const toIgw = (cidr: string): Route => ({ DestinationCidrBlock: cidr, GatewayId: IGW, State: 'active' });
const viaGwlb = (cidr: string): Route => ({
  DestinationCidrBlock: cidr,
  VpcEndpointId: GWLB_ENDPOINT,
  State: 'active',
});

function edgeTable(routes: Route[]): RouteTable {
  return {
    RouteTableId: 'rtb-0edge',
    VpcId: VPC,
    Routes: [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' }, ...routes],
    Associations: [{ GatewayId: IGW, RouteTableId: 'rtb-0edge' }],
  };
}

interface Options {
  /** The edge table's routes besides local; undefined: no edge table. @default subnet a → firewall */
  readonly edge?: Route[] | undefined;
  /** Subnet a's routes besides local. @default 0.0.0.0/0 → firewall */
  readonly server?: Route[];
  /** The firewall subnet's routes besides local. @default 0.0.0.0/0 → internet gateway */
  readonly firewallSubnet?: Route[];
  /** The appliance subnet's routes besides local (the Gateway Load Balancer endpoint's). @default 0.0.0.0/0 → igw */
  readonly applianceSubnet?: Route[];
}

function net(o: Options = {}): Inventory {
  const edge = 'edge' in o ? o.edge : [viaFirewall('10.0.1.0/24')];
  return inventory({
    subnets: [
      { SubnetId: SUBNET_A, VpcId: VPC, CidrBlock: '10.0.1.0/24' },
      { SubnetId: SUBNET_B, VpcId: VPC, CidrBlock: '10.0.2.0/24' },
      { SubnetId: 'subnet-0fw', VpcId: VPC, CidrBlock: '10.0.9.0/28' },
      { SubnetId: 'subnet-0appl', VpcId: VPC, CidrBlock: '10.0.8.0/28' },
    ],
    instances: [PUBLIC_SERVER],
    securityGroups: [SSH_FROM_ANYWHERE],
    routeTables: [
      routeTable('rtb-0a', [SUBNET_A], o.server ?? [viaFirewall('0.0.0.0/0')]),
      routeTable('rtb-0fw', ['subnet-0fw'], o.firewallSubnet ?? [toIgw('0.0.0.0/0')]),
      routeTable('rtb-0appl', ['subnet-0appl'], o.applianceSubnet ?? [toIgw('0.0.0.0/0')]),
      ...(edge ? [edgeTable(edge)] : []),
    ],
    vpcEndpoints: [
      {
        VpcEndpointId: GWLB_ENDPOINT,
        VpcEndpointType: 'GatewayLoadBalancer',
        VpcId: VPC,
        State: 'available',
        SubnetIds: ['subnet-0appl'],
      },
    ],
    networkFirewalls: [INSPECTION_FIREWALL],
    networkFirewallPolicies: [inspectionPolicy(false)],
    networkFirewallRuleGroups: [sshRuleGroup('pass tcp any any -> $HOME_NET 22 (sid:1;)')],
  });
}

const fromInternet = (inv: Inventory): Verdict => verdictFor(inv, 'i-0server', 'internet');
const blockers = (v: Verdict) => v.blockers.map((b) => `${b.code} ${b.resourceId}`);

describe('internet gateway edge route table → endpoint → the endpoint subnet`s route table', () => {
  it('edge → firewall endpoint → firewall subnet local, replies back through the endpoint: reachable', () => {
    const v = fromInternet(net());
    assert.deepEqual([v.reachable, v.blockers, v.missing], [true, [], undefined]);
  });

  it('the firewall subnet`s table has a blackhole for the instance subnet: BLACKHOLE_ROUTE there, named', () => {
    const gone: Route = {
      DestinationCidrBlock: '10.0.1.0/24',
      NetworkInterfaceId: 'eni-0gone',
      State: 'blackhole',
    };
    const v = fromInternet(net({ firewallSubnet: [toIgw('0.0.0.0/0'), gone] }));
    assert.equal(v.reachable, false);
    assert.deepEqual(blockers(v), ['BLACKHOLE_ROUTE rtb-0fw']);
    assert.match(
      v.blockers[0]!.detail,
      /route table rtb-0fw of subnet-0fw sends SYN to i-0server \(10\.0\.1\.10\)/,
    );
  });

  it('the firewall subnet`s table sends the instance subnet to the internet gateway: NO_ROUTE there', () => {
    const v = fromInternet(net({ firewallSubnet: [toIgw('0.0.0.0/0'), toIgw('10.0.1.0/24')] }));
    assert.deepEqual(blockers(v), ['NO_ROUTE rtb-0fw']);
    assert.match(v.blockers[0]!.detail, /internet gateway sends packets out of the VPC/);
  });

  it('the firewall subnet`s table sends the instance subnet on to another appliance: followed, assumed, named', () => {
    const v = fromInternet(net({ firewallSubnet: [toIgw('0.0.0.0/0'), viaGwlb('10.0.1.0/24')] }));
    assert.equal(v.reachable, true);
    assert.deepEqual(
      v.assumed?.filter((a) => a.kind === 'gateway-load-balancer-endpoint').map((a) => a.resourceId),
      [GWLB_ENDPOINT],
    );
  });

  it('the edge table`s route for the subnet is a blackhole (the appliance is gone): BLACKHOLE_ROUTE on the edge table', () => {
    const gone: Route = {
      DestinationCidrBlock: '10.0.1.0/24',
      NetworkInterfaceId: 'eni-0gone',
      State: 'blackhole',
    };
    const v = fromInternet(net({ edge: [gone], server: [toIgw('0.0.0.0/0')] }));
    assert.deepEqual(blockers(v), ['BLACKHOLE_ROUTE rtb-0edge']);
    assert.match(v.blockers[0]!.detail, /edge route table rtb-0edge of igw-0a1/);
  });

  it('a Gateway Load Balancer endpoint on the edge: its subnet`s table decides (a blackhole there blocks)', () => {
    const gone: Route = {
      DestinationCidrBlock: '10.0.1.0/24',
      NetworkInterfaceId: 'eni-0gone',
      State: 'blackhole',
    };
    const ok = fromInternet(net({ edge: [viaGwlb('10.0.1.0/24')], server: [viaGwlb('0.0.0.0/0')] }));
    assert.deepEqual([ok.reachable, ok.blockers], [true, []]);
    const v = fromInternet(
      net({
        edge: [viaGwlb('10.0.1.0/24')],
        server: [viaGwlb('0.0.0.0/0')],
        applianceSubnet: [toIgw('0.0.0.0/0'), gone],
      }),
    );
    assert.deepEqual(blockers(v), ['BLACKHOLE_ROUTE rtb-0appl']);
  });
});

describe('replies must go back through the endpoint the SYN came through (no asymmetric routing)', () => {
  it('edge → firewall, replies straight to the internet gateway: NO_ROUTE on the instance subnet`s table, AWS`s reason', () => {
    const v = fromInternet(net({ server: [toIgw('0.0.0.0/0')] }));
    assert.equal(v.reachable, false);
    assert.deepEqual(blockers(v), ['NO_ROUTE rtb-0a']);
    assert.match(v.blockers[0]!.detail, new RegExp(`not back through ${FIREWALL_ENDPOINT}`));
    assert.match(v.blockers[0]!.detail, /asymmetric routing, which AWS does not support/);
    assert.match(v.blockers[0]!.detail, /must be routed through the same appliance/);
  });

  it('only part of the internet answered directly: NO_ROUTE naming exactly that part', () => {
    const v = fromInternet(net({ server: [viaFirewall('0.0.0.0/0'), toIgw('54.240.0.0/16')] }));
    assert.deepEqual(blockers(v), ['NO_ROUTE rtb-0a']);
    assert.match(v.blockers[0]!.detail, /sends replies to 54\.240\.0\.0\/16 via 54\.240\.0\.0\/16 → igw-0a1/);
  });

  it('replies through another endpoint than the SYN`s: NO_ROUTE', () => {
    const v = fromInternet(net({ server: [viaGwlb('0.0.0.0/0')] }));
    assert.deepEqual(blockers(v), ['NO_ROUTE rtb-0a']);
    assert.match(
      v.blockers[0]!.detail,
      new RegExp(`→ ${GWLB_ENDPOINT}, not back through ${FIREWALL_ENDPOINT}`),
    );
  });

  it('the edge table delivers straight to the subnet, replies go to the firewall: NO_ROUTE (the SYN never crossed it)', () => {
    const v = fromInternet(net({ edge: [] }));
    assert.deepEqual(blockers(v), ['NO_ROUTE rtb-0a']);
    assert.match(v.blockers[0]!.detail, /an appliance the SYN never crossed/);
  });
});

describe('without a route to an endpoint, unchanged', () => {
  it('an edge table with no route for the subnet (local only), replies to the internet gateway: reachable', () => {
    const v = fromInternet(net({ edge: [], server: [toIgw('0.0.0.0/0')] }));
    assert.deepEqual([v.reachable, v.blockers, v.missing], [true, [], undefined]);
  });

  it('an edge route for another subnet only: the instance`s subnet is delivered directly, reachable', () => {
    const v = fromInternet(net({ edge: [viaFirewall('10.0.2.0/24')], server: [toIgw('0.0.0.0/0')] }));
    assert.deepEqual([v.reachable, v.blockers], [true, []]);
  });

  it('no edge table at all, replies to the internet gateway: reachable', () => {
    const v = fromInternet(net({ edge: undefined, server: [toIgw('0.0.0.0/0')] }));
    assert.deepEqual([v.reachable, v.blockers, v.missing], [true, [], undefined]);
  });
});
