/**
 * Paths across a transit gateway peering attachment. Expected answers derived by hand from the Transit
 * Gateway Guide:
 * - "Transit gateway peering attachments" (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html):
 *   "To route traffic between the transit gateways, add a static route to the transit gateway route table
 *   that points to the transit gateway peering attachment" — nothing propagates over a peering attachment;
 *   the peer must accept the request before the attachment carries anything.
 * - "How AWS Transit Gateway works": what arrives on an attachment is routed by the table associated with
 *   that attachment — on the peer transit gateway, the table associated with its side of the peering.
 * Two transit gateways: tgw-0east (VPC A 10.0.0.0/16) and tgw-0west (VPC C 10.2.0.0/16), peered by
 * tgw-attach-0peer. Each VPC routes the other's CIDR to its own transit gateway.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  Inventory,
  TransitGatewayAttachment,
  TransitGatewayRoute,
  TransitGatewayRouteTablePropagation,
} from '../../../../lambda/core/inventory/model.ts';
import { inventory } from './inventory-builder.ts';
import { propagates, viaPeering, vpcsAandC } from './transit-gateway-builder.ts';
import { blockersOf, verdictFor } from './verdict-for.ts';

const EAST = 'tgw-0east';
const WEST = 'tgw-0west';
const PEER = 'tgw-attach-0peer';

const toPeer = (cidr: string): TransitGatewayRoute => viaPeering(cidr, PEER);

interface Options {
  /** Static routes of each side's table. @default each to the other VPC through the peering */
  readonly eastStatics?: TransitGatewayRoute[];
  readonly westStatics?: TransitGatewayRoute[];
  /** Extra propagations into the east table. @default none */
  readonly eastPropagations?: TransitGatewayRouteTablePropagation[];
  /** The peering attachment's state. @default available */
  readonly peeringState?: string;
  /** Whether west's side of the peering (its association) is in the inventory. @default true */
  readonly westSide?: boolean;
}

function net(o: Options = {}): Inventory {
  const att = (
    id: string,
    tgw: string,
    type: string,
    resource: string,
    table: string,
  ): TransitGatewayAttachment => ({
    TransitGatewayAttachmentId: id,
    TransitGatewayId: tgw,
    ResourceType: type,
    ResourceId: resource,
    State: o.peeringState && type === 'peering' ? o.peeringState : 'available',
    Association: { TransitGatewayRouteTableId: table, State: 'associated' },
  });
  const westSide = o.westSide ?? true;
  return inventory({
    ...vpcsAandC(EAST, WEST),
    transitGateways: [
      { TransitGatewayId: EAST, State: 'available' },
      { TransitGatewayId: WEST, State: 'available' },
    ],
    transitGatewayVpcAttachments: [
      {
        TransitGatewayAttachmentId: 'tgw-attach-0a',
        TransitGatewayId: EAST,
        VpcId: 'vpc-0a',
        State: 'available',
        SubnetIds: ['subnet-0a1a'],
      },
      {
        TransitGatewayAttachmentId: 'tgw-attach-0c',
        TransitGatewayId: WEST,
        VpcId: 'vpc-0c',
        State: 'available',
        SubnetIds: ['subnet-0c1a'],
      },
    ],
    transitGatewayPeeringAttachments: [
      {
        TransitGatewayAttachmentId: PEER,
        RequesterTgwInfo: { TransitGatewayId: EAST, Region: 'us-east-1' },
        AccepterTgwInfo: { TransitGatewayId: WEST, Region: 'us-east-1' },
        State: o.peeringState ?? 'available',
        Status: { Code: o.peeringState ?? 'available' },
      },
    ],
    // DescribeTransitGatewayAttachments lists the peering once per transit gateway it joins, each with
    // that side's association.
    transitGatewayAttachments: [
      att('tgw-attach-0a', EAST, 'vpc', 'vpc-0a', 'tgw-rtb-east'),
      att('tgw-attach-0c', WEST, 'vpc', 'vpc-0c', 'tgw-rtb-west'),
      att(PEER, EAST, 'peering', WEST, 'tgw-rtb-east'),
      ...(westSide ? [att(PEER, WEST, 'peering', EAST, 'tgw-rtb-west')] : []),
    ],
    transitGatewayRouteTables: [
      { TransitGatewayRouteTableId: 'tgw-rtb-east', TransitGatewayId: EAST },
      { TransitGatewayRouteTableId: 'tgw-rtb-west', TransitGatewayId: WEST },
    ],
    transitGatewayRouteTablePropagations: new Map([
      ['tgw-rtb-east', [propagates('tgw-attach-0a', 'vpc-0a'), ...(o.eastPropagations ?? [])]],
      ['tgw-rtb-west', [propagates('tgw-attach-0c', 'vpc-0c')]],
    ]),
    transitGatewayStaticRoutes: new Map([
      ['tgw-rtb-east', o.eastStatics ?? [toPeer('10.2.0.0/16')]],
      ['tgw-rtb-west', o.westStatics ?? [toPeer('10.0.0.0/16')]],
    ]),
  });
}

describe('transit gateway peering', () => {
  it('static routes to the peering on both sides: reachable both ways', () => {
    for (const [target, source] of [
      ['i-0c', 'i-0a'],
      ['i-0a', 'i-0c'],
    ] as const) {
      const v = verdictFor(net(), target, source);
      assert.deepEqual([v.reachable, v.blockers, v.missing], [true, [], undefined], `${source} → ${target}`);
    }
  });

  it('the peer`s table (associated with its side of the peering) has no route back: NO_ROUTE there', () => {
    const v = verdictFor(net({ westStatics: [] }), 'i-0c', 'i-0a');
    assert.equal(v.reachable, false);
    assert.deepEqual(blockersOf(v), ['NO_ROUTE tgw-rtb-west']);
  });

  it('a propagation of the peering attachment adds no route (peering does not propagate): NO_ROUTE', () => {
    const v = verdictFor(
      net({
        eastStatics: [],
        eastPropagations: [
          { TransitGatewayAttachmentId: PEER, ResourceType: 'peering', ResourceId: WEST, State: 'enabled' },
        ],
      }),
      'i-0c',
      'i-0a',
    );
    assert.deepEqual(blockersOf(v), ['NO_ROUTE tgw-rtb-east']);
  });

  it('a static blackhole on the peer side drops', () => {
    const v = verdictFor(
      net({ westStatics: [{ DestinationCidrBlock: '10.0.0.0/16', Type: 'static', State: 'blackhole' }] }),
      'i-0c',
      'i-0a',
    );
    assert.deepEqual(blockersOf(v), ['BLACKHOLE_ROUTE tgw-rtb-west']);
  });

  it('a peering not yet accepted carries nothing', () => {
    const v = verdictFor(net({ peeringState: 'pendingAcceptance' }), 'i-0c', 'i-0a');
    assert.equal(v.reachable, false);
    assert.deepEqual(blockersOf(v), [`NO_ROUTE ${PEER}`, `NO_ROUTE ${PEER}`]);
  });

  it('the peer transit gateway`s side not in the inventory (another Region): unknown, naming it', () => {
    const v = verdictFor(net({ westSide: false }), 'i-0c', 'i-0a');
    assert.equal(v.unknown, true);
    assert.deepEqual(
      v.missing?.map((m) => `${m.kind} ${m.resourceId} ${m.file}`),
      [`transit-gateway-route-table ${PEER} describe-transit-gateway-attachments.json`],
    );
    assert.match(v.missing![0]!.detail, new RegExp(`${WEST}`));
  });
});
