import { blockerCategory, pathBroken, probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';
import { pathBlocked } from './path-blockers.ts';

/**
 * A configured source (office CIDR, bastion, the internet) cannot reach the instance although the prober can
 * or was not asked: the instance is not healthy for the people who use it, so this is a BLOCKED_BY_* diagnosis
 * naming that source. It ranks after every host failure (a stopped or unresponsive host affects all sources
 * and is fixed first) and before HEALTHY / DEGRADED_SLOW. Within a source, a security group is named before an
 * ACL, an ACL before a route, a route before a Network Firewall; the first blocked source in configuration order is named, the evidence lists
 * every blocked source.
 */
export const sourceBlocked: Rule = (input) => {
  const blocked = input.sourceVerdicts.filter(pathBroken);
  if (blocked.length === 0) return undefined;
  for (const category of ['security-group', 'network-acl', 'route', 'network-firewall'] as const) {
    const first = blocked.find((v) => v.blockers.some((b) => blockerCategory(b.code) === category));
    if (first === undefined) continue;
    const verdict = pathBlocked(category, [first], input)!;
    const others = blocked.filter((v) => v !== first);
    const otherEvidence = others.map((v) => ({
      kind: 'static' as const,
      code: v.blockers[0]?.code ?? 'BLOCKED',
      ...(v.blockers[0] === undefined ? {} : { resourceId: v.blockers[0].resourceId }),
      detail: `source ${v.source} is blocked too: ${v.blockers.map((b) => `${b.code} ${b.resourceId}`).join(', ')}`,
    }));
    const probe = input.probe === undefined ? [] : [probeEvidence(input.probe)];
    return { ...verdict, evidence: [...verdict.evidence, ...otherEvidence, ...probe] };
  }
  return undefined;
};
