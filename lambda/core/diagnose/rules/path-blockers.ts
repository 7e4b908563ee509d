/**
 * Shared by the "the configuration blocks this path" rules: turns the blockers of one category on one
 * verdict into evidence and the facts the catalogue's commands need.
 */
import type { Blocker, Verdict } from '../../reachability/types.ts';
import {
  type BlockerCategory,
  blockerEvidence,
  blockersOf,
  hostCidr,
  probeEvidence,
  sourceCidr,
} from '../evidence.ts';
import type { Facts, Rule, RuleInput, RuleVerdict } from '../input.ts';

const CODE = {
  'security-group': 'BLOCKED_BY_SECURITY_GROUP',
  'network-acl': 'BLOCKED_BY_NETWORK_ACL',
  route: 'NO_ROUTE',
  'network-firewall': 'BLOCKED_BY_NETWORK_FIREWALL',
} as const;

/** The EC2 resource type an id names, by its prefix (`rtb-0a1` is a route table). */
const ID_PREFIXES: readonly (readonly [string, string])[] = [
  ['tgw-rtb-', 'transit-gateway-route-table'],
  ['tgw-attach-', 'transit-gateway-attachment'],
  ['rtb-', 'route-table'],
  ['eni-', 'network-interface'],
  ['sg-', 'security-group'],
  ['acl-', 'network-acl'],
  ['subnet-', 'subnet'],
  ['vpc-', 'vpc'],
  ['i-', 'instance'],
];

export function resourceTypeOf(id: string): string | undefined {
  return ID_PREFIXES.find(([prefix]) => id.startsWith(prefix))?.[1];
}

/** `groupId` only when the blocker names a group (an ENI with no groups is named by its own id). */
function groupFact(blocker: Blocker): Facts {
  return resourceTypeOf(blocker.resourceId) === 'security-group' ? { groupId: blocker.resourceId } : {};
}

/** The client's ephemeral range AWS Lambda and NAT gateways use (DESIGN.md, "CLI"). */
const EPHEMERAL = { from: 1024, to: 65535 };

function factsFor(blocker: Blocker, verdict: Verdict, port: number): Facts {
  const facts: Facts = {
    source: verdict.source,
    address: verdict.address,
    family: verdict.family,
    blocker: blocker.code,
  };
  switch (blocker.code) {
    case 'SG_INGRESS_NO_MATCH':
      return { ...facts, ...groupFact(blocker), sgDirection: 'ingress', cidr: sourceCidr(verdict) };
    case 'SG_EGRESS_NO_MATCH':
      // The source's own group lets nothing out towards the instance.
      return { ...facts, ...groupFact(blocker), sgDirection: 'egress', cidr: hostCidr(verdict) };
    case 'NO_ROUTE':
    case 'BLACKHOLE_ROUTE':
    case 'NO_PUBLIC_IP':
    case 'BLOCK_PUBLIC_ACCESS': {
      // Each command takes one resource type: a route table id for the route commands, a network
      // interface id for the address ones (NO_PUBLIC_IP names the ENI that has no public address).
      const type = resourceTypeOf(blocker.resourceId);
      // A transit gateway's own table or attachment decided: the VPC route commands do not apply.
      const id: Facts =
        type === 'route-table'
          ? { routeTableId: blocker.resourceId }
          : type === 'network-interface'
            ? { eniId: blocker.resourceId }
            : type === 'vpc'
              ? { vpcId: blocker.resourceId }
              : type === 'transit-gateway-route-table' || type === 'transit-gateway-attachment'
                ? { transitGatewayResourceId: blocker.resourceId, routeOwner: 'transit-gateway' }
                : {};
      return { ...facts, ...id, resourceType: type ?? 'other', blockerDetail: blocker.detail };
    }
    case 'NETWORK_FIREWALL_DROP':
    case 'NETWORK_FIREWALL_REJECT': {
      const rule = blocker.firewallRule;
      // A policy's default action lives in the firewall policy; a rule in a rule group.
      const inPolicy = rule?.arn.includes(':firewall-policy/') === true;
      return {
        ...facts,
        firewallName: blocker.resourceId,
        firewallAction: blocker.code === 'NETWORK_FIREWALL_REJECT' ? 'rejects' : 'drops',
        ...(rule
          ? {
              firewallRuleScope: inPolicy ? 'policy' : 'rule-group',
              ...(inPolicy ? { policyArn: rule.arn } : { ruleGroupArn: rule.arn, ruleGroup: rule.ruleGroup }),
              firewallRule: inPolicy
                ? `${rule.rule} of policy ${rule.ruleGroup}`
                : `${rule.ruleGroup} ${rule.rule}`,
            }
          : {}),
        cidr: sourceCidr(verdict),
        blockerDetail: blocker.detail,
      };
    }
    default: {
      // NACLs are stateless (VPC User Guide, "Network ACLs"): the request needs an inbound allow for the
      // port on the instance's subnet, the reply an outbound allow for the client's ephemeral ports; on the
      // source's subnet, the reverse.
      const toInstance = { from: port, to: port };
      const [flag, ports, cidr, traffic] =
        blocker.code === 'NACL_INBOUND_DENY'
          ? ['--ingress', toInstance, sourceCidr(verdict), `inbound tcp/${port}`]
          : blocker.code === 'SOURCE_NACL_OUTBOUND_DENY'
            ? ['--egress', toInstance, hostCidr(verdict), `outbound tcp/${port} from the source subnet`]
            : blocker.code === 'SOURCE_NACL_INBOUND_DENY'
              ? ['--ingress', EPHEMERAL, hostCidr(verdict), 'return traffic into the source subnet']
              : ['--egress', EPHEMERAL, sourceCidr(verdict), 'return traffic to the ephemeral ports'];
      const rule = blocker.ruleNumber ?? 32767;
      return {
        ...facts,
        aclId: blocker.resourceId,
        ruleNumber: rule,
        allowRuleNumber: rule >= 32767 ? 100 : Math.max(1, rule - 1),
        aclDirectionFlag: flag,
        aclPortFrom: ports.from,
        aclPortTo: ports.to,
        aclCidr: cidr,
        aclCidrFlag: verdict.family === 'ipv6' ? '--ipv6-cidr-block' : '--cidr-block',
        aclTraffic: traffic,
      };
    }
  }
}

/** The verdict for the first listed path blocked by this category, with evidence naming every blocker of it. */
export function pathBlocked(
  category: BlockerCategory,
  verdicts: readonly Verdict[],
  input: RuleInput,
): RuleVerdict | undefined {
  for (const verdict of verdicts) {
    const blockers = blockersOf(verdict, category);
    if (blockers.length === 0) continue;
    return {
      code: CODE[category],
      evidence: blockers.map((b) => blockerEvidence(verdict, b)),
      facts: factsFor(blockers[0]!, verdict, input.port),
    };
  }
  return undefined;
}

/**
 * The rule for one category on the prober's own path. A blocker there explains only silence (a timeout, or
 * an ICMP unreachable from a router): any other outcome proves packets got through, so the static verdict is
 * stale and the rule stays silent. Without a probe, the path is judged on its configuration alone.
 */
export function proberPathBlocked(category: BlockerCategory): Rule {
  return (input) => {
    const { probe, proberVerdict } = input;
    if (proberVerdict === undefined) return undefined;
    if (probe !== undefined && probe.outcome !== 'timeout' && probe.outcome !== 'unreachable')
      return undefined;
    const verdict = pathBlocked(category, [proberVerdict], input);
    if (verdict === undefined || probe === undefined) return verdict;
    return { ...verdict, evidence: [probeEvidence(probe), ...verdict.evidence] };
  };
}
