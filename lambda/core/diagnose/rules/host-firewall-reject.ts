import { pathAllowedEvidence, probeEvidence } from '../evidence.ts';
import { firewallProof, refusedByRuleset } from '../host-proof.ts';
import type { Rule } from '../input.ts';

/**
 * ICMP unreachable/prohibited while the analysed path is open: AWS security groups and ACLs drop without
 * answering, and the route exists, so the ICMP came from the host — an iptables/nft REJECT rule.
 * Without a static verdict for the prober's path a router's "no route" cannot be excluded: no decision.
 * A refused connection looks like a missing listener on the wire; it is a REJECT only when the in-host check
 * shows the host's ruleset rejecting the prober with a TCP reset or ICMP port-unreachable.
 */
export const hostFirewallReject: Rule = (input) => {
  const { probe, proberVerdict } = input;
  if (probe === undefined || proberVerdict?.reachable !== true || proberVerdict.partial) return undefined;
  const refusedBy = probe.outcome === 'refused' ? refusedByRuleset(input.observations) : undefined;
  if (probe.outcome !== 'unreachable' && refusedBy === undefined) return undefined;
  return {
    code: 'HOST_FIREWALL_REJECT',
    evidence: [probeEvidence(probe), pathAllowedEvidence(proberVerdict)],
    facts: {
      answer: refusedBy ?? 'ICMP unreachable',
      hostProof: firewallProof(input.observations, 'reject'),
    },
  };
};
