import { probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';

/**
 * sshd identified itself and a current OpenSSH client would agree with its KEXINIT, but the prober lacks
 * the algorithms it requires (kex-unsupported-by-prober). The service works for its users; what is missing
 * is port22's own verification of the host key and auth methods, so this is informational, not a failure.
 */
export const sshAnsweringUnverified: Rule = (input) => {
  const { probe } = input;
  if (probe?.outcome !== 'kex-unsupported-by-prober') return undefined;
  return {
    code: 'SSH_ANSWERING_UNVERIFIED',
    evidence: [probeEvidence(probe)],
    facts: {
      software: probe.software ?? probe.ident ?? 'unknown software',
      detail: probe.detail ?? 'no detail',
    },
  };
};
