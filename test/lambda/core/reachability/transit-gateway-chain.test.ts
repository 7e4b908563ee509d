/**
 * Paths across more than one transit gateway peering attachment. Expected answers derived by hand from
 * the Transit Gateway Guide:
 * - "How AWS Transit Gateway works" (https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html):
 *   "A transit gateway attachment is both a source and a destination of packets", a peering attachment
 *   among them, and the table associated with the attachment a packet arrives on routes it. The guide
 *   forbids no route from one peering attachment to another: with static routes on the middle transit
 *   gateway, A → B → C carries the packet.
 * - "Transit gateway peering attachments" (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html):
 *   "To route traffic between the transit gateways, add a static route to the transit gateway route
 *   table that points to the transit gateway peering attachment" — so every crossing needs its own
 *   static route, on every transit gateway along the way, in both directions.
 * A chain of transit gateways tgw-0t0 … tgw-0t<n-1>, each peered with the next (tgw-attach-0p<i> joins
 * t<i> and t<i+1>); VPC A (10.0.0.0/16) is attached to the first, VPC C (10.2.0.0/16) to the last. Each
 * transit gateway has one table, associated with all its attachments.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  Inventory,
  TransitGatewayAttachment,
  TransitGatewayRoute,
} from '../../../../lambda/core/inventory/model.ts';
import { inventory } from './inventory-builder.ts';
import { propagates, viaPeering, vpcsAandC } from './transit-gateway-builder.ts';
import { blockersOf, verdictFor } from './verdict-for.ts';

const A_CIDR = '10.0.0.0/16';
const C_CIDR = '10.2.0.0/16';
const tgw = (i: number) => `tgw-0t${i}`;
const table = (i: number) => `tgw-rtb-${i}`;
const peering = (i: number) => `tgw-attach-0p${i}`;

interface Options {
  /** Static routes of transit gateway i's table. @default C's CIDR toward the last, A's toward the first */
  readonly statics?: ReadonlyMap<number, TransitGatewayRoute[]>;
  /** Whether the last table propagates VPC C's CIDR. @default true */
  readonly lastPropagates?: boolean;
}

function chain(n: number, o: Options = {}): Inventory {
  const last = n - 1;
  const att = (id: string, i: number, type: string, resource: string): TransitGatewayAttachment => ({
    TransitGatewayAttachmentId: id,
    TransitGatewayId: tgw(i),
    ResourceType: type,
    ResourceId: resource,
    State: 'available',
    Association: { TransitGatewayRouteTableId: table(i), State: 'associated' },
  });
  const indices = [...Array(n).keys()];
  const peerings = indices.slice(0, last);
  const defaultStatics = (i: number) => [
    ...(i < last ? [viaPeering(C_CIDR, peering(i))] : []),
    ...(i > 0 ? [viaPeering(A_CIDR, peering(i - 1))] : []),
  ];
  return inventory({
    ...vpcsAandC(tgw(0), tgw(last)),
    transitGateways: indices.map((i) => ({ TransitGatewayId: tgw(i), State: 'available' })),
    transitGatewayVpcAttachments: [
      {
        TransitGatewayAttachmentId: 'tgw-attach-0a',
        TransitGatewayId: tgw(0),
        VpcId: 'vpc-0a',
        State: 'available',
        SubnetIds: ['subnet-0a1a'],
      },
      {
        TransitGatewayAttachmentId: 'tgw-attach-0c',
        TransitGatewayId: tgw(last),
        VpcId: 'vpc-0c',
        State: 'available',
        SubnetIds: ['subnet-0c1a'],
      },
    ],
    transitGatewayPeeringAttachments: peerings.map((i) => ({
      TransitGatewayAttachmentId: peering(i),
      RequesterTgwInfo: { TransitGatewayId: tgw(i), Region: 'us-east-1' },
      AccepterTgwInfo: { TransitGatewayId: tgw(i + 1), Region: 'us-east-1' },
      State: 'available',
      Status: { Code: 'available' },
    })),
    // DescribeTransitGatewayAttachments lists each peering once per transit gateway it joins.
    transitGatewayAttachments: [
      att('tgw-attach-0a', 0, 'vpc', 'vpc-0a'),
      att('tgw-attach-0c', last, 'vpc', 'vpc-0c'),
      ...peerings.flatMap((i) => [
        att(peering(i), i, 'peering', tgw(i + 1)),
        att(peering(i), i + 1, 'peering', tgw(i)),
      ]),
    ],
    transitGatewayRouteTables: indices.map((i) => ({
      TransitGatewayRouteTableId: table(i),
      TransitGatewayId: tgw(i),
    })),
    transitGatewayRouteTablePropagations: new Map(
      indices.map((i) => [
        table(i),
        [
          ...(i === 0 ? [propagates('tgw-attach-0a', 'vpc-0a')] : []),
          ...(i === last && (o.lastPropagates ?? true) ? [propagates('tgw-attach-0c', 'vpc-0c')] : []),
        ],
      ]),
    ),
    transitGatewayStaticRoutes: new Map(
      indices.map((i) => [table(i), o.statics?.get(i) ?? defaultStatics(i)]),
    ),
  });
}

const bothWays = [
  ['i-0c', 'i-0a'],
  ['i-0a', 'i-0c'],
] as const;

describe('paths over more than one transit gateway peering', () => {
  it('A → B → C with static routes on the middle transit gateway: reachable both ways', () => {
    for (const [target, source] of bothWays) {
      const v = verdictFor(chain(3), target, source);
      assert.deepEqual([v.reachable, v.blockers, v.missing], [true, [], undefined], `${source} → ${target}`);
    }
  });

  it('one crossing (two transit gateways) is unchanged: reachable both ways', () => {
    for (const [target, source] of bothWays) {
      const v = verdictFor(chain(2), target, source);
      assert.deepEqual([v.reachable, v.blockers, v.missing], [true, [], undefined], `${source} → ${target}`);
    }
  });

  it('the middle table sends C back over the peering it came in on: a loop A → B → A, NO_ROUTE naming it', () => {
    const statics = new Map([[1, [viaPeering(C_CIDR, peering(0)), viaPeering(A_CIDR, peering(0))]]]);
    const v = verdictFor(chain(3, { statics }), 'i-0c', 'i-0a');
    assert.equal(v.reachable, false);
    assert.deepEqual(blockersOf(v), [`NO_ROUTE ${table(1)}`]);
    assert.match(v.blockers[0]!.detail, /routing loop \(tgw-0t0 → tgw-0t1 → tgw-0t0\)/);
  });

  it('a blackhole for C on the middle transit gateway drops: BLACKHOLE_ROUTE there, the return path still open', () => {
    const blackhole: TransitGatewayRoute = {
      DestinationCidrBlock: C_CIDR,
      Type: 'static',
      State: 'blackhole',
    };
    const statics = new Map([[1, [blackhole, viaPeering(A_CIDR, peering(0))]]]);
    const v = verdictFor(chain(3, { statics }), 'i-0c', 'i-0a');
    assert.deepEqual(blockersOf(v), [`BLACKHOLE_ROUTE ${table(1)}`]);
  });

  it('the last transit gateway has no route to C (no propagation): NO_ROUTE on the last table only', () => {
    const v = verdictFor(chain(3, { lastPropagates: false }), 'i-0c', 'i-0a');
    assert.deepEqual(blockersOf(v), [`NO_ROUTE ${table(2)}`]);
  });

  it('the middle transit gateway has no route back to A: the return path is NO_ROUTE there', () => {
    const statics = new Map([[1, [viaPeering(C_CIDR, peering(1))]]]);
    const v = verdictFor(chain(3, { statics }), 'i-0c', 'i-0a');
    assert.deepEqual(blockersOf(v), [`NO_ROUTE ${table(1)}`]);
  });

  // port22 follows a path through at most 8 transit gateways (docs/analyze.md, "Limits").
  it('a chain of 8 transit gateways is followed; a chain of 9 is unknown, naming the peering not followed', () => {
    assert.deepEqual(blockersOf(verdictFor(chain(8), 'i-0c', 'i-0a')), []);
    assert.equal(verdictFor(chain(8), 'i-0c', 'i-0a').reachable, true);
    const v = verdictFor(chain(9), 'i-0c', 'i-0a');
    assert.equal(v.unknown, true);
    assert.deepEqual(
      v.missing?.map((m) => `${m.kind} ${m.resourceId}`),
      [`transit-gateway-route-table ${peering(7)}`, `transit-gateway-route-table ${peering(0)}`],
    );
  });
});
