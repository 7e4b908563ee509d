import { answered, probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';

/**
 * `port22:expect=closed` (port knocking, hosts shut on purpose): not answering is the intended state, whatever
 * the reason (stopped, filtered, nothing listening). An answer is not decided here — the other rules describe
 * what answered, and the UNEXPECTEDLY_OPEN finding flags it.
 */
export const expectedClosed: Rule = (input) => {
  if (input.expect !== 'closed' || answered(input.probe)) return undefined;
  return {
    code: 'EXPECTED_CLOSED',
    evidence: [
      input.probe === undefined
        ? { kind: 'config', code: 'NOT_PROBED', detail: 'not probed; tagged port22:expect=closed' }
        : probeEvidence(input.probe),
    ],
  };
};
