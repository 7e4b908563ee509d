import type { Rule } from '../input.ts';
import { probeOutcomeRule, serverSoftware } from './probe-outcome.ts';

/**
 * sshd identified itself but the handshake failed: no algorithm in common or a bad signature (kex-failed),
 * an SSH-1-only server (protocol-unsupported), or the server closing mid key exchange (closed-during-kex).
 */
export const sshNegotiationFailed: Rule = probeOutcomeRule(
  'SSH_NEGOTIATION_FAILED',
  ['kex-failed', 'protocol-unsupported', 'closed-during-kex'],
  (probe) => ({
    outcome: probe.outcome,
    software: serverSoftware(probe),
    detail: probe.detail ?? 'no detail',
  }),
);
