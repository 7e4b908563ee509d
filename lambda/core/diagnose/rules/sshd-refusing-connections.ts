import { sshdRefusalText } from '../../probe/service-identification.ts';
import { failedAtMs } from '../evidence.ts';
import { refusalProof } from '../host-proof.ts';
import type { Rule } from '../input.ts';
import { probeOutcomeRule } from './probe-outcome.ts';

/**
 * Accepted, then closed or reset before any identification: sshd dropping the connection (MaxStartups full,
 * PerSourcePenalties since OpenSSH 9.8), TCP wrappers / fail2ban, or an IPS resetting the flow. OpenSSH sends
 * its ident first (RFC 4253 §4.2), so a close before it is a refusal, not a protocol failure. The refusal
 * text sshd wrote, when the probe recognised one, picks the remediation (MaxStartups or PerSourcePenalties).
 * The in-host check, when it ran, says why: a fail2ban ban of the prober, or the MaxStartups sshd runs with.
 */
const byOutcome: Rule = probeOutcomeRule(
  'SSHD_REFUSING_CONNECTIONS',
  ['reset-before-ident', 'closed-before-ident'],
  (probe) => ({
    how: probe.outcome === 'reset-before-ident' ? 'reset it' : 'closed it',
    refusal: probe.refusal ?? 'none',
    said: probe.refusal === undefined ? '' : `, writing "${sshdRefusalText(probe.refusal)}"`,
    outcome: probe.outcome,
    failedAtMs: failedAtMs(probe),
  }),
);

export const sshdRefusingConnections: Rule = (input) => {
  const verdict = byOutcome(input);
  if (verdict === undefined) return undefined;
  return { ...verdict, facts: { ...verdict.facts, hostProof: refusalProof(input.observations) } };
};
