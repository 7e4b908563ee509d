import { pathAllowedEvidence, probeEvidence } from '../evidence.ts';
import { firewallProof, rejectsWithReset } from '../host-proof.ts';
import type { Rule } from '../input.ts';

/**
 * ICMP unreachable/prohibited while the analysed path is open: AWS security groups and ACLs drop without
 * answering, and the route exists, so the ICMP came from the host — an iptables/nft REJECT rule.
 * Without a static verdict for the prober's path a router's "no route" cannot be excluded: no decision.
 * A TCP reset looks like a missing listener on the wire; it is a REJECT only when the in-host check shows
 * the host's ruleset rejecting the prober with `tcp reset`.
 */
export const hostFirewallReject: Rule = (input) => {
  const { probe, proberVerdict } = input;
  const provenReset = probe?.outcome === 'refused' && rejectsWithReset(input.observations);
  if (
    (probe?.outcome !== 'unreachable' && !provenReset) ||
    proberVerdict?.reachable !== true ||
    proberVerdict.partial
  )
    return undefined;
  return {
    code: 'HOST_FIREWALL_REJECT',
    evidence: [probeEvidence(probe), pathAllowedEvidence(proberVerdict)],
    facts: {
      answer: provenReset ? 'a TCP reset' : 'ICMP unreachable',
      hostProof: firewallProof(input.observations, 'reject'),
    },
  };
};
