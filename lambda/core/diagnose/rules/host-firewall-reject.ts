import { pathAllowedEvidence, probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';

/**
 * ICMP unreachable/prohibited while the analysed path is open: AWS security groups and ACLs drop without
 * answering, and the route exists, so the ICMP came from the host — an iptables/nft REJECT rule.
 * Without a static verdict for the prober's path a router's "no route" cannot be excluded: no decision.
 */
export const hostFirewallReject: Rule = (input) => {
  const { probe, proberVerdict } = input;
  if (probe?.outcome !== 'unreachable' || proberVerdict?.reachable !== true || proberVerdict.partial)
    return undefined;
  return {
    code: 'HOST_FIREWALL_REJECT',
    evidence: [probeEvidence(probe), pathAllowedEvidence(proberVerdict)],
  };
};
