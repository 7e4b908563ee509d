/**
 * Small random VPCs for the differential test: each is an {@link Inventory} the analyzer reads, and the
 * same VPC compiled into nft rulesets that a real Linux packet filter enforces in network namespaces
 * (lab/vpc-lab.ts wires them). The two must agree on which instance can open TCP to which.
 *
 * The compilation follows the AWS semantics the analyzer claims to model (VPC User Guide, "Security
 * group rules" and "Network ACL rules"):
 * - security groups are stateful and allow-only: per instance, `ct state established,related accept`
 *   then the union of every attached group's rules, default drop — ingress on the input hook, egress on
 *   the output hook; a rule naming another group matches the private addresses of the ENIs in it;
 * - network ACLs are stateless, per subnet, evaluated in rule-number order, first match wins, and the
 *   `*` rule denies the rest — at the router, a packet leaving subnet A for subnet B passes A's outbound
 *   chain and then B's inbound chain; traffic that stays inside one subnet meets no ACL.
 *   The port range of an entry is the packet's destination port, in both directions (so a reply to a
 *   client matches on the client's ephemeral port).
 *
 * Every address is inside 198.19.0.0/16 (RFC 2544 benchmarking space, DESIGN.md "Addresses"), and the
 * namespaces holding them are wired only to each other, never to the host's network.
 */
import type {
  Instance,
  Inventory,
  IpPermission,
  NetworkAcl,
  NetworkAclEntry,
  SecurityGroup,
} from '../lambda/core/inventory/model.ts';
import { emptyInventory } from '../lambda/core/inventory/model.ts';

const VPC_ID = 'vpc-0d1ff';
const VPC_CIDR = '198.19.0.0/16';
/** The fixed topology every random VPC draws from: up to three subnets of up to two instances. */
export const SUBNET_COUNT = 3;
export const SLOTS_PER_SUBNET = 2;

export function subnetCidr(s: number): string {
  return `198.19.${s + 1}.0/24`;
}
/** The router's address in subnet `s` (the instances' default gateway). */
export function gatewayAddress(s: number): string {
  return `198.19.${s + 1}.1`;
}
export function slotAddress(s: number, j: number): string {
  return `198.19.${s + 1}.${10 + j}`;
}
export function subnetId(s: number): string {
  return `subnet-0d${s}`;
}
function slotInstanceId(s: number, j: number): string {
  return `i-0d${s}${j}`;
}

/** A seeded PRNG (mulberry32): the same seed gives the same VPC on every machine. */
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
  readonly groupIds: readonly string[];
}

export interface RandomVpc {
  readonly seed: number;
  readonly instances: readonly LabInstance[];
  readonly subnets: readonly number[];
  readonly securityGroups: readonly SecurityGroup[];
  /** Custom ACLs and their subnets; a subnet in none of them uses the default (allow-all) ACL. */
  readonly networkAcls: readonly NetworkAcl[];
  /** The one client port every connection uses, so the verdict is never partial. */
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

function cidrPool(instances: readonly LabInstance[], subnets: readonly number[]): string[] {
  return [
    '0.0.0.0/0',
    VPC_CIDR,
    '198.19.0.0/17',
    '10.0.0.0/8',
    ...subnets.map(subnetCidr),
    ...subnets.map((s) => `198.19.${s + 1}.0/28`),
    ...instances.map((i) => `${i.address}/32`),
  ];
}

function randomPermission(r: Rng, cidrs: readonly string[], groupIds: readonly string[]): IpPermission {
  const allTraffic = r.chance(0.15);
  const [from, to] = r.pick(PORT_RANGES);
  const byGroup = groupIds.length > 0 && r.chance(0.25);
  const sources = byGroup
    ? { UserIdGroupPairs: [{ GroupId: r.pick(groupIds), UserId: '111122223333' }] }
    : { IpRanges: Array.from({ length: r.int(1, 2) }, () => ({ CidrIp: r.pick(cidrs) })) };
  return allTraffic
    ? { IpProtocol: '-1', ...sources }
    : { IpProtocol: r.pick(['tcp', '6']), FromPort: from, ToPort: to, ...sources };
}

function randomAclEntries(r: Rng, cidrs: readonly string[], egress: boolean): NetworkAclEntry[] {
  const entries: NetworkAclEntry[] = [];
  const used = new Set<number>();
  const count = r.int(1, 5);
  for (let k = 0; k < count; k++) {
    let n = r.int(1, 30) * 10;
    while (used.has(n)) n += 1;
    used.add(n);
    const allTraffic = r.chance(0.2);
    const [from, to] = r.pick(PORT_RANGES);
    entries.push({
      RuleNumber: n,
      Protocol: allTraffic ? '-1' : '6',
      RuleAction: r.chance(0.55) ? 'allow' : 'deny',
      Egress: egress,
      CidrBlock: r.pick(cidrs),
      ...(allTraffic ? {} : { PortRange: { From: from, To: to } }),
    });
  }
  // Most real ACLs end in a broad allow; without one here nearly every path would be denied.
  if (r.chance(0.6)) {
    let n = 400;
    while (used.has(n)) n += 1;
    entries.push({
      RuleNumber: n,
      Protocol: '-1',
      RuleAction: 'allow',
      Egress: egress,
      CidrBlock: '0.0.0.0/0',
    });
  }
  entries.push({
    RuleNumber: 32767,
    Protocol: '-1',
    RuleAction: 'deny',
    Egress: egress,
    CidrBlock: '0.0.0.0/0',
  });
  return entries;
}

const ALLOW_ALL_EGRESS: IpPermission = { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] };

/** The VPC's default ACL: allow everything both ways (what AWS creates), used by unassociated subnets. */
function defaultAcl(): NetworkAcl {
  const entry = (n: number, action: 'allow' | 'deny', egress: boolean): NetworkAclEntry => ({
    RuleNumber: n,
    Protocol: '-1',
    RuleAction: action,
    Egress: egress,
    CidrBlock: '0.0.0.0/0',
  });
  return {
    NetworkAclId: 'acl-0default',
    VpcId: VPC_ID,
    IsDefault: true,
    Entries: [
      entry(100, 'allow', true),
      entry(32767, 'deny', true),
      entry(100, 'allow', false),
      entry(32767, 'deny', false),
    ],
    Associations: [],
  };
}

/**
 * A random VPC for `seed` and `index` (the index makes the client port unique across one run, so a
 * connection tuple is never reused and no conntrack entry of an earlier configuration can decide).
 */
export function randomVpc(seed: number, index = 0): RandomVpc {
  const r = rng(seed);
  const subnets = r.chance(0.5) ? [0, 1, 2] : [0, 1];
  const groupIds = Array.from({ length: r.int(2, 3) }, (_, g) => `sg-0d${g}`);
  const instances: LabInstance[] = [];
  for (const s of subnets) {
    for (let j = 0; j < SLOTS_PER_SUBNET; j++) {
      if (j > 0 && r.chance(0.4)) continue;
      const groups = new Set([r.pick(groupIds)]);
      if (r.chance(0.3)) groups.add(r.pick(groupIds));
      instances.push({
        instanceId: slotInstanceId(s, j),
        subnet: s,
        slot: j,
        address: slotAddress(s, j),
        groupIds: [...groups].sort(),
      });
    }
  }
  const cidrs = cidrPool(instances, subnets);
  const securityGroups: SecurityGroup[] = groupIds.map((GroupId) => ({
    GroupId,
    GroupName: GroupId,
    VpcId: VPC_ID,
    OwnerId: '111122223333',
    IpPermissions: Array.from({ length: r.int(0, 3) }, () => randomPermission(r, cidrs, groupIds)),
    IpPermissionsEgress: r.chance(0.7)
      ? [ALLOW_ALL_EGRESS]
      : Array.from({ length: r.int(1, 2) }, () => randomPermission(r, cidrs, groupIds)),
  }));
  const networkAcls: NetworkAcl[] = [];
  const aclCount = r.int(1, 2);
  for (let a = 0; a < aclCount; a++) {
    networkAcls.push({
      NetworkAclId: `acl-0d${a}`,
      VpcId: VPC_ID,
      IsDefault: false,
      Entries: [...randomAclEntries(r, cidrs, false), ...randomAclEntries(r, cidrs, true)],
      Associations: [],
    });
  }
  // Each subnet: one of the custom ACLs, or (no association) the default ACL.
  const associated = networkAcls.map((acl) => ({
    ...acl,
    Associations: [] as { SubnetId: string; NetworkAclId: string }[],
  }));
  for (const s of subnets) {
    const choice = r.int(-1, associated.length - 1);
    if (choice >= 0)
      associated[choice]!.Associations.push({
        SubnetId: subnetId(s),
        NetworkAclId: associated[choice]!.NetworkAclId,
      });
  }
  const sourcePort = r.pick(SOURCE_PORT_BASES) + index;
  const inventory = toInventory(instances, subnets, securityGroups, associated);
  return { seed, instances, subnets, securityGroups, networkAcls: associated, sourcePort, inventory };
}

function toInventory(
  labInstances: readonly LabInstance[],
  subnets: readonly number[],
  securityGroups: readonly SecurityGroup[],
  networkAcls: readonly NetworkAcl[],
): Inventory {
  const instances: Instance[] = labInstances.map((i) => {
    const groups = i.groupIds.map((GroupId) => ({ GroupId, GroupName: GroupId }));
    return {
      InstanceId: i.instanceId,
      InstanceType: 't3.micro',
      State: { Code: 16, Name: 'running' },
      SubnetId: subnetId(i.subnet),
      VpcId: VPC_ID,
      PrivateIpAddress: i.address,
      SecurityGroups: groups,
      NetworkInterfaces: [
        {
          NetworkInterfaceId: `eni-0d${i.subnet}${i.slot}`,
          SubnetId: subnetId(i.subnet),
          VpcId: VPC_ID,
          PrivateIpAddress: i.address,
          PrivateIpAddresses: [{ PrivateIpAddress: i.address, Primary: true }],
          Groups: groups,
          Attachment: { DeviceIndex: 0, Status: 'attached' },
          Status: 'in-use',
        },
      ],
    };
  });
  return {
    ...emptyInventory(),
    instances,
    securityGroups,
    subnets: subnets.map((s) => ({ SubnetId: subnetId(s), VpcId: VPC_ID, CidrBlock: subnetCidr(s) })),
    networkAcls: [defaultAcl(), ...networkAcls],
    vpcs: [{ VpcId: VPC_ID, CidrBlock: VPC_CIDR }],
    routeTables: [
      {
        RouteTableId: 'rtb-0d',
        VpcId: VPC_ID,
        Routes: [
          { DestinationCidrBlock: VPC_CIDR, GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' },
        ],
        Associations: [{ Main: true, RouteTableId: 'rtb-0d', AssociationState: { State: 'associated' } }],
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Compilation to nft

/** The nft expression matching the TCP ports of a rule, or '' for all traffic; undefined: not TCP. */
function portMatch(protocol: string, from: number | undefined, to: number | undefined): string | undefined {
  const p = protocol.toLowerCase();
  if (p === '-1' || p === 'all') return '';
  if (p !== 'tcp' && p !== '6') return undefined;
  const lo = from === undefined || from === -1 ? 0 : from;
  const hi = to === undefined || to === -1 ? 65535 : to;
  return `tcp dport ${lo === hi ? lo : `${lo}-${hi}`} `;
}

/** The peer addresses a security group rule names: its CIDRs, and the ENIs of referenced groups. */
function ruleAddresses(p: IpPermission, vpc: Pick<RandomVpc, 'instances'>): string[] {
  const out = (p.IpRanges ?? []).map((r) => r.CidrIp);
  for (const pair of p.UserIdGroupPairs ?? []) {
    for (const i of vpc.instances)
      if (pair.GroupId && i.groupIds.includes(pair.GroupId)) out.push(`${i.address}/32`);
  }
  return out;
}

function sgRules(
  instance: LabInstance,
  vpc: Pick<RandomVpc, 'instances' | 'securityGroups'>,
  direction: 'ingress' | 'egress',
): string[] {
  const lines: string[] = [];
  const key = direction === 'ingress' ? 'saddr' : 'daddr';
  for (const gid of instance.groupIds) {
    const sg = vpc.securityGroups.find((g) => g.GroupId === gid);
    for (const p of (direction === 'ingress' ? sg?.IpPermissions : sg?.IpPermissionsEgress) ?? []) {
      const ports = portMatch(p.IpProtocol, p.FromPort, p.ToPort);
      const addrs = ruleAddresses(p, vpc);
      if (ports === undefined || addrs.length === 0) continue;
      // One rule per address: nft refuses overlapping intervals in an anonymous set.
      for (const a of addrs) lines.push(`    ip ${key} ${a} ${ports}accept comment "${gid}"`);
    }
  }
  return lines;
}

/** The security groups of one instance as an nft ruleset for its own namespace. */
export function instanceRuleset(
  instance: LabInstance,
  vpc: Pick<RandomVpc, 'instances' | 'securityGroups'>,
): string {
  return [
    'table inet sg {',
    '  chain input {',
    '    type filter hook input priority filter; policy drop;',
    '    iif lo accept',
    '    ct state established,related accept',
    ...sgRules(instance, vpc, 'ingress'),
    '  }',
    '  chain output {',
    '    type filter hook output priority filter; policy drop;',
    '    oif lo accept',
    '    ct state established,related accept',
    ...sgRules(instance, vpc, 'egress'),
    '  }',
    '}',
    '',
  ].join('\n');
}

function aclChain(name: string, acl: NetworkAcl, egress: boolean): string[] {
  const key = egress ? 'daddr' : 'saddr';
  const entries = (acl.Entries ?? [])
    .filter((e) => e.Egress === egress && e.RuleNumber < 32767 && e.CidrBlock)
    .sort((a, b) => a.RuleNumber - b.RuleNumber);
  const lines = [`  chain ${name} {`];
  for (const e of entries) {
    const ports = portMatch(e.Protocol, e.PortRange?.From, e.PortRange?.To);
    if (ports === undefined) continue;
    // `return` hands the packet back to the forward chain for the next boundary; first match wins.
    const verdict = e.RuleAction === 'allow' ? 'return' : 'drop';
    lines.push(
      `    ip ${key} ${e.CidrBlock} ${ports}${verdict} comment "${acl.NetworkAclId} rule ${e.RuleNumber}"`,
    );
  }
  lines.push(`    drop comment "${acl.NetworkAclId} rule *"`, '  }');
  return lines;
}

/** The network ACLs as one ruleset for the router namespace that joins the subnets. */
export function routerRuleset(vpc: Pick<RandomVpc, 'subnets' | 'inventory'>): string {
  const aclOf = (s: number): NetworkAcl => {
    const acls = vpc.inventory.networkAcls;
    return (
      acls.find((a) => (a.Associations ?? []).some((x) => x.SubnetId === subnetId(s))) ??
      acls.find((a) => a.IsDefault === true)!
    );
  };
  const chains: string[] = [];
  const forward: string[] = [];
  for (const s of vpc.subnets) {
    const acl = aclOf(s);
    chains.push(...aclChain(`out_${s}`, acl, true), ...aclChain(`in_${s}`, acl, false));
    // Inside one subnet no ACL applies; across, the source subnet's outbound then the target's inbound.
    forward.push(`    ip saddr ${subnetCidr(s)} ip daddr != ${subnetCidr(s)} jump out_${s}`);
  }
  for (const s of vpc.subnets)
    forward.push(`    ip daddr ${subnetCidr(s)} ip saddr != ${subnetCidr(s)} jump in_${s}`);
  return [
    'table ip nacl {',
    ...chains,
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    ...forward,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** A compact, reproducible description of a VPC for a failure message. */
export function describeVpc(vpc: RandomVpc): string {
  const lines = [`seed ${vpc.seed}, client port ${vpc.sourcePort}`];
  for (const i of vpc.instances)
    lines.push(`  ${i.instanceId} ${i.address} ${subnetId(i.subnet)} groups ${i.groupIds.join(',')}`);
  for (const g of vpc.securityGroups) {
    const fmt = (p: IpPermission) =>
      `${p.IpProtocol}${p.FromPort === undefined ? '' : ` ${p.FromPort}-${p.ToPort}`} ${[
        ...(p.IpRanges ?? []).map((x) => x.CidrIp),
        ...(p.UserIdGroupPairs ?? []).map((x) => x.GroupId),
      ].join(',')}`;
    lines.push(
      `  ${g.GroupId} in [${(g.IpPermissions ?? []).map(fmt).join('; ')}] out [${(g.IpPermissionsEgress ?? []).map(fmt).join('; ')}]`,
    );
  }
  for (const a of vpc.inventory.networkAcls) {
    const subnets = (a.Associations ?? []).map((x) => x.SubnetId).join(',');
    const fmt = (e: NetworkAclEntry) =>
      `${e.RuleNumber} ${e.RuleAction} ${e.Protocol === '-1' ? 'all' : `tcp ${e.PortRange?.From}-${e.PortRange?.To}`} ${e.CidrBlock}`;
    const entries = a.Entries ?? [];
    lines.push(
      `  ${a.NetworkAclId}${a.IsDefault ? ' (default)' : ''} [${subnets}] in: ${entries
        .filter((e) => !e.Egress)
        .map(fmt)
        .join('; ')} | out: ${entries
        .filter((e) => e.Egress)
        .map(fmt)
        .join('; ')}`,
    );
  }
  return lines.join('\n');
}
