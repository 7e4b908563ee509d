/**
 * Small random multi-VPC networks for the differential test: each is an {@link Inventory} the analyzer
 * reads, and the same network compiled (lab/vpc-compiler.ts) into routes and nft rulesets that the Linux
 * kernel enforces in network namespaces (lab/vpc-lab.ts). The two must agree on which instance can open
 * TCP to which, over IPv4 and IPv6.
 *
 * The fixed topology every network draws from: three VPCs (A with up to three subnets, B with up to two,
 * C with one), two instance slots per subnet, the peering connections A–B and B–C, one transit gateway
 * that may attach each VPC, and a firewall subnet in A holding an AWS Network Firewall endpoint. Each
 * random network chooses which of these exist and how they are configured: security groups, network
 * ACLs, several route tables per VPC (with blackhole and missing routes), peering state, the transit
 * gateway's attachments (their subnets, hence Availability Zones), route tables, associations,
 * propagations and static routes, dual-stack subnets, and the firewall's stateful rules on tcp/22.
 *
 * Every IPv4 address is inside 198.18.0.0/15 (RFC 2544 benchmarking space) and every IPv6 address inside
 * 2001:2::/48 (RFC 5180 benchmarking space, DESIGN.md "Addresses"); the namespaces holding them are wired
 * only to each other, never to the host's network.
 */
import type {
  Instance,
  Inventory,
  IpPermission,
  NetworkAcl,
  NetworkAclEntry,
  NetworkFirewallDescription,
  NetworkFirewallPolicyDescription,
  NetworkFirewallRuleGroupDescription,
  Route,
  RouteTable,
  SecurityGroup,
  TransitGatewayRoute,
  TransitGatewayRouteTablePropagation,
  VpcPeeringConnection,
} from '../lambda/core/inventory/model.ts';
import { emptyInventory } from '../lambda/core/inventory/model.ts';

const OWNER = '111122223333';
const ZONES = ['us-east-1a', 'us-east-1b'] as const;

export interface LabVpcSpec {
  readonly vpcId: string;
  readonly name: string;
  readonly cidr4: string;
  readonly cidr6: string;
  /** Indexes into {@link LAB_SUBNETS}. */
  readonly subnets: readonly number[];
}

/** The three VPCs; B and C sit in 198.18.0.0/17, well clear of the router links in 198.18.200.0/24. */
export const LAB_VPCS: readonly LabVpcSpec[] = [
  { vpcId: 'vpc-0da', name: 'A', cidr4: '198.19.0.0/16', cidr6: '2001:2:0:a00::/56', subnets: [0, 1, 2] },
  { vpcId: 'vpc-0db', name: 'B', cidr4: '198.18.0.0/18', cidr6: '2001:2:0:b00::/56', subnets: [3, 4] },
  { vpcId: 'vpc-0dc', name: 'C', cidr4: '198.18.64.0/18', cidr6: '2001:2:0:c00::/56', subnets: [5] },
];

export interface LabSubnetSpec {
  readonly subnetId: string;
  readonly vpc: number;
  /** The /24's first three octets, e.g. `198.19.1`. */
  readonly net4: string;
  /** The /64's first four hextets, e.g. `2001:2:0:a01`. */
  readonly net6: string;
}

export const LAB_SUBNETS: readonly LabSubnetSpec[] = [
  { subnetId: 'subnet-0da0', vpc: 0, net4: '198.19.1', net6: '2001:2:0:a01' },
  { subnetId: 'subnet-0da1', vpc: 0, net4: '198.19.2', net6: '2001:2:0:a02' },
  { subnetId: 'subnet-0da2', vpc: 0, net4: '198.19.3', net6: '2001:2:0:a03' },
  { subnetId: 'subnet-0db0', vpc: 1, net4: '198.18.1', net6: '2001:2:0:b01' },
  { subnetId: 'subnet-0db1', vpc: 1, net4: '198.18.2', net6: '2001:2:0:b02' },
  { subnetId: 'subnet-0dc0', vpc: 2, net4: '198.18.65', net6: '2001:2:0:c01' },
];
export const SLOTS_PER_SUBNET = 2;

/** The firewall's own subnet in VPC A (no instances; its endpoint is the route target). */
export const FIREWALL_SUBNET = {
  subnetId: 'subnet-0dafw',
  cidr4: '198.19.200.0/24',
  cidr6: '2001:2:0:af0::/64',
};
export const FIREWALL_ENDPOINT = 'vpce-0dfw';
const TGW_ID = 'tgw-0d';
/** A peering connection that no longer exists: routes to it are blackholes. */
const GONE_PCX = 'pcx-0dgone';

export interface LabPeering {
  readonly id: string;
  readonly vpcs: readonly [number, number];
}
export const LAB_PEERINGS: readonly LabPeering[] = [
  { id: 'pcx-0dab', vpcs: [0, 1] },
  { id: 'pcx-0dbc', vpcs: [1, 2] },
];

export function subnetCidr4(s: number): string {
  return `${LAB_SUBNETS[s]!.net4}.0/24`;
}
export function subnetCidr6(s: number): string {
  return `${LAB_SUBNETS[s]!.net6}::/64`;
}
/** The router's address in subnet `s` (the instances' IPv4 default gateway). */
export function gatewayAddress(s: number): string {
  return `${LAB_SUBNETS[s]!.net4}.1`;
}
export function slotAddress4(s: number, j: number): string {
  return `${LAB_SUBNETS[s]!.net4}.${10 + j}`;
}
export function slotAddress6(s: number, j: number): string {
  return `${LAB_SUBNETS[s]!.net6}::${10 + j}`;
}
export function attachmentId(v: number): string {
  return `tgw-attach-0d${LAB_VPCS[v]!.name.toLowerCase()}`;
}

/** A seeded PRNG (mulberry32): the same seed gives the same network on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Rng {
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

function rng(seed: number): Rng {
  const next = prng(seed);
  return {
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}

export interface LabInstance {
  readonly instanceId: string;
  readonly subnet: number;
  readonly slot: number;
  readonly address: string;
  /** Present when the instance is dual-stack. */
  readonly address6?: string;
  readonly groupIds: readonly string[];
}

/** Per VPC: whether it exists in this network, and its shape. */
export interface LabVpc {
  readonly index: number;
  readonly subnets: readonly number[];
  readonly ipv6: boolean;
}

export interface RandomNetwork {
  readonly seed: number;
  readonly vpcs: readonly LabVpc[];
  readonly instances: readonly LabInstance[];
  /** Subnet index → its Availability Zone. */
  readonly zones: ReadonlyMap<number, string>;
  /** Dual-stack subnets. */
  readonly ipv6Subnets: ReadonlySet<number>;
  /** The Network Firewall in VPC A, when there is one. */
  readonly firewall?: LabFirewall;
  /** The subnet whose traffic with the rest of VPC A crosses the firewall, when there is one. */
  readonly firewallProtects?: number;
  /** The one client port every connection to slot 0 of subnet 0 uses (others add an offset). */
  readonly sourcePort: number;
  readonly inventory: Inventory;
}

/** Client ports on both sides of the usual ephemeral boundaries (1024, 32768, 49152). */
const SOURCE_PORT_BASES = [1030, 20000, 32700, 33000, 49100, 50000, 61000] as const;
/** Port ranges that ACL entries and group rules draw from: 22 itself, around it, and ephemeral ranges. */
const PORT_RANGES: readonly (readonly [number, number])[] = [
  [22, 22],
  [22, 22],
  [20, 25],
  [23, 1023],
  [0, 65535],
  [1024, 65535],
  [32768, 65535],
  [1024, 32767],
  [49152, 65535],
  [1024, 49151],
];

interface Pools {
  readonly v4: readonly string[];
  readonly v6: readonly string[];
}

function cidrPools(instances: readonly LabInstance[], vpcs: readonly LabVpc[]): Pools {
  const subnets = vpcs.flatMap((v) => v.subnets);
  return {
    v4: [
      '0.0.0.0/0',
      '198.18.0.0/15',
      '10.0.0.0/8',
      ...vpcs.map((v) => LAB_VPCS[v.index]!.cidr4),
      ...subnets.map(subnetCidr4),
      ...instances.map((i) => `${i.address}/32`),
    ],
    v6: [
      '::/0',
      '2001:2::/48',
      '2001:db8::/32',
      ...vpcs.filter((v) => v.ipv6).map((v) => LAB_VPCS[v.index]!.cidr6),
      ...subnets.map(subnetCidr6),
      ...instances.flatMap((i) => (i.address6 ? [`${i.address6}/128`] : [])),
    ],
  };
}

function randomPermission(r: Rng, pools: Pools, groupIds: readonly string[], ipv6: boolean): IpPermission {
  const allTraffic = r.chance(0.15);
  const [from, to] = r.pick(PORT_RANGES);
  const byGroup = groupIds.length > 0 && r.chance(0.2);
  const v4 = !ipv6 || r.chance(0.6);
  const v6 = ipv6 && (!v4 || r.chance(0.5));
  const sources = byGroup
    ? { UserIdGroupPairs: [{ GroupId: r.pick(groupIds), UserId: OWNER }] }
    : {
        ...(v4
          ? { IpRanges: Array.from({ length: r.int(1, 2) }, () => ({ CidrIp: r.pick(pools.v4) })) }
          : {}),
        ...(v6 ? { Ipv6Ranges: [{ CidrIpv6: r.pick(pools.v6) }] } : {}),
      };
  return allTraffic
    ? { IpProtocol: '-1', ...sources }
    : { IpProtocol: r.pick(['tcp', '6']), FromPort: from, ToPort: to, ...sources };
}

function randomAclEntries(r: Rng, pools: Pools, egress: boolean, ipv6: boolean): NetworkAclEntry[] {
  const entries: NetworkAclEntry[] = [];
  const used = new Set<number>();
  const count = r.int(1, 5);
  for (let k = 0; k < count; k++) {
    let n = r.int(1, 30) * 10;
    while (used.has(n)) n += 1;
    used.add(n);
    const allTraffic = r.chance(0.2);
    const [from, to] = r.pick(PORT_RANGES);
    const family =
      ipv6 && r.chance(0.35) ? { Ipv6CidrBlock: r.pick(pools.v6) } : { CidrBlock: r.pick(pools.v4) };
    entries.push({
      RuleNumber: n,
      Protocol: allTraffic ? '-1' : '6',
      RuleAction: r.chance(0.55) ? 'allow' : 'deny',
      Egress: egress,
      ...family,
      ...(allTraffic ? {} : { PortRange: { From: from, To: to } }),
    });
  }
  // Most real ACLs end in a broad allow; without one here nearly every path would be denied.
  if (r.chance(0.65)) {
    entries.push(allTrafficEntry(400, 'allow', egress, 'ipv4'));
    if (ipv6) entries.push(allTrafficEntry(401, 'allow', egress, 'ipv6'));
  }
  entries.push(allTrafficEntry(32767, 'deny', egress, 'ipv4'));
  if (ipv6) entries.push(allTrafficEntry(32768, 'deny', egress, 'ipv6'));
  return entries;
}

/** An ACL entry for all traffic to or from every address of one family: the broad allows and the `*` denies. */
function allTrafficEntry(
  ruleNumber: number,
  action: 'allow' | 'deny',
  egress: boolean,
  family: 'ipv4' | 'ipv6',
): NetworkAclEntry {
  return {
    RuleNumber: ruleNumber,
    Protocol: '-1',
    RuleAction: action,
    Egress: egress,
    ...(family === 'ipv4' ? { CidrBlock: '0.0.0.0/0' } : { Ipv6CidrBlock: '::/0' }),
  };
}

const LAB_WIDE_SSH: IpPermission = {
  IpProtocol: 'tcp',
  FromPort: 22,
  ToPort: 22,
  IpRanges: [{ CidrIp: '198.18.0.0/15' }],
  Ipv6Ranges: [{ CidrIpv6: '2001:2::/48' }],
};

const ALLOW_ALL_EGRESS: IpPermission = {
  IpProtocol: '-1',
  IpRanges: [{ CidrIp: '0.0.0.0/0' }],
  Ipv6Ranges: [{ CidrIpv6: '::/0' }],
};

/**
 * A VPC's default ACL: allow everything both ways, with the IPv6 rules AWS adds once the VPC has an IPv6
 * block (VPC User Guide, "Default network ACL": rules 100 and 101, then the `*` denies).
 */
function defaultAcl(vpc: LabVpc): NetworkAcl {
  const vpcId = LAB_VPCS[vpc.index]!.vpcId;
  const entries: NetworkAclEntry[] = [];
  for (const egress of [true, false]) {
    entries.push(allTrafficEntry(100, 'allow', egress, 'ipv4'));
    if (vpc.ipv6) entries.push(allTrafficEntry(101, 'allow', egress, 'ipv6'));
    entries.push(allTrafficEntry(32767, 'deny', egress, 'ipv4'));
  }
  return {
    NetworkAclId: `acl-0d${LAB_VPCS[vpc.index]!.name.toLowerCase()}default`,
    VpcId: vpcId,
    IsDefault: true,
    Entries: entries,
    Associations: [],
  };
}

/** A route's target, without its destination. */
type RouteTarget = Omit<Route, 'DestinationCidrBlock' | 'DestinationIpv6CidrBlock'>;

const active = { State: 'active', Origin: 'CreateRoute' } as const;

/**
 * The targets a VPC's route tables may send other VPCs' traffic to: a peering connection of this VPC,
 * the transit gateway (when attached), a route whose peering connection is gone (`blackhole`), and for
 * IPv4 the internet gateway (which never carries private addresses of another VPC).
 */
function routeTargets(
  vpc: LabVpc,
  peerings: readonly VpcPeeringConnection[],
  attached: boolean,
): { v4: RouteTarget[]; v6: RouteTarget[] } {
  const vpcId = LAB_VPCS[vpc.index]!.vpcId;
  const common: RouteTarget[] = [
    { VpcPeeringConnectionId: GONE_PCX, State: 'blackhole', Origin: 'CreateRoute' },
  ];
  for (const p of peerings)
    if (p.RequesterVpcInfo?.VpcId === vpcId || p.AccepterVpcInfo?.VpcId === vpcId)
      common.push({ VpcPeeringConnectionId: p.VpcPeeringConnectionId, ...active });
  if (attached) common.push({ TransitGatewayId: TGW_ID, ...active });
  return {
    v4: [...common, { GatewayId: `igw-0d${LAB_VPCS[vpc.index]!.name.toLowerCase()}`, ...active }],
    v6: common,
  };
}

/** Destinations a VPC's tables route elsewhere: the other VPCs' CIDRs and subnets, and broad ranges. */
function routeDestinations(vpc: LabVpc, vpcs: readonly LabVpc[]): { v4: string[]; v6: string[] } {
  const others = vpcs.filter((v) => v.index !== vpc.index);
  return {
    v4: [
      '0.0.0.0/0',
      '198.18.0.0/15',
      ...others.map((v) => LAB_VPCS[v.index]!.cidr4),
      ...others.flatMap((v) => v.subnets.map(subnetCidr4)),
    ],
    v6: [
      '::/0',
      '2001:2::/48',
      ...others.map((v) => LAB_VPCS[v.index]!.cidr6),
      ...others.flatMap((v) => v.subnets.map(subnetCidr6)),
    ],
  };
}

function destination(cidr: string): Pick<Route, 'DestinationCidrBlock' | 'DestinationIpv6CidrBlock'> {
  return cidr.includes(':') ? { DestinationIpv6CidrBlock: cidr } : { DestinationCidrBlock: cidr };
}

/** Routes to other VPCs: often the sensible one (the peering or the transit gateway), then random ones. */
function otherVpcRoutes(
  r: Rng,
  vpc: LabVpc,
  vpcs: readonly LabVpc[],
  targets: { v4: RouteTarget[]; v6: RouteTarget[] },
  peerings: readonly VpcPeeringConnection[],
  attached: boolean,
  preferTgw: boolean,
): Route[] {
  const routes: Route[] = [];
  const used = new Set<string>();
  const add = (cidr: string, target: RouteTarget) => {
    if (used.has(cidr)) return;
    used.add(cidr);
    routes.push({ ...destination(cidr), ...target });
  };
  for (const other of vpcs) {
    if (other.index === vpc.index || !r.chance(0.85)) continue;
    const spec = LAB_VPCS[other.index]!;
    const pcx = peerings.find((p) =>
      [p.RequesterVpcInfo?.VpcId, p.AccepterVpcInfo?.VpcId].every(
        (id) => id === spec.vpcId || id === LAB_VPCS[vpc.index]!.vpcId,
      ),
    );
    // Without a peering of its own with the other VPC, a table may still send it to a peering that leads
    // elsewhere, hoping the peer passes it on (it does not: peering is not transitive).
    const wrongPcx = peerings.find((p) =>
      [p.RequesterVpcInfo?.VpcId, p.AccepterVpcInfo?.VpcId].includes(LAB_VPCS[vpc.index]!.vpcId),
    );
    const choices: RouteTarget[] = [
      ...(pcx ? [{ VpcPeeringConnectionId: pcx.VpcPeeringConnectionId, ...active }] : []),
      ...(attached ? [{ TransitGatewayId: TGW_ID, ...active }] : []),
      ...(!pcx && wrongPcx ? [{ VpcPeeringConnectionId: wrongPcx.VpcPeeringConnectionId, ...active }] : []),
    ];
    const target =
      attached && preferTgw && r.chance(0.8)
        ? { TransitGatewayId: TGW_ID, ...active }
        : choices.length > 0
          ? r.pick(choices)
          : undefined;
    if (!target) continue;
    add(spec.cidr4, target);
    if (vpc.ipv6 && other.ipv6 && r.chance(0.8)) add(spec.cidr6, target);
  }
  const dests = routeDestinations(vpc, vpcs);
  for (let k = r.int(0, 2); k > 0; k--) {
    const v6 = vpc.ipv6 && r.chance(0.35);
    add(r.pick(v6 ? dests.v6 : dests.v4), r.pick(v6 ? targets.v6 : targets.v4));
  }
  return routes;
}

const FIREWALL_ARN = 'arn:aws:network-firewall:us-east-1:111122223333';
const POLICY_ARN = `${FIREWALL_ARN}:firewall-policy/lab-policy`;
const RULE_GROUP_ARN = `${FIREWALL_ARN}:stateful-rulegroup/lab-ssh`;

/** The firewall rule actions on tcp/22 (Network Firewall "Stateful rule actions"). */
export type LabFirewallAction = 'pass' | 'drop' | 'reject';

export interface LabFirewallRule {
  readonly action: LabFirewallAction;
  /** `any` or a CIDR. */
  readonly source: string;
  readonly sid: number;
}

export interface LabFirewall {
  readonly strict: boolean;
  /** Strict order only: `aws:drop_strict` drops every flow no rule decides. */
  readonly dropStrict: boolean;
  readonly rules: readonly LabFirewallRule[];
  /** Whether IPv6 traffic between the protected subnet and the others is routed through it. */
  readonly ipv6: boolean;
}

function randomFirewall(r: Rng, pools: Pools, ipv6: boolean): LabFirewall {
  const strict = r.chance(0.5);
  const rules = Array.from({ length: r.int(1, 3) }, (_, k) => ({
    action: r.pick(['pass', 'pass', 'drop', 'reject'] as const),
    source: r.chance(0.4) ? 'any' : r.pick(ipv6 && r.chance(0.3) ? pools.v6 : pools.v4),
    sid: k + 1,
  }));
  return { strict, dropStrict: strict && r.chance(0.5), rules, ipv6: ipv6 && r.chance(0.7) };
}

function suricata(fw: LabFirewall): string {
  return fw.rules
    .map((x) => `${x.action} tcp ${x.source} any -> any 22 (msg:"lab ${x.sid}"; sid:${x.sid}; rev:1;)`)
    .join('\n');
}

function firewallRecords(
  fw: LabFirewall,
): Pick<Inventory, 'networkFirewalls' | 'networkFirewallPolicies' | 'networkFirewallRuleGroups'> {
  const firewall: NetworkFirewallDescription = {
    Firewall: {
      FirewallName: 'lab-fw',
      FirewallArn: `${FIREWALL_ARN}:firewall/lab-fw`,
      FirewallId: 'fw-0d',
      FirewallPolicyArn: POLICY_ARN,
      VpcId: LAB_VPCS[0]!.vpcId,
      SubnetMappings: [{ SubnetId: FIREWALL_SUBNET.subnetId }],
    },
    FirewallStatus: {
      Status: 'READY',
      ConfigurationSyncStateSummary: 'IN_SYNC',
      SyncStates: {
        [ZONES[0]]: {
          Attachment: { SubnetId: FIREWALL_SUBNET.subnetId, EndpointId: FIREWALL_ENDPOINT, Status: 'READY' },
        },
      },
    },
  };
  const policy: NetworkFirewallPolicyDescription = {
    FirewallPolicyResponse: {
      FirewallPolicyName: 'lab-policy',
      FirewallPolicyArn: POLICY_ARN,
      FirewallPolicyId: 'p-0d',
    },
    FirewallPolicy: {
      StatelessDefaultActions: ['aws:forward_to_sfe'],
      StatelessFragmentDefaultActions: ['aws:forward_to_sfe'],
      StatefulRuleGroupReferences: [{ ResourceArn: RULE_GROUP_ARN, ...(fw.strict ? { Priority: 1 } : {}) }],
      ...(fw.strict
        ? {
            StatefulEngineOptions: { RuleOrder: 'STRICT_ORDER' },
            StatefulDefaultActions: fw.dropStrict ? ['aws:drop_strict'] : [],
          }
        : {}),
    },
  };
  const group: NetworkFirewallRuleGroupDescription = {
    RuleGroupResponse: {
      RuleGroupArn: RULE_GROUP_ARN,
      RuleGroupName: 'lab-ssh',
      RuleGroupId: 'rg-0d',
      Type: 'STATEFUL',
    },
    RuleGroup: {
      RulesSource: { RulesString: suricata(fw) },
      ...(fw.strict ? { StatefulRuleOptions: { RuleOrder: 'STRICT_ORDER' } } : {}),
    },
  };
  return {
    networkFirewalls: [firewall],
    networkFirewallPolicies: [policy],
    networkFirewallRuleGroups: [group],
  };
}

function slotInstanceId(s: number, j: number): string {
  return `i-0d${s}${j}`;
}

/**
 * A random network for `seed` and `index` (the index makes the client port unique across one run, so a
 * connection tuple is never reused and no conntrack entry of an earlier configuration can decide).
 */
export function randomNetwork(seed: number, index = 0): RandomNetwork {
  const r = rng(seed);
  const vpcs: LabVpc[] = [];
  for (const [v, spec] of LAB_VPCS.entries()) {
    if (v === 1 && !r.chance(0.85)) continue;
    if (v === 2 && !r.chance(0.8)) continue;
    // VPC A keeps at least two subnets, B at least one.
    const keep = spec.subnets.filter((_, k) => k < (v === 0 ? 2 : 1) || r.chance(0.5));
    vpcs.push({ index: v, subnets: keep, ipv6: r.chance(0.7) });
  }
  const zones = new Map<number, string>();
  const ipv6Subnets = new Set<number>();
  for (const vpc of vpcs)
    for (const s of vpc.subnets) {
      zones.set(s, r.pick(ZONES));
      if (vpc.ipv6 && r.chance(0.8)) ipv6Subnets.add(s);
    }

  const groupsOf = new Map<number, string[]>();
  for (const vpc of vpcs)
    groupsOf.set(
      vpc.index,
      Array.from(
        { length: vpc.index === 0 ? r.int(2, 3) : 2 },
        (_, g) => `sg-0d${LAB_VPCS[vpc.index]!.name.toLowerCase()}${g}`,
      ),
    );
  const instances: LabInstance[] = [];
  for (const vpc of vpcs)
    for (const s of vpc.subnets)
      for (let j = 0; j < SLOTS_PER_SUBNET; j++) {
        if (j > 0 && r.chance(0.4)) continue;
        const ids = groupsOf.get(vpc.index)!;
        const groups = new Set([r.pick(ids)]);
        if (r.chance(0.3)) groups.add(r.pick(ids));
        instances.push({
          instanceId: slotInstanceId(s, j),
          subnet: s,
          slot: j,
          address: slotAddress4(s, j),
          ...(ipv6Subnets.has(s) && r.chance(0.85) ? { address6: slotAddress6(s, j) } : {}),
          groupIds: [...groups].sort(),
        });
      }
  const pools = cidrPools(instances, vpcs);

  // Security groups reference only groups of their own VPC (a reference across a transit gateway is a
  // separate option this lab does not model).
  const securityGroups: SecurityGroup[] = vpcs.flatMap((vpc) => {
    const ids = groupsOf.get(vpc.index)!;
    return ids.map((GroupId) => ({
      GroupId,
      GroupName: GroupId,
      VpcId: LAB_VPCS[vpc.index]!.vpcId,
      OwnerId: OWNER,
      IpPermissions: [
        ...Array.from({ length: r.int(0, 2) }, () => randomPermission(r, pools, ids, vpc.ipv6)),
        // Often SSH from the whole lab, as a bastion's group would: otherwise paths across VPCs, which
        // need every leg open at once, would almost never be open.
        ...(r.chance(0.7) ? [LAB_WIDE_SSH] : []),
      ],
      IpPermissionsEgress: r.chance(0.8)
        ? [ALLOW_ALL_EGRESS]
        : Array.from({ length: r.int(1, 2) }, () => randomPermission(r, pools, ids, vpc.ipv6)),
    }));
  });

  const networkAcls: NetworkAcl[] = [];
  for (const vpc of vpcs) {
    const name = LAB_VPCS[vpc.index]!.name.toLowerCase();
    const custom = Array.from(
      { length: r.int(vpc.index === 0 ? 1 : 0, vpc.index === 0 ? 2 : 1) },
      (_, a) => ({
        NetworkAclId: `acl-0d${name}${a}`,
        VpcId: LAB_VPCS[vpc.index]!.vpcId,
        IsDefault: false,
        Entries: [
          ...randomAclEntries(r, pools, false, vpc.ipv6),
          ...randomAclEntries(r, pools, true, vpc.ipv6),
        ],
        Associations: [] as { SubnetId: string; NetworkAclId: string }[],
      }),
    );
    // Each subnet: one of the custom ACLs, or (no association) the default ACL.
    for (const s of vpc.subnets) {
      const choice = r.int(-1, custom.length - 1);
      if (choice >= 0)
        custom[choice]!.Associations.push({
          SubnetId: LAB_SUBNETS[s]!.subnetId,
          NetworkAclId: custom[choice]!.NetworkAclId,
        });
    }
    networkAcls.push(defaultAcl(vpc), ...custom);
  }

  const vpcPeeringConnections: VpcPeeringConnection[] = [];
  for (const p of LAB_PEERINGS) {
    const [a, b] = p.vpcs.map((v) => vpcs.find((x) => x.index === v));
    if (!a || !b || !r.chance(0.9)) continue;
    const info = (vpc: LabVpc) => ({
      VpcId: LAB_VPCS[vpc.index]!.vpcId,
      OwnerId: OWNER,
      Region: 'us-east-1',
      CidrBlock: LAB_VPCS[vpc.index]!.cidr4,
      CidrBlockSet: [{ CidrBlock: LAB_VPCS[vpc.index]!.cidr4 }],
      ...(vpc.ipv6 ? { Ipv6CidrBlockSet: [{ Ipv6CidrBlock: LAB_VPCS[vpc.index]!.cidr6 }] } : {}),
    });
    const code = r.chance(0.8) ? 'active' : r.pick(['pending-acceptance', 'rejected', 'expired', 'failed']);
    vpcPeeringConnections.push({
      VpcPeeringConnectionId: p.id,
      RequesterVpcInfo: info(a),
      AccepterVpcInfo: info(b),
      Status: { Code: code, Message: code },
    });
  }

  const tgw = tgwRecords(r, vpcs, zones);
  const attached = new Set(tgw.transitGatewayVpcAttachments.map((a) => a.VpcId));

  const vpcA = vpcs[0]!;
  const firewall =
    vpcA.subnets.length >= 2 && r.chance(0.45) ? randomFirewall(r, pools, vpcA.ipv6) : undefined;
  const protectedSubnet = firewall ? vpcA.subnets[vpcA.subnets.length - 1] : undefined;

  // In half the networks the VPCs reach each other mostly through the transit gateway, so that paths
  // through it are often open and each of its rules (zones, associations, blackholes) decides some.
  const preferTgw = r.chance(0.5);
  const routeTables: RouteTable[] = [];
  for (const vpc of vpcs) {
    const spec = LAB_VPCS[vpc.index]!;
    const name = spec.name.toLowerCase();
    const targets = routeTargets(vpc, vpcPeeringConnections, attached.has(spec.vpcId));
    const count = r.int(1, vpc.index === 0 ? 3 : 2);
    const tables = Array.from({ length: count + (vpc.index === 0 && firewall ? 1 : 0) }, (_, t) => ({
      id: `rtb-0d${name}${t}`,
      routes: [
        { DestinationCidrBlock: spec.cidr4, GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' },
        ...(vpc.ipv6
          ? [
              {
                DestinationIpv6CidrBlock: spec.cidr6,
                GatewayId: 'local',
                State: 'active',
                Origin: 'CreateRouteTable',
              },
            ]
          : []),
        ...otherVpcRoutes(r, vpc, vpcs, targets, vpcPeeringConnections, attached.has(spec.vpcId), preferTgw),
      ] as Route[],
      subnets: [] as string[],
    }));
    for (const s of vpc.subnets) {
      if (s === protectedSubnet) continue;
      const choice = r.int(-1, count - 1);
      if (choice >= 0) tables[choice]!.subnets.push(LAB_SUBNETS[s]!.subnetId);
    }
    if (vpc.index === 0 && firewall && protectedSubnet !== undefined) {
      // The protected subnet has a table of its own, so that every path between it and the rest of the
      // VPC crosses the firewall both ways (Network Firewall needs symmetric routing).
      const own = tables[count]!;
      own.subnets.push(LAB_SUBNETS[protectedSubnet]!.subnetId);
      const via = { GatewayId: FIREWALL_ENDPOINT, State: 'active', Origin: 'CreateRoute' };
      const both = (s: number) => ipv6Subnets.has(s) && ipv6Subnets.has(protectedSubnet) && firewall.ipv6;
      for (const s of vpc.subnets) {
        if (s === protectedSubnet) continue;
        own.routes.push({ DestinationCidrBlock: subnetCidr4(s), ...via });
        if (both(s)) own.routes.push({ DestinationIpv6CidrBlock: subnetCidr6(s), ...via });
      }
      for (const t of tables.slice(0, count)) {
        t.routes.push({ DestinationCidrBlock: subnetCidr4(protectedSubnet), ...via });
        if (ipv6Subnets.has(protectedSubnet) && firewall.ipv6)
          t.routes.push({ DestinationIpv6CidrBlock: subnetCidr6(protectedSubnet), ...via });
      }
    }
    tables.forEach((t, k) => {
      routeTables.push({
        RouteTableId: t.id,
        VpcId: spec.vpcId,
        Routes: t.routes,
        Associations: [
          ...(k === 0 ? [{ Main: true, RouteTableId: t.id, AssociationState: { State: 'associated' } }] : []),
          ...t.subnets.map((SubnetId) => ({
            Main: false,
            SubnetId,
            RouteTableId: t.id,
            AssociationState: { State: 'associated' },
          })),
        ],
      });
    });
  }
  if (firewall) {
    routeTables.push({
      RouteTableId: 'rtb-0dafw',
      VpcId: LAB_VPCS[0]!.vpcId,
      Routes: [
        {
          DestinationCidrBlock: LAB_VPCS[0]!.cidr4,
          GatewayId: 'local',
          State: 'active',
          Origin: 'CreateRouteTable',
        },
        // Every route table of a dual-stack VPC has the IPv6 local route too (AWS adds it with the block).
        ...(vpcs[0]?.ipv6
          ? [
              {
                DestinationIpv6CidrBlock: LAB_VPCS[0]!.cidr6,
                GatewayId: 'local',
                State: 'active',
                Origin: 'CreateRouteTable',
              } as Route,
            ]
          : []),
      ],
      Associations: [
        {
          Main: false,
          SubnetId: FIREWALL_SUBNET.subnetId,
          RouteTableId: 'rtb-0dafw',
          AssociationState: { State: 'associated' },
        },
      ],
    });
  }

  const sourcePort = r.pick(SOURCE_PORT_BASES) + index;
  const inventory: Inventory = {
    ...emptyInventory(),
    instances: instances.map(toInstance),
    securityGroups,
    subnets: [
      ...vpcs.flatMap((vpc) =>
        vpc.subnets.map((s) => ({
          SubnetId: LAB_SUBNETS[s]!.subnetId,
          VpcId: LAB_VPCS[vpc.index]!.vpcId,
          CidrBlock: subnetCidr4(s),
          AvailabilityZone: zones.get(s)!,
          ...(ipv6Subnets.has(s)
            ? {
                Ipv6CidrBlockAssociationSet: [
                  { Ipv6CidrBlock: subnetCidr6(s), Ipv6CidrBlockState: { State: 'associated' } },
                ],
              }
            : {}),
        })),
      ),
      ...(firewall
        ? [
            {
              SubnetId: FIREWALL_SUBNET.subnetId,
              VpcId: LAB_VPCS[0]!.vpcId,
              CidrBlock: FIREWALL_SUBNET.cidr4,
              AvailabilityZone: ZONES[0],
            },
          ]
        : []),
    ],
    networkAcls,
    vpcs: vpcs.map((vpc) => ({
      VpcId: LAB_VPCS[vpc.index]!.vpcId,
      CidrBlock: LAB_VPCS[vpc.index]!.cidr4,
      ...(vpc.ipv6
        ? {
            Ipv6CidrBlockAssociationSet: [
              { Ipv6CidrBlock: LAB_VPCS[vpc.index]!.cidr6, Ipv6CidrBlockState: { State: 'associated' } },
            ],
          }
        : {}),
    })),
    routeTables,
    vpcPeeringConnections,
    ...tgw,
    ...(firewall ? firewallRecords(firewall) : {}),
    // The Region's Block Public Access is off: no internet path is compiled here.
    vpcBlockPublicAccessOptions: { InternetGatewayBlockMode: 'off', State: 'default-state' },
  };
  return {
    seed,
    vpcs,
    instances,
    zones,
    ipv6Subnets,
    ...(firewall ? { firewall, firewallProtects: protectedSubnet } : {}),
    sourcePort,
    inventory,
  };
}

type TgwParts = Pick<
  Inventory,
  | 'transitGateways'
  | 'transitGatewayAttachments'
  | 'transitGatewayVpcAttachments'
  | 'transitGatewayRouteTables'
  | 'transitGatewayRouteTablePropagations'
  | 'transitGatewayStaticRoutes'
>;

/**
 * The transit gateway (or none): an attachment per VPC with one subnet per Availability Zone it serves,
 * one or two route tables, each attachment associated with one of them (or none), propagations, and
 * static routes (some of them blackholes).
 */
function tgwRecords(r: Rng, vpcs: readonly LabVpc[], zones: ReadonlyMap<number, string>): TgwParts {
  const none: TgwParts = {
    transitGateways: [],
    transitGatewayAttachments: [],
    transitGatewayVpcAttachments: [],
    transitGatewayRouteTables: [],
    transitGatewayRouteTablePropagations: new Map(),
    transitGatewayStaticRoutes: new Map(),
  };
  if (!r.chance(0.8)) return none;
  const attachedVpcs = vpcs.filter(() => r.chance(0.85));
  const tables = Array.from({ length: r.int(1, 2) }, (_, t) => `tgw-rtb-0d${t}`);
  const vpcAttachments = attachedVpcs.map((vpc) => {
    const subnetIds: string[] = [];
    for (const zone of ZONES) {
      const inZone = vpc.subnets.filter((s) => zones.get(s) === zone);
      if (inZone.length > 0 && r.chance(0.5)) subnetIds.push(LAB_SUBNETS[r.pick(inZone)]!.subnetId);
    }
    if (subnetIds.length === 0) subnetIds.push(LAB_SUBNETS[r.pick(vpc.subnets)]!.subnetId);
    return {
      TransitGatewayAttachmentId: attachmentId(vpc.index),
      TransitGatewayId: TGW_ID,
      VpcId: LAB_VPCS[vpc.index]!.vpcId,
      VpcOwnerId: OWNER,
      State: 'available',
      SubnetIds: subnetIds,
      Options: { Ipv6Support: vpc.ipv6 ? 'enable' : 'disable', ApplianceModeSupport: 'disable' },
    };
  });
  const attachments = attachedVpcs.map((vpc) => {
    const table = r.chance(0.1) ? undefined : r.pick(tables);
    return {
      TransitGatewayAttachmentId: attachmentId(vpc.index),
      TransitGatewayId: TGW_ID,
      ResourceType: 'vpc',
      ResourceId: LAB_VPCS[vpc.index]!.vpcId,
      State: 'available',
      ...(table ? { Association: { TransitGatewayRouteTableId: table, State: 'associated' } } : {}),
    };
  });
  const propagations = new Map<string, TransitGatewayRouteTablePropagation[]>();
  const statics = new Map<string, TransitGatewayRoute[]>();
  // Mostly the VPCs' own CIDRs, so that a static route (or blackhole) often ties with or beats a
  // propagated one.
  const pool = [
    '0.0.0.0/0',
    '::/0',
    ...vpcs.flatMap((v) => [
      LAB_VPCS[v.index]!.cidr4,
      LAB_VPCS[v.index]!.cidr4,
      LAB_VPCS[v.index]!.cidr6,
      ...v.subnets.map(subnetCidr4),
    ]),
  ];
  for (const table of tables) {
    propagations.set(
      table,
      attachedVpcs.flatMap((vpc) =>
        r.chance(0.75)
          ? [
              {
                TransitGatewayAttachmentId: attachmentId(vpc.index),
                ResourceId: LAB_VPCS[vpc.index]!.vpcId,
                ResourceType: 'vpc',
                State: r.chance(0.9) ? 'enabled' : 'disabled',
              },
            ]
          : [],
      ),
    );
    const routes: TransitGatewayRoute[] = [];
    const used = new Set<string>();
    for (let k = r.int(0, 3); k > 0 && attachedVpcs.length > 0; k--) {
      const cidr = r.pick(pool);
      if (used.has(cidr)) continue;
      used.add(cidr);
      const to = r.pick(attachedVpcs);
      routes.push(
        r.chance(0.4)
          ? { DestinationCidrBlock: cidr, TransitGatewayAttachments: [], Type: 'static', State: 'blackhole' }
          : {
              DestinationCidrBlock: cidr,
              TransitGatewayAttachments: [
                {
                  ResourceId: LAB_VPCS[to.index]!.vpcId,
                  TransitGatewayAttachmentId: attachmentId(to.index),
                  ResourceType: 'vpc',
                },
              ],
              Type: 'static',
              State: 'active',
            },
      );
    }
    // Often a blackhole for one subnet of an attached VPC: more specific than the VPC's propagated CIDR,
    // it drops that subnet alone (longest prefix wins, "How transit gateways work").
    const subnets = attachedVpcs.flatMap((v) => v.subnets.map(subnetCidr4));
    const hole = subnets.length > 0 && r.chance(0.5) ? r.pick(subnets) : undefined;
    if (hole && !used.has(hole))
      routes.push({
        DestinationCidrBlock: hole,
        TransitGatewayAttachments: [],
        Type: 'static',
        State: 'blackhole',
      });
    statics.set(table, routes);
  }
  return {
    transitGateways: [{ TransitGatewayId: TGW_ID, State: 'available', OwnerId: OWNER }],
    transitGatewayAttachments: attachments,
    transitGatewayVpcAttachments: vpcAttachments,
    transitGatewayRouteTables: tables.map((id) => ({
      TransitGatewayRouteTableId: id,
      TransitGatewayId: TGW_ID,
      State: 'available',
    })),
    transitGatewayRouteTablePropagations: propagations,
    transitGatewayStaticRoutes: statics,
  };
}

function toInstance(i: LabInstance): Instance {
  const groups = i.groupIds.map((GroupId) => ({ GroupId, GroupName: GroupId }));
  const subnet = LAB_SUBNETS[i.subnet]!;
  const vpcId = LAB_VPCS[subnet.vpc]!.vpcId;
  return {
    InstanceId: i.instanceId,
    InstanceType: 't3.micro',
    State: { Code: 16, Name: 'running' },
    SubnetId: subnet.subnetId,
    VpcId: vpcId,
    PrivateIpAddress: i.address,
    SecurityGroups: groups,
    NetworkInterfaces: [
      {
        NetworkInterfaceId: `eni-0d${i.subnet}${i.slot}`,
        SubnetId: subnet.subnetId,
        VpcId: vpcId,
        PrivateIpAddress: i.address,
        PrivateIpAddresses: [{ PrivateIpAddress: i.address, Primary: true }],
        ...(i.address6 ? { Ipv6Addresses: [{ Ipv6Address: i.address6 }] } : {}),
        Groups: groups,
        Attachment: { DeviceIndex: 0, Status: 'attached' },
        Status: 'in-use',
      },
    ],
  };
}
