import { probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';

/**
 * sshd identified itself but the handshake failed: no algorithm in common or a bad signature (kex-failed),
 * an SSH-1-only server (protocol-unsupported), or the server closing mid key exchange (closed-during-kex).
 */
export const sshNegotiationFailed: Rule = (input) => {
  const { probe } = input;
  if (
    probe?.outcome !== 'kex-failed' &&
    probe?.outcome !== 'protocol-unsupported' &&
    probe?.outcome !== 'closed-during-kex'
  ) {
    return undefined;
  }
  return {
    code: 'SSH_NEGOTIATION_FAILED',
    evidence: [probeEvidence(probe)],
    facts: {
      outcome: probe.outcome,
      software: probe.software ?? probe.ident ?? 'unknown software',
      detail: probe.detail ?? 'no detail',
    },
  };
};
