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
  Listener,
  LoadBalancer,
  LoadBalancing,
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
  TargetGroup,
  TargetHealthDescription,
  TransitGateway,
  TransitGatewayAttachment,
  TransitGatewayPeeringAttachment,
  TransitGatewayRoute,
  TransitGatewayRouteTable,
  TransitGatewayRouteTablePropagation,
  TransitGatewayVpcAttachment,
  Vpc,
  VpcBlockPublicAccessExclusion,
  VpcDnsAttributes,
  VpcEndpoint,
  VpcPeeringConnection,
} from './model.ts';
import { isResourceId, type ResourceIdPrefix, resourceIdExpected, resourceIdPattern } from './resource-id.ts';

/** A malformed or missing inventory document. The CLI prints `message` on one line and exits 2. */
export class InventoryError extends Error {
  override name = 'InventoryError';
}

/**
 * At most `max` characters, counted as AWS counts them (Unicode code points, so 256 emoji fit a tag value).
 * Checked before anything else reads the value: a 100 MB tag stops here, not in a printer.
 */
const text = (max: number, what: string) =>
  string().refine((s) => s.length <= max || (s.length <= 2 * max && [...s].length <= max), {
    error: `longer than ${max} characters (${what})`,
    abort: true,
  });
/**
 * Any other string: EC2 names and descriptions stop at 255 characters, ARNs at 2048; nothing port22 reads
 * is longer.
 */
const TEXT_MAX_CHARS = 2048;
const str = text(TEXT_MAX_CHARS, 'no EC2 string is longer');
const optStr = str.optional();
/** Messages whose error also shows the offending value (an address, an id), cut to a readable length. */
const SHOWS_VALUE = new Set<string>();
/** An EC2 resource id of one type (resource-id.ts); a name, an ARN or a typo is an error naming the value. */
const id = (prefix: ResourceIdPrefix) => {
  const expected = resourceIdExpected(prefix);
  SHOWS_VALUE.add(expected);
  return string().refine((s) => isResourceId(prefix, s), expected);
};
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
for (const expected of Object.values(ADDRESS_EXPECTED)) SHOWS_VALUE.add(expected);
/** "Tag restrictions" (Amazon EC2 User Guide): keys up to 128 Unicode characters, values up to 256. */
const tags = array(
  object({
    Key: text(128, 'AWS caps tag keys at 128').optional(),
    Value: text(256, 'AWS caps tag values at 256').optional(),
  }),
).optional();
/** Security group names: up to 255 characters (CreateSecurityGroup). */
const groupName = text(255, 'AWS caps security group names at 255').optional();
const group = object({ GroupId: id('sg'), GroupName: groupName });
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
  NetworkInterfaceId: id('eni'),
  SubnetId: id('subnet').optional(),
  VpcId: id('vpc').optional(),
  PrivateIpAddress: ipv4Address.optional(),
  PrivateIpAddresses: privateIps,
  Association: object({ PublicIp: ipv4Address.optional() }).optional(),
  Ipv6Addresses: ipv6Addresses,
  Groups: array(group).optional(),
};
const eniAttachment = { DeviceIndex: optNum, Status: optStr, AttachmentId: optStr };

const instance = object({
  InstanceId: id('i'),
  InstanceType: optStr,
  ImageId: optStr,
  State: object({ Name: optStr, Code: optNum }).optional(),
  SubnetId: id('subnet').optional(),
  VpcId: id('vpc').optional(),
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
  PrefixListIds: array(object({ PrefixListId: id('pl'), Description: optStr })).optional(),
  UserIdGroupPairs: array(
    object({
      GroupId: id('sg').optional(),
      GroupName: optStr,
      UserId: optStr,
      VpcId: id('vpc').optional(),
      VpcPeeringConnectionId: id('pcx').optional(),
      PeeringStatus: optStr,
      Description: optStr,
    }),
  ).optional(),
});

const securityGroup = object({
  GroupId: id('sg'),
  GroupName: groupName,
  VpcId: id('vpc').optional(),
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
  SubnetId: id('subnet'),
  VpcId: id('vpc').optional(),
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
  NetworkAclId: id('acl'),
  VpcId: id('vpc').optional(),
  IsDefault: optBool,
  Entries: array(aclEntry).optional(),
  Associations: array(
    object({
      NetworkAclAssociationId: optStr,
      NetworkAclId: id('acl').optional(),
      SubnetId: id('subnet').optional(),
    }),
  ).optional(),
  OwnerId: optStr,
  Tags: tags,
});

const route = object({
  DestinationCidrBlock: ipv4Cidr.optional(),
  DestinationIpv6CidrBlock: ipv6Cidr.optional(),
  DestinationPrefixListId: id('pl').optional(),
  GatewayId: optStr,
  NatGatewayId: id('nat').optional(),
  TransitGatewayId: id('tgw').optional(),
  VpcPeeringConnectionId: id('pcx').optional(),
  EgressOnlyInternetGatewayId: optStr,
  NetworkInterfaceId: id('eni').optional(),
  InstanceId: id('i').optional(),
  LocalGatewayId: optStr,
  CarrierGatewayId: optStr,
  CoreNetworkArn: optStr,
  VpcEndpointId: optStr,
  State: optStr,
  Origin: optStr,
});

const routeTable = object({
  RouteTableId: id('rtb'),
  VpcId: id('vpc').optional(),
  Routes: array(route).optional(),
  Associations: array(
    object({
      Main: optBool,
      SubnetId: id('subnet').optional(),
      GatewayId: optStr,
      RouteTableAssociationId: optStr,
      RouteTableId: id('rtb').optional(),
      AssociationState: object({ State: optStr }).optional(),
    }),
  ).optional(),
  OwnerId: optStr,
  Tags: tags,
});

const vpc = object({
  VpcId: id('vpc'),
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
  Attachment: object({ InstanceId: id('i').optional(), ...eniAttachment }).optional(),
  InterfaceType: optStr,
  Status: optStr,
  Description: optStr,
  RequesterManaged: optBool,
  SourceDestCheck: optBool,
  OwnerId: optStr,
  TagSet: tags,
});

const managedPrefixList = object({
  PrefixListId: id('pl'),
  PrefixListName: optStr,
  AddressFamily: optStr,
  MaxEntries: optNum,
  State: optStr,
  Version: optNum,
  OwnerId: optStr,
});

const instanceStatus = object({
  InstanceId: id('i'),
  AvailabilityZone: optStr,
  InstanceState: object({ Name: optStr, Code: optNum }).optional(),
  SystemStatus: object({ Status: optStr }).optional(),
  InstanceStatus: object({ Status: optStr }).optional(),
});

const internetGateway = object({
  InternetGatewayId: id('igw'),
  Attachments: array(object({ State: optStr, VpcId: id('vpc').optional() })).optional(),
  OwnerId: optStr,
  Tags: tags,
});

const natGateway = object({
  NatGatewayId: id('nat'),
  VpcId: id('vpc').optional(),
  SubnetId: id('subnet').optional(),
  State: optStr,
  ConnectivityType: optStr,
  NatGatewayAddresses: array(
    object({
      AllocationId: id('eipalloc').optional(),
      NetworkInterfaceId: id('eni').optional(),
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
  AllocationId: id('eipalloc').optional(),
  PublicIp: ipv4Address.optional(),
  AssociationId: optStr,
  Domain: optStr,
  InstanceId: id('i').optional(),
  NetworkInterfaceId: id('eni').optional(),
  NetworkInterfaceOwnerId: optStr,
  PrivateIpAddress: ipv4Address.optional(),
  PublicIpv4Pool: optStr,
  NetworkBorderGroup: optStr,
  Tags: tags,
});

const vpcEndpoint = object({
  VpcEndpointId: id('vpce'),
  VpcEndpointType: optStr,
  VpcId: id('vpc').optional(),
  ServiceName: optStr,
  State: optStr,
  RouteTableIds: array(id('rtb')).optional(),
  SubnetIds: array(id('subnet')).optional(),
  PrivateDnsEnabled: optBool,
  Groups: array(group).optional(),
  NetworkInterfaceIds: array(id('eni')).optional(),
  OwnerId: optStr,
  Tags: tags,
});

const peeringVpcInfo = object({
  VpcId: id('vpc').optional(),
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
  VpcPeeringConnectionId: id('pcx'),
  AccepterVpcInfo: peeringVpcInfo.optional(),
  RequesterVpcInfo: peeringVpcInfo.optional(),
  Status: object({ Code: optStr, Message: optStr }).optional(),
  Tags: tags,
});

const transitGateway = object({
  TransitGatewayId: id('tgw'),
  TransitGatewayArn: optStr,
  State: optStr,
  OwnerId: optStr,
  Description: optStr,
  Options: object({
    AmazonSideAsn: optNum,
    TransitGatewayCidrBlocks: array(anyCidr).optional(),
    AutoAcceptSharedAttachments: optStr,
    DefaultRouteTableAssociation: optStr,
    AssociationDefaultRouteTableId: id('tgw-rtb').optional(),
    DefaultRouteTablePropagation: optStr,
    PropagationDefaultRouteTableId: id('tgw-rtb').optional(),
    VpnEcmpSupport: optStr,
    DnsSupport: optStr,
    SecurityGroupReferencingSupport: optStr,
    MulticastSupport: optStr,
  }).optional(),
  Tags: tags,
});

const transitGatewayAttachment = object({
  TransitGatewayAttachmentId: id('tgw-attach'),
  TransitGatewayId: id('tgw').optional(),
  TransitGatewayOwnerId: optStr,
  ResourceOwnerId: optStr,
  ResourceType: optStr,
  ResourceId: optStr,
  State: optStr,
  Association: object({ TransitGatewayRouteTableId: id('tgw-rtb').optional(), State: optStr }).optional(),
  Tags: tags,
});

const transitGatewayVpcAttachment = object({
  TransitGatewayAttachmentId: id('tgw-attach'),
  TransitGatewayId: id('tgw').optional(),
  VpcId: id('vpc').optional(),
  VpcOwnerId: optStr,
  State: optStr,
  SubnetIds: array(id('subnet')).optional(),
  Options: object({
    DnsSupport: optStr,
    SecurityGroupReferencingSupport: optStr,
    Ipv6Support: optStr,
    ApplianceModeSupport: optStr,
  }).optional(),
  Tags: tags,
});

const peeringTgwInfo = object({
  TransitGatewayId: id('tgw').optional(),
  CoreNetworkId: optStr,
  OwnerId: optStr,
  Region: optStr,
});

const transitGatewayPeeringAttachment = object({
  TransitGatewayAttachmentId: id('tgw-attach'),
  AccepterTransitGatewayAttachmentId: id('tgw-attach').optional(),
  RequesterTgwInfo: peeringTgwInfo.optional(),
  AccepterTgwInfo: peeringTgwInfo.optional(),
  Status: object({ Code: optStr, Message: optStr }).optional(),
  State: optStr,
  Tags: tags,
});

const transitGatewayRouteTable = object({
  TransitGatewayRouteTableId: id('tgw-rtb'),
  TransitGatewayId: id('tgw').optional(),
  State: optStr,
  DefaultAssociationRouteTable: optBool,
  DefaultPropagationRouteTable: optBool,
  Tags: tags,
});

const transitGatewayPropagation = object({
  TransitGatewayAttachmentId: id('tgw-attach').optional(),
  ResourceId: optStr,
  ResourceType: optStr,
  State: optStr,
});

const transitGatewayStaticRoute = object({
  DestinationCidrBlock: anyCidr.optional(),
  PrefixListId: id('pl').optional(),
  TransitGatewayAttachments: array(
    object({
      ResourceId: optStr,
      TransitGatewayAttachmentId: id('tgw-attach').optional(),
      ResourceType: optStr,
    }),
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
    VpcId: id('vpc'),
    SubnetMappings: array(object({ SubnetId: id('subnet'), IPAddressType: optStr })),
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
          SubnetId: id('subnet').optional(),
          EndpointId: id('vpce').optional(),
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

// Elastic Load Balancing (its API reference: LoadBalancer, TargetGroup, TargetHealthDescription, Listener).
/** `arn:<partition>:elasticloadbalancing:<region>:<account>:loadbalancer/…`, `…:targetgroup/…`, `…:listener/…` */
const elbArn = (resource: 'loadbalancer' | 'targetgroup' | 'listener') =>
  text(2048, 'ARNs stop at 2048').refine(
    (s) => new RegExp(`^arn:aws[a-z-]*:elasticloadbalancing:[^:]*:[0-9]*:${resource}/`).test(s),
    `expected an Elastic Load Balancing ${resource} ARN`,
  );
/**
 * "Up to 32 alphanumeric characters or hyphens": a target group's name (CreateTargetGroup) and a load
 * balancer's (CreateLoadBalancer) alike; the per-resource files are named after them.
 */
const ELB_NAME = /^[a-zA-Z0-9-]{1,32}$/;
const loadBalancer = object({
  LoadBalancerArn: elbArn('loadbalancer'),
  LoadBalancerName: optStr,
  DNSName: optStr,
  Scheme: optStr,
  Type: optStr,
  VpcId: id('vpc').optional(),
  State: object({ Code: optStr, Reason: optStr }).optional(),
  AvailabilityZones: array(
    object({
      ZoneName: optStr,
      SubnetId: id('subnet').optional(),
      LoadBalancerAddresses: array(
        object({
          IpAddress: ipv4Address.optional(),
          AllocationId: optStr,
          PrivateIPv4Address: ipv4Address.optional(),
          IPv6Address: ipv6Address.optional(),
        }),
      ).optional(),
    }),
  ).optional(),
  SecurityGroups: array(id('sg')).optional(),
  IpAddressType: optStr,
});
const targetGroup = object({
  TargetGroupArn: elbArn('targetgroup'),
  TargetGroupName: string().regex(ELB_NAME, 'expected a target group name (1-32 letters, digits, hyphens)'),
  Protocol: optStr,
  Port: port.optional(),
  VpcId: id('vpc').optional(),
  TargetType: optStr,
  LoadBalancerArns: array(elbArn('loadbalancer')).optional(),
  HealthCheckEnabled: optBool,
  HealthCheckProtocol: optStr,
  HealthCheckPort: optStr,
  HealthCheckIntervalSeconds: optNum,
  HealthCheckTimeoutSeconds: optNum,
  HealthyThresholdCount: optNum,
  UnhealthyThresholdCount: optNum,
});
const targetHealthDescription = object({
  Target: object({ Id: str, Port: port.optional(), AvailabilityZone: optStr }),
  HealthCheckPort: optStr,
  TargetHealth: object({ State: optStr, Reason: optStr, Description: optStr }).optional(),
});
/** DescribeListeners' Listener: a forward action names its target group directly or in ForwardConfig. */
const listener = object({
  ListenerArn: elbArn('listener'),
  LoadBalancerArn: elbArn('loadbalancer'),
  Port: port.optional(),
  Protocol: optStr,
  DefaultActions: array(
    object({
      Type: optStr,
      TargetGroupArn: elbArn('targetgroup').optional(),
      ForwardConfig: object({
        TargetGroups: array(
          object({ TargetGroupArn: elbArn('targetgroup').optional(), Weight: optNum }),
        ).optional(),
      }).optional(),
    }),
  ).optional(),
});

/** A load balancer's or target group's attribute: `load_balancing.cross_zone.enabled` = `true`, … */
const elbAttribute = object({ Key: str, Value: optStr });

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
  'elbv2-describe-load-balancers.json': object({ LoadBalancers: array(loadBalancer) }),
  'elbv2-describe-target-groups.json': object({ TargetGroups: array(targetGroup) }),
  'elbv2-describe-tags.json': object({
    TagDescriptions: array(object({ ResourceArn: str, Tags: tags })),
  }),
  'elbv2-describe-target-health': object({ TargetHealthDescriptions: array(targetHealthDescription) }),
  'elbv2-describe-listeners': object({ Listeners: array(listener) }),
  // DescribeLoadBalancerAttributes / DescribeTargetGroupAttributes: every attribute as a string pair.
  'elbv2-describe-load-balancer-attributes': object({ Attributes: array(elbAttribute) }),
  'elbv2-describe-target-group-attributes': object({ Attributes: array(elbAttribute) }),
  // `aws ec2 describe-vpc-attribute --vpc-id <id> --attribute <name>`: the id and that one attribute.
  'describe-vpc-attribute': object({
    VpcId: id('vpc'),
    EnableDnsSupport: object({ Value: boolean() }).optional(),
    EnableDnsHostnames: object({ Value: boolean() }).optional(),
  }),
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
  'elbv2-describe-load-balancers.json',
  'elbv2-describe-target-groups.json',
  'elbv2-describe-tags.json',
] as const;

/** The DNS attributes DescribeVpcAttribute reads, as its `--attribute` names them. */
export const VPC_DNS_ATTRIBUTES = ['enableDnsSupport', 'enableDnsHostnames'] as const;

/** `describe-vpc-attribute/<vpc-id>-<attribute>.json`: one file per VPC and attribute, as the call takes one. */
const VPC_ATTRIBUTE_FILE = new RegExp(
  `^${resourceIdPattern('vpc').source.slice(1, -1)}-(${VPC_DNS_ATTRIBUTES.join('|')})$`,
);

/** A Network Firewall firewall, policy or rule group name: 1-128 letters, digits, hyphens (its API reference). */
const NFW_NAME = /^[a-zA-Z0-9-]{1,128}$/;

/**
 * The directories of one file per resource: `<directory>/<key>.json`, where the key is the resource's id
 * (prefix lists, TGW route tables) or name (Network Firewall resources) and matches `key`.
 */
export const PER_RESOURCE_DIRECTORIES = {
  'prefix-list-entries': { key: resourceIdPattern('pl'), raw: 'prefixListEntries' },
  'get-transit-gateway-route-table-propagations': {
    key: resourceIdPattern('tgw-rtb'),
    raw: 'transitGatewayRouteTablePropagations',
  },
  'search-transit-gateway-routes': { key: resourceIdPattern('tgw-rtb'), raw: 'transitGatewayStaticRoutes' },
  'network-firewall/firewalls': { key: NFW_NAME, raw: 'networkFirewalls' },
  'network-firewall/policies': { key: NFW_NAME, raw: 'networkFirewallPolicies' },
  'network-firewall/rule-groups': { key: NFW_NAME, raw: 'networkFirewallRuleGroups' },
  'elbv2-describe-target-health': { key: ELB_NAME, raw: 'targetHealth' },
  'elbv2-describe-listeners': { key: ELB_NAME, raw: 'listeners' },
  'elbv2-describe-load-balancer-attributes': { key: ELB_NAME, raw: 'loadBalancerAttributes' },
  'elbv2-describe-target-group-attributes': { key: ELB_NAME, raw: 'targetGroupAttributes' },
  'describe-vpc-attribute': { key: VPC_ATTRIBUTE_FILE, raw: 'vpcAttributes' },
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

/**
 * A file's bytes as text. The AWS CLI writes UTF-8; Windows PowerShell 5's `>` writes UTF-16 with a byte
 * order mark, and some editors add a UTF-8 BOM. A UTF-8 BOM is dropped (RFC 8259 §8.1 lets a parser
 * ignore it); UTF-16 and bytes that are not UTF-8 are one line each, rather than a JSON error full of NULs.
 */
export function decodeInventoryText(bytes: Uint8Array, file: string): string {
  const [b0, b1] = bytes;
  if (
    (b0 === 0xff && b1 === 0xfe) ||
    (b0 === 0xfe && b1 === 0xff) ||
    (bytes.length > 1 && (b0 === 0 || b1 === 0))
  )
    throw new InventoryError(
      `${file}: UTF-16 text; save it as UTF-8 (in PowerShell: | Out-File -Encoding utf8)`,
    );
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new InventoryError(`${file}: not UTF-8 text`);
  }
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
  // A bad address or id names its record and the value: `10.20.1.999` in a fleet of thousands is found
  // by id. The value is cut: it is shown to find it, and it may be anything.
  if (SHOWS_VALUE.has(issue.message)) {
    const { owner, value } = ownerAndValue(raw, issue.path);
    const shown = JSON.stringify(
      typeof value === 'string' && value.length > 64 ? `${value.slice(0, 64)}…` : value,
    );
    // The record is named by its id, unless the id is what is wrong.
    what = `${owner && owner !== value ? `${owner}: ` : ''}${what}, got ${shown}`;
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
  /** Target group name → DescribeTargetHealth output. */
  readonly targetHealth?: ReadonlyMap<string, unknown>;
  /** Load balancer name → DescribeListeners output. */
  readonly listeners?: ReadonlyMap<string, unknown>;
  /** Load balancer name → DescribeLoadBalancerAttributes output. */
  readonly loadBalancerAttributes?: ReadonlyMap<string, unknown>;
  /** Target group name → DescribeTargetGroupAttributes output. */
  readonly targetGroupAttributes?: ReadonlyMap<string, unknown>;
  /** `<vpc-id>-<attribute>` → DescribeVpcAttribute output for that attribute. */
  readonly vpcAttributes?: ReadonlyMap<string, unknown>;
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

/** Where each id sits in its document: the array's key and the id's key. */
const UNIQUE_IDS: readonly (readonly [Exclude<InventoryDocument, PerResourceDocument>, string, string])[] = [
  ['describe-security-groups.json', 'SecurityGroups', 'GroupId'],
  ['describe-subnets.json', 'Subnets', 'SubnetId'],
  ['describe-network-acls.json', 'NetworkAcls', 'NetworkAclId'],
  ['describe-route-tables.json', 'RouteTables', 'RouteTableId'],
  ['describe-vpcs.json', 'Vpcs', 'VpcId'],
  ['describe-network-interfaces.json', 'NetworkInterfaces', 'NetworkInterfaceId'],
  ['describe-managed-prefix-lists.json', 'PrefixLists', 'PrefixListId'],
  ['describe-instance-status.json', 'InstanceStatuses', 'InstanceId'],
  ['describe-internet-gateways.json', 'InternetGateways', 'InternetGatewayId'],
  ['describe-nat-gateways.json', 'NatGateways', 'NatGatewayId'],
  ['describe-vpc-endpoints.json', 'VpcEndpoints', 'VpcEndpointId'],
  ['describe-vpc-peering-connections.json', 'VpcPeeringConnections', 'VpcPeeringConnectionId'],
  ['describe-transit-gateways.json', 'TransitGateways', 'TransitGatewayId'],
  ['describe-transit-gateway-attachments.json', 'TransitGatewayAttachments', 'TransitGatewayAttachmentId'],
  [
    'describe-transit-gateway-vpc-attachments.json',
    'TransitGatewayVpcAttachments',
    'TransitGatewayAttachmentId',
  ],
  [
    'describe-transit-gateway-peering-attachments.json',
    'TransitGatewayPeeringAttachments',
    'TransitGatewayAttachmentId',
  ],
  ['describe-transit-gateway-route-tables.json', 'TransitGatewayRouteTables', 'TransitGatewayRouteTableId'],
  ['elbv2-describe-load-balancers.json', 'LoadBalancers', 'LoadBalancerArn'],
  ['elbv2-describe-target-groups.json', 'TargetGroups', 'TargetGroupArn'],
];

/**
 * Each id once per document. The model indexes records by id, so a second record would silently replace
 * the first: an instance listed twice hides one of its states, or counts one failure twice.
 */
function assertUniqueIds(file: string, entries: Iterable<{ id: string; where: string }>): void {
  const seen = new Map<string, string>();
  for (const { id, where } of entries) {
    const first = seen.get(id);
    if (first !== undefined)
      throw new InventoryError(`${file}: ${where}: ${id} appears twice (first at ${first})`);
    seen.set(id, where);
  }
}

function* instanceIdPlaces(doc: {
  Reservations: readonly { Instances: readonly { InstanceId: string }[] }[];
}) {
  for (const [r, reservation] of doc.Reservations.entries())
    for (const [i, instance] of reservation.Instances.entries())
      yield { id: instance.InstanceId, where: `Reservations[${r}].Instances[${i}].InstanceId` };
}

function* idPlaces(doc: unknown, arrayKey: string, idKey: string) {
  const records = (doc as Record<string, readonly Record<string, string>[]>)[arrayKey] ?? [];
  for (const [i, record] of records.entries())
    yield { id: record[idKey]!, where: `${arrayKey}[${i}].${idKey}` };
}

export function parseInventory(raw: RawInventory): Inventory {
  for (const f of REQUIRED_FILES) {
    if (raw.documents[f] === undefined) throw new InventoryError(`${f}: missing (a required inventory file)`);
  }
  const d = raw.documents;
  const opt = <D extends Exclude<InventoryDocument, PerResourceDocument>>(kind: D) =>
    d[kind] === undefined ? undefined : parseDocument(kind, d[kind]);

  const instancesDocument = parseDocument('describe-instances.json', d['describe-instances.json']);
  assertUniqueIds('describe-instances.json', instanceIdPlaces(instancesDocument));
  const instances: Instance[] = instancesDocument.Reservations.flatMap((r) => r.Instances);
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
  const loadBalancing = parseLoadBalancing(raw);
  const vpcDnsAttributes = parseVpcDnsAttributes(raw);
  // After every document parsed: a malformed file is named before a duplicate in a later one.
  for (const [file, arrayKey, idKey] of UNIQUE_IDS)
    if (d[file] !== undefined) assertUniqueIds(file, idPlaces(d[file], arrayKey, idKey));
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
    ...(loadBalancing ? { loadBalancing } : {}),
    ...(vpcDnsAttributes.size > 0 ? { vpcDnsAttributes } : {}),
  };
}

/**
 * The VPCs' DNS attributes, one file per VPC and attribute: each must be the output of the call its name
 * says (that VPC, that attribute), since a copied file would otherwise answer for the wrong VPC.
 */
function parseVpcDnsAttributes(raw: RawInventory): Map<string, VpcDnsAttributes> {
  const out = new Map<string, { -readonly [K in keyof VpcDnsAttributes]: VpcDnsAttributes[K] }>();
  for (const [key, doc] of perResource('describe-vpc-attribute', raw.vpcAttributes)) {
    const attribute = VPC_DNS_ATTRIBUTES.find((a) => key.endsWith(`-${a}`))!;
    const vpcId = key.slice(0, -attribute.length - 1);
    const file = `describe-vpc-attribute/${key}.json`;
    if (doc.VpcId !== vpcId) throw new InventoryError(`${file}: VpcId is ${doc.VpcId}, not ${vpcId}`);
    const field = attribute === 'enableDnsSupport' ? doc.EnableDnsSupport : doc.EnableDnsHostnames;
    if (!field)
      throw new InventoryError(
        `${file}: no ${attribute[0]!.toUpperCase()}${attribute.slice(1)} (the output of --attribute ${attribute})`,
      );
    out.set(vpcId, { ...out.get(vpcId), [attribute]: field.Value });
  }
  return out;
}

const TARGET_GROUPS = { what: 'target group', file: 'elbv2-describe-target-groups.json' } as const;
const LOAD_BALANCERS = { what: 'load balancer', file: 'elbv2-describe-load-balancers.json' } as const;

/**
 * A per-resource directory whose files are named after what another file describes (target health and
 * attributes after target groups, listeners and attributes after load balancers): a file named after
 * nothing there is a typo or a stale file.
 */
function namedAfter<D extends PerResourceDocument>(
  kind: D,
  docs: ReadonlyMap<string, unknown> | undefined,
  known: ReadonlySet<string | undefined>,
  describedIn: { readonly what: string; readonly file: string },
): [string, output<(typeof documents)[D]>][] {
  const entries = perResource(kind, docs);
  const stray = entries.find(([name]) => !known.has(name));
  if (stray)
    throw new InventoryError(
      `${kind}/${stray[0]}.json: no ${describedIn.what} ${stray[0]} in ${describedIn.file}`,
    );
  return entries;
}

/** The elbv2 files, when any is there: without them, the inventory has no load balancers. */
function parseLoadBalancing(raw: RawInventory): LoadBalancing | undefined {
  const d = raw.documents;
  const files = [
    'elbv2-describe-load-balancers.json',
    'elbv2-describe-target-groups.json',
    'elbv2-describe-tags.json',
  ] as const;
  if (
    files.every((f) => d[f] === undefined) &&
    (raw.targetHealth?.size ?? 0) === 0 &&
    (raw.listeners?.size ?? 0) === 0 &&
    (raw.loadBalancerAttributes?.size ?? 0) === 0 &&
    (raw.targetGroupAttributes?.size ?? 0) === 0
  )
    return undefined;
  const opt = <D extends (typeof files)[number]>(kind: D) =>
    d[kind] === undefined ? undefined : parseDocument(kind, d[kind]);
  const targetGroups: TargetGroup[] = opt('elbv2-describe-target-groups.json')?.TargetGroups ?? [];
  const names = new Set(targetGroups.map((g) => g.TargetGroupName));
  const targetHealth = new Map<string, readonly TargetHealthDescription[]>(
    namedAfter('elbv2-describe-target-health', raw.targetHealth, names, TARGET_GROUPS).map(([name, doc]) => [
      name,
      doc.TargetHealthDescriptions,
    ]),
  );
  const loadBalancers: LoadBalancer[] = opt('elbv2-describe-load-balancers.json')?.LoadBalancers ?? [];
  const arnByName = new Map(loadBalancers.map((b) => [b.LoadBalancerName, b.LoadBalancerArn]));
  const loadBalancerNames = new Set(arnByName.keys());
  // Holding only the named load balancer's listeners: anything else is a misplaced file.
  const listeners = new Map<string, readonly Listener[]>();
  for (const [name, doc] of namedAfter(
    'elbv2-describe-listeners',
    raw.listeners,
    loadBalancerNames,
    LOAD_BALANCERS,
  )) {
    const arn = arnByName.get(name);
    const stray = doc.Listeners.findIndex((l) => l.LoadBalancerArn !== arn);
    if (stray >= 0)
      throw new InventoryError(
        `elbv2-describe-listeners/${name}.json: Listeners[${stray}].LoadBalancerArn: not ${name}'s ARN (${arn}), got ${doc.Listeners[stray]!.LoadBalancerArn}`,
      );
    listeners.set(name, doc.Listeners);
  }
  const attributes = (
    docs: [string, { Attributes: readonly { Key: string; Value?: string | undefined }[] }][],
  ) =>
    new Map<string, ReadonlyMap<string, string>>(
      docs.map(([name, doc]) => [
        name,
        new Map(doc.Attributes.flatMap((a) => (a.Value === undefined ? [] : [[a.Key, a.Value]]))),
      ]),
    );
  const loadBalancerAttributes = attributes(
    namedAfter(
      'elbv2-describe-load-balancer-attributes',
      raw.loadBalancerAttributes,
      loadBalancerNames,
      LOAD_BALANCERS,
    ),
  );
  const targetGroupAttributes = attributes(
    namedAfter('elbv2-describe-target-group-attributes', raw.targetGroupAttributes, names, TARGET_GROUPS),
  );
  return {
    loadBalancers,
    targetGroups,
    targetHealth,
    listeners,
    loadBalancerAttributes,
    targetGroupAttributes,
    tags: new Map(
      (opt('elbv2-describe-tags.json')?.TagDescriptions ?? []).map((t) => [t.ResourceArn, t.Tags ?? []]),
    ),
  };
}
