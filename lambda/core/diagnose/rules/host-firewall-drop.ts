import { failedAtMs, pathAllowedEvidence, probeEvidence } from '../evidence.ts';
import { firewallProof } from '../host-proof.ts';
import type { Rule } from '../input.ts';
import type { Evidence } from '../types.ts';

/**
 * The analysed path is open, the instance runs and its status checks do not fail (they ranked earlier), yet
 * the SYN was never answered: something on the host drops it — an iptables/nft/ufw DROP, or a hung kernel.
 * Unknown status checks do not block the rule (the evidence says they are unknown). Without a static verdict
 * for the prober's path, a security group cannot be excluded: no decision. The in-host check, when it ran,
 * names the rule that drops the SYN (or says the host's ruleset accepts it).
 */
export const hostFirewallDrop: Rule = (input) => {
  const { probe, proberVerdict } = input;
  if (probe?.outcome !== 'timeout' || proberVerdict?.reachable !== true || proberVerdict.partial)
    return undefined;
  const checks: Evidence =
    input.signals?.instanceStatus === 'ok' && input.signals.systemStatus === 'ok'
      ? {
          kind: 'signal',
          code: 'StatusChecks',
          value: 'ok',
          detail: 'EC2 system and instance status checks pass',
        }
      : {
          kind: 'signal',
          code: 'StatusChecks',
          value: 'unknown',
          detail: 'EC2 status checks unknown (not failing)',
        };
  return {
    code: 'HOST_FIREWALL_DROP',
    evidence: [probeEvidence(probe), pathAllowedEvidence(proberVerdict), checks],
    facts: { connectMs: failedAtMs(probe), hostProof: firewallProof(input.observations, 'drop') },
  };
};
