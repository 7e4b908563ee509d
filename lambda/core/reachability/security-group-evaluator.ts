/**
 * Security groups: stateful and allow-only. Traffic is allowed when ANY rule of ANY group on the ENI
 * allows it (the union of all the groups); replies to allowed traffic are always allowed, so only the
 * SYN's direction is evaluated (VPC User Guide, "Security group rules"). A rule names its peer by IPv4 /
 * IPv6 CIDR, by managed prefix list (expanded from its entries) or by another security group — and a
 * referenced group stands for the private addresses of the ENIs in it, so it can only match a peer that
 * IS such an ENI reached over its private address, never a bare CIDR.
 */
import type { Eni, IpPermission } from '../inventory/model.ts';
import {
  type AddressInterval,
  AddressSet,
  type Cidr,
  cellOf,
  type IpFamily,
  ruleBoundaries,
  singleAddress,
} from '../net/cidr.ts';
import { ALL_PORTS, formatPortRange, type PortRange } from '../net/port-range.ts';
import {
  type AnalysisContext,
  describeAddresses,
  type EvaluatorVerdict,
  type GroupSet,
  type Peer,
  verdictOf,
} from './evaluation.ts';
import { missingSecurityGroup } from './missing-data.ts';
import type { Blocker, Direction } from './types.ts';

/** The TCP ports a rule covers, or undefined when it does not carry TCP (udp, icmp, other protocols). */
function tcpPortsOfPermission(p: IpPermission): PortRange | undefined {
  const proto = p.IpProtocol.toLowerCase();
  // "-1" means all protocols and all ports; EC2 accepts "tcp" or its number "6".
  if (proto === '-1' || proto === 'all') return ALL_PORTS;
  if (proto !== 'tcp' && proto !== '6') return undefined;
  const from = p.FromPort ?? 0;
  const to = p.ToPort ?? 65535;
  if (from === -1 || to === -1) return ALL_PORTS;
  return { from, to };
}

interface CompiledRule {
  readonly groupId: string;
  readonly ports: PortRange;
  readonly addresses: AddressSet;
  /** Referenced group ids (UserIdGroupPairs). */
  readonly groupRefs: readonly string[];
  /** Prefix lists whose entries are missing from the inventory. */
  readonly unknownPrefixLists: readonly string[];
  readonly text: string;
}

interface Allowance {
  readonly addresses: AddressSet;
  readonly groupRefs: ReadonlySet<string>;
  readonly rules: readonly CompiledRule[];
  /** The boundaries of every rule's addresses: each cell between them matches the same rules. */
  readonly cuts: readonly bigint[];
}

function compileRules(
  ctx: AnalysisContext,
  groupId: string,
  direction: Direction,
  family: IpFamily,
): readonly CompiledRule[] {
  return ctx.memo.remember('sg-rules', [direction, family, groupId], () => {
    const sg = ctx.index.securityGroups.get(groupId);
    const perms = (direction === 'inbound' ? sg?.IpPermissions : sg?.IpPermissionsEgress) ?? [];
    const out: CompiledRule[] = [];
    const word = direction === 'inbound' ? 'from' : 'to';
    for (const p of perms) {
      const ports = tcpPortsOfPermission(p);
      if (!ports) continue;
      const cidrs: Cidr[] = [];
      const names: string[] = [];
      const ranges =
        family === 'ipv4' ? p.IpRanges?.map((r) => r.CidrIp) : p.Ipv6Ranges?.map((r) => r.CidrIpv6);
      for (const range of ranges ?? []) {
        const c = ctx.cidr(range);
        if (!c) continue;
        cidrs.push(c.cidr);
        names.push(c.text);
      }
      let addresses = AddressSet.fromCidrs(family, cidrs);
      const unknown: string[] = [];
      for (const pl of p.PrefixListIds ?? []) {
        const set = ctx.prefixList(pl.PrefixListId, family);
        if (set) addresses = addresses.union(set);
        else unknown.push(pl.PrefixListId);
        names.push(pl.PrefixListId);
      }
      const groupRefs = (p.UserIdGroupPairs ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : []));
      names.push(...groupRefs);
      if (addresses.isEmpty && groupRefs.length === 0) continue;
      const proto = ports === ALL_PORTS ? 'all traffic' : `TCP ${formatPortRange(ports)}`;
      out.push({
        groupId,
        ports,
        addresses,
        groupRefs,
        unknownPrefixLists: unknown,
        text: `${groupId} allows ${proto} ${word} ${names.join(', ')}`,
      });
    }
    return out;
  });
}

function allowanceFor(
  ctx: AnalysisContext,
  groups: GroupSet,
  direction: Direction,
  family: IpFamily,
  port: number,
): Allowance {
  return ctx.memo.remember('sg-allowance', [direction, family, port, groups], () => {
    let addresses = AddressSet.empty(family);
    const refs = new Set<string>();
    const rules: CompiledRule[] = [];
    for (const g of groups.ids) {
      for (const r of compileRules(ctx, g, direction, family)) {
        if (port < r.ports.from || port > r.ports.to) continue;
        rules.push(r);
        addresses = addresses.union(r.addresses);
        for (const ref of r.groupRefs) refs.add(ref);
      }
    }
    const cuts = ruleBoundaries(rules.flatMap((r) => r.addresses.intervals));
    return { addresses, groupRefs: refs, rules, cuts };
  });
}

/** What one group's rules say about one peer on one port, shared by every group set that holds it. */
interface GroupAnswer {
  /**
   * The texts of the group's rules for the port that match the peer, by address or by referencing one
   * of its groups.
   */
  readonly matching: readonly string[];
  /** The peer is an ENI reached privately, in a group that one of these rules references. */
  readonly byReference: boolean;
  /** The peer's addresses that these rules admit. */
  readonly admitted: AddressSet;
  /** The group is attached but not in the inventory. */
  readonly missing: boolean;
  /** Prefix lists of these rules whose entries are not in the inventory. */
  readonly unknownPrefixLists: readonly string[];
}

function groupAnswer(
  ctx: AnalysisContext,
  groupId: string,
  direction: Direction,
  peer: Peer,
  port: number,
): GroupAnswer {
  const answer = (): GroupAnswer => {
    const matching: string[] = [];
    const admitted: AddressInterval[] = [];
    const unknownPrefixLists: string[] = [];
    let byReference = false;
    for (const r of compileRules(ctx, groupId, direction, peer.family)) {
      if (port < r.ports.from || port > r.ports.to) continue;
      unknownPrefixLists.push(...r.unknownPrefixLists);
      const referenced = peer.eni !== undefined && r.groupRefs.some((g) => peer.eni?.GroupIds.includes(g));
      const overlapping = r.addresses.overlaps(peer.addresses);
      if (referenced || overlapping) matching.push(r.text);
      if (overlapping) admitted.push(...r.addresses.intersect(peer.addresses).intervals);
      byReference ||= referenced;
    }
    return {
      matching,
      byReference,
      admitted: AddressSet.of(peer.family, admitted),
      missing: !ctx.index.securityGroups.has(groupId),
      unknownPrefixLists,
    };
  };
  // An answer about one target among thousands is not kept.
  return peer.transient
    ? answer()
    : ctx.memo.remember('sg-group-answer', [direction, port, peer, groupId], answer);
}

export interface SecurityGroupQuestion {
  /** The ENI whose groups are evaluated (the target for inbound, the source for outbound). */
  readonly eni: Eni;
  /** `inbound`: may `peer` open TCP to `port` on the ENI? `outbound`: may the ENI open it to `peer`? */
  readonly direction: Direction;
  readonly peer: Peer;
  readonly port: number;
}

/**
 * Decides whether the groups on `eni` let the SYN through. The peer passes when every one of its
 * addresses is allowed by some CIDR or prefix-list rule, or when it is an ENI (reached privately) that
 * belongs to a referenced group.
 */
export function evaluateSecurityGroups(ctx: AnalysisContext, q: SecurityGroupQuestion): EvaluatorVerdict {
  const { eni, direction, peer, port } = q;
  // Sorted, so that neither the verdict nor its wording depends on the order the API lists groups in.
  const groups = ctx.groupSet(eni);
  if (!peer.transient) {
    // Instances behind the same groups share the answer (the inbound wording does not name the instance).
    const owner = direction === 'outbound' ? eni : undefined;
    return ctx.memo.remember('sg-verdict', [direction, port, peer, owner, groups], () =>
      decideSecurityGroups(ctx, q, groups),
    );
  }
  // One target among thousands (the source's egress toward it): the rules that match its address are
  // those of its cell, and a group reference matches by its groups, so targets alike in both share a
  // verdict that lets them through. A blocked verdict names the target and is worded for each one.
  const single = singleAddress(peer.addresses);
  if (single === undefined) return decideSecurityGroups(ctx, q, groups);
  const allowance = allowanceFor(ctx, groups, direction, peer.family, port);
  const cell = cellOf(allowance.cuts, single, peer.family).index;
  const referenced = peer.eni && allowance.groupRefs.size > 0 ? ctx.groupSet(peer.eni) : undefined;
  const passed = ctx.memo.remember('sg-passed', [eni, allowance, cell, referenced], () => {
    const v = decideSecurityGroups(ctx, q, groups);
    return v.passed ? v : undefined;
  });
  return passed ?? decideSecurityGroups(ctx, q, groups);
}

function decideSecurityGroups(
  ctx: AnalysisContext,
  q: SecurityGroupQuestion,
  groups: GroupSet,
): EvaluatorVerdict {
  const { eni, direction, peer, port } = q;
  const groupIds = groups.ids;
  // The groups' union: a rule of any of them that references the peer's group, or their rules'
  // addresses together covering the peer, let it through.
  const answers = groupIds.map((g) => groupAnswer(ctx, g, direction, peer, port));
  const evidence: string[] = [];
  let byReference = false;
  let allowedPart = AddressSet.empty(peer.family);
  for (const a of answers) {
    evidence.push(...a.matching);
    byReference ||= a.byReference;
    if (!a.admitted.isEmpty) allowedPart = allowedPart.union(a.admitted);
  }
  answers.forEach((a, i) => {
    if (a.missing)
      evidence.push(`${groupIds[i]} is attached to ${eni.NetworkInterfaceId} but not in the inventory`);
  });
  if (byReference || allowedPart.covers(peer.addresses)) return verdictOf([], evidence);
  // The union of the groups is unknown while one of them is: its rules might admit the peer.
  const missing = groupIds.flatMap((g, i) =>
    answers[i]!.missing ? [missingSecurityGroup(g, eni.NetworkInterfaceId)] : [],
  );
  if (missing.length > 0) return verdictOf([], evidence, missing);

  const named = groupIds.length > 0 ? groupIds.join(', ') : 'no security groups';
  const word = direction === 'inbound' ? 'from' : 'to';
  const verb = groupIds.length === 1 ? 'allows' : 'allow';
  const what = allowedPart.isEmpty
    ? `${verb} no TCP ${port} ${word} ${peer.label}`
    : `${verb} TCP ${port} ${word} only part of ${peer.label} (${describeAddresses(allowedPart)}), not ${describeAddresses(peer.addresses.subtract(allowedPart))}`;
  const unknownPl = [...new Set(answers.flatMap((a) => a.unknownPrefixLists))];
  const note = unknownPl.length > 0 ? ` (entries of ${unknownPl.join(', ')} not in the inventory)` : '';
  const blocker: Blocker = {
    code: direction === 'inbound' ? 'SG_INGRESS_NO_MATCH' : 'SG_EGRESS_NO_MATCH',
    resourceId: groupIds[0] ?? eni.NetworkInterfaceId,
    direction,
    detail: `security group${groupIds.length === 1 ? '' : 's'} ${named}${direction === 'outbound' ? ` on ${eni.InstanceId ?? eni.NetworkInterfaceId}` : ''} ${what}${note}`,
  };
  return verdictOf([blocker], evidence);
}

/**
 * Every address a group lets reach `port` (CIDRs and prefix lists; group references excluded, since
 * they stand for private ENI addresses, never the internet), and the rules that admit them, worded
 * only when asked for. Used by the exposure audit.
 */
export function addressesAllowedByGroup(
  ctx: AnalysisContext,
  groupId: string,
  family: IpFamily,
  port: number,
): { addresses: AddressSet; rules: () => string[] } {
  const a = allowanceFor(ctx, ctx.groupSetOf([groupId]), 'inbound', family, port);
  return {
    addresses: a.addresses,
    rules: () => a.rules.filter((r) => !r.addresses.isEmpty).map((r) => r.text),
  };
}
