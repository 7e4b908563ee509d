/**
 * Network ACLs: stateless, evaluated at the subnet boundary in ascending rule-number order, the first
 * rule that matches a packet decides, and the `*` rule (shown as 32767) denies whatever nothing matched
 * (VPC User Guide, "Network ACL rules"). IPv4 and IPv6 entries are separate rule sets. Being stateless,
 * the reply direction needs its own allow — for the client's ephemeral ports, which is where the classic
 * intermittent failure hides: the guide's example ACL lets replies in on 32768-65535, but a client
 * (a NAT gateway, Lambda) may pick any port from 1024-65535.
 *
 * The evaluation is exact over the peer's address set × the port interval: the address space is cut at
 * every rule boundary, and within each cell the port interval is cut at every rule's port range, so each
 * sub-range carries the number of the rule that decided it.
 */
import type { NetworkAcl, NetworkAclEntry } from '../inventory/model.ts';
import {
  type AddressInterval,
  AddressSet,
  cellOf,
  type IpFamily,
  ruleBoundaries,
  singleAddress,
} from '../net/cidr.ts';
import {
  ALL_PORTS,
  formatPortRange,
  intersectPorts,
  normalizePorts,
  type PortRange,
  subtractPorts,
  totalPorts,
} from '../net/port-range.ts';
import {
  type AnalysisContext,
  describeAddresses,
  type EvaluatorVerdict,
  type Peer,
  verdictOf,
} from './evaluation.ts';
import { missingSubnetData } from './missing-data.ts';
import type { Blocker, BlockerCode, Direction } from './types.ts';

/** The `*` rule: it cannot be removed and always denies (API output lists it as 32767, or 32768 for IPv6). */
export const DEFAULT_DENY_RULE = 32767;

interface CompiledEntry {
  readonly ruleNumber: number;
  readonly allow: boolean;
  readonly first: bigint;
  readonly last: bigint;
  readonly ports: PortRange;
}

/** One decided piece of the (addresses × ports) question. */
export interface AclSegment {
  readonly addresses: AddressInterval;
  readonly ports: PortRange;
  readonly allow: boolean;
  readonly ruleNumber: number;
}

export interface AclDecision {
  readonly segments: readonly AclSegment[];
  /** Every (address, port) allowed. */
  readonly allAllowed: boolean;
  /** Addresses for which no port at all is allowed. */
  readonly fullyDenied: AddressSet;
  /** Addresses for which some but not all ports are allowed. */
  readonly partlyAllowed: AddressSet;
  /** The allowing rules and their ports, for evidence (`100 allows 22; 120 allows 32768-65535`). */
  readonly allowText: string;
}

/** The TCP ports an entry matches, or undefined when it cannot match TCP. */
function tcpPortsOfEntry(e: NetworkAclEntry): PortRange | undefined {
  if (e.Protocol === '-1') return ALL_PORTS;
  if (e.Protocol !== '6' && e.Protocol.toLowerCase() !== 'tcp') return undefined;
  const from = e.PortRange?.From ?? 0;
  const to = e.PortRange?.To ?? 65535;
  return { from, to };
}

/** One direction and family of an ACL: its rules in evaluation order, and their boundaries. */
interface CompiledAcl {
  readonly entries: readonly CompiledEntry[];
  readonly cuts: readonly bigint[];
}

function compile(ctx: AnalysisContext, acl: NetworkAcl, egress: boolean, family: IpFamily): CompiledAcl {
  return ctx.memo.remember('acl-entries', [egress, family, acl], () => {
    const out: CompiledEntry[] = [];
    const entries = [...(acl.Entries ?? [])].sort((a, b) => a.RuleNumber - b.RuleNumber);
    for (const e of entries) {
      if (e.Egress !== egress || e.RuleNumber >= DEFAULT_DENY_RULE) continue;
      const cidr = ctx.cidr((family === 'ipv4' ? e.CidrBlock : e.Ipv6CidrBlock) ?? '')?.cidr;
      const ports = tcpPortsOfEntry(e);
      if (!cidr || cidr.family !== family || !ports) continue;
      out.push({
        ruleNumber: e.RuleNumber,
        allow: e.RuleAction === 'allow',
        first: cidr.first,
        last: cidr.last,
        ports,
      });
    }
    const all = AddressSet.all(family).intervals[0]!;
    out.push({
      ruleNumber: DEFAULT_DENY_RULE,
      allow: false,
      first: all.first,
      last: all.last,
      ports: ALL_PORTS,
    });
    return { entries: out, cuts: ruleBoundaries(out) };
  });
}

/** Cuts `set` at every rule boundary so that each rule contains a cell wholly or not at all. */
function cells(set: AddressSet, cuts: readonly bigint[]): AddressInterval[] {
  // A single address is already a cell (the common case: an instance as the other end).
  if (singleAddress(set) !== undefined) return [...set.intervals];
  const out: AddressInterval[] = [];
  for (const iv of set.intervals) {
    let first = iv.first;
    for (const c of cuts) {
      if (c <= first) continue;
      if (c > iv.last) break;
      out.push({ first, last: c - 1n });
      first = c;
    }
    out.push({ first, last: iv.last });
  }
  return out;
}

/**
 * Decides, for every address in `peer` and every port in `ports`, what `acl` does with a TCP packet
 * in `direction` (inbound: from the peer to the port; outbound: to the peer's port).
 */
function decideAcl(
  ctx: AnalysisContext,
  acl: NetworkAcl,
  direction: Direction,
  peer: AddressSet,
  ports: PortRange,
): AclDecision {
  const compiled = compile(ctx, acl, direction === 'outbound', peer.family);
  const { entries, cuts } = compiled;
  // One address among thousands (a target seen from the source's subnet) is decided exactly like every
  // other address of its cell, since each rule contains a cell wholly or not at all: decide the cell
  // once. The decision then covers the address, so the wording still names the peer itself.
  const single = singleAddress(peer);
  const home = single === undefined ? undefined : cellOf(cuts, single, peer.family);
  return ctx.memo.remember('acl-decision', [ports.from, ports.to, home ? home.index : peer, compiled], () => {
    const addresses = home ? AddressSet.of(peer.family, [home.interval]) : peer;
    const segments: AclSegment[] = [];
    const denied: AddressInterval[] = [];
    const partly: AddressInterval[] = [];
    const wanted = totalPorts([ports]);
    for (const cell of cells(addresses, cuts)) {
      let remaining: PortRange[] = [ports];
      let allowedPorts = 0;
      for (const e of entries) {
        if (remaining.length === 0) break;
        if (e.first > cell.first || e.last < cell.last) continue;
        const next: PortRange[] = [];
        for (const r of remaining) {
          const hit = intersectPorts(r, e.ports);
          if (!hit) {
            next.push(r);
            continue;
          }
          segments.push({ addresses: cell, ports: hit, allow: e.allow, ruleNumber: e.ruleNumber });
          if (e.allow) allowedPorts += totalPorts([hit]);
          next.push(...subtractPorts(r, hit));
        }
        remaining = next;
      }
      if (allowedPorts === 0) denied.push(cell);
      else if (allowedPorts < wanted) partly.push(cell);
    }
    return {
      segments,
      allowText: rulesText(segments, true),
      allAllowed: denied.length === 0 && partly.length === 0,
      fullyDenied: AddressSet.of(peer.family, denied),
      partlyAllowed: AddressSet.of(peer.family, partly),
    };
  });
}

/** Which end of the path the ACL guards, and so which blocker codes it produces. */
export type AclLeg =
  /** The SYN entering the target subnet. */
  | 'target-inbound'
  /** The SYN-ACK leaving the target subnet toward the source's ephemeral port. */
  | 'target-outbound'
  /** The SYN leaving the source subnet. */
  | 'source-outbound'
  /** The SYN-ACK entering the source subnet on the source's ephemeral port. */
  | 'source-inbound';

const LEG: Record<AclLeg, { direction: Direction; code: BlockerCode; reply: boolean }> = {
  'target-inbound': { direction: 'inbound', code: 'NACL_INBOUND_DENY', reply: false },
  'target-outbound': { direction: 'outbound', code: 'NACL_OUTBOUND_DENY', reply: true },
  'source-outbound': { direction: 'outbound', code: 'SOURCE_NACL_OUTBOUND_DENY', reply: false },
  'source-inbound': { direction: 'inbound', code: 'SOURCE_NACL_INBOUND_DENY', reply: true },
};

export interface NetworkAclQuestion {
  readonly leg: AclLeg;
  /** The ACL guarding the subnet (explicit association, else the VPC's default ACL). */
  readonly acl: NetworkAcl | undefined;
  readonly subnetId: string;
  /**
   * The other end, as addresses seen at this boundary: the source for target legs, the target for
   * source legs.
   */
  readonly peer: Peer;
  /** The SSH port (for the SYN legs). */
  readonly port: number;
  /** The source's ephemeral range (for the reply legs). */
  readonly ephemeral: PortRange;
}

function rulesText(segments: readonly AclSegment[], allow: boolean): string {
  const byRule = new Map<number, PortRange[]>();
  for (const s of segments)
    if (s.allow === allow) byRule.set(s.ruleNumber, [...(byRule.get(s.ruleNumber) ?? []), s.ports]);
  return [...byRule.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(
      ([n, ports]) =>
        `${n === DEFAULT_DENY_RULE ? '* (32767)' : n} ${allow ? 'allows' : 'denies'} ${normalizePorts(ports).map(formatPortRange).join(', ')}`,
    )
    .join('; ');
}

export function evaluateNetworkAcl(ctx: AnalysisContext, q: NetworkAclQuestion): EvaluatorVerdict {
  const { acl, leg, subnetId, peer, port, ephemeral } = q;
  if (!peer.transient) {
    return ctx.memo.remember('acl-verdict', [leg, port, ephemeral, peer, acl, subnetId], () =>
      decideNetworkAcl(ctx, q),
    );
  }
  // One target among thousands: a verdict without blockers does not name the peer, so every target
  // in an allowed cell shares one; only a blocked leg is worded for its own target.
  if (acl) {
    const d = decideAcl(ctx, acl, LEG[leg].direction, peer.addresses, portsOf(q));
    if (d.allAllowed)
      return ctx.memo.remember('acl-allowed', [leg, d, subnetId], () => decideNetworkAcl(ctx, q));
  }
  return decideNetworkAcl(ctx, q);
}

/** The ports a leg is about: the SSH port for the SYN, the source's ephemeral range for the reply. */
function portsOf(q: NetworkAclQuestion): PortRange {
  return LEG[q.leg].reply ? q.ephemeral : { from: q.port, to: q.port };
}

function decideNetworkAcl(ctx: AnalysisContext, q: NetworkAclQuestion): EvaluatorVerdict {
  const leg = LEG[q.leg];
  // Every subnet has an ACL in AWS: one the inventory lacks is unknown, never "not filtered".
  if (!q.acl) return verdictOf([], [], [missingSubnetData(ctx, 'network-acl', q.subnetId)]);
  const aclId = q.acl.NetworkAclId;
  const ports = portsOf(q);
  const d = decideAcl(ctx, q.acl, leg.direction, q.peer.addresses, ports);
  const word = leg.direction === 'inbound' ? 'from' : 'to';
  const what = leg.reply ? `replies (TCP ${formatPortRange(ports)})` : `TCP ${q.port}`;
  const boundary = leg.direction === 'inbound' ? `inbound to ${q.subnetId}` : `outbound from ${q.subnetId}`;
  const evidence = [`network ACL ${aclId} ${boundary}: ${d.allowText || 'no rule allows'}`];
  if (d.allAllowed) return verdictOf([], evidence);

  const blockers: Blocker[] = [];
  if (!d.fullyDenied.isEmpty) {
    const denying = d.segments.filter((s) => !s.allow && d.fullyDenied.has(s.addresses.first));
    const rule = denying[0]?.ruleNumber ?? DEFAULT_DENY_RULE;
    const ruleName = rule === DEFAULT_DENY_RULE ? 'default rule * (32767)' : `rule ${rule}`;
    const whom = d.fullyDenied.covers(q.peer.addresses) ? q.peer.label : describeAddresses(d.fullyDenied);
    blockers.push({
      code: leg.code,
      resourceId: aclId,
      direction: leg.direction,
      ruleNumber: rule,
      detail: `network ACL ${aclId} ${ruleName} denies ${what} ${word} ${whom} ${boundary}`,
    });
  }
  if (!d.partlyAllowed.isEmpty) {
    const partSegs = d.segments.filter((s) => d.partlyAllowed.has(s.addresses.first));
    const allowed = normalizePorts(partSegs.filter((s) => s.allow).map((s) => s.ports));
    const firstDeny = partSegs.find((s) => !s.allow);
    const share = ((100 * totalPorts(allowed)) / totalPorts([ports])).toFixed(0);
    blockers.push({
      code: 'NACL_EPHEMERAL_PARTIAL',
      resourceId: aclId,
      direction: leg.direction,
      ...(firstDeny ? { ruleNumber: firstDeny.ruleNumber } : {}),
      detail:
        `network ACL ${aclId} lets replies ${word} ${q.peer.label} ${boundary} only on ports ` +
        `${allowed.map(formatPortRange).join(', ')} of ${formatPortRange(ports)} (${share}% of connections): ` +
        `${rulesText(partSegs, true)}; ${rulesText(partSegs, false)}`,
    });
  }
  return verdictOf(blockers, evidence);
}

/** Default ACLs allow everything unless changed; the exposure audit asks only about custom ones. */
export function aclAllowedAddresses(
  ctx: AnalysisContext,
  acl: NetworkAcl,
  family: IpFamily,
  port: number,
): AddressSet {
  const all = AddressSet.all(family);
  const d = decideAcl(ctx, acl, 'inbound', all, { from: port, to: port });
  return AddressSet.of(
    family,
    d.segments.filter((s) => s.allow).map((s) => s.addresses),
  );
}

/**
 * The addresses of `peer` for which `acl` allows every port of `ports` in `direction`. For a far end whose
 * addresses port22 only has candidates for (an AWS service's public endpoints), it tells a rule that
 * treats every candidate alike, which decides, from one that covers only some, which leaves it unknown.
 */
export function aclFullyAllowed(
  ctx: AnalysisContext,
  acl: NetworkAcl,
  direction: Direction,
  peer: AddressSet,
  ports: PortRange,
): AddressSet {
  const d = decideAcl(ctx, acl, direction, peer, ports);
  return peer.subtract(d.fullyDenied).subtract(d.partlyAllowed);
}

/** Which way a leg's packets cross the ACL, and whether they are replies (to the client's ephemeral port). */
export function aclLegDirection(leg: AclLeg): { readonly direction: Direction; readonly reply: boolean } {
  return LEG[leg];
}
