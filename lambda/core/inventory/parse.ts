/**
 * Validates AWS CLI / EC2 API JSON into the inventory model. Pure: the directory adapter reads the files
 * and the live collector calls the API; both hand the raw objects here. A malformed document gives ONE
 * error naming the file and the JSON path (`describe-security-groups.json:
 * SecurityGroups[3].IpPermissions[0].FromPort: expected number`), because a user fixes files, not stacks.
 */
// Named imports, not the `z` namespace: a namespace used as a value keeps every export of zod in the
// prober's bundle (all its locales: 450 KiB, half the bundle); named ones let esbuild drop what is unused.
import type { core, output } from 'zod';
import { array, boolean, literal, number, object, enum as oneOf, record, string } from 'zod';
import { isCidr, parseAddress } from '../net/cidr.ts';
import type {
  Address,
  Instance,
  InstanceStatus,
  InternetGateway,
  Inventory,
  ManagedPrefixList,
  NatGateway,
  NetworkAcl,
  NetworkFirewallDescription,
  NetworkFirewallPolicyDescription,
  NetworkFirewallRuleGroupDescription,
  NetworkInterface,
  PrefixListEntry,
  RouteTable,
  SecurityGroup,
  Subnet,
  TransitGateway,
  TransitGatewayAttachment,
  TransitGatewayPeeringAttachment,
  TransitGatewayRoute,
  TransitGatewayRouteTable,
  TransitGatewayRouteTablePropagation,
  TransitGatewayVpcAttachment,
  Vpc,
  VpcBlockPublicAccessExclusion,
  VpcEndpoint,
  VpcPeeringConnection,
} from './model.ts';

/** A malformed or missing inventory document. The CLI prints `message` on one line and exits 2. */
export class InventoryError extends Error {
  override name = 'InventoryError';
}

const str = string();
const optStr = string().optional();
const optBool = boolean().optional();
const optNum = number().optional();
const ipv4Cidr = string().refine((s) => isCidr(s, 'ipv4'), 'expected an IPv4 CIDR');
const ipv6Cidr = string().refine((s) => isCidr(s, 'ipv6'), 'expected an IPv6 CIDR');
const anyCidr = string().refine((s) => isCidr(s), 'expected a CIDR');
const port = number().int().min(-1).max(65535);
/** An address literal (`10.0.1.5`, `2600:1f18::5`), never a name or an out-of-range octet. */
const ADDRESS_EXPECTED = { ipv4: 'expected an IPv4 address', ipv6: 'expected an IPv6 address' } as const;
const ipv4Address = string().refine((s) => parseAddress(s)?.family === 'ipv4', ADDRESS_EXPECTED.ipv4);
const ipv6Address = string().refine((s) => parseAddress(s)?.family === 'ipv6', ADDRESS_EXPECTED.ipv6);
const tags = array(object({ Key: optStr, Value: optStr })).optional();
const group = object({ GroupId: str, GroupName: optStr });
const privateIps = array(
  object({
    PrivateIpAddress: ipv4Address.optional(),
    Primary: optBool,
    Association: object({ PublicIp: ipv4Address.optional(), IpOwnerId: optStr }).optional(),
  }),
).optional();
const ipv6Addresses = array(object({ Ipv6Address: ipv6Address.optional() })).optional();
/** The fields both ENI shapes share (model.ts, EniAddressing and EniAttachment), spread into each. */
const eniAddressing = {
  NetworkInterfaceId: str,
  SubnetId: optStr,
  VpcId: optStr,
  PrivateIpAddress: ipv4Address.optional(),
  PrivateIpAddresses: privateIps,
  Association: object({ PublicIp: ipv4Address.optional() }).optional(),
  Ipv6Addresses: ipv6Addresses,
  Groups: array(group).optional(),
};
const eniAttachment = { DeviceIndex: optNum, Status: optStr, AttachmentId: optStr };

const instance = object({
  InstanceId: str,
  InstanceType: optStr,
  ImageId: optStr,
  State: object({ Name: optStr, Code: optNum }).optional(),
  SubnetId: optStr,
  VpcId: optStr,
  PrivateIpAddress: ipv4Address.optional(),
  PublicIpAddress: ipv4Address.optional(),
  Ipv6Address: ipv6Address.optional(),
  NetworkInterfaces: array(
    object({
      ...eniAddressing,
      Attachment: object(eniAttachment).optional(),
      Status: optStr,
      SourceDestCheck: optBool,
    }),
  ).optional(),
  SecurityGroups: array(group).optional(),
  Tags: tags,
  Placement: object({ AvailabilityZone: optStr }).optional(),
  Platform: optStr,
});

const permission = object({
  IpProtocol: str,
  FromPort: port.optional(),
  ToPort: port.optional(),
  IpRanges: array(object({ CidrIp: ipv4Cidr, Description: optStr })).optional(),
  Ipv6Ranges: array(object({ CidrIpv6: ipv6Cidr, Description: optStr })).optional(),
  PrefixListIds: array(object({ PrefixListId: str, Description: optStr })).optional(),
  UserIdGroupPairs: array(
    object({
      GroupId: optStr,
      GroupName: optStr,
      UserId: optStr,
      VpcId: optStr,
      VpcPeeringConnectionId: optStr,
      PeeringStatus: optStr,
      Description: optStr,
    }),
  ).optional(),
});

const securityGroup = object({
  GroupId: str,
  GroupName: optStr,
  VpcId: optStr,
  OwnerId: optStr,
  Description: optStr,
  IpPermissions: array(permission).optional(),
  IpPermissionsEgress: array(permission).optional(),
  Tags: tags,
});

const ipv6Association = object({
  Ipv6CidrBlock: ipv6Cidr.optional(),
  AssociationId: optStr,
  Ipv6CidrBlockState: object({ State: optStr }).optional(),
});

const subnet = object({
  SubnetId: str,
  VpcId: optStr,
  CidrBlock: ipv4Cidr.optional(),
  Ipv6CidrBlockAssociationSet: array(ipv6Association).optional(),
  MapPublicIpOnLaunch: optBool,
  AssignIpv6AddressOnCreation: optBool,
  AvailabilityZone: optStr,
  OwnerId: optStr,
  Tags: tags,
});

const aclEntry = object({
  RuleNumber: number().int().min(1),
  Protocol: str,
  RuleAction: oneOf(['allow', 'deny']),
  Egress: boolean(),
  CidrBlock: ipv4Cidr.optional(),
  Ipv6CidrBlock: ipv6Cidr.optional(),
  PortRange: object({ From: port.optional(), To: port.optional() }).optional(),
  IcmpTypeCode: object({ Code: optNum, Type: optNum }).optional(),
});

const networkAcl = object({
  NetworkAclId: str,
  VpcId: optStr,
  IsDefault: optBool,
  Entries: array(aclEntry).optional(),
  Associations: array(
    object({ NetworkAclAssociationId: optStr, NetworkAclId: optStr, SubnetId: optStr }),
  ).optional(),
  OwnerId: optStr,
  Tags: tags,
});

const route = object({
  DestinationCidrBlock: ipv4Cidr.optional(),
  DestinationIpv6CidrBlock: ipv6Cidr.optional(),
  DestinationPrefixListId: optStr,
  GatewayId: optStr,
  NatGatewayId: optStr,
  TransitGatewayId: optStr,
  VpcPeeringConnectionId: optStr,
  EgressOnlyInternetGatewayId: optStr,
  NetworkInterfaceId: optStr,
  InstanceId: optStr,
  LocalGatewayId: optStr,
  CarrierGatewayId: optStr,
  CoreNetworkArn: optStr,
  VpcEndpointId: optStr,
  State: optStr,
  Origin: optStr,
});

const routeTable = object({
  RouteTableId: str,
  VpcId: optStr,
  Routes: array(route).optional(),
  Associations: array(
    object({
      Main: optBool,
      SubnetId: optStr,
      GatewayId: optStr,
      RouteTableAssociationId: optStr,
      RouteTableId: optStr,
      AssociationState: object({ State: optStr }).optional(),
    }),
  ).optional(),
  OwnerId: optStr,
  Tags: tags,
});

const vpc = object({
  VpcId: str,
  CidrBlock: ipv4Cidr.optional(),
  CidrBlockAssociationSet: array(
    object({ CidrBlock: ipv4Cidr.optional(), CidrBlockState: object({ State: optStr }).optional() }),
  ).optional(),
  Ipv6CidrBlockAssociationSet: array(ipv6Association).optional(),
  IsDefault: optBool,
  OwnerId: optStr,
  Tags: tags,
});

const networkInterface = object({
  ...eniAddressing,
  Attachment: object({ InstanceId: optStr, ...eniAttachment }).optional(),
  InterfaceType: optStr,
  Status: optStr,
  Description: optStr,
  RequesterManaged: optBool,
  SourceDestCheck: optBool,
  OwnerId: optStr,
  TagSet: tags,
});

const managedPrefixList = object({
  PrefixListId: str,
  PrefixListName: optStr,
  AddressFamily: optStr,
  MaxEntries: optNum,
  State: optStr,
  Version: optNum,
  OwnerId: optStr,
});

const instanceStatus = object({
  InstanceId: str,
  AvailabilityZone: optStr,
  InstanceState: object({ Name: optStr, Code: optNum }).optional(),
  SystemStatus: object({ Status: optStr }).optional(),
  InstanceStatus: object({ Status: optStr }).optional(),
});

const internetGateway = object({
  InternetGatewayId: str,
  Attachments: array(object({ State: optStr, VpcId: optStr })).optional(),
  OwnerId: optStr,
  Tags: tags,
});

const natGateway = object({
  NatGatewayId: str,
  VpcId: optStr,
  SubnetId: optStr,
  State: optStr,
  ConnectivityType: optStr,
  NatGatewayAddresses: array(
    object({
      AllocationId: optStr,
      NetworkInterfaceId: optStr,
      PrivateIp: ipv4Address.optional(),
      PublicIp: ipv4Address.optional(),
      AssociationId: optStr,
      IsPrimary: optBool,
      Status: optStr,
    }),
  ).optional(),
  Tags: tags,
});

const address = object({
  AllocationId: optStr,
  PublicIp: ipv4Address.optional(),
  AssociationId: optStr,
  Domain: optStr,
  InstanceId: optStr,
  NetworkInterfaceId: optStr,
  NetworkInterfaceOwnerId: optStr,
  PrivateIpAddress: ipv4Address.optional(),
  PublicIpv4Pool: optStr,
  NetworkBorderGroup: optStr,
  Tags: tags,
});

const vpcEndpoint = object({
  VpcEndpointId: str,
  VpcEndpointType: optStr,
  VpcId: optStr,
  ServiceName: optStr,
  State: optStr,
  RouteTableIds: array(str).optional(),
  SubnetIds: array(str).optional(),
  Groups: array(group).optional(),
  NetworkInterfaceIds: array(str).optional(),
  OwnerId: optStr,
  Tags: tags,
});

const peeringVpcInfo = object({
  VpcId: optStr,
  OwnerId: optStr,
  Region: optStr,
  CidrBlock: ipv4Cidr.optional(),
  CidrBlockSet: array(object({ CidrBlock: ipv4Cidr.optional() })).optional(),
  Ipv6CidrBlockSet: array(object({ Ipv6CidrBlock: ipv6Cidr.optional() })).optional(),
  PeeringOptions: object({
    AllowDnsResolutionFromRemoteVpc: optBool,
    AllowEgressFromLocalClassicLinkToRemoteVpc: optBool,
    AllowEgressFromLocalVpcToRemoteClassicLink: optBool,
  }).optional(),
});

const vpcPeeringConnection = object({
  VpcPeeringConnectionId: str,
  AccepterVpcInfo: peeringVpcInfo.optional(),
  RequesterVpcInfo: peeringVpcInfo.optional(),
  Status: object({ Code: optStr, Message: optStr }).optional(),
  Tags: tags,
});

const transitGateway = object({
  TransitGatewayId: str,
  TransitGatewayArn: optStr,
  State: optStr,
  OwnerId: optStr,
  Description: optStr,
  Options: object({
    AmazonSideAsn: optNum,
    TransitGatewayCidrBlocks: array(anyCidr).optional(),
    AutoAcceptSharedAttachments: optStr,
    DefaultRouteTableAssociation: optStr,
    AssociationDefaultRouteTableId: optStr,
    DefaultRouteTablePropagation: optStr,
    PropagationDefaultRouteTableId: optStr,
    VpnEcmpSupport: optStr,
    DnsSupport: optStr,
    SecurityGroupReferencingSupport: optStr,
    MulticastSupport: optStr,
  }).optional(),
  Tags: tags,
});

const transitGatewayAttachment = object({
  TransitGatewayAttachmentId: str,
  TransitGatewayId: optStr,
  TransitGatewayOwnerId: optStr,
  ResourceOwnerId: optStr,
  ResourceType: optStr,
  ResourceId: optStr,
  State: optStr,
  Association: object({ TransitGatewayRouteTableId: optStr, State: optStr }).optional(),
  Tags: tags,
});

const transitGatewayVpcAttachment = object({
  TransitGatewayAttachmentId: str,
  TransitGatewayId: optStr,
  VpcId: optStr,
  VpcOwnerId: optStr,
  State: optStr,
  SubnetIds: array(str).optional(),
  Options: object({
    DnsSupport: optStr,
    SecurityGroupReferencingSupport: optStr,
    Ipv6Support: optStr,
    ApplianceModeSupport: optStr,
  }).optional(),
  Tags: tags,
});

const peeringTgwInfo = object({
  TransitGatewayId: optStr,
  CoreNetworkId: optStr,
  OwnerId: optStr,
  Region: optStr,
});

const transitGatewayPeeringAttachment = object({
  TransitGatewayAttachmentId: str,
  AccepterTransitGatewayAttachmentId: optStr,
  RequesterTgwInfo: peeringTgwInfo.optional(),
  AccepterTgwInfo: peeringTgwInfo.optional(),
  Status: object({ Code: optStr, Message: optStr }).optional(),
  State: optStr,
  Tags: tags,
});

const transitGatewayRouteTable = object({
  TransitGatewayRouteTableId: str,
  TransitGatewayId: optStr,
  State: optStr,
  DefaultAssociationRouteTable: optBool,
  DefaultPropagationRouteTable: optBool,
  Tags: tags,
});

const transitGatewayPropagation = object({
  TransitGatewayAttachmentId: optStr,
  ResourceId: optStr,
  ResourceType: optStr,
  State: optStr,
});

const transitGatewayStaticRoute = object({
  DestinationCidrBlock: anyCidr.optional(),
  PrefixListId: optStr,
  TransitGatewayAttachments: array(
    object({ ResourceId: optStr, TransitGatewayAttachmentId: optStr, ResourceType: optStr }),
  ).optional(),
  // The file holds the static routes only (`--filters Name=type,Values=static`): propagated ones are
  // derived from the propagations, and a file with them in would count them twice.
  Type: literal('static').optional(),
  State: optStr,
});

const blockPublicAccessOptions = object({
  AwsAccountId: optStr,
  AwsRegion: optStr,
  State: optStr,
  InternetGatewayBlockMode: optStr,
  ExclusionsAllowed: optStr,
  ManagedBy: optStr,
});

const blockPublicAccessExclusion = object({
  ExclusionId: str,
  InternetGatewayExclusionMode: optStr,
  ResourceArn: optStr,
  State: optStr,
  Reason: optStr,
  Tags: tags,
});

// AWS Network Firewall (its API's shapes: tags have both fields, sets are maps of name → Definition).
const nfwTags = array(object({ Key: str, Value: str })).optional();
const ipSet = object({ Definition: array(anyCidr) });
const portSet = object({ Definition: array(str).optional() });
const nfwPort = number().int().min(0).max(65535);

const networkFirewall = object({
  UpdateToken: optStr,
  Firewall: object({
    FirewallName: optStr,
    FirewallArn: optStr,
    FirewallId: str,
    FirewallPolicyArn: str,
    VpcId: str,
    SubnetMappings: array(object({ SubnetId: str, IPAddressType: optStr })),
    DeleteProtection: optBool,
    Description: optStr,
    Tags: nfwTags,
  }),
  FirewallStatus: object({
    Status: str,
    ConfigurationSyncStateSummary: str,
    SyncStates: record(
      str,
      object({
        Attachment: object({
          SubnetId: optStr,
          EndpointId: optStr,
          Status: optStr,
          StatusMessage: optStr,
        }).optional(),
      }),
    ).optional(),
  }).optional(),
});

const networkFirewallPolicy = object({
  UpdateToken: optStr,
  FirewallPolicyResponse: object({
    FirewallPolicyName: str,
    FirewallPolicyArn: str,
    FirewallPolicyId: str,
    Description: optStr,
    FirewallPolicyStatus: optStr,
    Tags: nfwTags,
  }),
  FirewallPolicy: object({
    StatelessRuleGroupReferences: array(object({ ResourceArn: str, Priority: number().int() })).optional(),
    StatelessDefaultActions: array(str),
    StatelessFragmentDefaultActions: array(str),
    StatefulRuleGroupReferences: array(
      object({
        ResourceArn: str,
        Priority: number().int().optional(),
        Override: object({ Action: optStr }).optional(),
      }),
    ).optional(),
    StatefulDefaultActions: array(str).optional(),
    StatefulEngineOptions: object({ RuleOrder: optStr, StreamExceptionPolicy: optStr }).optional(),
    PolicyVariables: object({ RuleVariables: record(str, ipSet).optional() }).optional(),
  }).optional(),
});

const nfwAddresses = array(object({ AddressDefinition: anyCidr })).optional();
const nfwPorts = array(object({ FromPort: nfwPort, ToPort: nfwPort })).optional();

const networkFirewallRuleGroup = object({
  UpdateToken: optStr,
  RuleGroupResponse: object({
    RuleGroupArn: str,
    RuleGroupName: str,
    RuleGroupId: str,
    Type: optStr,
    Capacity: optNum,
    RuleGroupStatus: optStr,
    Description: optStr,
    Tags: nfwTags,
  }),
  RuleGroup: object({
    RuleVariables: object({
      IPSets: record(str, ipSet).optional(),
      PortSets: record(str, portSet).optional(),
    }).optional(),
    ReferenceSets: object({
      IPSetReferences: record(str, object({ ReferenceArn: optStr })).optional(),
    }).optional(),
    RulesSource: object({
      RulesString: optStr,
      RulesSourceList: object({
        Targets: array(str),
        TargetTypes: array(str),
        GeneratedRulesType: str,
      }).optional(),
      StatefulRules: array(
        object({
          Action: str,
          Header: object({
            Protocol: str,
            Source: str,
            SourcePort: str,
            Direction: str,
            Destination: str,
            DestinationPort: str,
          }),
          RuleOptions: array(object({ Keyword: str, Settings: array(str).optional() })),
        }),
      ).optional(),
      StatelessRulesAndCustomActions: object({
        StatelessRules: array(
          object({
            Priority: number().int(),
            RuleDefinition: object({
              MatchAttributes: object({
                Sources: nfwAddresses,
                Destinations: nfwAddresses,
                SourcePorts: nfwPorts,
                DestinationPorts: nfwPorts,
                Protocols: array(number().int().min(0).max(255)).optional(),
                TCPFlags: array(object({ Flags: array(str), Masks: array(str).optional() })).optional(),
              }),
              Actions: array(str),
            }),
          }),
        ),
        CustomActions: array(object({ ActionName: str })).optional(),
      }).optional(),
    }),
    StatefulRuleOptions: object({ RuleOrder: optStr }).optional(),
  }).optional(),
});

/** One document per file, as `aws ec2 … --output json` prints it (`NextToken` and friends ignored). */
const documents = {
  'describe-instances.json': object({ Reservations: array(object({ Instances: array(instance) })) }),
  'describe-security-groups.json': object({ SecurityGroups: array(securityGroup) }),
  'describe-subnets.json': object({ Subnets: array(subnet) }),
  'describe-network-acls.json': object({ NetworkAcls: array(networkAcl) }),
  'describe-route-tables.json': object({ RouteTables: array(routeTable) }),
  'describe-vpcs.json': object({ Vpcs: array(vpc) }),
  'describe-network-interfaces.json': object({ NetworkInterfaces: array(networkInterface) }),
  'describe-managed-prefix-lists.json': object({ PrefixLists: array(managedPrefixList) }),
  'describe-instance-status.json': object({ InstanceStatuses: array(instanceStatus) }),
  'describe-internet-gateways.json': object({ InternetGateways: array(internetGateway) }),
  'describe-nat-gateways.json': object({ NatGateways: array(natGateway) }),
  'describe-addresses.json': object({ Addresses: array(address) }),
  'describe-vpc-endpoints.json': object({ VpcEndpoints: array(vpcEndpoint) }),
  'describe-vpc-peering-connections.json': object({ VpcPeeringConnections: array(vpcPeeringConnection) }),
  'describe-transit-gateways.json': object({ TransitGateways: array(transitGateway) }),
  'describe-transit-gateway-attachments.json': object({
    TransitGatewayAttachments: array(transitGatewayAttachment),
  }),
  'describe-transit-gateway-vpc-attachments.json': object({
    TransitGatewayVpcAttachments: array(transitGatewayVpcAttachment),
  }),
  'describe-transit-gateway-peering-attachments.json': object({
    TransitGatewayPeeringAttachments: array(transitGatewayPeeringAttachment),
  }),
  'describe-transit-gateway-route-tables.json': object({
    TransitGatewayRouteTables: array(transitGatewayRouteTable),
  }),
  'describe-vpc-block-public-access-options.json': object({
    VpcBlockPublicAccessOptions: blockPublicAccessOptions,
  }),
  'describe-vpc-block-public-access-exclusions.json': object({
    VpcBlockPublicAccessExclusions: array(blockPublicAccessExclusion),
  }),
  'prefix-list-entries': object({ Entries: array(object({ Cidr: anyCidr, Description: optStr })) }),
  'get-transit-gateway-route-table-propagations': object({
    TransitGatewayRouteTablePropagations: array(transitGatewayPropagation),
  }),
  'search-transit-gateway-routes': object({ Routes: array(transitGatewayStaticRoute) }),
  'network-firewall/firewalls': networkFirewall,
  'network-firewall/policies': networkFirewallPolicy,
  'network-firewall/rule-groups': networkFirewallRuleGroup,
} as const;

export type InventoryDocument = keyof typeof documents;

export const REQUIRED_FILES = [
  'describe-instances.json',
  'describe-security-groups.json',
  'describe-subnets.json',
] as const;

export const OPTIONAL_FILES = [
  'describe-network-acls.json',
  'describe-route-tables.json',
  'describe-vpcs.json',
  'describe-network-interfaces.json',
  'describe-managed-prefix-lists.json',
  'describe-instance-status.json',
  'describe-internet-gateways.json',
  'describe-nat-gateways.json',
  'describe-addresses.json',
  'describe-vpc-endpoints.json',
  'describe-vpc-peering-connections.json',
  'describe-transit-gateways.json',
  'describe-transit-gateway-attachments.json',
  'describe-transit-gateway-vpc-attachments.json',
  'describe-transit-gateway-peering-attachments.json',
  'describe-transit-gateway-route-tables.json',
  'describe-vpc-block-public-access-options.json',
  'describe-vpc-block-public-access-exclusions.json',
] as const;

/**
 * The directories of one file per resource: `<directory>/<key>.json`, where the key is the resource's id
 * (prefix lists, TGW route tables) or name (Network Firewall resources) and matches `key`.
 */
export const PER_RESOURCE_DIRECTORIES = {
  'prefix-list-entries': { key: /^pl-[0-9a-zA-Z]+$/, raw: 'prefixListEntries' },
  'get-transit-gateway-route-table-propagations': {
    key: /^tgw-rtb-[0-9a-zA-Z]+$/,
    raw: 'transitGatewayRouteTablePropagations',
  },
  'search-transit-gateway-routes': { key: /^tgw-rtb-[0-9a-zA-Z]+$/, raw: 'transitGatewayStaticRoutes' },
  // Network Firewall names: 1-128 letters, digits and hyphens (its API reference).
  'network-firewall/firewalls': { key: /^[a-zA-Z0-9-]{1,128}$/, raw: 'networkFirewalls' },
  'network-firewall/policies': { key: /^[a-zA-Z0-9-]{1,128}$/, raw: 'networkFirewallPolicies' },
  'network-firewall/rule-groups': { key: /^[a-zA-Z0-9-]{1,128}$/, raw: 'networkFirewallRuleGroups' },
} as const satisfies Record<string, { key: RegExp; raw: keyof RawInventory }>;

type PerResourceDocument = keyof typeof PER_RESOURCE_DIRECTORIES;

/**
 * Optional files whose absence is not "none": AWS has no subnet without a network ACL or a route table,
 * so without these the inventory lacks data and the paths that need it are unknown (model.ts,
 * `absentFiles`).
 */
export const ALWAYS_SOMETHING_FILES = ['describe-network-acls.json', 'describe-route-tables.json'] as const;

/** `SecurityGroups[3].IpPermissions[0].FromPort` */
function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

function describeIssue(issue: core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    return /received undefined/.test(issue.message)
      ? `missing (expected ${issue.expected})`
      : `expected ${issue.expected}`;
  }
  if (issue.code === 'invalid_value')
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'too_small' || issue.code === 'too_big') return `out of range (${issue.message})`;
  return issue.message;
}

/** The keys that identify a record, in the order a record is named by. */
const ID_KEYS = [
  'InstanceId',
  'NetworkInterfaceId',
  'GroupId',
  'SubnetId',
  'NetworkAclId',
  'RouteTableId',
  'PrefixListId',
  'VpcId',
] as const;

/** The value at `path` in `raw`, and the id of the outermost record on the way (`i-0abc`). */
function ownerAndValue(raw: unknown, path: readonly PropertyKey[]): { owner?: string; value: unknown } {
  let node = raw;
  let owner: string | undefined;
  for (const key of path) {
    if (owner === undefined && node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      const id = ID_KEYS.map((k) => record[k]).find((v) => typeof v === 'string');
      if (typeof id === 'string') owner = id;
    }
    node =
      node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return { ...(owner ? { owner } : {}), value: node };
}

/** Parses JSON text; a syntax error names the file. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InventoryError(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Validates one document; `file` is the name used in the error (for prefix lists, its relative path). */
export function parseDocument<D extends InventoryDocument>(
  kind: D,
  raw: unknown,
  file: string = kind,
): output<(typeof documents)[D]> {
  const r = documents[kind].safeParse(raw);
  if (r.success) return r.data as output<(typeof documents)[D]>;
  const issue = r.error.issues[0]!;
  const where = formatJsonPath(issue.path);
  let what = describeIssue(issue);
  // A bad address names its record and the value: `10.20.1.999` in a fleet of thousands is found by id.
  if (Object.values(ADDRESS_EXPECTED).includes(issue.message as never)) {
    const { owner, value } = ownerAndValue(raw, issue.path);
    what = `${owner ? `${owner}: ` : ''}${what}, got ${JSON.stringify(value)}`;
  }
  throw new InventoryError(`${file}: ${where === '' ? '' : `${where}: `}${what}`);
}

/**
 * The raw documents of one inventory: each already-decoded JSON value (text goes through
 * `parseJsonText` first). Required documents must be present; a missing optional one means "none".
 */
export interface RawInventory {
  readonly documents: Partial<Record<Exclude<InventoryDocument, PerResourceDocument>, unknown>>;
  /** `pl-…` → GetManagedPrefixListEntries output. */
  readonly prefixListEntries?: ReadonlyMap<string, unknown>;
  /** `tgw-rtb-…` → GetTransitGatewayRouteTablePropagations output. */
  readonly transitGatewayRouteTablePropagations?: ReadonlyMap<string, unknown>;
  /** `tgw-rtb-…` → SearchTransitGatewayRoutes output for `type=static`. */
  readonly transitGatewayStaticRoutes?: ReadonlyMap<string, unknown>;
  /** Firewall name → DescribeFirewall output. */
  readonly networkFirewalls?: ReadonlyMap<string, unknown>;
  /** Policy name → DescribeFirewallPolicy output. */
  readonly networkFirewallPolicies?: ReadonlyMap<string, unknown>;
  /** Rule group name → DescribeRuleGroup output. */
  readonly networkFirewallRuleGroups?: ReadonlyMap<string, unknown>;
}

/** Each entry of one per-resource directory, validated, keyed as given; the error names `<dir>/<key>.json`. */
function perResource<D extends PerResourceDocument>(
  kind: D,
  docs: ReadonlyMap<string, unknown> | undefined,
): [string, output<(typeof documents)[D]>][] {
  return [...(docs ?? [])]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, doc]) => [key, parseDocument(kind, doc, `${kind}/${key}.json`)]);
}

export function parseInventory(raw: RawInventory): Inventory {
  for (const f of REQUIRED_FILES) {
    if (raw.documents[f] === undefined) throw new InventoryError(`${f}: missing (a required inventory file)`);
  }
  const d = raw.documents;
  const opt = <D extends Exclude<InventoryDocument, PerResourceDocument>>(kind: D) =>
    d[kind] === undefined ? undefined : parseDocument(kind, d[kind]);

  const instances: Instance[] = parseDocument(
    'describe-instances.json',
    d['describe-instances.json'],
  ).Reservations.flatMap((r) => r.Instances);
  const securityGroups: SecurityGroup[] = parseDocument(
    'describe-security-groups.json',
    d['describe-security-groups.json'],
  ).SecurityGroups;
  const subnets: Subnet[] = parseDocument('describe-subnets.json', d['describe-subnets.json']).Subnets;
  const networkAcls: NetworkAcl[] = opt('describe-network-acls.json')?.NetworkAcls ?? [];
  const routeTables: RouteTable[] = opt('describe-route-tables.json')?.RouteTables ?? [];
  const vpcs: Vpc[] = opt('describe-vpcs.json')?.Vpcs ?? [];
  const networkInterfaces: NetworkInterface[] =
    opt('describe-network-interfaces.json')?.NetworkInterfaces ?? [];
  const managedPrefixLists: ManagedPrefixList[] =
    opt('describe-managed-prefix-lists.json')?.PrefixLists ?? [];
  const instanceStatuses: InstanceStatus[] = opt('describe-instance-status.json')?.InstanceStatuses ?? [];
  const prefixLists = new Map<string, readonly PrefixListEntry[]>();
  for (const [id, doc] of raw.prefixListEntries ?? []) {
    prefixLists.set(id, parseDocument('prefix-list-entries', doc, `prefix-list-entries/${id}.json`).Entries);
  }
  const internetGateways: InternetGateway[] = opt('describe-internet-gateways.json')?.InternetGateways ?? [];
  const natGateways: NatGateway[] = opt('describe-nat-gateways.json')?.NatGateways ?? [];
  const addresses: Address[] = opt('describe-addresses.json')?.Addresses ?? [];
  const vpcEndpoints: VpcEndpoint[] = opt('describe-vpc-endpoints.json')?.VpcEndpoints ?? [];
  const vpcPeeringConnections: VpcPeeringConnection[] =
    opt('describe-vpc-peering-connections.json')?.VpcPeeringConnections ?? [];
  const transitGateways: TransitGateway[] = opt('describe-transit-gateways.json')?.TransitGateways ?? [];
  const transitGatewayAttachments: TransitGatewayAttachment[] =
    opt('describe-transit-gateway-attachments.json')?.TransitGatewayAttachments ?? [];
  const transitGatewayVpcAttachments: TransitGatewayVpcAttachment[] =
    opt('describe-transit-gateway-vpc-attachments.json')?.TransitGatewayVpcAttachments ?? [];
  const transitGatewayPeeringAttachments: TransitGatewayPeeringAttachment[] =
    opt('describe-transit-gateway-peering-attachments.json')?.TransitGatewayPeeringAttachments ?? [];
  const transitGatewayRouteTables: TransitGatewayRouteTable[] =
    opt('describe-transit-gateway-route-tables.json')?.TransitGatewayRouteTables ?? [];
  const transitGatewayRouteTablePropagations = new Map<
    string,
    readonly TransitGatewayRouteTablePropagation[]
  >(
    perResource('get-transit-gateway-route-table-propagations', raw.transitGatewayRouteTablePropagations).map(
      ([id, doc]) => [id, doc.TransitGatewayRouteTablePropagations],
    ),
  );
  const transitGatewayStaticRoutes = new Map<string, readonly TransitGatewayRoute[]>(
    perResource('search-transit-gateway-routes', raw.transitGatewayStaticRoutes).map(([id, doc]) => [
      id,
      doc.Routes,
    ]),
  );
  // Every Region has a Block Public Access setting (`off` unless turned on): no file means "unknown".
  const vpcBlockPublicAccessOptions = opt(
    'describe-vpc-block-public-access-options.json',
  )?.VpcBlockPublicAccessOptions;
  const vpcBlockPublicAccessExclusions: VpcBlockPublicAccessExclusion[] =
    opt('describe-vpc-block-public-access-exclusions.json')?.VpcBlockPublicAccessExclusions ?? [];
  const networkFirewalls: NetworkFirewallDescription[] = perResource(
    'network-firewall/firewalls',
    raw.networkFirewalls,
  ).map(([, doc]) => doc);
  const networkFirewallPolicies: NetworkFirewallPolicyDescription[] = perResource(
    'network-firewall/policies',
    raw.networkFirewallPolicies,
  ).map(([, doc]) => doc);
  const networkFirewallRuleGroups: NetworkFirewallRuleGroupDescription[] = perResource(
    'network-firewall/rule-groups',
    raw.networkFirewallRuleGroups,
  ).map(([, doc]) => doc);
  const absentFiles = ALWAYS_SOMETHING_FILES.filter((f) => d[f] === undefined);
  return {
    ...(absentFiles.length > 0 ? { absentFiles } : {}),
    instances,
    securityGroups,
    subnets,
    networkAcls,
    routeTables,
    vpcs,
    networkInterfaces,
    managedPrefixLists,
    prefixLists,
    instanceStatuses,
    internetGateways,
    natGateways,
    addresses,
    vpcEndpoints,
    vpcPeeringConnections,
    transitGateways,
    transitGatewayAttachments,
    transitGatewayVpcAttachments,
    transitGatewayPeeringAttachments,
    transitGatewayRouteTables,
    transitGatewayRouteTablePropagations,
    transitGatewayStaticRoutes,
    ...(vpcBlockPublicAccessOptions ? { vpcBlockPublicAccessOptions } : {}),
    vpcBlockPublicAccessExclusions,
    networkFirewalls,
    networkFirewallPolicies,
    networkFirewallRuleGroups,
  };
}
