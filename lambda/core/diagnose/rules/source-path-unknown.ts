import { missingDataFindings, probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';

/**
 * A configured source's path needs data the inventory lacks and nothing known blocks it: whether that
 * source can reach SSH is unknown, so the instance is not HEALTHY for it. Ranks after source-blocked (a
 * known block of another source is named first) and before every healthy answer.
 */
export const sourcePathUnknown: Rule = (input) => {
  const unknown = input.sourceVerdicts.filter((v) => v.unknown === true);
  if (unknown.length === 0) return undefined;
  const { evidence, facts } = missingDataFindings(unknown);
  const sources = [...new Set(unknown.map((v) => v.source))];
  const probe = input.probe === undefined ? [] : [probeEvidence(input.probe)];
  return {
    code: 'UNKNOWN',
    evidence: [...evidence, ...probe],
    facts: {
      ...facts,
      reason: `whether ${sources.join(', ')} can reach it is unknown: the inventory lacks data the path needs (${facts.missing})`,
    },
  };
};
