import { pathAllowedEvidence, probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';

/**
 * A successful probe that nothing earlier objected to. Without a probe (--no-probe), HEALTHY needs at least
 * one analysed path; every analysed path is open by now (blocked ones ranked earlier), and the host is not
 * known to be stopped or impaired.
 */
export const healthy: Rule = (input) => {
  const { probe } = input;
  if (probe?.outcome === 'ok') {
    return {
      code: 'HEALTHY',
      evidence: [probeEvidence(probe)],
      facts: { basis: `${probe.software ?? 'SSH'} answered in ${probe.phases.totalMs} ms` },
    };
  }
  if (probe !== undefined) return undefined;
  const verdicts = [input.proberVerdict, ...input.sourceVerdicts].filter((v) => v !== undefined);
  if (verdicts.length === 0 || verdicts.some((v) => !v.reachable || v.partial)) return undefined;
  return {
    code: 'HEALTHY',
    evidence: verdicts.map(pathAllowedEvidence),
    facts: {
      basis: `not probed; the configuration allows ${verdicts.length === 1 ? 'the analysed path' : `all ${verdicts.length} analysed paths`}`,
    },
  };
};
