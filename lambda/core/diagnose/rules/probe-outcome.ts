/**
 * Shared by the rules that the probe outcome alone decides: the rule fires on its outcomes, the probe is
 * the evidence, and the facts come from the probe.
 */
import type { ProbeOutcome, ProbeResult } from '../../probe/types.ts';
import { probeEvidence } from '../evidence.ts';
import type { Facts, Rule } from '../input.ts';
import type { DiagnosisCode } from '../types.ts';

/** A probe that ended in one of `O`. */
export type ProbeEndedIn<O extends ProbeOutcome> = ProbeResult & { outcome: O };

export function probeOutcomeRule<O extends ProbeOutcome>(
  code: DiagnosisCode,
  outcomes: readonly O[],
  facts: (probe: ProbeEndedIn<O>) => Facts,
): Rule {
  const fires = (probe: ProbeResult | undefined): probe is ProbeEndedIn<O> =>
    probe !== undefined && (outcomes as readonly ProbeOutcome[]).includes(probe.outcome);
  return ({ probe }) =>
    fires(probe) ? { code, evidence: [probeEvidence(probe)], facts: facts(probe) } : undefined;
}

/** What the server said it runs: its software version, else its whole ident line. */
export function serverSoftware(probe: ProbeResult): string {
  return probe.software ?? probe.ident ?? 'unknown software';
}
