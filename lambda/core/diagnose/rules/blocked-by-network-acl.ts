import { probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';
import { pathBlocked } from './path-blockers.ts';

/**
 * On the prober's own path. A network ACL drops silently; a partial ephemeral allow explains intermittent timeouts. Any other outcome proves
 * packets got through, so the static verdict is stale and this rule stays silent. Without a probe, the
 * prober's path is judged on its configuration alone.
 */
export const blockedByNetworkAcl: Rule = (input) => {
  const { probe, proberVerdict } = input;
  if (proberVerdict === undefined) return undefined;
  if (probe !== undefined && probe.outcome !== 'timeout' && probe.outcome !== 'unreachable') return undefined;
  const verdict = pathBlocked('network-acl', [proberVerdict], input);
  if (verdict === undefined) return undefined;
  return probe === undefined
    ? verdict
    : { ...verdict, evidence: [probeEvidence(probe), ...verdict.evidence] };
};
