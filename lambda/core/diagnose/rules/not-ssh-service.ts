import type { Rule } from '../input.ts';
import { probeOutcomeRule } from './probe-outcome.ts';

/** The port answered with bytes that are not an SSH identification line (RFC 4253 §4.2): another service. */
export const notSshService: Rule = probeOutcomeRule('NOT_SSH_SERVICE', ['not-ssh'], (probe) => ({
  detail: probe.detail ?? 'no SSH identification',
}));
