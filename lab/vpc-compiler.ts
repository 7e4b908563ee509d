/**
 * A random network (lab/random-network.ts) compiled into what the Linux kernel enforces in the lab's
 * namespaces (lab/vpc-lab.ts wires them): nft rulesets and policy-routing tables. The compilation
 * follows the AWS semantics the analyzer claims to model, written a second time in kernel terms:
 *
 * - **Security groups** (VPC User Guide, "Security group rules"): stateful and allow-only; per instance,
 *   `ct state established,related accept`, then the union of every attached group's rules, default drop;
 *   ingress on the input hook, egress on the output hook; a group reference matches the private
 *   addresses (IPv4 and IPv6) of the ENIs in it.
 * - **Network ACLs** ("Network ACL rules"): stateless, per subnet, rule-number order, first match wins,
 *   the `*` rules deny the rest; at each VPC router, a packet arriving from an instance of subnet A passes
 *   A's outbound chain, a packet leaving to an instance of subnet B passes B's inbound chain, and one that
 *   stays inside a subnet meets neither. The chains key on interfaces, not addresses: a reset sent by the
 *   firewall on a connection's behalf meets only the client subnet's inbound chain, as in AWS.
 * - **Route tables** ("Route tables", "Route priority"): each subnet's table (its association, else the
 *   VPC's main table) becomes a kernel table selected by the interface the packet arrives on; the kernel
 *   does the longest-prefix match. `local` throws to the router's own instance routes; a blackhole route
 *   is a kernel blackhole; a destination without a route falls through to a blackhole (silent, as AWS).
 * - **Peering** (VPC Peering Guide, "Unsupported VPC peering configurations"): a veth between two VPC
 *   routers. What arrives on it is delivered only inside the receiving VPC (no transit); a connection
 *   that is not `active` drops everything on the link.
 * - **Transit gateway** (Transit Gateway Guide, "How transit gateways work", "Amazon VPC attachments"):
 *   its own namespace with one kernel table per attachment, filled with the routes of the TGW route table
 *   the attachment is associated with — static routes at metric 10, propagated VPC CIDRs at metric 20
 *   (static wins a tie), blackholes as kernel blackholes, no association no route. A subnet in an
 *   Availability Zone where the VPC's attachment has no subnet cannot send to the TGW, and the TGW
 *   delivers only into the zones it has a subnet in.
 * - **Network Firewall** ("Stateful rule groups", "Evaluation order for stateful rule groups"): its own
 *   namespace on a route of VPC A; stateful (conntrack), default action order (pass, drop, reject) or
 *   strict order with `aws:drop_strict`; DROP is silent, REJECT answers the SYN with a TCP reset.
 *
 * The fault switch ({@link LabFault}) plants one known bug in the compilation, so that the differential
 * test can show it would catch it (docs/differential.md, "Planted faults").
 */
import type { IpPermission, NetworkAcl, RouteTable } from '../lambda/core/inventory/model.ts';
import {
  attachmentId,
  FIREWALL_ENDPOINT,
  LAB_PEERINGS,
  LAB_SUBNETS,
  LAB_VPCS,
  type LabFirewall,
  type LabInstance,
  type RandomNetwork,
  subnetCidr4,
  subnetCidr6,
} from './random-network.ts';

/** Bugs the compiler can be told to make, one at a time, to show the differential test catches them. */
export const LAB_FAULTS = [
  /** Route tables: every subnet uses its VPC's main table, whatever its association. */
  'main-table-only',
  /** Peering: what arrives over a peering connection is routed on by the receiving VPC's tables. */
  'peering-transitive',
  /** Transit gateway: blackhole static routes are left out (propagated routes then carry the traffic). */
  'tgw-blackhole-ignored',
  /** Transit gateway: subnets reach the TGW, and it delivers, whatever the attachment's zones. */
  'tgw-az-rule-dropped',
  /** IPv6: a security group's IPv6 ranges are compiled as if they admitted IPv4 from anywhere. */
  'ipv6-rule-as-ipv4',
  /** Network Firewall: REJECT is compiled as a silent DROP. */
  'reject-as-drop',
] as const;
export type LabFault = (typeof LAB_FAULTS)[number];

export interface CompileOptions {
  /** @default no fault */
  readonly fault?: LabFault;
}

// ---------------------------------------------------------------------------------------------------------
// The lab's wiring: interface names and link addresses, shared by the compiler and lab/vpc-lab.ts.

/** A veth between two router namespaces (VPC routers `vpc0..2`, the transit gateway, the firewall). */
export interface LabLink {
  readonly index: number;
  readonly a: { readonly node: string; readonly ifname: string };
  readonly b: { readonly node: string; readonly ifname: string };
}

export const VPC_ROUTER = (v: number): string => `vpc${v}`;
export const TGW_NODE = 'tgw';
export const FIREWALL_NODE = 'fw';

export const LAB_LINKS: readonly LabLink[] = [
  ...LAB_PEERINGS.map((p, k) => ({
    index: k,
    a: { node: VPC_ROUTER(p.vpcs[0]), ifname: peeringIfname(p.id) },
    b: { node: VPC_ROUTER(p.vpcs[1]), ifname: peeringIfname(p.id) },
  })),
  ...LAB_VPCS.map((_, v) => ({
    index: LAB_PEERINGS.length + v,
    a: { node: VPC_ROUTER(v), ifname: 'tgw' },
    b: { node: TGW_NODE, ifname: `att${v}` },
  })),
  {
    index: LAB_PEERINGS.length + LAB_VPCS.length,
    a: { node: VPC_ROUTER(0), ifname: 'fw' },
    b: { node: FIREWALL_NODE, ifname: 'vpc' },
  },
];

function peeringIfname(id: string): string {
  return id.replace('pcx-0d', 'pcx');
}

/** The two ends' addresses of link `k`: 198.18.200.0/24 and 2001:2:0:f00::/56, outside every VPC. */
export function linkAddress(k: number, side: 'a' | 'b', family: 'ipv4' | 'ipv6'): string {
  return family === 'ipv4'
    ? `198.18.200.${4 * k + (side === 'a' ? 1 : 2)}`
    : `2001:2:0:f0${k.toString(16)}::${side === 'a' ? 1 : 2}`;
}

/** The router-side interface of an instance slot. */
export function slotIfname(s: number, j: number): string {
  return `s${s}${j}`;
}

/** Kernel table numbers. */
export const TABLE = {
  /** + subnet index: the subnet's route table. */
  subnet: 100,
  /** + link index: what arrives over a peering link. */
  peering: 30,
  /** What arrives from the transit gateway. */
  fromTgw: 40,
  /** + VPC index, in the TGW namespace: the route table associated with that VPC's attachment. */
  attachment: 20,
  /** Everything else: a blackhole (AWS drops what no route carries, silently). */
  blackhole: 250,
} as const;

// ---------------------------------------------------------------------------------------------------------
// Security groups, per instance

/** The nft expression matching the TCP ports of a rule, or '' for all traffic; undefined: not TCP. */
function portMatch(protocol: string, from: number | undefined, to: number | undefined): string | undefined {
  const p = protocol.toLowerCase();
  if (p === '-1' || p === 'all') return '';
  if (p !== 'tcp' && p !== '6') return undefined;
  const lo = from === undefined || from === -1 ? 0 : from;
  const hi = to === undefined || to === -1 ? 65535 : to;
  return `tcp dport ${lo === hi ? lo : `${lo}-${hi}`} `;
}

function family(cidr: string): 'ip' | 'ip6' {
  return cidr.includes(':') ? 'ip6' : 'ip';
}

/** The peers a security group rule names: its CIDRs, and the ENIs (both families) of referenced groups. */
function ruleAddresses(p: IpPermission, net: Pick<RandomNetwork, 'instances'>, fault?: LabFault): string[] {
  const out = (p.IpRanges ?? []).map((r) => r.CidrIp);
  for (const r of p.Ipv6Ranges ?? []) out.push(fault === 'ipv6-rule-as-ipv4' ? '0.0.0.0/0' : r.CidrIpv6);
  for (const pair of p.UserIdGroupPairs ?? []) {
    for (const i of net.instances) {
      if (!pair.GroupId || !i.groupIds.includes(pair.GroupId)) continue;
      out.push(`${i.address}/32`);
      if (i.address6) out.push(`${i.address6}/128`);
    }
  }
  return out;
}

function sgRules(
  instance: LabInstance,
  net: Pick<RandomNetwork, 'instances' | 'inventory'>,
  direction: 'ingress' | 'egress',
  fault?: LabFault,
): string[] {
  const lines: string[] = [];
  const key = direction === 'ingress' ? 'saddr' : 'daddr';
  for (const gid of instance.groupIds) {
    const sg = net.inventory.securityGroups.find((g) => g.GroupId === gid);
    for (const p of (direction === 'ingress' ? sg?.IpPermissions : sg?.IpPermissionsEgress) ?? []) {
      const ports = portMatch(p.IpProtocol, p.FromPort, p.ToPort);
      if (ports === undefined) continue;
      // One rule per address: nft refuses overlapping intervals in an anonymous set.
      for (const a of ruleAddresses(p, net, fault))
        lines.push(`    ${family(a)} ${key} ${a} ${ports}accept comment "${gid}"`);
    }
  }
  return lines;
}

/** IPv6 neighbour discovery is the link's business, not a security group's (AWS answers it itself). */
const NEIGHBOUR_DISCOVERY = 'icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept';

/** The security groups of one instance as an nft ruleset for its own namespace. */
export function instanceRuleset(
  instance: LabInstance,
  net: Pick<RandomNetwork, 'instances' | 'inventory'>,
  options: CompileOptions = {},
): string {
  return [
    'table inet sg {',
    '  chain input {',
    '    type filter hook input priority filter; policy drop;',
    '    iif lo accept',
    `    ${NEIGHBOUR_DISCOVERY}`,
    '    ct state established,related accept',
    ...sgRules(instance, net, 'ingress', options.fault),
    '  }',
    '  chain output {',
    '    type filter hook output priority filter; policy drop;',
    '    oif lo accept',
    `    ${NEIGHBOUR_DISCOVERY}`,
    '    ct state established,related accept',
    ...sgRules(instance, net, 'egress', options.fault),
    '  }',
    '}',
    '',
  ].join('\n');
}

/** An instance slot this network leaves empty: nothing gets in. */
export const EMPTY_SLOT_RULESET = [
  'table inet sg {',
  '  chain input {',
  '    type filter hook input priority filter; policy drop;',
  `    ${NEIGHBOUR_DISCOVERY}`,
  '  }',
  '}',
  '',
].join('\n');

// ---------------------------------------------------------------------------------------------------------
// Network ACLs and peering state, per VPC router

function aclChain(name: string, acl: NetworkAcl, egress: boolean): string[] {
  const key = egress ? 'daddr' : 'saddr';
  const entries = (acl.Entries ?? [])
    .filter((e) => e.Egress === egress && e.RuleNumber < 32767 && (e.CidrBlock || e.Ipv6CidrBlock))
    .sort((a, b) => a.RuleNumber - b.RuleNumber);
  const lines = [`  chain ${name} {`];
  for (const e of entries) {
    const ports = portMatch(e.Protocol, e.PortRange?.From, e.PortRange?.To);
    if (ports === undefined) continue;
    const cidr = (e.CidrBlock ?? e.Ipv6CidrBlock)!;
    // `return` hands the packet back to the forward chain for the next boundary; first match wins.
    const verdict = e.RuleAction === 'allow' ? 'return' : 'drop';
    lines.push(
      `    ${family(cidr)} ${key} ${cidr} ${ports}${verdict} comment "${acl.NetworkAclId} rule ${e.RuleNumber}"`,
    );
  }
  lines.push(`    drop comment "${acl.NetworkAclId} rule *"`, '  }');
  return lines;
}

function aclOf(net: RandomNetwork, s: number): NetworkAcl {
  const { subnetId } = LAB_SUBNETS[s]!;
  const vpcId = LAB_VPCS[LAB_SUBNETS[s]!.vpc]!.vpcId;
  const acls = net.inventory.networkAcls;
  return (
    acls.find((a) => (a.Associations ?? []).some((x) => x.SubnetId === subnetId)) ??
    acls.find((a) => a.IsDefault === true && a.VpcId === vpcId)!
  );
}

/** The ruleset of VPC `v`'s router: its subnets' ACLs, and a drop on each peering that is not active. */
export function vpcRouterRuleset(net: RandomNetwork, v: number): string {
  const vpc = net.vpcs.find((x) => x.index === v);
  const chains: string[] = [];
  const forward: string[] = [];
  for (const p of LAB_PEERINGS) {
    if (!p.vpcs.includes(v)) continue;
    const pcx = net.inventory.vpcPeeringConnections.find((x) => x.VpcPeeringConnectionId === p.id);
    if (pcx?.Status?.Code === 'active') continue;
    const ifname = peeringIfname(p.id);
    forward.push(`    iifname "${ifname}" drop comment "${p.id} not active"`);
    forward.push(`    oifname "${ifname}" drop comment "${p.id} not active"`);
  }
  for (const s of vpc?.subnets ?? []) {
    const acl = aclOf(net, s);
    chains.push(...aclChain(`out_${s}`, acl, true), ...aclChain(`in_${s}`, acl, false));
    const ports = `{ ${Array.from({ length: 2 }, (_, j) => `"${slotIfname(s, j)}"`).join(', ')} }`;
    // Inside one subnet no ACL applies; across, the source subnet's outbound then the target's inbound.
    forward.push(`    iifname ${ports} oifname != ${ports} jump out_${s}`);
    forward.push(`    oifname ${ports} iifname != ${ports} jump in_${s}`);
  }
  return [
    'table inet nacl {',
    ...chains,
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    ...forward,
    '  }',
    '}',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Routes: `ip -batch` lines, one batch per family and namespace

type Family = 'ipv4' | 'ipv6';

function familyOf(cidr: string): Family {
  return cidr.includes(':') ? 'ipv6' : 'ipv4';
}

/** `ip route` lines for one kernel table, split by family. */
class Batch {
  readonly lines: Record<Family, string[]> = { ipv4: [], ipv6: [] };
  flush(table: number): void {
    for (const f of ['ipv4', 'ipv6'] as const) this.lines[f].push(`route flush table ${table}`);
  }
  via(table: number, dest: string, link: LabLink, towards: 'a' | 'b', metric?: number): void {
    const f = familyOf(dest);
    const near = towards === 'a' ? link.b : link.a;
    this.lines[f].push(
      `route add ${dest} via ${linkAddress(link.index, towards, f)} dev ${near.ifname} onlink table ${table}${metric ? ` metric ${metric}` : ''}`,
    );
  }
  blackhole(table: number, dest: string, metric?: number): void {
    this.lines[familyOf(dest)].push(
      `route add blackhole ${dest} table ${table}${metric ? ` metric ${metric}` : ''}`,
    );
  }
  /** Whatever the table does not route is dropped (a lower-priority default than any real route). */
  dropRest(table: number): void {
    this.lines.ipv4.push(`route add blackhole 0.0.0.0/0 table ${table} metric 4000`);
    this.lines.ipv6.push(`route add blackhole ::/0 table ${table} metric 4000`);
  }
  throw(table: number, dest: string): void {
    this.lines[familyOf(dest)].push(`route add throw ${dest} table ${table}`);
  }
  text(f: Family): string {
    return `${this.lines[f].join('\n')}\n`;
  }
}

function routeTableOf(net: RandomNetwork, s: number, fault?: LabFault): RouteTable | undefined {
  const { subnetId, vpc } = LAB_SUBNETS[s]!;
  const tables = net.inventory.routeTables.filter((t) => t.VpcId === LAB_VPCS[vpc]!.vpcId);
  const main = tables.find((t) => (t.Associations ?? []).some((a) => a.Main));
  if (fault === 'main-table-only') return main;
  return tables.find((t) => (t.Associations ?? []).some((a) => a.SubnetId === subnetId)) ?? main;
}

/** The zones VPC `v`'s transit gateway attachment has a subnet in (none: not attached). */
function attachmentZones(net: RandomNetwork, v: number): Set<string> {
  const att = net.inventory.transitGatewayVpcAttachments.find(
    (a) => a.TransitGatewayAttachmentId === attachmentId(v) && a.State === 'available',
  );
  const zones = new Set<string>();
  for (const id of att?.SubnetIds ?? []) {
    const s = LAB_SUBNETS.findIndex((x) => x.subnetId === id);
    const zone = net.zones.get(s);
    if (zone) zones.add(zone);
  }
  return zones;
}

function linkBetween(x: string, y: string): LabLink {
  const link = LAB_LINKS.find(
    (l) => (l.a.node === x && l.b.node === y) || (l.a.node === y && l.b.node === x),
  );
  if (!link) throw new Error(`no lab link between ${x} and ${y}`);
  return link;
}

/** Which end of `link` is `node`'s far side. */
function farSide(link: LabLink, node: string): 'a' | 'b' {
  return link.a.node === node ? 'b' : 'a';
}

/** One AWS route table compiled into kernel table `table` of VPC `v`'s router, for subnet `s`. */
function compileSubnetTable(
  batch: Batch,
  net: RandomNetwork,
  v: number,
  s: number,
  table: number,
  fault?: LabFault,
): void {
  const rtb = routeTableOf(net, s, fault);
  const me = VPC_ROUTER(v);
  const zones = attachmentZones(net, v);
  const reachesTgw = fault === 'tgw-az-rule-dropped' ? zones.size > 0 : zones.has(net.zones.get(s) ?? '');
  for (const r of rtb?.Routes ?? []) {
    const dest = r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock;
    if (!dest) continue;
    if (r.GatewayId === 'local') {
      batch.throw(table, dest);
      continue;
    }
    if (r.State === 'blackhole') {
      batch.blackhole(table, dest);
      continue;
    }
    if (r.VpcPeeringConnectionId) {
      // A connection this VPC is not part of (or one that no longer exists) carries nothing.
      const p = LAB_PEERINGS.find((x) => x.id === r.VpcPeeringConnectionId && x.vpcs.includes(v));
      const other = p?.vpcs.find((x) => x !== v);
      if (other === undefined) batch.blackhole(table, dest);
      else {
        const link = linkBetween(me, VPC_ROUTER(other));
        batch.via(table, dest, link, farSide(link, me));
      }
      continue;
    }
    if (r.TransitGatewayId) {
      if (reachesTgw) {
        const link = linkBetween(me, TGW_NODE);
        batch.via(table, dest, link, farSide(link, me));
      } else batch.blackhole(table, dest);
      continue;
    }
    if (r.GatewayId === FIREWALL_ENDPOINT) {
      const link = linkBetween(me, FIREWALL_NODE);
      batch.via(table, dest, link, farSide(link, me));
      continue;
    }
    // An internet gateway carries no private address of another VPC: nothing in the lab answers there.
    batch.blackhole(table, dest);
  }
}

/** The routing tables of VPC `v`'s router: per subnet, per peering link, and from the transit gateway. */
export function vpcRouterRoutes(
  net: RandomNetwork,
  v: number,
  options: CompileOptions = {},
): Record<Family, string> {
  const batch = new Batch();
  const spec = LAB_VPCS[v]!;
  const vpc = net.vpcs.find((x) => x.index === v);
  for (const s of spec.subnets) {
    batch.flush(TABLE.subnet + s);
    if (vpc?.subnets.includes(s)) compileSubnetTable(batch, net, v, s, TABLE.subnet + s, options.fault);
  }
  const own = [spec.cidr4, ...(vpc?.ipv6 ? [spec.cidr6] : [])];
  for (const link of LAB_LINKS) {
    // The first links are the peering connections (LAB_LINKS).
    const isPeering = link.index < LAB_PEERINGS.length;
    if (!isPeering || (link.a.node !== VPC_ROUTER(v) && link.b.node !== VPC_ROUTER(v))) continue;
    const table = TABLE.peering + link.index;
    batch.flush(table);
    batch.dropRest(table);
    if (options.fault === 'peering-transitive' && vpc) {
      // The bug: the receiving VPC routes on what a peer sent, as if it were one of its own subnets.
      compileSubnetTable(batch, net, v, vpc.subnets[0]!, table);
      continue;
    }
    // A peering connection delivers only into the VPC it reaches: no edge-to-edge routing.
    for (const c of own) batch.throw(table, c);
  }
  batch.flush(TABLE.fromTgw);
  batch.dropRest(TABLE.fromTgw);
  const zones = attachmentZones(net, v);
  // The transit gateway reaches every subnet of a zone its attachment has a subnet in, and no other.
  for (const s of zones.size > 0 ? (vpc?.subnets ?? []) : []) {
    if (options.fault !== 'tgw-az-rule-dropped' && !zones.has(net.zones.get(s) ?? '')) continue;
    batch.throw(TABLE.fromTgw, subnetCidr4(s));
    if (net.ipv6Subnets.has(s)) batch.throw(TABLE.fromTgw, subnetCidr6(s));
  }
  return { ipv4: batch.text('ipv4'), ipv6: batch.text('ipv6') };
}

/** The transit gateway's tables: per attachment, the routes of the TGW route table it is associated with. */
export function tgwRoutes(net: RandomNetwork, options: CompileOptions = {}): Record<Family, string> {
  const batch = new Batch();
  const inv = net.inventory;
  for (const [v] of LAB_VPCS.entries()) {
    const table = TABLE.attachment + v;
    batch.flush(table);
    const record = inv.transitGatewayAttachments.find(
      (a) => a.TransitGatewayAttachmentId === attachmentId(v),
    );
    const tgwTable =
      record?.Association?.State === 'associated' ? record.Association.TransitGatewayRouteTableId : undefined;
    if (!tgwTable) continue;
    const toAttachment = (id: string | undefined) => {
      const x = LAB_VPCS.findIndex((_, k) => attachmentId(k) === id);
      return x >= 0 && inv.transitGatewayVpcAttachments.some((a) => a.TransitGatewayAttachmentId === id)
        ? linkBetween(TGW_NODE, VPC_ROUTER(x))
        : undefined;
    };
    for (const r of inv.transitGatewayStaticRoutes.get(tgwTable) ?? []) {
      const dest = r.DestinationCidrBlock;
      if (!dest) continue;
      const link = toAttachment(r.TransitGatewayAttachments?.[0]?.TransitGatewayAttachmentId);
      if (r.State === 'blackhole' || !link) {
        if (options.fault !== 'tgw-blackhole-ignored') batch.blackhole(table, dest, 10);
      } else batch.via(table, dest, link, farSide(link, TGW_NODE), 10);
    }
    for (const p of inv.transitGatewayRouteTablePropagations.get(tgwTable) ?? []) {
      if (p.State !== 'enabled') continue;
      const link = toAttachment(p.TransitGatewayAttachmentId);
      const vpc = inv.vpcs.find((x) => x.VpcId === p.ResourceId);
      if (!link || !vpc) continue;
      const cidrs = [vpc.CidrBlock, ...(vpc.Ipv6CidrBlockAssociationSet ?? []).map((a) => a.Ipv6CidrBlock)];
      for (const c of cidrs) if (c) batch.via(table, c, link, farSide(link, TGW_NODE), 20);
    }
  }
  return { ipv4: batch.text('ipv4'), ipv6: batch.text('ipv6') };
}

// ---------------------------------------------------------------------------------------------------------
// The firewall namespace

/**
 * AWS's default action order ("Managing evaluation order for Suricata compatible rules"): "Actions are
 * processed in the following order: pass, drop, reject, alert".
 */
const ACTION_ORDER = ['pass', 'drop', 'reject'] as const;

/** The Network Firewall as the ruleset of its namespace (accept-all when the network has none). */
export function firewallRuleset(net: RandomNetwork, options: CompileOptions = {}): string {
  const fw: LabFirewall | undefined = net.firewall;
  const lines: string[] = [];
  if (fw) {
    const rules = fw.strict
      ? fw.rules
      : [...fw.rules].sort((x, y) => ACTION_ORDER.indexOf(x.action) - ACTION_ORDER.indexOf(y.action));
    for (const rule of rules) {
      const match = rule.source === 'any' ? '' : `${family(rule.source)} saddr ${rule.source} `;
      const verdict =
        rule.action === 'pass'
          ? 'accept'
          : rule.action === 'drop' || options.fault === 'reject-as-drop'
            ? 'drop'
            : 'reject with tcp reset';
      lines.push(`    ${match}tcp dport 22 ${verdict} comment "sid ${rule.sid}"`);
    }
    if (fw.dropStrict) lines.push('    drop comment "aws:drop_strict"');
  }
  return [
    'table inet fw {',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    // The stateful engine decides a flow on its first packet; the rest of the flow follows.
    '    ct state established,related accept',
    ...lines,
    '  }',
    '}',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------

/** A compact, reproducible description of a network for a failure message. */
export function describeNetwork(net: RandomNetwork): string {
  const inv = net.inventory;
  const lines = [`seed ${net.seed}, client port ${net.sourcePort}`];
  for (const i of net.instances)
    lines.push(
      `  ${i.instanceId} ${i.address}${i.address6 ? ` ${i.address6}` : ''} ${LAB_SUBNETS[i.subnet]!.subnetId} (${net.zones.get(i.subnet)}) groups ${i.groupIds.join(',')}`,
    );
  const fmt = (p: IpPermission) =>
    `${p.IpProtocol}${p.FromPort === undefined ? '' : ` ${p.FromPort}-${p.ToPort}`} ${[
      ...(p.IpRanges ?? []).map((x) => x.CidrIp),
      ...(p.Ipv6Ranges ?? []).map((x) => x.CidrIpv6),
      ...(p.UserIdGroupPairs ?? []).map((x) => x.GroupId),
    ].join(',')}`;
  for (const g of inv.securityGroups)
    lines.push(
      `  ${g.GroupId} in [${(g.IpPermissions ?? []).map(fmt).join('; ')}] out [${(g.IpPermissionsEgress ?? []).map(fmt).join('; ')}]`,
    );
  for (const a of inv.networkAcls) {
    const subnets = (a.Associations ?? []).map((x) => x.SubnetId).join(',');
    const entry = (e: NonNullable<NetworkAcl['Entries']>[number]) =>
      `${e.RuleNumber} ${e.RuleAction} ${e.Protocol === '-1' ? 'all' : `tcp ${e.PortRange?.From}-${e.PortRange?.To}`} ${e.CidrBlock ?? e.Ipv6CidrBlock}`;
    const entries = a.Entries ?? [];
    lines.push(
      `  ${a.NetworkAclId}${a.IsDefault ? ' (default)' : ''} [${subnets}] in: ${entries
        .filter((e) => !e.Egress)
        .map(entry)
        .join('; ')} | out: ${entries
        .filter((e) => e.Egress)
        .map(entry)
        .join('; ')}`,
    );
  }
  for (const t of inv.routeTables) {
    const assoc = (t.Associations ?? []).map((a) => (a.Main ? 'main' : a.SubnetId)).join(',');
    const routes = (t.Routes ?? []).map((r) => {
      const target =
        r.GatewayId ?? r.VpcPeeringConnectionId ?? r.TransitGatewayId ?? r.NatGatewayId ?? 'other';
      return `${r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock} → ${target}${r.State === 'blackhole' ? ' (blackhole)' : ''}`;
    });
    lines.push(`  ${t.RouteTableId} [${assoc}]: ${routes.join('; ')}`);
  }
  for (const p of inv.vpcPeeringConnections)
    lines.push(
      `  ${p.VpcPeeringConnectionId} ${p.RequesterVpcInfo?.VpcId} ↔ ${p.AccepterVpcInfo?.VpcId} ${p.Status?.Code}`,
    );
  for (const a of inv.transitGatewayVpcAttachments) {
    const record = inv.transitGatewayAttachments.find(
      (x) => x.TransitGatewayAttachmentId === a.TransitGatewayAttachmentId,
    );
    lines.push(
      `  ${a.TransitGatewayAttachmentId} ${a.VpcId} subnets ${(a.SubnetIds ?? []).join(',')} → ${record?.Association?.TransitGatewayRouteTableId ?? 'no association'}`,
    );
  }
  for (const t of inv.transitGatewayRouteTables) {
    const id = t.TransitGatewayRouteTableId;
    const props = (inv.transitGatewayRouteTablePropagations.get(id) ?? []).map(
      (p) => `${p.TransitGatewayAttachmentId} ${p.State}`,
    );
    const statics = (inv.transitGatewayStaticRoutes.get(id) ?? []).map(
      (r) =>
        `${r.DestinationCidrBlock} → ${r.State === 'blackhole' ? 'blackhole' : r.TransitGatewayAttachments?.[0]?.TransitGatewayAttachmentId}`,
    );
    lines.push(`  ${id} propagations [${props.join('; ')}] static [${statics.join('; ')}]`);
  }
  if (net.firewall) {
    const fw = net.firewall;
    lines.push(
      `  firewall protects ${LAB_SUBNETS[net.firewallProtects!]!.subnetId}${fw.ipv6 ? ' (and IPv6)' : ''}, ${fw.strict ? `strict order${fw.dropStrict ? ' + aws:drop_strict' : ''}` : 'action order'}: ${fw.rules.map((x) => `${x.action} ${x.source} sid ${x.sid}`).join('; ')}`,
    );
  }
  return lines.join('\n');
}
