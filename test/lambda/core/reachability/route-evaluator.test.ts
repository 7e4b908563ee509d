import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexInventory, type Route } from '../../../../lambda/core/inventory/model.ts';
import { AnalysisContext } from '../../../../lambda/core/reachability/evaluation.ts';
import {
  evaluateRoutes,
  lookupRoutes,
  type PathKind,
} from '../../../../lambda/core/reachability/route-evaluator.ts';
import { inventory, MAIN_RTB, peer, routeTable, SUBNET_A, SUBNET_B, VPC } from './inventory-builder.ts';

interface Case {
  name: string;
  routes: Route[];
  to: string;
  path: PathKind;
  leg?: 'forward' | 'return';
  want?: string;
}

const igw = (d: string): Route => ({
  [d.includes(':') ? 'DestinationIpv6CidrBlock' : 'DestinationCidrBlock']: d,
  GatewayId: 'igw-0a1',
  State: 'active',
});

/** A NAT gateway default route: carries what the instance opens, never replies to an internet client. */
const NAT_DEFAULT: Route = { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0a1', State: 'active' };

const cases: Case[] = [
  { name: 'local route for the VPC', routes: [], to: '10.0.2.7/32', path: 'private' },
  {
    name: 'igw default route for an internet client',
    routes: [igw('0.0.0.0/0')],
    to: '198.51.100.7/32',
    path: 'internet',
  },
  { name: 'no default route', routes: [], to: '198.51.100.7/32', path: 'internet', want: 'NO_ROUTE' },
  {
    name: 'NAT gateway cannot carry replies',
    routes: [NAT_DEFAULT],
    to: '198.51.100.7/32',
    path: 'internet',
    want: 'NO_ROUTE',
  },
  {
    name: 'NAT gateway carries a forward SYN',
    routes: [NAT_DEFAULT],
    to: '198.51.100.7/32',
    path: 'internet',
    leg: 'forward',
  },
  {
    name: 'longest prefix: /24 to a blackhole beats igw /0',
    routes: [
      igw('0.0.0.0/0'),
      { DestinationCidrBlock: '198.51.100.0/24', VpcPeeringConnectionId: 'pcx-0a1', State: 'blackhole' },
    ],
    to: '198.51.100.7/32',
    path: 'internet',
    want: 'BLACKHOLE_ROUTE',
  },
  {
    name: 'longest prefix: /16 peering beats /8 tgw',
    routes: [
      { DestinationCidrBlock: '10.0.0.0/8', TransitGatewayId: 'tgw-0a1', State: 'active' },
      { DestinationCidrBlock: '10.1.0.0/16', VpcPeeringConnectionId: 'pcx-0a1', State: 'active' },
    ],
    to: '10.1.0.5/32',
    path: 'private',
  },
  {
    name: 'VPN gateway for an on-premises range',
    routes: [{ DestinationCidrBlock: '192.168.0.0/16', GatewayId: 'vgw-0a1', State: 'active' }],
    to: '192.168.4.0/24',
    path: 'private',
  },
  {
    name: 'igw cannot carry a private path',
    routes: [igw('0.0.0.0/0')],
    to: '192.168.4.0/24',
    path: 'private',
    want: 'NO_ROUTE',
  },
  { name: 'IPv6 through the igw', routes: [igw('::/0')], to: '2001:db8:9::1/128', path: 'internet' },
  {
    name: 'IPv6 through an egress-only igw: inbound fails',
    routes: [{ DestinationIpv6CidrBlock: '::/0', EgressOnlyInternetGatewayId: 'eigw-0a1', State: 'active' }],
    to: '2001:db8:9::1/128',
    path: 'internet',
    want: 'NO_ROUTE',
  },
  {
    name: 'prefix-list destination expanded',
    routes: [{ DestinationPrefixListId: 'pl-office', GatewayId: 'igw-0a1', State: 'active' }],
    to: '198.51.100.7/32',
    path: 'internet',
  },
];

describe('route evaluator', () => {
  for (const c of cases) {
    it(`${c.name} → ${c.want ?? 'routed'}`, () => {
      const rtb = routeTable('rtb-0b2', [SUBNET_B], c.routes);
      const ctx = new AnalysisContext(
        indexInventory(
          inventory({
            routeTables: [MAIN_RTB, rtb],
            prefixLists: new Map([['pl-office', [{ Cidr: '198.51.100.0/24' }]]]),
            vpcPeeringConnections: [
              {
                VpcPeeringConnectionId: 'pcx-0a1',
                RequesterVpcInfo: { VpcId: VPC, CidrBlock: '10.0.0.0/16' },
                AccepterVpcInfo: { VpcId: 'vpc-0peer', CidrBlock: '10.1.0.0/16' },
                Status: { Code: 'active' },
              },
            ],
          }),
        ),
      );
      const v = evaluateRoutes(ctx, {
        leg: c.leg ?? 'return',
        routeTable: rtb,
        subnetId: SUBNET_B,
        destination: peer(c.to),
        path: c.path,
      });
      assert.equal(v.blockers[0]?.code, c.want);
      assert.equal(v.passed, c.want === undefined);
    });
  }

  it('a subnet without an explicit association uses the main route table', () => {
    const explicit = routeTable('rtb-0b2', [SUBNET_B], []);
    const ctx = new AnalysisContext(indexInventory(inventory({ routeTables: [MAIN_RTB, explicit] })));
    assert.equal(ctx.index.routeTableForSubnet(SUBNET_A)?.RouteTableId, 'rtb-main');
    assert.equal(ctx.index.routeTableForSubnet(SUBNET_B)?.RouteTableId, 'rtb-0b2');
  });

  it('splits a destination set by the route each part takes', () => {
    const rtb = routeTable(
      'rtb-0b2',
      [SUBNET_B],
      [
        igw('0.0.0.0/0'),
        { DestinationCidrBlock: '52.0.0.0/8', TransitGatewayId: 'tgw-0a1', State: 'active' },
      ],
    );
    const ctx = new AnalysisContext(indexInventory(inventory({ routeTables: [rtb] })));
    const legs = lookupRoutes(ctx, rtb, peer('48.0.0.0/4').addresses);
    const byTarget = new Map(legs.map((l) => [l.route?.target.id, l.addresses.describe()]));
    assert.equal(byTarget.get('tgw-0a1'), '52.0.0.0/8');
    // 48.0.0.0/4 less 52.0.0.0/8 = 48/6 + 53/8 + 54/7 + 56/5
    assert.equal(byTarget.get('igw-0a1'), '48.0.0.0/6, 53.0.0.0/8, 54.0.0.0/7, … (4 ranges)');
  });
});
