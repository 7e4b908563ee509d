/**
 * The in-memory inventory: what both the inventory directory (`aws ec2 describe-* --output json`) and the
 * live EC2 collector produce. Shapes are the EC2 API's PascalCase response shapes narrowed to the fields
 * port22 reads, so a reader can hold them against the AWS CLI output or the API reference. They are
 * declared here, not imported from @aws-sdk, because lambda/core is pure (DESIGN.md, "Layout").
 *
 * Identifying fields (`InstanceId`, `GroupId`, …) are required; the parser rejects a record without one.
 * Everything else is optional, as in the API: a missing list means "none".
 */

export interface Tag {
  readonly Key?: string;
  readonly Value?: string;
}

export interface GroupIdentifier {
  readonly GroupId: string;
  readonly GroupName?: string;
}

/** An IPv4 address on an ENI; `Association.PublicIp` is its public IPv4 / Elastic IP, if any. */
export interface PrivateIpAddressInfo {
  readonly PrivateIpAddress?: string;
  readonly Primary?: boolean;
  readonly Association?: { readonly PublicIp?: string; readonly IpOwnerId?: string };
}

export interface Ipv6AddressInfo {
  readonly Ipv6Address?: string;
}

/** What both ENI shapes below share: where the ENI sits, its addresses and its security groups. */
export interface EniAddressing {
  readonly NetworkInterfaceId: string;
  readonly SubnetId?: string;
  readonly VpcId?: string;
  readonly PrivateIpAddress?: string;
  readonly PrivateIpAddresses?: readonly PrivateIpAddressInfo[];
  readonly Association?: { readonly PublicIp?: string };
  readonly Ipv6Addresses?: readonly Ipv6AddressInfo[];
  readonly Groups?: readonly GroupIdentifier[];
}

export interface EniAttachment {
  readonly DeviceIndex?: number;
  readonly Status?: string;
  readonly AttachmentId?: string;
}

/** An ENI as DescribeInstances nests it under `Instances[].NetworkInterfaces`. */
export interface InstanceNetworkInterface extends EniAddressing {
  readonly Attachment?: EniAttachment;
  readonly Status?: string;
  readonly SourceDestCheck?: boolean;
}

export type InstanceStateName =
  | 'pending'
  | 'running'
  | 'shutting-down'
  | 'terminated'
  | 'stopping'
  | 'stopped';

/** One entry of DescribeInstances `Reservations[].Instances[]` (the model flattens the reservations). */
export interface Instance {
  readonly InstanceId: string;
  readonly InstanceType?: string;
  /** The AMI: one of the CloudWatch agent's default dimensions, so memory can be found under it. */
  readonly ImageId?: string;
  readonly State?: { readonly Name?: string; readonly Code?: number };
  readonly SubnetId?: string;
  readonly VpcId?: string;
  readonly PrivateIpAddress?: string;
  readonly PublicIpAddress?: string;
  /** The primary IPv6 address (newer API output); the ENIs' `Ipv6Addresses` are authoritative. */
  readonly Ipv6Address?: string;
  readonly NetworkInterfaces?: readonly InstanceNetworkInterface[];
  readonly SecurityGroups?: readonly GroupIdentifier[];
  readonly Tags?: readonly Tag[];
  readonly Placement?: { readonly AvailabilityZone?: string };
  readonly Platform?: string;
}

export interface IpRange {
  readonly CidrIp: string;
  readonly Description?: string;
}
export interface Ipv6Range {
  readonly CidrIpv6: string;
  readonly Description?: string;
}
export interface PrefixListId {
  readonly PrefixListId: string;
  readonly Description?: string;
}
/** A reference to another security group, possibly in a peered VPC or another account. */
export interface UserIdGroupPair {
  readonly GroupId?: string;
  readonly GroupName?: string;
  readonly UserId?: string;
  readonly VpcId?: string;
  readonly VpcPeeringConnectionId?: string;
  readonly PeeringStatus?: string;
  readonly Description?: string;
}

/**
 * One security group rule. `IpProtocol` is `tcp`/`udp`/`icmp`/`icmpv6`, a protocol number as a string
 * (`"6"`), or `"-1"` for all traffic (then FromPort/ToPort are absent or -1).
 */
export interface IpPermission {
  readonly IpProtocol: string;
  readonly FromPort?: number;
  readonly ToPort?: number;
  readonly IpRanges?: readonly IpRange[];
  readonly Ipv6Ranges?: readonly Ipv6Range[];
  readonly PrefixListIds?: readonly PrefixListId[];
  readonly UserIdGroupPairs?: readonly UserIdGroupPair[];
}

export interface SecurityGroup {
  readonly GroupId: string;
  readonly GroupName?: string;
  readonly VpcId?: string;
  readonly OwnerId?: string;
  readonly Description?: string;
  readonly IpPermissions?: readonly IpPermission[];
  readonly IpPermissionsEgress?: readonly IpPermission[];
  readonly Tags?: readonly Tag[];
}

export interface Ipv6CidrBlockAssociation {
  readonly Ipv6CidrBlock?: string;
  readonly AssociationId?: string;
  readonly Ipv6CidrBlockState?: { readonly State?: string };
}

export interface Subnet {
  readonly SubnetId: string;
  readonly VpcId?: string;
  readonly CidrBlock?: string;
  readonly Ipv6CidrBlockAssociationSet?: readonly Ipv6CidrBlockAssociation[];
  readonly MapPublicIpOnLaunch?: boolean;
  readonly AssignIpv6AddressOnCreation?: boolean;
  readonly AvailabilityZone?: string;
  readonly OwnerId?: string;
  readonly Tags?: readonly Tag[];
}

/**
 * One network ACL entry. `Protocol` is a protocol number as a string (`"6"` TCP, `"-1"` all);
 * exactly one of `CidrBlock` / `Ipv6CidrBlock` is set. Rule 32767 is the default `*` deny.
 */
export interface NetworkAclEntry {
  readonly RuleNumber: number;
  readonly Protocol: string;
  readonly RuleAction: 'allow' | 'deny';
  readonly Egress: boolean;
  readonly CidrBlock?: string;
  readonly Ipv6CidrBlock?: string;
  readonly PortRange?: { readonly From?: number; readonly To?: number };
  readonly IcmpTypeCode?: { readonly Code?: number; readonly Type?: number };
}

export interface NetworkAclAssociation {
  readonly NetworkAclAssociationId?: string;
  readonly NetworkAclId?: string;
  readonly SubnetId?: string;
}

export interface NetworkAcl {
  readonly NetworkAclId: string;
  readonly VpcId?: string;
  readonly IsDefault?: boolean;
  readonly Entries?: readonly NetworkAclEntry[];
  readonly Associations?: readonly NetworkAclAssociation[];
  readonly OwnerId?: string;
  readonly Tags?: readonly Tag[];
}

/** One route. Exactly one destination field and (usually) one target field are set. */
export interface Route {
  readonly DestinationCidrBlock?: string;
  readonly DestinationIpv6CidrBlock?: string;
  readonly DestinationPrefixListId?: string;
  /** `local`, `igw-…` or `vgw-…`. */
  readonly GatewayId?: string;
  readonly NatGatewayId?: string;
  readonly TransitGatewayId?: string;
  readonly VpcPeeringConnectionId?: string;
  readonly EgressOnlyInternetGatewayId?: string;
  readonly NetworkInterfaceId?: string;
  readonly InstanceId?: string;
  readonly LocalGatewayId?: string;
  readonly CarrierGatewayId?: string;
  readonly CoreNetworkArn?: string;
  /** A Gateway Load Balancer endpoint (`vpce-…`; Network Firewall endpoints are ones). */
  readonly VpcEndpointId?: string;
  /** `active` or `blackhole` (the target is gone). */
  readonly State?: string;
  readonly Origin?: string;
}

export interface RouteTableAssociation {
  readonly Main?: boolean;
  readonly SubnetId?: string;
  readonly GatewayId?: string;
  readonly RouteTableAssociationId?: string;
  readonly RouteTableId?: string;
  readonly AssociationState?: { readonly State?: string };
}

export interface RouteTable {
  readonly RouteTableId: string;
  readonly VpcId?: string;
  readonly Routes?: readonly Route[];
  readonly Associations?: readonly RouteTableAssociation[];
  readonly OwnerId?: string;
  readonly Tags?: readonly Tag[];
}

export interface Vpc {
  readonly VpcId: string;
  readonly CidrBlock?: string;
  /** Every IPv4 block ever associated; only those whose state is `associated` belong to the VPC now. */
  readonly CidrBlockAssociationSet?: readonly {
    readonly CidrBlock?: string;
    readonly CidrBlockState?: { readonly State?: string };
  }[];
  readonly Ipv6CidrBlockAssociationSet?: readonly Ipv6CidrBlockAssociation[];
  readonly IsDefault?: boolean;
  readonly OwnerId?: string;
  readonly Tags?: readonly Tag[];
}

/**
 * A VPC's DNS attributes, as DescribeVpcAttribute gives them (one call per attribute): an attribute not read
 * is undefined, never false.
 */
export interface VpcDnsAttributes {
  /** The Amazon-provided DNS server answers in the VPC. */
  readonly enableDnsSupport?: boolean;
  /** The VPC's network interfaces get DNS hostnames; with the other, private hosted zones resolve. */
  readonly enableDnsHostnames?: boolean;
}

/** An ENI as DescribeNetworkInterfaces returns it (also covers ENIs of Lambda, NAT gateways, ELBs). */
export interface NetworkInterface extends EniAddressing {
  readonly Attachment?: EniAttachment & { readonly InstanceId?: string };
  readonly InterfaceType?: string;
  readonly Status?: string;
  readonly Description?: string;
  readonly RequesterManaged?: boolean;
  readonly SourceDestCheck?: boolean;
  readonly OwnerId?: string;
  readonly TagSet?: readonly Tag[];
}

export interface ManagedPrefixList {
  readonly PrefixListId: string;
  readonly PrefixListName?: string;
  /** `IPv4` or `IPv6`. */
  readonly AddressFamily?: string;
  readonly MaxEntries?: number;
  readonly State?: string;
  readonly Version?: number;
  readonly OwnerId?: string;
}

export interface PrefixListEntry {
  readonly Cidr: string;
  readonly Description?: string;
}

/** One entry of DescribeInstanceStatus `InstanceStatuses[]` (with `--include-all-instances`). */
export interface InstanceStatus {
  readonly InstanceId: string;
  readonly AvailabilityZone?: string;
  readonly InstanceState?: { readonly Name?: string; readonly Code?: number };
  readonly SystemStatus?: { readonly Status?: string };
  readonly InstanceStatus?: { readonly Status?: string };
}

export interface InternetGateway {
  readonly InternetGatewayId: string;
  /** `State` is `available` while attached (`attaching`, `detaching`, `detached` otherwise). */
  readonly Attachments?: readonly { readonly State?: string; readonly VpcId?: string }[];
  readonly OwnerId?: string;
  readonly Tags?: readonly Tag[];
}

/** One address of a NAT gateway: for a public NAT gateway, `PublicIp` is what the far end sees. */
export interface NatGatewayAddress {
  readonly AllocationId?: string;
  readonly NetworkInterfaceId?: string;
  readonly PrivateIp?: string;
  readonly PublicIp?: string;
  readonly AssociationId?: string;
  readonly IsPrimary?: boolean;
  readonly Status?: string;
}

export interface NatGateway {
  readonly NatGatewayId: string;
  readonly VpcId?: string;
  readonly SubnetId?: string;
  /** `pending`, `failed`, `available`, `deleting`, `deleted`. */
  readonly State?: string;
  /** `public` or `private`. */
  readonly ConnectivityType?: string;
  readonly NatGatewayAddresses?: readonly NatGatewayAddress[];
  readonly Tags?: readonly Tag[];
}

/** An Elastic IP address (DescribeAddresses `Addresses[]`). */
export interface Address {
  readonly AllocationId?: string;
  readonly PublicIp?: string;
  readonly AssociationId?: string;
  readonly Domain?: string;
  readonly InstanceId?: string;
  readonly NetworkInterfaceId?: string;
  readonly NetworkInterfaceOwnerId?: string;
  readonly PrivateIpAddress?: string;
  readonly PublicIpv4Pool?: string;
  readonly NetworkBorderGroup?: string;
  readonly Tags?: readonly Tag[];
}

export interface VpcEndpoint {
  readonly VpcEndpointId: string;
  /** `Interface`, `Gateway`, `GatewayLoadBalancer` (Network Firewall endpoints are of this type), … */
  readonly VpcEndpointType?: string;
  readonly VpcId?: string;
  readonly ServiceName?: string;
  /** Lower-case in the API: `available`, `pendingAcceptance`, `deleted`, … */
  readonly State?: string;
  readonly RouteTableIds?: readonly string[];
  readonly SubnetIds?: readonly string[];
  /**
   * Interface endpoints: whether the service's default hostname resolves to the endpoint inside the VPC
   * (AWS PrivateLink Guide, "DNS hostnames"); without it, SDK calls go to the public endpoint.
   */
  readonly PrivateDnsEnabled?: boolean;
  readonly Groups?: readonly GroupIdentifier[];
  readonly NetworkInterfaceIds?: readonly string[];
  readonly OwnerId?: string;
  readonly Tags?: readonly Tag[];
}

/** One side of a peering connection: its VPC, owner, Region and the CIDR blocks the peering covers. */
export interface VpcPeeringConnectionVpcInfo {
  readonly VpcId?: string;
  readonly OwnerId?: string;
  readonly Region?: string;
  readonly CidrBlock?: string;
  readonly CidrBlockSet?: readonly { readonly CidrBlock?: string }[];
  readonly Ipv6CidrBlockSet?: readonly { readonly Ipv6CidrBlock?: string }[];
  readonly PeeringOptions?: {
    readonly AllowDnsResolutionFromRemoteVpc?: boolean;
    readonly AllowEgressFromLocalClassicLinkToRemoteVpc?: boolean;
    readonly AllowEgressFromLocalVpcToRemoteClassicLink?: boolean;
  };
}

export interface VpcPeeringConnection {
  readonly VpcPeeringConnectionId: string;
  readonly AccepterVpcInfo?: VpcPeeringConnectionVpcInfo;
  readonly RequesterVpcInfo?: VpcPeeringConnectionVpcInfo;
  /** `Code` is `active` only once accepted (`pending-acceptance`, `rejected`, `deleted`, … otherwise). */
  readonly Status?: { readonly Code?: string; readonly Message?: string };
  readonly Tags?: readonly Tag[];
}

export interface TransitGateway {
  readonly TransitGatewayId: string;
  readonly TransitGatewayArn?: string;
  readonly State?: string;
  readonly OwnerId?: string;
  readonly Description?: string;
  readonly Options?: {
    readonly AmazonSideAsn?: number;
    readonly TransitGatewayCidrBlocks?: readonly string[];
    readonly AutoAcceptSharedAttachments?: string;
    readonly DefaultRouteTableAssociation?: string;
    readonly AssociationDefaultRouteTableId?: string;
    readonly DefaultRouteTablePropagation?: string;
    readonly PropagationDefaultRouteTableId?: string;
    readonly VpnEcmpSupport?: string;
    readonly DnsSupport?: string;
    readonly SecurityGroupReferencingSupport?: string;
    readonly MulticastSupport?: string;
  };
  readonly Tags?: readonly Tag[];
}

/** Any attachment (DescribeTransitGatewayAttachments), with the route table it is associated with. */
export interface TransitGatewayAttachment {
  readonly TransitGatewayAttachmentId: string;
  readonly TransitGatewayId?: string;
  readonly TransitGatewayOwnerId?: string;
  readonly ResourceOwnerId?: string;
  /** `vpc`, `vpn`, `direct-connect-gateway`, `connect`, `peering`, `tgw-peering`, `network-function`, … */
  readonly ResourceType?: string;
  readonly ResourceId?: string;
  readonly State?: string;
  /** The route table that decides where traffic *from* this attachment goes. */
  readonly Association?: {
    readonly TransitGatewayRouteTableId?: string;
    readonly State?: string;
  };
  readonly Tags?: readonly Tag[];
}

/** A VPC attachment: the subnets it has (one per Availability Zone it serves). */
export interface TransitGatewayVpcAttachment {
  readonly TransitGatewayAttachmentId: string;
  readonly TransitGatewayId?: string;
  readonly VpcId?: string;
  readonly VpcOwnerId?: string;
  readonly State?: string;
  readonly SubnetIds?: readonly string[];
  readonly Options?: {
    readonly DnsSupport?: string;
    readonly SecurityGroupReferencingSupport?: string;
    readonly Ipv6Support?: string;
    readonly ApplianceModeSupport?: string;
  };
  readonly Tags?: readonly Tag[];
}

export interface PeeringTgwInfo {
  readonly TransitGatewayId?: string;
  readonly CoreNetworkId?: string;
  readonly OwnerId?: string;
  readonly Region?: string;
}

export interface TransitGatewayPeeringAttachment {
  readonly TransitGatewayAttachmentId: string;
  readonly AccepterTransitGatewayAttachmentId?: string;
  readonly RequesterTgwInfo?: PeeringTgwInfo;
  readonly AccepterTgwInfo?: PeeringTgwInfo;
  readonly Status?: { readonly Code?: string; readonly Message?: string };
  readonly State?: string;
  readonly Tags?: readonly Tag[];
}

export interface TransitGatewayRouteTable {
  readonly TransitGatewayRouteTableId: string;
  readonly TransitGatewayId?: string;
  readonly State?: string;
  readonly DefaultAssociationRouteTable?: boolean;
  readonly DefaultPropagationRouteTable?: boolean;
  readonly Tags?: readonly Tag[];
}

/** An attachment that propagates its routes (for a VPC: its CIDRs) into a TGW route table. */
export interface TransitGatewayRouteTablePropagation {
  readonly TransitGatewayAttachmentId?: string;
  readonly ResourceId?: string;
  readonly ResourceType?: string;
  /** `enabling`, `enabled`, `disabling`, `disabled`. */
  readonly State?: string;
}

/** A TGW route (SearchTransitGatewayRoutes `Routes[]`); a blackhole route has no attachments. */
export interface TransitGatewayRoute {
  readonly DestinationCidrBlock?: string;
  readonly PrefixListId?: string;
  readonly TransitGatewayAttachments?: readonly {
    readonly ResourceId?: string;
    readonly TransitGatewayAttachmentId?: string;
    readonly ResourceType?: string;
  }[];
  /** `static` or `propagated`. */
  readonly Type?: string;
  /** `active`, `blackhole`, `pending`, `deleting`, `deleted`. */
  readonly State?: string;
}

/** The Region's VPC Block Public Access setting (DescribeVpcBlockPublicAccessOptions). */
export interface VpcBlockPublicAccessOptions {
  readonly AwsAccountId?: string;
  readonly AwsRegion?: string;
  /** `default-state`, `update-in-progress`, `update-complete`. */
  readonly State?: string;
  /** `off`, `block-bidirectional`, `block-ingress`. */
  readonly InternetGatewayBlockMode?: string;
  readonly ExclusionsAllowed?: string;
  readonly ManagedBy?: string;
}

export interface VpcBlockPublicAccessExclusion {
  readonly ExclusionId: string;
  /** `allow-bidirectional` or `allow-egress`. */
  readonly InternetGatewayExclusionMode?: string;
  /** The excluded VPC or subnet (`arn:aws:ec2:…:vpc/vpc-…` or `…:subnet/subnet-…`). */
  readonly ResourceArn?: string;
  readonly State?: string;
  readonly Reason?: string;
  readonly Tags?: readonly Tag[];
}

// AWS Network Firewall: `aws network-firewall describe-firewall` / `describe-firewall-policy` /
// `describe-rule-group` output, narrowed to what decides whether a flow passes.

export interface NetworkFirewallTag {
  readonly Key: string;
  readonly Value: string;
}

/** DescribeFirewall output: the firewall, and per Availability Zone the endpoint (`vpce-…`) in its subnet. */
export interface NetworkFirewallDescription {
  readonly UpdateToken?: string;
  readonly Firewall: {
    readonly FirewallName?: string;
    readonly FirewallArn?: string;
    readonly FirewallId: string;
    readonly FirewallPolicyArn: string;
    readonly VpcId: string;
    readonly SubnetMappings: readonly { readonly SubnetId: string; readonly IPAddressType?: string }[];
    readonly DeleteProtection?: boolean;
    readonly Description?: string;
    readonly Tags?: readonly NetworkFirewallTag[];
  };
  readonly FirewallStatus?: {
    readonly Status: string;
    readonly ConfigurationSyncStateSummary: string;
    readonly SyncStates?: Readonly<
      Record<
        string,
        {
          readonly Attachment?: {
            readonly SubnetId?: string;
            readonly EndpointId?: string;
            readonly Status?: string;
            readonly StatusMessage?: string;
          };
        }
      >
    >;
  };
}

/** `Definition` holds CIDRs (IP sets) or ports and ranges (`"22"`, `"1024:65535"`) (port sets). */
export interface NetworkFirewallSet {
  readonly Definition?: readonly string[];
}

export interface NetworkFirewallPolicyDescription {
  readonly UpdateToken?: string;
  readonly FirewallPolicyResponse: {
    readonly FirewallPolicyName: string;
    readonly FirewallPolicyArn: string;
    readonly FirewallPolicyId: string;
    readonly Description?: string;
    readonly FirewallPolicyStatus?: string;
    readonly Tags?: readonly NetworkFirewallTag[];
  };
  readonly FirewallPolicy?: {
    readonly StatelessRuleGroupReferences?: readonly {
      readonly ResourceArn: string;
      readonly Priority: number;
    }[];
    /** `aws:pass`, `aws:drop`, `aws:forward_to_sfe`, or a custom action name. */
    readonly StatelessDefaultActions: readonly string[];
    readonly StatelessFragmentDefaultActions: readonly string[];
    readonly StatefulRuleGroupReferences?: readonly {
      readonly ResourceArn: string;
      readonly Priority?: number;
      readonly Override?: { readonly Action?: string };
    }[];
    /** With strict order: `aws:drop_strict`, `aws:drop_established`, `aws:alert_strict`, `aws:alert_established`. */
    readonly StatefulDefaultActions?: readonly string[];
    readonly StatefulEngineOptions?: {
      /** `DEFAULT_ACTION_ORDER` or `STRICT_ORDER`. */
      readonly RuleOrder?: string;
      readonly StreamExceptionPolicy?: string;
    };
    readonly PolicyVariables?: { readonly RuleVariables?: Readonly<Record<string, NetworkFirewallSet>> };
  };
}

/** A stateless rule's match: absent lists match everything. */
export interface NetworkFirewallMatchAttributes {
  readonly Sources?: readonly { readonly AddressDefinition: string }[];
  readonly Destinations?: readonly { readonly AddressDefinition: string }[];
  readonly SourcePorts?: readonly { readonly FromPort: number; readonly ToPort: number }[];
  readonly DestinationPorts?: readonly { readonly FromPort: number; readonly ToPort: number }[];
  /** IANA protocol numbers (6 for TCP). */
  readonly Protocols?: readonly number[];
  readonly TCPFlags?: readonly { readonly Flags: readonly string[]; readonly Masks?: readonly string[] }[];
}

/** A stateful 5-tuple rule (Suricata-compatible; `Action` is `PASS`, `DROP`, `ALERT`, `REJECT`, …). */
export interface NetworkFirewallStatefulRule {
  readonly Action: string;
  readonly Header: {
    readonly Protocol: string;
    readonly Source: string;
    readonly SourcePort: string;
    /** `FORWARD` or `ANY`. */
    readonly Direction: string;
    readonly Destination: string;
    readonly DestinationPort: string;
  };
  readonly RuleOptions: readonly { readonly Keyword: string; readonly Settings?: readonly string[] }[];
}

export interface NetworkFirewallRuleGroupDescription {
  readonly UpdateToken?: string;
  readonly RuleGroupResponse: {
    readonly RuleGroupArn: string;
    readonly RuleGroupName: string;
    readonly RuleGroupId: string;
    /** `STATELESS` or `STATEFUL`. */
    readonly Type?: string;
    readonly Capacity?: number;
    readonly RuleGroupStatus?: string;
    readonly Description?: string;
    readonly Tags?: readonly NetworkFirewallTag[];
  };
  readonly RuleGroup?: {
    readonly RuleVariables?: {
      readonly IPSets?: Readonly<Record<string, NetworkFirewallSet>>;
      readonly PortSets?: Readonly<Record<string, NetworkFirewallSet>>;
    };
    readonly ReferenceSets?: {
      readonly IPSetReferences?: Readonly<Record<string, { readonly ReferenceArn?: string }>>;
    };
    /** Exactly one of the four sources is set. */
    readonly RulesSource: {
      /** Suricata rules as written. */
      readonly RulesString?: string;
      /** A domain list: HTTP/TLS only, so it never decides an SSH flow. */
      readonly RulesSourceList?: {
        readonly Targets: readonly string[];
        readonly TargetTypes: readonly string[];
        readonly GeneratedRulesType: string;
      };
      readonly StatefulRules?: readonly NetworkFirewallStatefulRule[];
      readonly StatelessRulesAndCustomActions?: {
        readonly StatelessRules: readonly {
          readonly Priority: number;
          readonly RuleDefinition: {
            readonly MatchAttributes: NetworkFirewallMatchAttributes;
            readonly Actions: readonly string[];
          };
        }[];
        readonly CustomActions?: readonly { readonly ActionName: string }[];
      };
    };
    readonly StatefulRuleOptions?: { readonly RuleOrder?: string };
  };
}

/**
 * Elastic Load Balancing (the `elbv2` API): `aws elbv2 describe-load-balancers`, `describe-target-groups`,
 * `describe-target-health` and `describe-tags`, narrowed to what port22 reads about SSH behind a Network
 * Load Balancer.
 */
export interface LoadBalancerAddress {
  /** The static address clients use (an Elastic IP for an internet-facing NLB). */
  readonly IpAddress?: string;
  readonly AllocationId?: string;
  /** "[Network Load Balancers] The private IPv4 address for an internal load balancer." */
  readonly PrivateIPv4Address?: string;
  readonly IPv6Address?: string;
}

export interface LoadBalancer {
  readonly LoadBalancerArn: string;
  readonly LoadBalancerName?: string;
  readonly DNSName?: string;
  /** `internet-facing` or `internal`. */
  readonly Scheme?: string;
  /** `network`, `application` or `gateway`. */
  readonly Type?: string;
  readonly VpcId?: string;
  readonly State?: { readonly Code?: string; readonly Reason?: string };
  readonly AvailabilityZones?: readonly {
    readonly ZoneName?: string;
    readonly SubnetId?: string;
    readonly LoadBalancerAddresses?: readonly LoadBalancerAddress[];
  }[];
  /** A Network Load Balancer created with security groups has them; one created without never will. */
  readonly SecurityGroups?: readonly string[];
  readonly IpAddressType?: string;
}

export interface TargetGroup {
  readonly TargetGroupArn: string;
  readonly TargetGroupName: string;
  /** `TCP`, `TLS`, `UDP`, `TCP_UDP` on a Network Load Balancer. */
  readonly Protocol?: string;
  readonly Port?: number;
  readonly VpcId?: string;
  /** `instance`, `ip`, `lambda` or `alb`. */
  readonly TargetType?: string;
  readonly LoadBalancerArns?: readonly string[];
  readonly HealthCheckEnabled?: boolean;
  readonly HealthCheckProtocol?: string;
  /** `traffic-port` (the target's own port) or a port number as a string. */
  readonly HealthCheckPort?: string;
  readonly HealthCheckIntervalSeconds?: number;
  readonly HealthCheckTimeoutSeconds?: number;
  readonly HealthyThresholdCount?: number;
  readonly UnhealthyThresholdCount?: number;
}

export interface TargetHealthDescription {
  readonly Target: { readonly Id: string; readonly Port?: number; readonly AvailabilityZone?: string };
  readonly HealthCheckPort?: string;
  readonly TargetHealth?: {
    /** `initial`, `healthy`, `unhealthy`, `unhealthy.draining`, `unused`, `draining`, `unavailable`. */
    readonly State?: string;
    /** `Target.FailedHealthChecks`, `Target.NotInUse`, `Elb.InitialHealthChecking`, … */
    readonly Reason?: string;
    readonly Description?: string;
  };
}

/**
 * A listener (DescribeListeners): the port and protocol the load balancer accepts clients on, and where its
 * default action forwards them. A forward action names one target group in `TargetGroupArn`, or weighted
 * target groups in `ForwardConfig` (a Network Load Balancer allows only one there).
 */
export interface Listener {
  readonly ListenerArn: string;
  readonly LoadBalancerArn: string;
  readonly Port?: number;
  /** `TCP`, `TLS`, `UDP`, `TCP_UDP` (and `QUIC`, `TCP_QUIC`) on a Network Load Balancer. */
  readonly Protocol?: string;
  readonly DefaultActions?: readonly {
    /** `forward` on a Network Load Balancer. */
    readonly Type?: string;
    readonly TargetGroupArn?: string;
    readonly ForwardConfig?: {
      readonly TargetGroups?: readonly { readonly TargetGroupArn?: string; readonly Weight?: number }[];
    };
  }[];
}

/** The load balancers, their target groups, each group's target health and tags. */
export interface LoadBalancing {
  readonly loadBalancers: readonly LoadBalancer[];
  readonly targetGroups: readonly TargetGroup[];
  /**
   * Target group name → DescribeTargetHealth output. A group without an entry is one whose targets'
   * health is unknown, not one without targets.
   */
  readonly targetHealth: ReadonlyMap<string, readonly TargetHealthDescription[]>;
  /** Resource ARN → its tags (DescribeTags). */
  readonly tags: ReadonlyMap<string, readonly Tag[]>;
  /**
   * Load balancer name → its listeners (DescribeListeners). A load balancer without an entry has listeners
   * port22 does not know, so they are not probed.
   * @default none
   */
  readonly listeners?: ReadonlyMap<string, readonly Listener[]>;
  /**
   * Load balancer name → its attributes by key (DescribeLoadBalancerAttributes). A load balancer without an
   * entry has attributes port22 does not know (cross-zone load balancing unknown).
   * @default none
   */
  readonly loadBalancerAttributes?: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /**
   * Target group name → its attributes by key (DescribeTargetGroupAttributes); absent: unknown.
   * @default none
   */
  readonly targetGroupAttributes?: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/** Everything port22 knows about a region's network, from files or from the API. */
export interface Inventory {
  readonly instances: readonly Instance[];
  readonly securityGroups: readonly SecurityGroup[];
  readonly subnets: readonly Subnet[];
  readonly networkAcls: readonly NetworkAcl[];
  readonly routeTables: readonly RouteTable[];
  readonly vpcs: readonly Vpc[];
  /**
   * `vpc-…` → its DNS attributes (describe-vpc-attribute/<vpc-id>-<attribute>.json; the live collector reads
   * both for every VPC). @default none read: a private DNS endpoint's path notes that they were not
   */
  readonly vpcDnsAttributes?: ReadonlyMap<string, VpcDnsAttributes>;
  /** DescribeNetworkInterfaces output; ENIs nested in `instances` need not be repeated here. */
  readonly networkInterfaces: readonly NetworkInterface[];
  /** DescribeManagedPrefixLists output (metadata: name, address family). */
  readonly managedPrefixLists: readonly ManagedPrefixList[];
  /** Entries per prefix list id (GetManagedPrefixListEntries), `pl-…` → CIDRs. */
  readonly prefixLists: ReadonlyMap<string, readonly PrefixListEntry[]>;
  readonly instanceStatuses: readonly InstanceStatus[];
  readonly internetGateways: readonly InternetGateway[];
  readonly natGateways: readonly NatGateway[];
  /** Elastic IP addresses (DescribeAddresses). */
  readonly addresses: readonly Address[];
  readonly vpcEndpoints: readonly VpcEndpoint[];
  readonly vpcPeeringConnections: readonly VpcPeeringConnection[];
  readonly transitGateways: readonly TransitGateway[];
  /** Every attachment with its route-table `Association` (DescribeTransitGatewayAttachments). */
  readonly transitGatewayAttachments: readonly TransitGatewayAttachment[];
  readonly transitGatewayVpcAttachments: readonly TransitGatewayVpcAttachment[];
  readonly transitGatewayPeeringAttachments: readonly TransitGatewayPeeringAttachment[];
  readonly transitGatewayRouteTables: readonly TransitGatewayRouteTable[];
  /**
   * `tgw-rtb-…` → its propagations (GetTransitGatewayRouteTablePropagations). A table without an entry is
   * one whose propagations are unknown, not one without propagations.
   */
  readonly transitGatewayRouteTablePropagations: ReadonlyMap<
    string,
    readonly TransitGatewayRouteTablePropagation[]
  >;
  /**
   * `tgw-rtb-…` → its static routes (SearchTransitGatewayRoutes with `type=static`); propagated routes are
   * derived from the propagations. A table without an entry is one whose static routes are unknown.
   */
  readonly transitGatewayStaticRoutes: ReadonlyMap<string, readonly TransitGatewayRoute[]>;
  /**
   * The Region's Block Public Access setting. Every Region has one (`off` by default), so `undefined`
   * means "not known", never "off".
   */
  readonly vpcBlockPublicAccessOptions?: VpcBlockPublicAccessOptions;
  readonly vpcBlockPublicAccessExclusions: readonly VpcBlockPublicAccessExclusion[];
  /** DescribeFirewall output per firewall, in firewall-name order. */
  readonly networkFirewalls: readonly NetworkFirewallDescription[];
  /** DescribeFirewallPolicy output per policy, in policy-name order; firewalls name theirs by ARN. */
  readonly networkFirewallPolicies: readonly NetworkFirewallPolicyDescription[];
  /** DescribeRuleGroup output per rule group, in rule-group-name order; policies name them by ARN. */
  readonly networkFirewallRuleGroups: readonly NetworkFirewallRuleGroupDescription[];
  /**
   * Elastic Load Balancing, when read: SSH behind a Network Load Balancer (docs/load-balancers.md).
   * @default none: no load balancers
   */
  readonly loadBalancing?: LoadBalancing;
  /**
   * Optional inventory files that were not there although AWS always has their data (parse.ts,
   * ALWAYS_SOMETHING_FILES), so that a verdict needing it can name the file. The live collector makes
   * every call: none.
   * @default none
   */
  readonly absentFiles?: readonly string[];
}

/** An inventory with nothing in it; spread over it to build small ones in tests. */
export function emptyInventory(): Inventory {
  return {
    instances: [],
    securityGroups: [],
    subnets: [],
    networkAcls: [],
    routeTables: [],
    vpcs: [],
    networkInterfaces: [],
    managedPrefixLists: [],
    prefixLists: new Map(),
    instanceStatuses: [],
    internetGateways: [],
    natGateways: [],
    addresses: [],
    vpcEndpoints: [],
    vpcPeeringConnections: [],
    transitGateways: [],
    transitGatewayAttachments: [],
    transitGatewayVpcAttachments: [],
    transitGatewayPeeringAttachments: [],
    transitGatewayRouteTables: [],
    transitGatewayRouteTablePropagations: new Map(),
    transitGatewayStaticRoutes: new Map(),
    vpcBlockPublicAccessExclusions: [],
    networkFirewalls: [],
    networkFirewallPolicies: [],
    networkFirewallRuleGroups: [],
  };
}

/** An ENI in one shape whichever call it came from, with the instance it is attached to. */
export interface Eni {
  readonly NetworkInterfaceId: string;
  readonly SubnetId?: string;
  readonly VpcId?: string;
  readonly PrivateIpAddress?: string;
  readonly PrivateIpAddresses: readonly PrivateIpAddressInfo[];
  readonly PublicIp?: string;
  readonly Ipv6Addresses: readonly string[];
  readonly GroupIds: readonly string[];
  readonly InstanceId?: string;
  readonly DeviceIndex?: number;
}

/** Lookups by id, built once per inventory (everything the evaluators need in O(1)). */
export interface InventoryIndex {
  readonly inventory: Inventory;
  readonly instances: ReadonlyMap<string, Instance>;
  readonly securityGroups: ReadonlyMap<string, SecurityGroup>;
  readonly subnets: ReadonlyMap<string, Subnet>;
  readonly vpcs: ReadonlyMap<string, Vpc>;
  readonly instanceStatuses: ReadonlyMap<string, InstanceStatus>;
  /** Every ENI, from DescribeNetworkInterfaces and from the instances (the latter win on conflict). */
  readonly enis: ReadonlyMap<string, Eni>;
  /** ENIs of each security group (for `UserIdGroupPairs` references). */
  readonly enisByGroup: ReadonlyMap<string, readonly Eni[]>;
  /** The instance's primary ENI (device index 0), or its first. */
  readonly primaryEniByInstance: ReadonlyMap<string, Eni>;
  /** The network ACL of a subnet: its explicit association, else its VPC's default ACL. */
  networkAclForSubnet(subnetId: string): NetworkAcl | undefined;
  /** The route table of a subnet: its explicit association, else its VPC's main route table. */
  routeTableForSubnet(subnetId: string): RouteTable | undefined;
}

function byId<T, K extends keyof T>(items: readonly T[], key: K): Map<string, T> {
  const m = new Map<string, T>();
  for (const item of items) m.set(item[key] as unknown as string, item);
  return m;
}

/** An ENI of either shape; one nested in an instance takes the instance's subnet and VPC if it names none. */
function eniOf(n: InstanceNetworkInterface, instanceId: string | undefined, i?: Instance): Eni {
  return {
    NetworkInterfaceId: n.NetworkInterfaceId,
    SubnetId: n.SubnetId ?? i?.SubnetId,
    VpcId: n.VpcId ?? i?.VpcId,
    PrivateIpAddress: n.PrivateIpAddress,
    PrivateIpAddresses: n.PrivateIpAddresses ?? [],
    PublicIp: n.Association?.PublicIp,
    Ipv6Addresses: (n.Ipv6Addresses ?? []).flatMap((a) => (a.Ipv6Address ? [a.Ipv6Address] : [])),
    GroupIds: (n.Groups ?? []).map((g) => g.GroupId),
    InstanceId: instanceId,
    DeviceIndex: n.Attachment?.DeviceIndex,
  };
}

/**
 * An instance described without `NetworkInterfaces` (hand-written or trimmed JSON) still has one ENI:
 * its top-level address, groups and subnet stand for the primary ENI.
 */
function syntheticPrimaryEni(i: Instance): Eni {
  return {
    NetworkInterfaceId: `eni-of-${i.InstanceId}`,
    SubnetId: i.SubnetId,
    VpcId: i.VpcId,
    PrivateIpAddress: i.PrivateIpAddress,
    PrivateIpAddresses: i.PrivateIpAddress ? [{ PrivateIpAddress: i.PrivateIpAddress, Primary: true }] : [],
    PublicIp: i.PublicIpAddress,
    Ipv6Addresses: i.Ipv6Address ? [i.Ipv6Address] : [],
    GroupIds: (i.SecurityGroups ?? []).map((g) => g.GroupId),
    InstanceId: i.InstanceId,
    DeviceIndex: 0,
  };
}

export function indexInventory(inventory: Inventory): InventoryIndex {
  const enis = new Map<string, Eni>();
  for (const n of inventory.networkInterfaces)
    enis.set(n.NetworkInterfaceId, eniOf(n, n.Attachment?.InstanceId));
  const primaryEniByInstance = new Map<string, Eni>();
  for (const i of inventory.instances) {
    const own = (i.NetworkInterfaces ?? []).map((n) => eniOf(n, i.InstanceId, i));
    const list = own.length > 0 ? own : [syntheticPrimaryEni(i)];
    for (const e of list) enis.set(e.NetworkInterfaceId, e);
    const primary = list.find((e) => e.DeviceIndex === 0) ?? list[0];
    if (primary) primaryEniByInstance.set(i.InstanceId, primary);
  }
  const enisByGroup = new Map<string, Eni[]>();
  for (const e of enis.values()) {
    for (const g of e.GroupIds) {
      const l = enisByGroup.get(g);
      if (l) l.push(e);
      else enisByGroup.set(g, [e]);
    }
  }

  const subnets = byId(inventory.subnets, 'SubnetId');
  const aclBySubnet = new Map<string, NetworkAcl>();
  const defaultAclByVpc = new Map<string, NetworkAcl>();
  for (const acl of inventory.networkAcls) {
    if (acl.IsDefault && acl.VpcId) defaultAclByVpc.set(acl.VpcId, acl);
    for (const a of acl.Associations ?? []) if (a.SubnetId) aclBySubnet.set(a.SubnetId, acl);
  }
  const rtbBySubnet = new Map<string, RouteTable>();
  const mainRtbByVpc = new Map<string, RouteTable>();
  for (const rtb of inventory.routeTables) {
    for (const a of rtb.Associations ?? []) {
      if (a.Main && rtb.VpcId) mainRtbByVpc.set(rtb.VpcId, rtb);
      else if (a.SubnetId) rtbBySubnet.set(a.SubnetId, rtb);
    }
  }
  // A subnet not in describe-subnets.json still belongs to the VPC its ENIs name.
  const vpcBySubnet = new Map<string, string>();
  for (const e of enis.values()) if (e.SubnetId && e.VpcId) vpcBySubnet.set(e.SubnetId, e.VpcId);
  for (const s of inventory.subnets) if (s.VpcId) vpcBySubnet.set(s.SubnetId, s.VpcId);
  const vpcOfSubnet = (subnetId: string): string | undefined => vpcBySubnet.get(subnetId);

  return {
    inventory,
    instances: byId(inventory.instances, 'InstanceId'),
    securityGroups: byId(inventory.securityGroups, 'GroupId'),
    subnets,
    vpcs: byId(inventory.vpcs, 'VpcId'),
    instanceStatuses: byId(inventory.instanceStatuses, 'InstanceId'),
    enis,
    enisByGroup,
    primaryEniByInstance,
    networkAclForSubnet(subnetId) {
      const explicit = aclBySubnet.get(subnetId);
      if (explicit) return explicit;
      const vpc = vpcOfSubnet(subnetId);
      return vpc ? defaultAclByVpc.get(vpc) : undefined;
    },
    routeTableForSubnet(subnetId) {
      const explicit = rtbBySubnet.get(subnetId);
      if (explicit) return explicit;
      const vpc = vpcOfSubnet(subnetId);
      return vpc ? mainRtbByVpc.get(vpc) : undefined;
    },
  };
}
