import { failedChecks, pathAllowedEvidence, probeEvidence } from '../evidence.ts';
import { notListeningProof, refusedByRuleset } from '../host-proof.ts';
import type { Rule } from '../input.ts';

/**
 * The SYN was answered with a reset. Security groups and ACLs never send resets (they drop), so the reset
 * came from the host's kernel: nothing listens on the port, or a host firewall rejects with tcp-reset.
 */
export const sshdNotListening: Rule = (input) => {
  const { probe } = input;
  if (probe?.outcome !== 'refused') return undefined;
  // The in-host check found the REJECT that refused the prober: host-firewall-reject names it.
  if (refusedByRuleset(input.observations) && input.proberVerdict?.reachable === true) return undefined;
  const evidence = [probeEvidence(probe)];
  if (input.proberVerdict?.reachable) evidence.push(pathAllowedEvidence(input.proberVerdict));
  const checks = failedChecks(input.signals);
  if (!checks.system && !checks.instance && input.signals?.instanceStatus === 'ok') {
    evidence.push({ kind: 'signal', code: 'InstanceStatus', value: 'ok', detail: 'EC2 status checks pass' });
  }
  return {
    code: 'SSHD_NOT_LISTENING',
    evidence,
    facts: { hostProof: notListeningProof(input.observations, input.port) },
  };
};
