import { probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';
import { pathBlocked } from './path-blockers.ts';

/**
 * On the prober's own path. A security group drops silently, so it explains a probe that timed out. Any other outcome proves
 * packets got through, so the static verdict is stale and this rule stays silent. Without a probe, the
 * prober's path is judged on its configuration alone.
 */
export const blockedBySecurityGroup: Rule = (input) => {
  const { probe, proberVerdict } = input;
  if (proberVerdict === undefined) return undefined;
  if (probe !== undefined && probe.outcome !== 'timeout' && probe.outcome !== 'unreachable') return undefined;
  const verdict = pathBlocked('security-group', [proberVerdict], input);
  if (verdict === undefined) return undefined;
  return probe === undefined
    ? verdict
    : { ...verdict, evidence: [probeEvidence(probe), ...verdict.evidence] };
};
