import { probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';

/** The probe succeeded but the ident came later than slowIdentMs, with no starvation signal (that ranked earlier). */
export const degradedSlow: Rule = (input) => {
  const { probe, thresholds } = input;
  if (probe?.outcome !== 'ok' || (probe.phases.identMs ?? 0) <= thresholds.slowIdentMs) return undefined;
  return {
    code: 'DEGRADED_SLOW',
    evidence: [probeEvidence(probe)],
    facts: { identMs: probe.phases.identMs!, slowIdentMs: thresholds.slowIdentMs },
  };
};
