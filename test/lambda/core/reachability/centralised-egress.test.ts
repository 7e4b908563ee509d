/**
 * Centralised egress through a transit gateway. Expected answers derived by hand from:
 * - VPC User Guide, "NAT gateways" (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html):
 *   instances behind a public NAT gateway "can connect to the internet … but cannot receive unsolicited
 *   inbound connections from the internet"; the NAT gateway replaces their source address with its Elastic
 *   IP; "you can use a public NAT gateway to connect to other VPCs … through a transit gateway".
 * - AMS Advanced User Guide, "Egress VPC" (https://docs.aws.amazon.com/managedservices/latest/userguide/networking-vpc.html):
 *   outbound internet traffic from every spoke enters the egress VPC's private (attachment) subnet through
 *   the TGW and is routed there to a NAT gateway in a public subnet.
 * - Transit Gateway Guide, "How AWS Transit Gateway works": the spoke table's static 0.0.0.0/0 sends to
 *   the egress VPC's attachment.
 *
 * Spoke vpc-0spoke 10.10.0.0/16 routes 0.0.0.0/0 to tgw-0hub; egress vpc-0egress 10.99.0.0/16 has the
 * attachment subnet (0.0.0.0/0 → nat-0egress) and a public subnet (0.0.0.0/0 → igw, spoke → tgw) with the
 * NAT gateway and its Elastic IP 198.51.100.50. A web server in vpc-0web (not on the TGW) has a public
 * address and lets SSH in only from that Elastic IP.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Instance, Inventory, Route } from '../../../../lambda/core/inventory/model.ts';
import { DEFAULT_ACL, group, instance, inventory, tcp } from './inventory-builder.ts';
import { blockersOf, verdictFor } from './verdict-for.ts';

const TGW = 'tgw-0hub';
const NAT_EIP = '198.51.100.50';

function placed(
  id: string,
  ip: string,
  vpc: string,
  subnet: string,
  groups: string[],
  publicIp?: string,
): Instance {
  const base = instance(id, { ip, groups, subnet, ...(publicIp ? { publicIp } : {}) });
  return {
    ...base,
    VpcId: vpc,
    NetworkInterfaces: (base.NetworkInterfaces ?? []).map((n) => ({ ...n, VpcId: vpc })),
  };
}

const table = (id: string, vpc: string, subnets: string[], routes: Route[]) => ({
  RouteTableId: id,
  VpcId: vpc,
  Routes: routes,
  Associations: subnets.map((SubnetId) => ({ SubnetId, RouteTableId: id })),
});

interface Options {
  /** The egress attachment subnet's default route. @default to the NAT gateway */
  readonly attachmentSubnetDefault?: Route;
  /** The NAT gateway's subnet's default route. @default to the internet gateway */
  readonly natSubnetDefault?: Route;
}

function hub(o: Options = {}): Inventory {
  return inventory({
    vpcs: [
      { VpcId: 'vpc-0spoke', CidrBlock: '10.10.0.0/16' },
      { VpcId: 'vpc-0egress', CidrBlock: '10.99.0.0/16' },
      { VpcId: 'vpc-0web', CidrBlock: '172.31.0.0/16' },
    ],
    subnets: [
      {
        SubnetId: 'subnet-0spoke',
        VpcId: 'vpc-0spoke',
        CidrBlock: '10.10.1.0/24',
        AvailabilityZone: 'us-east-1a',
      },
      {
        SubnetId: 'subnet-0egtgw',
        VpcId: 'vpc-0egress',
        CidrBlock: '10.99.1.0/24',
        AvailabilityZone: 'us-east-1a',
      },
      {
        SubnetId: 'subnet-0egpub',
        VpcId: 'vpc-0egress',
        CidrBlock: '10.99.2.0/24',
        AvailabilityZone: 'us-east-1a',
      },
      {
        SubnetId: 'subnet-0web',
        VpcId: 'vpc-0web',
        CidrBlock: '172.31.1.0/24',
        AvailabilityZone: 'us-east-1a',
      },
    ],
    routeTables: [
      table(
        'rtb-0spoke',
        'vpc-0spoke',
        ['subnet-0spoke'],
        [
          { DestinationCidrBlock: '10.10.0.0/16', GatewayId: 'local', State: 'active' },
          { DestinationCidrBlock: '0.0.0.0/0', TransitGatewayId: TGW, State: 'active' },
        ],
      ),
      table(
        'rtb-0egtgw',
        'vpc-0egress',
        ['subnet-0egtgw'],
        [
          { DestinationCidrBlock: '10.99.0.0/16', GatewayId: 'local', State: 'active' },
          o.attachmentSubnetDefault ?? {
            DestinationCidrBlock: '0.0.0.0/0',
            NatGatewayId: 'nat-0egress',
            State: 'active',
          },
        ],
      ),
      table(
        'rtb-0egpub',
        'vpc-0egress',
        ['subnet-0egpub'],
        [
          { DestinationCidrBlock: '10.99.0.0/16', GatewayId: 'local', State: 'active' },
          o.natSubnetDefault ?? {
            DestinationCidrBlock: '0.0.0.0/0',
            GatewayId: 'igw-0egress',
            State: 'active',
          },
          { DestinationCidrBlock: '10.10.0.0/16', TransitGatewayId: TGW, State: 'active' },
        ],
      ),
      table(
        'rtb-0web',
        'vpc-0web',
        ['subnet-0web'],
        [
          { DestinationCidrBlock: '172.31.0.0/16', GatewayId: 'local', State: 'active' },
          { DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-0web', State: 'active' },
        ],
      ),
    ],
    networkAcls: [
      { ...DEFAULT_ACL, NetworkAclId: 'acl-0spoke', VpcId: 'vpc-0spoke' },
      { ...DEFAULT_ACL, NetworkAclId: 'acl-0egress', VpcId: 'vpc-0egress' },
      { ...DEFAULT_ACL, NetworkAclId: 'acl-0web', VpcId: 'vpc-0web' },
    ],
    instances: [
      placed('i-0spoke', '10.10.1.5', 'vpc-0spoke', 'subnet-0spoke', ['sg-0world']),
      placed('i-0web', '172.31.1.10', 'vpc-0web', 'subnet-0web', ['sg-0nat'], '54.0.0.10'),
    ],
    securityGroups: [
      group('sg-0world', [tcp(22, 22, ['0.0.0.0/0'])]),
      group('sg-0nat', [tcp(22, 22, [`${NAT_EIP}/32`])]),
    ],
    natGateways: [
      {
        NatGatewayId: 'nat-0egress',
        VpcId: 'vpc-0egress',
        SubnetId: 'subnet-0egpub',
        State: 'available',
        ConnectivityType: 'public',
        NatGatewayAddresses: [
          { PublicIp: NAT_EIP, PrivateIp: '10.99.2.9', AllocationId: 'eipalloc-0egress' },
        ],
      },
    ],
    vpcBlockPublicAccessOptions: { InternetGatewayBlockMode: 'off', State: 'default-state' },
    transitGateways: [{ TransitGatewayId: TGW, State: 'available' }],
    transitGatewayVpcAttachments: [
      {
        TransitGatewayAttachmentId: 'tgw-attach-0spoke',
        TransitGatewayId: TGW,
        VpcId: 'vpc-0spoke',
        State: 'available',
        SubnetIds: ['subnet-0spoke'],
      },
      {
        TransitGatewayAttachmentId: 'tgw-attach-0egress',
        TransitGatewayId: TGW,
        VpcId: 'vpc-0egress',
        State: 'available',
        SubnetIds: ['subnet-0egtgw'],
      },
    ],
    transitGatewayAttachments: [
      {
        TransitGatewayAttachmentId: 'tgw-attach-0spoke',
        TransitGatewayId: TGW,
        ResourceType: 'vpc',
        ResourceId: 'vpc-0spoke',
        State: 'available',
        Association: { TransitGatewayRouteTableId: 'tgw-rtb-0spokes', State: 'associated' },
      },
      {
        TransitGatewayAttachmentId: 'tgw-attach-0egress',
        TransitGatewayId: TGW,
        ResourceType: 'vpc',
        ResourceId: 'vpc-0egress',
        State: 'available',
        Association: { TransitGatewayRouteTableId: 'tgw-rtb-0egress', State: 'associated' },
      },
    ],
    transitGatewayRouteTables: [
      { TransitGatewayRouteTableId: 'tgw-rtb-0spokes', TransitGatewayId: TGW },
      { TransitGatewayRouteTableId: 'tgw-rtb-0egress', TransitGatewayId: TGW },
    ],
    transitGatewayRouteTablePropagations: new Map([
      ['tgw-rtb-0spokes', []],
      [
        'tgw-rtb-0egress',
        [
          {
            TransitGatewayAttachmentId: 'tgw-attach-0spoke',
            ResourceType: 'vpc',
            ResourceId: 'vpc-0spoke',
            State: 'enabled',
          },
        ],
      ],
    ]),
    transitGatewayStaticRoutes: new Map([
      [
        'tgw-rtb-0spokes',
        [
          {
            DestinationCidrBlock: '0.0.0.0/0',
            Type: 'static',
            State: 'active',
            TransitGatewayAttachments: [
              {
                TransitGatewayAttachmentId: 'tgw-attach-0egress',
                ResourceType: 'vpc',
                ResourceId: 'vpc-0egress',
              },
            ],
          },
        ],
      ],
      ['tgw-rtb-0egress', []],
    ]),
  });
}

describe('centralised egress through a transit gateway', () => {
  it('from the internet into a spoke instance: no public address, and only that (no "add a route")', () => {
    const v = verdictFor(hub(), 'i-0spoke', 'internet');
    assert.equal(v.reachable, false);
    assert.deepEqual(blockersOf(v), ['NO_PUBLIC_IP eni-0spoke']);
  });

  it('a spoke instance reaches a public server through the TGW and the egress NAT, arriving from its Elastic IP', () => {
    const v = verdictFor(hub(), 'i-0web', 'i-0spoke');
    assert.deepEqual([v.reachable, v.address, v.blockers], [true, '54.0.0.10', []]);
  });

  it('the egress VPC sends spoke traffic straight to the internet gateway (no NAT): NO_ROUTE there', () => {
    const v = verdictFor(
      hub({
        attachmentSubnetDefault: {
          DestinationCidrBlock: '0.0.0.0/0',
          GatewayId: 'igw-0egress',
          State: 'active',
        },
      }),
      'i-0web',
      'i-0spoke',
    );
    assert.equal(v.reachable, false);
    assert.ok(blockersOf(v).includes('NO_ROUTE rtb-0egtgw'), JSON.stringify(v.blockers));
  });

  it('the NAT gateway`s own subnet has no route to an internet gateway: NO_ROUTE there', () => {
    // "NAT gateways": "You route traffic from the NAT gateway to the internet gateway for the VPC."
    const v = verdictFor(
      hub({
        natSubnetDefault: { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0egress', State: 'active' },
      }),
      'i-0web',
      'i-0spoke',
    );
    assert.equal(v.reachable, false);
    assert.ok(blockersOf(v).includes('NO_ROUTE rtb-0egpub'), JSON.stringify(v.blockers));
  });
});
