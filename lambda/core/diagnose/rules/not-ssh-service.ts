import { probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';

/** The port answered with bytes that are not an SSH identification line (RFC 4253 §4.2): another service. */
export const notSshService: Rule = (input) => {
  const { probe } = input;
  if (probe?.outcome !== 'not-ssh') return undefined;
  return {
    code: 'NOT_SSH_SERVICE',
    evidence: [probeEvidence(probe)],
    facts: { detail: probe.detail ?? 'no SSH identification' },
  };
};
