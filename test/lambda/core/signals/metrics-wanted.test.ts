import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProbeOutcome, ProbeResult } from '../../../../lambda/core/probe/types.ts';
import { metricsCanMatter } from '../../../../lambda/core/signals/metrics-wanted.ts';

const SLOW_MS = 2000;
const probe = (outcome: ProbeOutcome, identMs?: number): ProbeResult => ({
  target: { host: '10.0.1.10', port: 22 },
  outcome,
  phases: { ...(identMs === undefined ? {} : { identMs }), totalMs: 50 },
});

describe('metricsCanMatter', () => {
  const cases: [string, 'open' | 'closed', ProbeResult | undefined, boolean][] = [
    ['ok and fast: nothing to explain', 'open', probe('ok', 40), false],
    ['ok at exactly the slow threshold is still fast', 'open', probe('ok', SLOW_MS), false],
    [
      'ok one ms past the threshold is slow: starvation may explain it',
      'open',
      probe('ok', SLOW_MS + 1),
      true,
    ],
    ['ok without an ident time counts as fast', 'open', probe('ok'), false],
    ['a silent sshd: CPU or memory may explain it', 'open', probe('ident-timeout'), true],
    ['refused', 'open', probe('refused'), true],
    ['no probe (--no-probe, no route): metrics are all there is', 'open', undefined, true],
    ['expect=closed and closed: EXPECTED_CLOSED whatever the metrics', 'closed', probe('timeout'), false],
    ['expect=closed and refused', 'closed', probe('refused'), false],
    [
      'expect=closed but accepted and silent: the diagnosis reads them',
      'closed',
      probe('ident-timeout'),
      true,
    ],
    ['expect=closed without a probe', 'closed', undefined, true],
  ];
  for (const [name, expect, p, expected] of cases) {
    it(name, () => {
      assert.equal(metricsCanMatter(expect, p, SLOW_MS), expected);
    });
  }
});
