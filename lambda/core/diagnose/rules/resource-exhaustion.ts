import { failedAtMs, probeEvidence, starvation } from '../evidence.ts';
import type { Rule } from '../input.ts';

/**
 * sshd is slow or silent (no ident, no finished key exchange, or an ident slower than slowIdentMs) and a host
 * signal shows starvation: CPU at or above cpuPercent, CPU credits at or below creditBalance (a burstable
 * instance throttled to its baseline), or memory at or above memPercent. Unknown signals never count, so a
 * silent sshd with unknown load is not called exhaustion (it falls to UNKNOWN).
 */
export const resourceExhaustion: Rule = (input) => {
  const { probe, thresholds } = input;
  if (probe === undefined) return undefined;
  const slowOk = probe.outcome === 'ok' && (probe.phases.identMs ?? 0) > thresholds.slowIdentMs;
  if (probe.outcome !== 'ident-timeout' && probe.outcome !== 'kex-timeout' && !slowOk) return undefined;
  const starved = starvation(input.signals, thresholds);
  if (starved.length === 0) return undefined;
  return {
    code: 'RESOURCE_EXHAUSTION',
    evidence: [probeEvidence(probe), ...starved],
    facts: {
      starvation: starved.map((e) => e.detail).join('; '),
      outcome: slowOk ? 'identification' : probe.outcome,
      failedAtMs: slowOk ? probe.phases.identMs! : failedAtMs(probe),
    },
  };
};
