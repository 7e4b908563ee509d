import { consoleTime, sshUnitFailure } from '../../evidence/console-output.ts';
import { failedChecks, pathAllowedEvidence, probeEvidence } from '../evidence.ts';
import { notListeningProof, refusedByRuleset } from '../host-proof.ts';
import type { Facts, Rule } from '../input.ts';

/**
 * The SYN was answered with a reset. Security groups and ACLs never send resets (they drop), so the reset
 * came from the host's kernel: nothing listens on the port, or a host firewall rejects with tcp-reset. When
 * the console shows the ssh unit failing in the current boot (and not started since), that is why.
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
  const hostProof = notListeningProof(input.observations, input.port);
  const failure = sshUnitFailure(input.observations?.console);
  if (failure === undefined) {
    const facts: Facts = { hostProof };
    return { code: 'SSHD_NOT_LISTENING', evidence, facts };
  }
  return {
    code: 'SSHD_NOT_LISTENING',
    evidence,
    facts: {
      hostProof,
      cause: 'console',
      sshUnit: failure.unit ?? 'ssh.service',
      unitFailure: failure.message,
      consoleAt: consoleTime(failure),
    },
  };
};
