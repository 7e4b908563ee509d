import { consoleTime, sshdOomKill } from '../../evidence/console-output.ts';
import type { ProbeOutcome } from '../../probe/types.ts';
import { failedAtMs, probeEvidence, starvation } from '../evidence.ts';
import type { Rule } from '../input.ts';

/**
 * What a host does when the OOM killer took sshd: nothing listens (refused) until systemd restarts it, and a
 * restarted sshd on a host still out of memory is accepted by the kernel and then stalls or dies mid-way.
 * Silence (a timeout) is not among them: a kernel short of memory still answers a SYN.
 */
const OOM_OUTCOMES: readonly ProbeOutcome[] = [
  'refused',
  'reset-before-ident',
  'closed-before-ident',
  'ident-timeout',
  'closed-during-kex',
  'kex-timeout',
];

/**
 * The console shows the OOM killer killing sshd itself in the current boot, and SSH fails the way that
 * leaves it: memory ran out, and sshd is gone or starved. It ranks before sshd-not-listening and
 * sshd-refusing-connections, whose outcomes it explains, and needs no CPU or memory metric.
 */
export const sshdOomKilled: Rule = (input) => {
  const { probe } = input;
  if (probe === undefined || !OOM_OUTCOMES.includes(probe.outcome)) return undefined;
  const kill = sshdOomKill(input.observations?.console);
  if (kill === undefined) return undefined;
  return {
    code: 'RESOURCE_EXHAUSTION',
    // Metrics that crossed a threshold corroborate it; the kill itself is the console's evidence line.
    evidence: [probeEvidence(probe), ...starvation(input.signals, input.thresholds)],
    facts: {
      cause: 'oom-sshd',
      oomPid: kill.pid ?? '?',
      consoleAt: consoleTime(kill),
      starvation: `the OOM killer killed sshd at ${consoleTime(kill)}`,
      outcome: probe.outcome,
      failedAtMs: failedAtMs(probe),
    },
  };
};
