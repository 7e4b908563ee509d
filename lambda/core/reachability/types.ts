/**
 * The analyzer's public vocabulary (DESIGN.md, "Static blockers", "Exposure findings", `analyze --json`).
 */

export const BLOCKER_CODES = [
  'SG_INGRESS_NO_MATCH',
  'SG_EGRESS_NO_MATCH',
  'NACL_INBOUND_DENY',
  'NACL_OUTBOUND_DENY',
  'SOURCE_NACL_OUTBOUND_DENY',
  'SOURCE_NACL_INBOUND_DENY',
  'NACL_EPHEMERAL_PARTIAL',
  'NO_ROUTE',
  'BLACKHOLE_ROUTE',
  'NO_PUBLIC_IP',
  'BLOCK_PUBLIC_ACCESS',
  'INSTANCE_NOT_RUNNING',
  'NETWORK_FIREWALL_DROP',
  'NETWORK_FIREWALL_REJECT',
] as const;
export type BlockerCode = (typeof BLOCKER_CODES)[number];

export type Direction = 'inbound' | 'outbound';

export interface Blocker {
  code: BlockerCode;
  /** The resource that decided: `sg-…`, `acl-…`, `rtb-…`, `i-…`, `eni-…`, `subnet-…`. */
  resourceId: string;
  direction?: Direction;
  /** The NACL rule that decided (32767 for the default `*` deny). */
  ruleNumber?: number;
  /** One line a user can act on. */
  detail: string;
  /** NETWORK_FIREWALL_*: the rule that decided (a rule group's rule, or the policy's default action). */
  firewallRule?: FirewallRuleRef;
}

/** The AWS Network Firewall rule behind a NETWORK_FIREWALL_* blocker or an assumption. */
export interface FirewallRuleRef {
  /** The rule group's name, or the firewall policy's for a default action. */
  readonly ruleGroup: string;
  /** The rule group's (or policy's) ARN. */
  readonly arn: string;
  /** `sid 2`, `priority 10`, `aws:drop_strict (stateful default action)`, … */
  readonly rule: string;
  readonly engine: 'stateless' | 'stateful';
}

export type AssumptionKind =
  /** A Network Firewall rule the evaluator does not read exactly (complex Suricata). */
  | 'network-firewall-rule'
  /** A Gateway Load Balancer endpoint on the path whose appliance is not a Network Firewall in the inventory. */
  | 'gateway-load-balancer-endpoint'
  /** The Region's VPC Block Public Access setting, absent from the inventory: assumed `off`. */
  | 'block-public-access';

/**
 * Something the verdict takes for granted because it cannot be evaluated exactly from the data (a
 * firewall rule the evaluator does not read, …). Unlike missing data it does not make the path unknown:
 * the verdict holds if the assumption does.
 */
export interface Assumption {
  kind: AssumptionKind;
  /** What is assumed about: the firewall (its name), the endpoint, the Region's setting. */
  resourceId: string;
  /** What is assumed, naming the firewall and the rule. */
  detail: string;
  rule?: FirewallRuleRef;
}

export type AddressFamily = 'ipv4' | 'ipv6';

/**
 * Data a path needs that the inventory lacks. In AWS every subnet has a network ACL and a route table
 * and every ENI its security groups, so their absence is a gap in the inventory, never "none".
 */
export type MissingKind =
  | 'network-acl'
  | 'route-table'
  | 'security-group'
  | 'instance-state'
  /** A firewall on the path whose policy or rule group the inventory lacks. */
  | 'network-firewall'
  | 'vpc-peering-connection'
  | 'transit-gateway-attachment'
  | 'transit-gateway-route-table';

export interface MissingData {
  kind: MissingKind;
  /** What lacks the data: the subnet (for its ACL or route table), the security group or the instance. */
  resourceId: string;
  /** The inventory file that should hold it (`describe-network-acls.json`, …). */
  file: string;
  /** One line naming what is missing and why it matters. */
  detail: string;
}

/**
 * Addresses of an `internet` source that a gateway endpoint's prefix-list route sends to an AWS service
 * (S3, DynamoDB) instead of the internet gateway. They are the service's own addresses, never SSH clients:
 * the verdict speaks for the rest of the internet and names these.
 */
export interface ShadowedAddresses {
  /** The route table whose prefix-list route claims them. */
  routeTableId: string;
  prefixListId: string;
  /** The gateway endpoint `vpce-…` the route targets. */
  endpointId: string;
  /** The claimed addresses, as CIDRs. */
  cidrs: string[];
  detail: string;
}

/** One verdict per (instance, source, address family). */
export interface Verdict {
  instanceId: string;
  /** The instance address the path ends at (private, public or IPv6, depending on the source). */
  address: string;
  /** The source spec exactly as given (`internet`, `10.0.0.0/16`, `i-…`, `eni-…`). */
  source: string;
  family: AddressFamily;
  /** True only when the configuration proves the path open (false when `unknown`). */
  reachable: boolean;
  /**
   * Present (true) when no blocker from known data decides the path and data it needs is missing:
   * neither reachable nor blocked. `missing` names the data.
   */
  unknown?: true;
  /** Data a leg of the path needed that the inventory lacks (also beside blockers that decide anyway). */
  missing?: MissingData[];
  /** What the verdict rests on but could not evaluate exactly (a firewall rule it does not read). */
  assumed?: Assumption[];
  /** Reachable for only part of the source's ephemeral port range (NACL_EPHEMERAL_PARTIAL). */
  partial?: boolean;
  /** Every component that blocks the path, not only the first. */
  blockers: Blocker[];
  /** For an `internet` source: the service ranges a gateway endpoint route keeps off the path. */
  shadowed?: ShadowedAddresses[];
}

const EXPOSURE_CODES = [
  'SSH_OPEN_TO_INTERNET',
  'NACL_SSH_OPEN_TO_INTERNET',
  'OUTDATED_OPENSSH',
  'WEAK_ALGORITHMS_OFFERED',
  'HOST_KEY_CHANGED',
  'UNEXPECTEDLY_OPEN',
] as const;
export type ExposureCode = (typeof EXPOSURE_CODES)[number];

export interface ExposureFinding {
  code: ExposureCode;
  resourceId: string;
  detail: string;
  /** Instances the finding concerns (e.g. those a wide-open group is attached to). */
  instanceIds?: string[];
}

export interface AnalysisReport {
  verdicts: Verdict[];
  exposure: ExposureFinding[];
}
