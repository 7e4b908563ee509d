/**
 * The network ACLs on the prober's paths to the AWS APIs (core/reachability/api-paths.ts). Network ACLs are
 * stateless (VPC User Guide, "Control subnet traffic with network access control lists"): every subnet
 * boundary a connection crosses must let the request through one way and the reply the other. The client
 * picks the reply's port: "AWS Lambda functions use ports 1024-65535" and "A NAT gateway uses ports
 * 1024-65535" (VPC User Guide, "Network ACLs" → "Ephemeral ports"), so the reply legs need the whole range.
 * The rules themselves are decided by the one NACL evaluator (network-acl-evaluator.ts).
 *
 * Traffic between two interfaces of one subnet never crosses its ACL, so a hop whose two ends share a
 * subnet is not asked about (as in analyze.ts).
 */
import type { NetworkAcl } from '../inventory/model.ts';
import { DEFAULT_EPHEMERAL, formatPortRange, type PortRange } from '../net/port-range.ts';
import type { AnalysisContext, Peer } from './evaluation.ts';
import {
  aclFullyAllowed,
  aclLegDirection,
  DEFAULT_DENY_RULE,
  evaluateNetworkAcl,
} from './network-acl-evaluator.ts';
import type { Blocker } from './types.ts';

/** The ports a Lambda function and a NAT gateway pick replies' ports from (the module comment cites AWS). */
const CLIENT_EPHEMERAL: PortRange = DEFAULT_EPHEMERAL;

/** One subnet boundary on the path, seen from one end of the connection. */
export interface AclHop {
  readonly subnetId: string;
  /**
   * `client`: the subnet of the end that connects (the prober; a NAT gateway going on to the internet):
   * the request leaves, the reply comes in. `server`: the subnet of the end that answers on 443 (an
   * interface endpoint; a NAT gateway taking the prober's request).
   */
  readonly side: 'client' | 'server';
  /** The other end, as this boundary sees it. */
  readonly peer: Peer;
  /** The peer's CIDRs, for the rule a fix adds (network ACL rules take one CIDR, never a prefix list). */
  readonly peerCidrs: readonly string[];
  /**
   * The peer's addresses are only candidates (an AWS service's public addresses, which the inventory does
   * not hold): why. A rule that covers some candidates and not others then leaves the hop unknown.
   * @default the peer's addresses are exact
   */
  readonly candidates?: string;
}

export interface AclOutcome {
  readonly status: 'ok' | 'missing' | 'unknown';
  /** ok: the ACLs that allow it (empty: no boundary crossed); missing: every denying rule; unknown: why. */
  readonly detail: string;
  /** For a missing hop: the rules to add. */
  readonly fix?: string;
}

const LEGS = {
  client: ['source-outbound', 'source-inbound'],
  server: ['target-inbound', 'target-outbound'],
} as const;

/** Every leg of every hop, through the NACL evaluator; the port asked about is HTTPS's. */
export function evaluateAclHops(ctx: AnalysisContext, hops: readonly AclHop[], port: number): AclOutcome {
  const denied: string[] = [];
  const fixes: string[] = [];
  const unknown: string[] = [];
  const allowing: string[] = [];
  for (const hop of hops) {
    const acl = ctx.index.networkAclForSubnet(hop.subnetId);
    if (acl) allowing.push(acl.NetworkAclId);
    for (const leg of LEGS[hop.side]) {
      const v = evaluateNetworkAcl(ctx, {
        leg,
        acl,
        subnetId: hop.subnetId,
        peer: hop.peer,
        port,
        ephemeral: CLIENT_EPHEMERAL,
      });
      if ((v.missing ?? []).length > 0) {
        unknown.push(...v.missing!.map((m) => m.detail));
        continue;
      }
      if (v.blockers.length === 0 || !acl) continue;
      const { direction, reply } = aclLegDirection(leg);
      const ports = reply ? CLIENT_EPHEMERAL : { from: port, to: port };
      if (hop.candidates && !aclFullyAllowed(ctx, acl, direction, hop.peer.addresses, ports).isEmpty) {
        const boundary =
          direction === 'inbound' ? `inbound to ${hop.subnetId}` : `outbound from ${hop.subnetId}`;
        const word = direction === 'inbound' ? 'from' : 'to';
        unknown.push(
          `network ACL ${acl.NetworkAclId} ${boundary} allows TCP ${formatPortRange(ports)} ${word} only part of ${hop.peer.label}, and ${hop.candidates}: check that its rules cover them`,
        );
        continue;
      }
      denied.push(...v.blockers.map((b) => b.detail));
      fixes.push(...v.blockers.map((b) => ruleToAdd(acl, b, ports, hop.peerCidrs)));
    }
  }
  if (denied.length > 0)
    return { status: 'missing', detail: unique(denied).join('; '), fix: unique(fixes).join('; ') };
  if (unknown.length > 0) return { status: 'unknown', detail: unique(unknown).join('; ') };
  const acls = unique(allowing);
  return {
    status: 'ok',
    detail:
      acls.length === 0
        ? ''
        : `network ACL${acls.length > 1 ? 's' : ''} ${acls.join(', ')} allow${acls.length > 1 ? '' : 's'} TCP ${port} and the replies to ${formatPortRange(CLIENT_EPHEMERAL)}`,
  };
}

function unique(lines: readonly string[]): string[] {
  return [...new Set(lines)];
}

/**
 * The allow rule that opens a blocked leg: numbered below the rule that denied it (rules are evaluated
 * lowest number first and the first match decides), on a number the ACL does not use in that direction.
 */
function ruleToAdd(acl: NetworkAcl, blocker: Blocker, ports: PortRange, cidrs: readonly string[]): string {
  const egress = blocker.direction === 'outbound';
  const used = new Set((acl.Entries ?? []).filter((e) => e.Egress === egress).map((e) => e.RuleNumber));
  const before = blocker.ruleNumber ?? DEFAULT_DENY_RULE;
  // Below the `*` rule, after every rule the ACL has (so none of them changes meaning); below an explicit
  // deny, just before it.
  const highest = Math.max(0, ...[...used].filter((n) => n < DEFAULT_DENY_RULE));
  let number =
    before === DEFAULT_DENY_RULE
      ? Math.min(DEFAULT_DENY_RULE - 1, (Math.floor(highest / 100) + 1) * 100)
      : before - 1;
  while (number > 0 && used.has(number)) number -= 1;
  const range = formatPortRange(ports);
  const word = egress ? 'to' : 'from';
  const rule = `add to ${acl.NetworkAclId} ${egress ? 'outbound' : 'inbound'} rule ${number} allowing TCP ${range} ${word} ${cidrs.join(', ')}`;
  if (cidrs.length !== 1) return `${rule} (one rule per CIDR, each numbered below ${before})`;
  return `${rule} (aws ec2 create-network-acl-entry --network-acl-id ${acl.NetworkAclId} ${egress ? '--egress' : '--ingress'} --rule-number ${number} --protocol tcp --port-range From=${ports.from},To=${ports.to} --cidr-block ${cidrs[0]} --rule-action allow)`;
}
