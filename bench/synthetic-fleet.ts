/**
 * The synthetic fleets the benchmarks analyse (bench/analyze-scale.ts in process, bench/cli-startup.ts as a
 * whole `port22 analyze` command). Proportions follow a typical landing-zone VPC: subnets of ~250
 * instances with one network ACL each, ~1 security group per 10 instances with several rules (office SSH,
 * a bastion group reference, a prefix list, HTTPS from anywhere, and now and then SSH open to the world),
 * public subnets routed to an internet gateway and private ones to a NAT gateway, ~5,000 instances per VPC.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// The lab's seeded PRNG, so every run builds the same fleet.
import { prng } from '../lab/random-network.ts';
import type {
  Instance,
  Inventory,
  IpPermission,
  NetworkAcl,
  NetworkAclEntry,
  RouteTable,
  RouteTableAssociation,
  SecurityGroup,
  Subnet,
  Vpc,
} from '../lambda/core/inventory/model.ts';
import { emptyInventory } from '../lambda/core/inventory/model.ts';

const INSTANCES_PER_SUBNET = 250;
const SUBNETS_PER_VPC = 20;
const INSTANCES_PER_GROUP = 10;
/** The office CIDR, one of the three sources. */
export const OFFICE = '203.0.113.0/24';
const PREFIX_LIST = 'pl-0bench0000000001';

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
export function syntheticInventory(count: number): Inventory {
  const random = prng(count);
  const vpcCount = Math.ceil(count / (INSTANCES_PER_SUBNET * SUBNETS_PER_VPC));
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
    routeTables.push(
      {
        RouteTableId: `rtb-b${v}pub`,
        VpcId: vpcId,
        Routes: [
          { DestinationCidrBlock: `10.${v}.0.0/16`, GatewayId: 'local', State: 'active' },
          { DestinationCidrBlock: '0.0.0.0/0', GatewayId: `igw-b${v}`, State: 'active' },
        ],
        Associations: [{ Main: true, RouteTableId: `rtb-b${v}pub` }],
      },
      {
        RouteTableId: `rtb-b${v}priv`,
        VpcId: vpcId,
        Routes: [
          { DestinationCidrBlock: `10.${v}.0.0/16`, GatewayId: 'local', State: 'active' },
          { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: `nat-b${v}`, State: 'active' },
          { DestinationCidrBlock: '192.168.0.0/16', TransitGatewayId: `tgw-b${v}`, State: 'active' },
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
    const v = Math.floor(s / SUBNETS_PER_VPC);
    const k = s % SUBNETS_PER_VPC;
    const subnetId = `subnet-b${s}`;
    const isPublic = k < 4;
    subnets.push({ SubnetId: subnetId, VpcId: `vpc-b${v}`, CidrBlock: `10.${v}.${k}.0/24` });
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
    const v = Math.floor((g * INSTANCES_PER_GROUP) / (INSTANCES_PER_SUBNET * SUBNETS_PER_VPC));
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
    const v = Math.floor(s / SUBNETS_PER_VPC);
    const k = s % SUBNETS_PER_VPC;
    const host = (n % INSTANCES_PER_SUBNET) + 4;
    const address = `10.${v}.${k}.${host}`;
    const isPublic = k < 4;
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

  return {
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
