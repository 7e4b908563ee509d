/**
 * Pieces of the multi-VPC inventories the transit gateway scenario tests build: instances placed in a VPC
 * of their own, VPC route tables that send the other VPC to a transit gateway, and the records
 * DescribeTransitGateway* print.
 */
import type {
  Instance,
  Inventory,
  RouteTable,
  TransitGatewayRoute,
  TransitGatewayRouteTablePropagation,
} from '../../../../lambda/core/inventory/model.ts';
import { DEFAULT_ACL, group, instance, tcp } from './inventory-builder.ts';

/** An instance with SSH group `sg-ssh` in `vpc`'s `subnet`. */
export function placed(id: string, ip: string, vpc: string, subnet: string): Instance {
  const base = instance(id, { ip, groups: ['sg-ssh'], subnet });
  return {
    ...base,
    VpcId: vpc,
    NetworkInterfaces: (base.NetworkInterfaces ?? []).map((n) => ({ ...n, VpcId: vpc })),
  };
}

/** A VPC's main route table: `own` local, `other` to transit gateway `tgw`. */
export function vpcRouteTable(id: string, vpc: string, own: string, other: string, tgw: string): RouteTable {
  return {
    RouteTableId: id,
    VpcId: vpc,
    Routes: [
      { DestinationCidrBlock: own, GatewayId: 'local', State: 'active' },
      { DestinationCidrBlock: other, TransitGatewayId: tgw, State: 'active' },
    ],
    Associations: [{ Main: true, RouteTableId: id }],
  };
}

/** A static transit gateway route sending `cidr` over peering attachment `att`. */
export const viaPeering = (cidr: string, att: string): TransitGatewayRoute => ({
  DestinationCidrBlock: cidr,
  Type: 'static',
  State: 'active',
  TransitGatewayAttachments: [{ TransitGatewayAttachmentId: att, ResourceType: 'peering' }],
});

/** VPC attachment `att` propagating `vpc`'s CIDRs into a table. */
export const propagates = (att: string, vpc: string): TransitGatewayRouteTablePropagation => ({
  TransitGatewayAttachmentId: att,
  ResourceType: 'vpc',
  ResourceId: vpc,
  State: 'enabled',
});

/**
 * VPC A (10.0.0.0/16, i-0a at 10.0.1.5) on transit gateway `aTgw` and VPC C (10.2.0.0/16, i-0c at
 * 10.2.1.9) on `cTgw`, one subnet each in us-east-1a, each routing the other's CIDR to its transit
 * gateway; SSH open to 10.0.0.0/8.
 */
export function vpcsAandC(
  aTgw: string,
  cTgw: string,
): Pick<Inventory, 'vpcs' | 'subnets' | 'routeTables' | 'networkAcls' | 'instances' | 'securityGroups'> {
  return {
    vpcs: [
      { VpcId: 'vpc-0a', CidrBlock: '10.0.0.0/16' },
      { VpcId: 'vpc-0c', CidrBlock: '10.2.0.0/16' },
    ],
    subnets: [
      { SubnetId: 'subnet-0a1a', VpcId: 'vpc-0a', CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' },
      { SubnetId: 'subnet-0c1a', VpcId: 'vpc-0c', CidrBlock: '10.2.1.0/24', AvailabilityZone: 'us-east-1a' },
    ],
    routeTables: [
      vpcRouteTable('rtb-0a', 'vpc-0a', '10.0.0.0/16', '10.2.0.0/16', aTgw),
      vpcRouteTable('rtb-0c', 'vpc-0c', '10.2.0.0/16', '10.0.0.0/16', cTgw),
    ],
    networkAcls: [
      { ...DEFAULT_ACL, NetworkAclId: 'acl-0a', VpcId: 'vpc-0a' },
      { ...DEFAULT_ACL, NetworkAclId: 'acl-0c', VpcId: 'vpc-0c' },
    ],
    instances: [
      placed('i-0a', '10.0.1.5', 'vpc-0a', 'subnet-0a1a'),
      placed('i-0c', '10.2.1.9', 'vpc-0c', 'subnet-0c1a'),
    ],
    securityGroups: [group('sg-ssh', [tcp(22, 22, ['10.0.0.0/8'])])],
  };
}
