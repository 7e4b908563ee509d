/**
 * Small readable inventories for evaluator tests: one VPC 10.0.0.0/16 (2600:1f18:1::/56) with subnets
 * a (10.0.1.0/24) and b (10.0.2.0/24), the default ACL allowing everything, a main route table with
 * local + igw routes, and instances built with `instance()`.
 */
import {
  emptyInventory,
  type Instance,
  type Inventory,
  type IpPermission,
  type NetworkAcl,
  type NetworkAclEntry,
  type NetworkFirewallDescription,
  type NetworkFirewallPolicyDescription,
  type NetworkFirewallRuleGroupDescription,
  type Route,
  type RouteTable,
  type SecurityGroup,
} from '../../../../lambda/core/inventory/model.ts';
import { AddressSet, formatCidr, parseCidr } from '../../../../lambda/core/net/cidr.ts';
import type { Peer } from '../../../../lambda/core/reachability/evaluation.ts';

/** An evaluator's peer: every address of `cidr`, named `label` in messages. */
export function peer(cidr: string, label = cidr): Peer {
  const c = parseCidr(cidr)!;
  return { family: c.family, addresses: AddressSet.fromCidrs(c.family, [c]), label };
}

/** Every IPv4 address outside `cidr`, as CIDR blocks (for a rule admitting all but one range). */
export function ipv4CidrsOutside(cidr: string): string[] {
  return AddressSet.all('ipv4')
    .subtract(AddressSet.fromCidrs('ipv4', [parseCidr(cidr)!]))
    .toCidrs()
    .map(formatCidr);
}

export const VPC = 'vpc-0a1';
export const SUBNET_A = 'subnet-0a1';
export const SUBNET_B = 'subnet-0b2';

export function tcp(
  from: number,
  to: number,
  cidrs: string[] = [],
  extra: Partial<IpPermission> = {},
): IpPermission {
  return {
    IpProtocol: 'tcp',
    FromPort: from,
    ToPort: to,
    IpRanges: cidrs.map((CidrIp) => ({ CidrIp })),
    ...extra,
  };
}

export const ALL_EGRESS: IpPermission = {
  IpProtocol: '-1',
  IpRanges: [{ CidrIp: '0.0.0.0/0' }],
  Ipv6Ranges: [{ CidrIpv6: '::/0' }],
};

export function group(
  id: string,
  ingress: IpPermission[],
  egress: IpPermission[] = [ALL_EGRESS],
): SecurityGroup {
  return { GroupId: id, VpcId: VPC, IpPermissions: ingress, IpPermissionsEgress: egress };
}

export function rule(
  n: number,
  action: 'allow' | 'deny',
  egress: boolean,
  cidr: string,
  ports?: [number, number],
  protocol = ports ? '6' : '-1',
): NetworkAclEntry {
  return {
    RuleNumber: n,
    Protocol: protocol,
    RuleAction: action,
    Egress: egress,
    ...(cidr.includes(':') ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
    ...(ports ? { PortRange: { From: ports[0], To: ports[1] } } : {}),
  };
}

export const DEFAULT_ACL: NetworkAcl = {
  NetworkAclId: 'acl-default',
  VpcId: VPC,
  IsDefault: true,
  Entries: [
    rule(100, 'allow', false, '0.0.0.0/0'),
    rule(100, 'allow', true, '0.0.0.0/0'),
    rule(101, 'allow', false, '::/0'),
    rule(101, 'allow', true, '::/0'),
    rule(32767, 'deny', false, '0.0.0.0/0'),
    rule(32767, 'deny', true, '0.0.0.0/0'),
  ],
  Associations: [],
};

export function customAcl(id: string, subnets: string[], entries: NetworkAclEntry[]): NetworkAcl {
  return {
    NetworkAclId: id,
    VpcId: VPC,
    IsDefault: false,
    Entries: entries,
    Associations: subnets.map((SubnetId) => ({ SubnetId, NetworkAclId: id })),
  };
}

export const MAIN_RTB: RouteTable = {
  RouteTableId: 'rtb-main',
  VpcId: VPC,
  Routes: [
    { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
    { DestinationIpv6CidrBlock: '2600:1f18:1::/56', GatewayId: 'local', State: 'active' },
    { DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-0a1', State: 'active' },
    { DestinationIpv6CidrBlock: '::/0', GatewayId: 'igw-0a1', State: 'active' },
  ],
  Associations: [{ Main: true, RouteTableId: 'rtb-main' }],
};

export function routeTable(id: string, subnets: string[], routes: Route[]): RouteTable {
  return {
    RouteTableId: id,
    VpcId: VPC,
    Routes: [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' }, ...routes],
    Associations: subnets.map((SubnetId) => ({ SubnetId, RouteTableId: id })),
  };
}

export function instance(
  id: string,
  opts: {
    subnet?: string;
    ip: string;
    groups: string[];
    publicIp?: string;
    ipv6?: string;
    state?: string;
    port?: number;
  },
): Instance {
  const subnet = opts.subnet ?? SUBNET_A;
  return {
    InstanceId: id,
    State: { Name: opts.state ?? 'running' },
    SubnetId: subnet,
    VpcId: VPC,
    PrivateIpAddress: opts.ip,
    ...(opts.publicIp ? { PublicIpAddress: opts.publicIp } : {}),
    Tags: opts.port ? [{ Key: 'port22:port', Value: String(opts.port) }] : [],
    NetworkInterfaces: [
      {
        NetworkInterfaceId: `eni-${id.slice(2)}`,
        SubnetId: subnet,
        VpcId: VPC,
        PrivateIpAddress: opts.ip,
        PrivateIpAddresses: [{ PrivateIpAddress: opts.ip, Primary: true }],
        ...(opts.publicIp ? { Association: { PublicIp: opts.publicIp } } : {}),
        Ipv6Addresses: opts.ipv6 ? [{ Ipv6Address: opts.ipv6 }] : [],
        Groups: opts.groups.map((GroupId) => ({ GroupId })),
        Attachment: { DeviceIndex: 0 },
      },
    ],
  };
}

export function inventory(parts: Partial<Inventory>): Inventory {
  return {
    ...emptyInventory(),
    subnets: [
      { SubnetId: SUBNET_A, VpcId: VPC, CidrBlock: '10.0.1.0/24' },
      { SubnetId: SUBNET_B, VpcId: VPC, CidrBlock: '10.0.2.0/24' },
    ],
    vpcs: [
      {
        VpcId: VPC,
        CidrBlock: '10.0.0.0/16',
        Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2600:1f18:1::/56' }],
      },
    ],
    networkAcls: [DEFAULT_ACL],
    routeTables: [MAIN_RTB],
    ...parts,
  };
}

/*
 * AWS Network Firewall: one firewall "inspection" in VPC with endpoint vpce-0fw… in subnet-0fw, its
 * policy "inspection-policy" referencing one stateful rule group "ssh-rules" (HOME_NET = the VPC).
 */
const FIREWALL_ARN = 'arn:aws:network-firewall:us-east-1:123456789012';
export const FIREWALL_ENDPOINT = 'vpce-0fw0000000000001';
export const SSH_RULE_GROUP_ARN = `${FIREWALL_ARN}:stateful-rulegroup/ssh-rules`;
const INSPECTION_POLICY_ARN = `${FIREWALL_ARN}:firewall-policy/inspection-policy`;

export const INSPECTION_FIREWALL: NetworkFirewallDescription = {
  Firewall: {
    FirewallName: 'inspection',
    FirewallId: 'fw-1',
    FirewallPolicyArn: INSPECTION_POLICY_ARN,
    VpcId: VPC,
    SubnetMappings: [{ SubnetId: 'subnet-0fw' }],
  },
  FirewallStatus: {
    Status: 'READY',
    ConfigurationSyncStateSummary: 'IN_SYNC',
    SyncStates: {
      'us-east-1a': {
        Attachment: { SubnetId: 'subnet-0fw', EndpointId: FIREWALL_ENDPOINT, Status: 'READY' },
      },
    },
  },
};

/** The inspection policy: default action order, or strict order with the given stateful default actions. */
export function inspectionPolicy(strict: boolean, defaults: string[] = []): NetworkFirewallPolicyDescription {
  return {
    FirewallPolicyResponse: {
      FirewallPolicyName: 'inspection-policy',
      FirewallPolicyArn: INSPECTION_POLICY_ARN,
      FirewallPolicyId: 'p',
    },
    FirewallPolicy: {
      StatelessDefaultActions: ['aws:forward_to_sfe'],
      StatelessFragmentDefaultActions: ['aws:forward_to_sfe'],
      StatefulRuleGroupReferences: [{ ResourceArn: SSH_RULE_GROUP_ARN, Priority: 1 }],
      ...(strict
        ? { StatefulEngineOptions: { RuleOrder: 'STRICT_ORDER' }, StatefulDefaultActions: defaults }
        : {}),
    },
  };
}

/** The "ssh-rules" stateful rule group holding these Suricata rules. */
export function sshRuleGroup(suricata: string): NetworkFirewallRuleGroupDescription {
  return {
    RuleGroupResponse: {
      RuleGroupArn: SSH_RULE_GROUP_ARN,
      RuleGroupName: 'ssh-rules',
      RuleGroupId: 'r',
      Type: 'STATEFUL',
    },
    RuleGroup: {
      RuleVariables: { IPSets: { HOME_NET: { Definition: ['10.0.0.0/16'] } } },
      RulesSource: { RulesString: suricata },
    },
  };
}

/** North-south: the server in subnet a with a public address, SSH open to the internet (its group sg-0ssh). */
export const PUBLIC_SERVER: Instance = instance('i-0server', {
  subnet: SUBNET_A,
  ip: '10.0.1.10',
  publicIp: '54.0.0.10',
  groups: ['sg-0ssh'],
});
export const SSH_FROM_ANYWHERE: SecurityGroup = group('sg-0ssh', [tcp(22, 22, ['0.0.0.0/0'])]);

/** A route sending `cidr` to the inspection firewall's endpoint. */
export const viaFirewall = (cidr: string): Route => ({
  DestinationCidrBlock: cidr,
  GatewayId: FIREWALL_ENDPOINT,
  State: 'active',
});

/**
 * East-west inspection: subnet a (server i-0server, SSH open to the VPC) and b (the client, with a
 * group of no rules) each route the other's CIDR to the firewall endpoint. The firewall subnet has no
 * table of its own: the VPC's main one (local, and 0.0.0.0/0 to the internet gateway) carries on what
 * the firewall passes.
 */
export function eastWestThroughFirewall(parts: Partial<Inventory>, client = 'i-0client'): Inventory {
  return inventory({
    instances: [
      instance('i-0server', { subnet: SUBNET_A, ip: '10.0.1.10', groups: ['sg-0ssh'] }),
      instance(client, { subnet: SUBNET_B, ip: '10.0.2.20', groups: ['sg-0client'] }),
    ],
    securityGroups: [group('sg-0ssh', [tcp(22, 22, ['10.0.0.0/16'])]), group('sg-0client', [])],
    routeTables: [
      routeTable('rtb-0a', [SUBNET_A], [viaFirewall('10.0.2.0/24')]),
      routeTable('rtb-0b', [SUBNET_B], [viaFirewall('10.0.1.0/24')]),
      MAIN_RTB,
    ],
    networkFirewalls: [INSPECTION_FIREWALL],
    ...parts,
  });
}
