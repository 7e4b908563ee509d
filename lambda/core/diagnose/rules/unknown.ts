import { probeEvidence, unknownLoadSignals } from '../evidence.ts';
import type { Rule } from '../input.ts';
import type { Evidence } from '../types.ts';

/** The last rule: always answers, keeping whatever evidence there is and saying what was missing. */
export const unknown: Rule = (input) => {
  const { probe, proberVerdict } = input;
  const evidence: Evidence[] = probe === undefined ? [] : [probeEvidence(probe)];
  let reason: string;
  if (probe === undefined) {
    reason =
      'not probed, and no static verdict decides (no analysed path, or one that blocks for no named reason)';
  } else if (
    (probe.outcome === 'timeout' || probe.outcome === 'unreachable') &&
    proberVerdict === undefined
  ) {
    reason = `the probe got ${probe.outcome} and the prober's path was not analysed, so AWS configuration cannot be excluded`;
  } else if (probe.outcome === 'ident-timeout' || probe.outcome === 'kex-timeout') {
    // Nothing crossed a threshold here: a starved host ranked earlier (resource-exhaustion).
    const missing = unknownLoadSignals(input.signals);
    reason =
      missing.length > 0
        ? `sshd accepted but stayed silent (${probe.outcome}); ${missing.join(' and ')} unknown, so overload is unconfirmed — a hung sshd, an overloaded host or a tarpit`
        : `sshd accepted but stayed silent (${probe.outcome}) with CPU and memory below their thresholds — a hung sshd or a tarpit`;
    for (const name of missing) evidence.push({ kind: 'signal', code: name, detail: `${name} unknown` });
  } else {
    reason = `probe outcome ${probe.outcome} with no rule matching the rest of the evidence`;
  }
  return { code: 'UNKNOWN', evidence, facts: { reason } };
};
