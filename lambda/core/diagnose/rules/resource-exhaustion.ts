import { consoleTime, describeConsoleEvent, oomKill } from '../../evidence/console-output.ts';
import { failedAtMs, probeEvidence, starvation } from '../evidence.ts';
import type { Rule } from '../input.ts';

/**
 * sshd is slow or silent (no ident, no finished key exchange, or an ident slower than slowIdentMs) and a host
 * signal shows starvation: CPU at or above cpuPercent, CPU credits at or below creditBalance (a burstable
 * instance throttled to its baseline), or memory at or above memPercent; or the console shows the OOM killer
 * at work in the current boot, which proves memory ran out without any metric. Unknown signals never count,
 * so a silent sshd with unknown load and a quiet console is not called exhaustion (it falls to UNKNOWN).
 */
export const resourceExhaustion: Rule = (input) => {
  const { probe, thresholds } = input;
  if (probe === undefined) return undefined;
  const slowOk = probe.outcome === 'ok' && (probe.phases.identMs ?? 0) > thresholds.slowIdentMs;
  if (probe.outcome !== 'ident-timeout' && probe.outcome !== 'kex-timeout' && !slowOk) return undefined;
  const starved = starvation(input.signals, thresholds);
  const oom = oomKill(input.observations?.console);
  if (starved.length === 0 && oom === undefined) return undefined;
  // The OOM kill's own line is console evidence the evidence step already lists; here it is a fact.
  const oomFact = oom === undefined ? [] : [`${describeConsoleEvent(oom)} at ${consoleTime(oom)}`];
  return {
    code: 'RESOURCE_EXHAUSTION',
    evidence: [probeEvidence(probe), ...starved],
    facts: {
      starvation: [...starved.map((e) => e.detail), ...oomFact].join('; '),
      outcome: slowOk ? 'identification' : probe.outcome,
      failedAtMs: slowOk ? probe.phases.identMs! : failedAtMs(probe),
    },
  };
};
