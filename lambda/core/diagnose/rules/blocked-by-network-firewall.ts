import type { ProbeOutcome } from '../../probe/types.ts';
import type { Blocker } from '../../reachability/types.ts';
import { blockersOf, probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';
import type { Evidence } from '../types.ts';
import { pathBlocked } from './path-blockers.ts';

/**
 * On the prober's own path, an AWS Network Firewall rule blocks SSH. What the client sees follows from the
 * action (Network Firewall API reference, `StatefulRule.Action`; Developer Guide, "Stateful default
 * actions"): DROP is silent, so the SYN times out; REJECT "sends a TCP reset packet back to sender", so the
 * connection is refused (or reset before the identification line when the reset follows the handshake);
 * `aws:drop_established` lets the handshake through and drops what follows, so the ident never arrives.
 *
 * A probe that got an SSH answer (ok, kex…) proves packets pass: the static verdict is stale and the rule
 * stays silent. A failure of another kind than the action predicts still names the firewall, and the
 * evidence says the probe disagrees (another component answered, or the firewall changed since the
 * inventory was taken).
 */
export const blockedByNetworkFirewall: Rule = (input) => {
  const { probe, proberVerdict } = input;
  if (proberVerdict === undefined) return undefined;
  if (probe !== undefined && !FAILURES.has(probe.outcome)) return undefined;
  const verdict = pathBlocked('network-firewall', [proberVerdict], input);
  if (verdict === undefined || probe === undefined) return verdict;
  const blocker = blockersOf(proberVerdict, 'network-firewall')[0]!;
  return {
    ...verdict,
    evidence: [probeEvidence(probe), ...verdict.evidence, agreement(blocker, probe.outcome)],
  };
};

/** Outcomes a firewall on the path can cause: the connection never completed, or no ident arrived. */
const FAILURES = new Set<ProbeOutcome>([
  'timeout',
  'unreachable',
  'refused',
  'reset-before-ident',
  'ident-timeout',
  'closed-before-ident',
]);

/** What the client sees for each firewall action. */
function expected(blocker: Blocker): { outcomes: readonly ProbeOutcome[]; why: string } {
  if (blocker.code === 'NETWORK_FIREWALL_REJECT') {
    return { outcomes: ['refused', 'reset-before-ident'], why: 'REJECT sends a TCP reset' };
  }
  if (blocker.firewallRule?.rule.startsWith('aws:drop_established')) {
    return {
      outcomes: ['ident-timeout'],
      why: 'aws:drop_established lets the handshake through and drops the established connection',
    };
  }
  return { outcomes: ['timeout'], why: 'DROP is silent' };
}

function agreement(blocker: Blocker, outcome: ProbeOutcome): Evidence {
  const { outcomes, why } = expected(blocker);
  const agrees = outcomes.includes(outcome);
  return {
    kind: 'static',
    code: agrees ? 'PROBE_AGREES' : 'PROBE_DISAGREES',
    resourceId: blocker.resourceId,
    detail: agrees
      ? `the probe's ${outcome} is what ${blocker.resourceId} does: ${why}`
      : `the probe's ${outcome} is not what ${blocker.resourceId} would cause (${why}: expected ${outcomes.join(' or ')}): another component answered first, or the firewall's rules changed since the inventory was taken`,
  };
}
