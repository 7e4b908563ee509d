/**
 * The synthetic fleets the benchmarks analyse (bench/analyze-scale.ts in process, bench/cli-startup.ts as a
 * whole `port22 analyze` command). Proportions follow a typical landing-zone VPC: subnets of ~250
 * instances with one network ACL each, ~1 security group per 10 instances with several rules (office SSH,
 * a bastion group reference, a prefix list, HTTPS from anywhere, and now and then SSH open to the world),
 * public subnets routed to an internet gateway and private ones to a NAT gateway, ~5,000 instances per VPC.
 *
 * The `transit` shape spreads the same instances over 20 VPCs joined by one transit gateway, as a
 * multi-account landing zone does: three TGW route tables (prod, dev, and an unassociated inspection
 * table), VPC propagations, a static blackhole, attachments in two Availability Zones, VPC peering
 * between pairs of VPCs (more specific than the TGW route), an S3 gateway endpoint's prefix-list route in
 * every route table, and NAT gateways with their Elastic IPs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// The lab's seeded PRNG, so every run builds the same fleet.
import { prng } from '../lab/random-network.ts';
import type {
  Instance,
  Inventory,
  IpPermission,
  NatGateway,
  NetworkAcl,
  NetworkAclEntry,
  RouteTable,
  RouteTableAssociation,
  SecurityGroup,
  Subnet,
  TransitGatewayAttachment,
  TransitGatewayRoute,
  TransitGatewayRouteTablePropagation,
  TransitGatewayVpcAttachment,
  Vpc,
  VpcEndpoint,
  VpcPeeringConnection,
} from '../lambda/core/inventory/model.ts';
import { emptyInventory } from '../lambda/core/inventory/model.ts';

const INSTANCES_PER_SUBNET = 250;
const SUBNETS_PER_VPC = 20;
const INSTANCES_PER_GROUP = 10;
/** The office CIDR, one of the three sources. */
export const OFFICE = '203.0.113.0/24';
const PREFIX_LIST = 'pl-0bench0000000001';
/** The S3 gateway endpoint's prefix list (AWS-managed `com.amazonaws.<region>.s3`). */
const S3_PREFIX_LIST = 'pl-63a5400a';
const TRANSIT_VPCS = 20;
const TGW = 'tgw-0bench00000000001';

/** The fleet's layout: one landing-zone VPC per 5,000 instances, or 20 VPCs behind a transit gateway. */
export type FleetShape = 'landing-zone' | 'transit';
export const FLEET_SHAPES: readonly FleetShape[] = ['landing-zone', 'transit'];

/**
 * A subnet's ACL: SSH from the office and the private range, HTTPS from anywhere, replies in on the
 * ephemeral range. With `guideReplies`, replies OUT are allowed only on 32768-65535, as in the VPC
 * User Guide's example ACL — so a client using 1024-65535 gets a partial verdict.
 */
function aclEntries(guideReplies: boolean): NetworkAclEntry[] {
  const tcp = (n: number, action: 'allow' | 'deny', cidr: string, from: number, to: number) => ({
    RuleNumber: n,
    Protocol: '6',
    RuleAction: action,
    Egress: false,
    CidrBlock: cidr,
    PortRange: { From: from, To: to },
  });
  return [
    tcp(100, 'allow', OFFICE, 22, 22),
    tcp(110, 'allow', '10.0.0.0/8', 22, 22),
    tcp(120, 'deny', '0.0.0.0/0', 22, 22),
    tcp(130, 'allow', '0.0.0.0/0', 443, 443),
    tcp(140, 'allow', '0.0.0.0/0', 1024, 65535),
    { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
    guideReplies
      ? { ...tcp(100, 'allow', '0.0.0.0/0', 32768, 65535), Egress: true }
      : { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: true, CidrBlock: '0.0.0.0/0' },
    { ...tcp(110, 'allow', '0.0.0.0/0', 443, 443), Egress: true },
    { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' },
  ];
}

/** A fleet of `count` instances; instance 0 is the bastion (public subnet, its own group). */
export function syntheticInventory(count: number, shape: FleetShape = 'landing-zone'): Inventory {
  const random = prng(count);
  const transit = shape === 'transit';
  const vpcCount = transit ? TRANSIT_VPCS : Math.ceil(count / (INSTANCES_PER_SUBNET * SUBNETS_PER_VPC));
  /** Subnet `s` lies in VPC `v`, the `k`-th of that VPC; instances fill subnets in order. */
  const placeOf = (s: number) =>
    transit
      ? {
          v: s % TRANSIT_VPCS,
          k: Math.floor(s / TRANSIT_VPCS),
          isPublic: Math.floor(s / TRANSIT_VPCS) % 5 === 0,
        }
      : { v: Math.floor(s / SUBNETS_PER_VPC), k: s % SUBNETS_PER_VPC, isPublic: s % SUBNETS_PER_VPC < 4 };
  const vpcs: Vpc[] = [];
  const subnets: Subnet[] = [];
  const networkAcls: NetworkAcl[] = [];
  const routeTables: RouteTable[] = [];
  /** Per VPC: the private subnets' explicit associations (public subnets use the main table). */
  const privateAssociations: RouteTableAssociation[][] = [];
  const securityGroups: SecurityGroup[] = [];
  const instances: Instance[] = [];

  const bastionGroup = 'sg-0bastion';
  securityGroups.push({
    GroupId: bastionGroup,
    VpcId: 'vpc-b0',
    IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: OFFICE }] }],
    IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
  });

  for (let v = 0; v < vpcCount; v++) {
    const vpcId = `vpc-b${v}`;
    vpcs.push({ VpcId: vpcId, CidrBlock: `10.${v}.0.0/16` });
    privateAssociations.push([]);
    // Transit: the other VPCs over the TGW, the peer VPC (even v peers with v + 1) directly, S3 by its
    // gateway endpoint.
    const peer = v % 2 === 0 ? v + 1 : v - 1;
    const shared = transit
      ? [
          { DestinationCidrBlock: '10.0.0.0/8', TransitGatewayId: TGW, State: 'active' },
          {
            DestinationCidrBlock: `10.${peer}.0.0/16`,
            VpcPeeringConnectionId: peeringId(v, peer),
            State: 'active',
          },
          { DestinationPrefixListId: S3_PREFIX_LIST, GatewayId: `vpce-0s3b${v}`, State: 'active' },
        ]
      : [{ DestinationCidrBlock: '192.168.0.0/16', TransitGatewayId: `tgw-b${v}`, State: 'active' }];
    routeTables.push(
      {
        RouteTableId: `rtb-b${v}pub`,
        VpcId: vpcId,
        Routes: [
          { DestinationCidrBlock: `10.${v}.0.0/16`, GatewayId: 'local', State: 'active' },
          { DestinationCidrBlock: '0.0.0.0/0', GatewayId: `igw-b${v}`, State: 'active' },
          ...(transit ? shared : []),
        ],
        Associations: [{ Main: true, RouteTableId: `rtb-b${v}pub` }],
      },
      {
        RouteTableId: `rtb-b${v}priv`,
        VpcId: vpcId,
        Routes: [
          { DestinationCidrBlock: `10.${v}.0.0/16`, GatewayId: 'local', State: 'active' },
          { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: `nat-b${v}`, State: 'active' },
          ...shared,
        ],
        Associations: privateAssociations[v]!,
      },
    );
    networkAcls.push({
      NetworkAclId: `acl-b${v}default`,
      VpcId: vpcId,
      IsDefault: true,
      Entries: [
        { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0' },
        { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: true, CidrBlock: '0.0.0.0/0' },
      ],
    });
  }

  const subnetCount = Math.ceil(count / INSTANCES_PER_SUBNET);
  for (let s = 0; s < subnetCount; s++) {
    const { v, k, isPublic } = placeOf(s);
    const subnetId = `subnet-b${s}`;
    subnets.push({
      SubnetId: subnetId,
      VpcId: `vpc-b${v}`,
      CidrBlock: `10.${v}.${k}.0/24`,
      AvailabilityZone: k % 2 === 0 ? 'us-east-1a' : 'us-east-1b',
    });
    // One ACL per subnet; one in five lets replies out only on 32768-65535 (the guide's example), which
    // makes SSH from 1024-65535 clients partial — the analysis must work that out per subnet.
    networkAcls.push({
      NetworkAclId: `acl-b${s}`,
      VpcId: `vpc-b${v}`,
      IsDefault: false,
      Entries: aclEntries(s % 5 === 4),
      Associations: [{ SubnetId: subnetId, NetworkAclId: `acl-b${s}` }],
    });
    if (!isPublic) privateAssociations[v]!.push({ SubnetId: subnetId, RouteTableId: `rtb-b${v}priv` });
  }

  const groupCount = Math.ceil(count / INSTANCES_PER_GROUP);
  for (let g = 0; g < groupCount; g++) {
    const v = placeOf(Math.floor((g * INSTANCES_PER_GROUP) / INSTANCES_PER_SUBNET)).v;
    const rules: IpPermission[] = [
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: OFFICE, Description: 'office' }] },
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [{ GroupId: bastionGroup }] },
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8090, PrefixListIds: [{ PrefixListId: PREFIX_LIST }] },
      { IpProtocol: '-1', IpRanges: [{ CidrIp: `10.${v}.0.0/16` }] },
    ];
    if (g % 50 === 7)
      rules.push({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] });
    if (g % 50 === 8)
      rules.push({
        IpProtocol: 'tcp',
        FromPort: 0,
        ToPort: 1023,
        IpRanges: [{ CidrIp: '0.0.0.0/1' }, { CidrIp: '128.0.0.0/1' }],
      });
    securityGroups.push({
      GroupId: `sg-b${g}`,
      VpcId: `vpc-b${v}`,
      IpPermissions: rules,
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
  }

  for (let n = 0; n < count; n++) {
    const s = Math.floor(n / INSTANCES_PER_SUBNET);
    const { v, k, isPublic } = placeOf(s);
    const host = (n % INSTANCES_PER_SUBNET) + 4;
    const address = `10.${v}.${k}.${host}`;
    const groups =
      n === 0
        ? [bastionGroup]
        : [
            `sg-b${Math.floor(random() * groupCount)}`,
            ...(random() < 0.3 ? [`sg-b${Math.floor(random() * groupCount)}`] : []),
          ];
    const publicIp = isPublic ? `198.51.${Math.floor(n / 250) % 256}.${n % 250}` : undefined;
    instances.push({
      InstanceId: `i-${n.toString(16).padStart(17, '0')}`,
      InstanceType: 't3.micro',
      State: random() < 0.03 ? { Code: 80, Name: 'stopped' } : { Code: 16, Name: 'running' },
      SubnetId: `subnet-b${s}`,
      VpcId: `vpc-b${v}`,
      PrivateIpAddress: address,
      ...(publicIp ? { PublicIpAddress: publicIp } : {}),
      SecurityGroups: groups.map((GroupId) => ({ GroupId })),
      NetworkInterfaces: [
        {
          NetworkInterfaceId: `eni-${n.toString(16).padStart(17, '0')}`,
          SubnetId: `subnet-b${s}`,
          VpcId: `vpc-b${v}`,
          PrivateIpAddress: address,
          PrivateIpAddresses: [{ PrivateIpAddress: address, Primary: true }],
          ...(publicIp ? { Association: { PublicIp: publicIp } } : {}),
          Groups: groups.map((GroupId) => ({ GroupId })),
          Attachment: { DeviceIndex: 0, Status: 'attached' },
        },
      ],
    });
  }

  const base: Inventory = {
    ...emptyInventory(),
    instances,
    securityGroups,
    subnets,
    networkAcls,
    routeTables,
    vpcs,
    managedPrefixLists: [{ PrefixListId: PREFIX_LIST, PrefixListName: 'monitoring', AddressFamily: 'IPv4' }],
    prefixLists: new Map([[PREFIX_LIST, [{ Cidr: '192.0.2.0/28' }, { Cidr: '198.51.100.64/26' }]]]),
  };
  return transit ? { ...base, ...transitParts(subnets) } : base;
}

function peeringId(a: number, b: number): string {
  return `pcx-0b${Math.min(a, b)}x${Math.max(a, b)}`;
}

/**
 * The transit shape's network edges: the TGW, its attachments (one subnet per Availability Zone, the
 * VPC's first subnet in each), its tables, the peering connections, the S3 gateway endpoints, the NAT
 * gateways and Block Public Access (off).
 */
function transitParts(subnets: readonly Subnet[]): Partial<Inventory> {
  const vpcAttachments: TransitGatewayVpcAttachment[] = [];
  const attachments: TransitGatewayAttachment[] = [];
  const peerings: VpcPeeringConnection[] = [];
  const endpoints: VpcEndpoint[] = [];
  const nats: NatGateway[] = [];
  const propagation = (v: number): TransitGatewayRouteTablePropagation => ({
    TransitGatewayAttachmentId: `tgw-attach-0b${v}`,
    ResourceId: `vpc-b${v}`,
    ResourceType: 'vpc',
    State: 'enabled',
  });
  const all = Array.from({ length: TRANSIT_VPCS }, (_, v) => v);
  for (const v of all) {
    const vpcId = `vpc-b${v}`;
    const own = subnets.filter((s) => s.VpcId === vpcId);
    const perZone = ['us-east-1a', 'us-east-1b'].flatMap((az) => {
      const first = own.find((s) => s.AvailabilityZone === az);
      return first ? [first.SubnetId] : [];
    });
    const attachmentId = `tgw-attach-0b${v}`;
    vpcAttachments.push({
      TransitGatewayAttachmentId: attachmentId,
      TransitGatewayId: TGW,
      VpcId: vpcId,
      State: 'available',
      SubnetIds: perZone,
    });
    attachments.push({
      TransitGatewayAttachmentId: attachmentId,
      TransitGatewayId: TGW,
      ResourceType: 'vpc',
      ResourceId: vpcId,
      State: 'available',
      Association: {
        TransitGatewayRouteTableId: v < 10 ? 'tgw-rtb-0prod' : 'tgw-rtb-0dev',
        State: 'associated',
      },
    });
    if (v % 2 === 0) {
      peerings.push({
        VpcPeeringConnectionId: peeringId(v, v + 1),
        Status: { Code: 'active' },
        RequesterVpcInfo: { VpcId: vpcId, CidrBlock: `10.${v}.0.0/16` },
        AccepterVpcInfo: { VpcId: `vpc-b${v + 1}`, CidrBlock: `10.${v + 1}.0.0/16` },
      });
    }
    endpoints.push({
      VpcEndpointId: `vpce-0s3b${v}`,
      VpcEndpointType: 'Gateway',
      VpcId: vpcId,
      ServiceName: 'com.amazonaws.us-east-1.s3',
      State: 'available',
      RouteTableIds: [`rtb-b${v}pub`, `rtb-b${v}priv`],
    });
    nats.push({
      NatGatewayId: `nat-b${v}`,
      VpcId: vpcId,
      SubnetId: own[0]?.SubnetId,
      State: 'available',
      ConnectivityType: 'public',
      NatGatewayAddresses: [{ PublicIp: `192.0.2.${100 + v}`, AllocationId: `eipalloc-0b${v}` }],
    });
  }
  const blackhole: TransitGatewayRoute = {
    DestinationCidrBlock: '10.0.128.0/17',
    Type: 'static',
    State: 'blackhole',
  };
  const toInspection: TransitGatewayRoute = {
    DestinationCidrBlock: '0.0.0.0/0',
    Type: 'static',
    State: 'active',
    TransitGatewayAttachments: [
      { TransitGatewayAttachmentId: 'tgw-attach-0b0', ResourceId: 'vpc-b0', ResourceType: 'vpc' },
    ],
  };
  return {
    transitGateways: [{ TransitGatewayId: TGW, State: 'available' }],
    transitGatewayVpcAttachments: vpcAttachments,
    transitGatewayAttachments: attachments,
    transitGatewayRouteTables: ['tgw-rtb-0prod', 'tgw-rtb-0dev', 'tgw-rtb-0inspect'].map((id) => ({
      TransitGatewayRouteTableId: id,
      TransitGatewayId: TGW,
      State: 'available',
    })),
    // Prod sees every VPC; dev sees the dev VPCs and VPC 0 (shared services, the bastion's), except a
    // blackholed half of VPC 0; the inspection table sends everything to VPC 0 and is associated with none.
    transitGatewayRouteTablePropagations: new Map([
      ['tgw-rtb-0prod', all.map(propagation)],
      ['tgw-rtb-0dev', [0, ...all.filter((v) => v >= 10)].map(propagation)],
      ['tgw-rtb-0inspect', []],
    ]),
    transitGatewayStaticRoutes: new Map([
      ['tgw-rtb-0prod', []],
      ['tgw-rtb-0dev', [blackhole]],
      ['tgw-rtb-0inspect', [toInspection]],
    ]),
    vpcPeeringConnections: peerings,
    vpcEndpoints: endpoints,
    natGateways: nats,
    managedPrefixLists: [
      { PrefixListId: PREFIX_LIST, PrefixListName: 'monitoring', AddressFamily: 'IPv4' },
      { PrefixListId: S3_PREFIX_LIST, PrefixListName: 'com.amazonaws.us-east-1.s3', AddressFamily: 'IPv4' },
    ],
    prefixLists: new Map([
      [PREFIX_LIST, [{ Cidr: '192.0.2.0/28' }, { Cidr: '198.51.100.64/26' }]],
      [S3_PREFIX_LIST, [{ Cidr: '3.5.0.0/19' }, { Cidr: '52.216.0.0/15' }, { Cidr: '54.231.0.0/16' }]],
    ]),
    vpcBlockPublicAccessOptions: { InternetGatewayBlockMode: 'off', State: 'default-state' },
  };
}

/** The three sources every benchmark analyses: the internet, the office, the bastion (instance 0). */
export function syntheticSources(inventory: Inventory): string[] {
  return ['internet', OFFICE, inventory.instances[0]!.InstanceId];
}

/** Writes the fleet as an inventory directory: the files `aws ec2 describe-* --output json` would print. */
export function writeInventoryDir(inventory: Inventory, dir: string): void {
  const write = (file: string, document: unknown) =>
    writeFileSync(join(dir, file), JSON.stringify(document, null, 2));
  mkdirSync(join(dir, 'prefix-list-entries'), { recursive: true });
  write('describe-instances.json', { Reservations: [{ Instances: inventory.instances }] });
  write('describe-security-groups.json', { SecurityGroups: inventory.securityGroups });
  write('describe-subnets.json', { Subnets: inventory.subnets });
  write('describe-network-acls.json', { NetworkAcls: inventory.networkAcls });
  write('describe-route-tables.json', { RouteTables: inventory.routeTables });
  write('describe-vpcs.json', { Vpcs: inventory.vpcs });
  write('describe-managed-prefix-lists.json', { PrefixLists: inventory.managedPrefixLists });
  for (const [id, entries] of inventory.prefixLists)
    write(`prefix-list-entries/${id}.json`, { Entries: entries });
}
