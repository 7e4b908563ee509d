/**
 * Paths through a transit gateway. Expected answers derived by hand from the Transit Gateway Guide:
 * - "Amazon VPC attachments in AWS Transit Gateway"
 *   (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html): "When you attach a VPC to a
 *   transit gateway, any resources in Availability Zones where there is no transit gateway attachment
 *   cannot reach the transit gateway. If there is a route to the transit gateway in a subnet route table,
 *   traffic is forwarded to the transit gateway only when the transit gateway has an attachment in a
 *   subnet in the same Availability Zone." and "Specifying one subnet from an Availability Zone enables
 *   traffic to reach resources in every subnet in that Availability Zone."
 * - "How AWS Transit Gateway works" (https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html):
 *   the route table associated with the arriving attachment decides; each VPC's CIDR propagates as a route
 *   to its attachment; the most specific route wins, a static route beats a propagated one of the same
 *   destination, and a blackhole route drops.
 * Two VPCs: A 10.0.0.0/16 (subnets in us-east-1a and us-east-1b) and B 10.1.0.0/16 (us-east-1a), each
 * routing the other's CIDR to tgw-0hub.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderRemediation } from '../../../../lambda/core/diagnose/catalogue.ts';
import { resourceTypeOf } from '../../../../lambda/core/diagnose/rules/path-blockers.ts';
import type {
  Inventory,
  TransitGatewayAttachment,
  TransitGatewayRoute,
  TransitGatewayVpcAttachment,
} from '../../../../lambda/core/inventory/model.ts';
import { DEFAULT_ACL, group, inventory, tcp } from './inventory-builder.ts';
import { placed, vpcRouteTable } from './transit-gateway-builder.ts';
import { blockersOf, verdictFor } from './verdict-for.ts';

const TGW = 'tgw-0hub';

interface Options {
  /** Subnets of A's attachment. @default both zones */
  readonly aAttachmentSubnets?: string[];
  /** Static routes of the spoke table. @default none */
  readonly statics?: TransitGatewayRoute[];
  /** Whether the TGW records are in the inventory at all. @default true */
  readonly tgwData?: boolean;
  /** B's association; null: B's attachment is associated with no table. @default tgw-rtb-spokes */
  readonly bAssociation?: string | null;
  /** The state of B's propagation into tgw-rtb-spokes. @default enabled */
  readonly bPropagation?: string;
}

function net(o: Options = {}): Inventory {
  const vpcAtt = (id: string, vpc: string, subnets: string[]): TransitGatewayVpcAttachment => ({
    TransitGatewayAttachmentId: id,
    TransitGatewayId: TGW,
    VpcId: vpc,
    State: 'available',
    SubnetIds: subnets,
  });
  const att = (id: string, vpc: string, table: string | null): TransitGatewayAttachment => ({
    TransitGatewayAttachmentId: id,
    TransitGatewayId: TGW,
    ResourceType: 'vpc',
    ResourceId: vpc,
    State: 'available',
    ...(table ? { Association: { TransitGatewayRouteTableId: table, State: 'associated' } } : {}),
  });
  const tgwData = o.tgwData ?? true;
  return inventory({
    vpcs: [
      { VpcId: 'vpc-0a', CidrBlock: '10.0.0.0/16' },
      { VpcId: 'vpc-0b', CidrBlock: '10.1.0.0/16' },
    ],
    subnets: [
      { SubnetId: 'subnet-0a1a', VpcId: 'vpc-0a', CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' },
      { SubnetId: 'subnet-0a1b', VpcId: 'vpc-0a', CidrBlock: '10.0.2.0/24', AvailabilityZone: 'us-east-1b' },
      { SubnetId: 'subnet-0b1a', VpcId: 'vpc-0b', CidrBlock: '10.1.1.0/24', AvailabilityZone: 'us-east-1a' },
    ],
    routeTables: [
      vpcRouteTable('rtb-0a', 'vpc-0a', '10.0.0.0/16', '10.1.0.0/16', TGW),
      vpcRouteTable('rtb-0b', 'vpc-0b', '10.1.0.0/16', '10.0.0.0/16', TGW),
    ],
    networkAcls: [
      { ...DEFAULT_ACL, NetworkAclId: 'acl-0a', VpcId: 'vpc-0a' },
      { ...DEFAULT_ACL, NetworkAclId: 'acl-0b', VpcId: 'vpc-0b' },
    ],
    instances: [
      placed('i-0a1a', '10.0.1.5', 'vpc-0a', 'subnet-0a1a'),
      placed('i-0a1b', '10.0.2.5', 'vpc-0a', 'subnet-0a1b'),
      placed('i-0b1a', '10.1.1.9', 'vpc-0b', 'subnet-0b1a'),
    ],
    securityGroups: [group('sg-ssh', [tcp(22, 22, ['10.0.0.0/8'])])],
    ...(tgwData
      ? {
          transitGateways: [{ TransitGatewayId: TGW, State: 'available' }],
          transitGatewayVpcAttachments: [
            vpcAtt('tgw-attach-0a', 'vpc-0a', o.aAttachmentSubnets ?? ['subnet-0a1a', 'subnet-0a1b']),
            vpcAtt('tgw-attach-0b', 'vpc-0b', ['subnet-0b1a']),
          ],
          transitGatewayAttachments: [
            att('tgw-attach-0a', 'vpc-0a', 'tgw-rtb-spokes'),
            att('tgw-attach-0b', 'vpc-0b', o.bAssociation === undefined ? 'tgw-rtb-spokes' : o.bAssociation),
          ],
          transitGatewayRouteTables: [
            { TransitGatewayRouteTableId: 'tgw-rtb-spokes', TransitGatewayId: TGW },
            { TransitGatewayRouteTableId: 'tgw-rtb-isolated', TransitGatewayId: TGW },
          ],
          transitGatewayRouteTablePropagations: new Map([
            [
              'tgw-rtb-spokes',
              [
                {
                  TransitGatewayAttachmentId: 'tgw-attach-0a',
                  ResourceType: 'vpc',
                  ResourceId: 'vpc-0a',
                  State: 'enabled',
                },
                {
                  TransitGatewayAttachmentId: 'tgw-attach-0b',
                  ResourceType: 'vpc',
                  ResourceId: 'vpc-0b',
                  State: o.bPropagation ?? 'enabled',
                },
              ],
            ],
            ['tgw-rtb-isolated', []],
          ]),
          transitGatewayStaticRoutes: new Map([
            ['tgw-rtb-spokes', o.statics ?? []],
            ['tgw-rtb-isolated', []],
          ]),
        }
      : {}),
  });
}

describe('transit gateway: attachments, associations and the TGW route table', () => {
  it('propagated VPC CIDRs route both ways: reachable', () => {
    const v = verdictFor(net(), 'i-0b1a', 'i-0a1a');
    assert.deepEqual([v.reachable, v.blockers, v.missing], [true, [], undefined]);
  });

  it('the AZ rule: A`s attachment has no subnet in us-east-1b, so i-0a1b never reaches the TGW', () => {
    // Before: every route to a TGW was trusted, and the verdict was reachable.
    const inv = net({ aAttachmentSubnets: ['subnet-0a1a'] });
    const v = verdictFor(inv, 'i-0b1a', 'i-0a1b');
    assert.equal(v.reachable, false);
    // The SYN never leaves us-east-1b, and B's reply cannot be delivered into it either ("specifying one
    // subnet from an Availability Zone enables traffic to reach resources in every subnet in that zone").
    assert.deepEqual(blockersOf(v), ['NO_ROUTE tgw-attach-0a', 'NO_ROUTE tgw-attach-0a']);
    assert.match(v.blockers[1]!.detail, /cannot deliver to subnet-0a1b/);
    assert.match(v.blockers[0]!.detail, /has no subnet in us-east-1b \(only us-east-1a\)/);
    // The same attachment serves us-east-1a.
    assert.equal(verdictFor(inv, 'i-0b1a', 'i-0a1a').reachable, true);
  });

  it('a more specific static blackhole in the associated table drops what it matches', () => {
    const inv = net({
      statics: [{ DestinationCidrBlock: '10.1.1.0/24', Type: 'static', State: 'blackhole' }],
    });
    const v = verdictFor(inv, 'i-0b1a', 'i-0a1a');
    assert.deepEqual(blockersOf(v), ['BLACKHOLE_ROUTE tgw-rtb-spokes']);
  });

  it('a static route beats the propagated one of the same destination', () => {
    // 10.1.0.0/16 static → A's own attachment: the SYN for B goes back to A, never to B.
    const inv = net({
      statics: [
        {
          DestinationCidrBlock: '10.1.0.0/16',
          Type: 'static',
          State: 'active',
          TransitGatewayAttachments: [{ TransitGatewayAttachmentId: 'tgw-attach-0a', ResourceType: 'vpc' }],
        },
      ],
    });
    const v = verdictFor(inv, 'i-0b1a', 'i-0a1a');
    assert.deepEqual(blockersOf(v), ['NO_ROUTE tgw-rtb-spokes']);
    assert.match(v.blockers[0]!.detail, /to tgw-attach-0a \(vpc-0a\), and the destination is in vpc-0b/);
  });

  it('the return path uses the other side`s association: B associated with an empty table cannot reply', () => {
    const v = verdictFor(net({ bAssociation: 'tgw-rtb-isolated' }), 'i-0b1a', 'i-0a1a');
    assert.deepEqual(blockersOf(v), ['NO_ROUTE tgw-rtb-isolated']);
    assert.match(v.blockers[0]!.detail, /tgw-rtb-isolated has no route to 10\.0\.1\.5/);
  });

  // AssociateTransitGatewayRouteTable (EC2 API Reference): "Associates the specified attachment with the
  // specified transit gateway route table. You can associate only one route table with an attachment."
  // The associated table is the only one that routes what the attachment sends: without one, nothing.
  it('an attachment associated with no route table: B`s replies are routed nowhere', () => {
    const v = verdictFor(net({ bAssociation: null }), 'i-0b1a', 'i-0a1a');
    assert.deepEqual(blockersOf(v), ['NO_ROUTE tgw-attach-0b']);
    assert.match(v.blockers[0]!.detail, /associated with no route table/);
  });

  // "Transit gateway route tables": "When associated, routes for these attachments are propagated from
  // the attachment to the target transit gateway route table." A propagation that is not `enabled` puts
  // no route there, so A's SYN for B finds none.
  it('a disabled propagation contributes no route: the SYN for B has no route in the spokes table', () => {
    const v = verdictFor(net({ bPropagation: 'disabled' }), 'i-0b1a', 'i-0a1a');
    assert.deepEqual(blockersOf(v), ['NO_ROUTE tgw-rtb-spokes']);
    assert.match(v.blockers[0]!.detail, /tgw-rtb-spokes has no route to 10\.1\.1\.9/);
  });

  it('without the TGW data the path is unknown, naming what is missing — never a silent "reachable"', () => {
    const v = verdictFor(net({ tgwData: false }), 'i-0b1a', 'i-0a1a');
    assert.deepEqual([v.reachable, v.unknown], [false, true]);
    assert.deepEqual(
      [...new Set(v.missing?.map((m) => `${m.kind} ${m.resourceId}`))],
      [`transit-gateway-attachment ${TGW}`],
    );
  });
});

describe('transit gateway: the remediation names the TGW resource, not a VPC route table', () => {
  it('a tgw-rtb- blocker gets the TGW route commands and no create-route --route-table-id', () => {
    const facts = {
      blocker: 'NO_ROUTE',
      resourceType: resourceTypeOf('tgw-rtb-spokes') ?? 'other',
      transitGatewayResourceId: 'tgw-rtb-spokes',
      routeOwner: 'transit-gateway',
    };
    const steps = renderRemediation('NO_ROUTE', facts).join('\n');
    assert.match(steps, /search-transit-gateway-routes --transit-gateway-route-table-id tgw-rtb-spokes/);
    assert.doesNotMatch(steps, /create-route --route-table-id/);
    assert.equal(resourceTypeOf('tgw-attach-0a'), 'transit-gateway-attachment');
  });
});
