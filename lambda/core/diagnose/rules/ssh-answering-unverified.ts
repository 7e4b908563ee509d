import type { Rule } from '../input.ts';
import { probeOutcomeRule, serverSoftware } from './probe-outcome.ts';

/**
 * sshd identified itself and a current OpenSSH client would agree with its KEXINIT, but the prober lacks
 * the algorithms it requires (kex-unsupported-by-prober). The service works for its users; what is missing
 * is port22's own verification of the host key and auth methods, so this is informational, not a failure.
 */
export const sshAnsweringUnverified: Rule = probeOutcomeRule(
  'SSH_ANSWERING_UNVERIFIED',
  ['kex-unsupported-by-prober'],
  (probe) => ({ software: serverSoftware(probe), detail: probe.detail ?? 'no detail' }),
);
