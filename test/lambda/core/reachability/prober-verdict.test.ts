import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { proberVerdictFor } from '../../../../lambda/core/reachability/prober-verdict.ts';
import type { Verdict } from '../../../../lambda/core/reachability/types.ts';

const verdict = (address: string, family: 'ipv4' | 'ipv6', reachable = true): Verdict => ({
  instanceId: 'i-0abc',
  address,
  source: 'eni-0prober',
  family,
  reachable,
  blockers: [],
});

const PUBLIC = verdict('54.1.2.3', 'ipv4', false);
const PRIVATE = verdict('10.0.1.10', 'ipv4');
const V6 = verdict('2600:1f18:1::10', 'ipv6');

describe('proberVerdictFor', () => {
  const cases: [string, Verdict[], string | undefined, Verdict | undefined][] = [
    ['the verdict for the address the prober connects to', [PUBLIC, PRIVATE, V6], '10.0.1.10', PRIVATE],
    ['an IPv6 target: its own verdict', [PRIVATE, V6], '2600:1f18:1::10', V6],
    ['no verdict for the address: the first of its family', [PUBLIC, V6], '10.0.1.99', PUBLIC],
    ['an IPv6 address with no verdict of its own: the IPv6 one', [PRIVATE, V6], '2600:1f18:1::99', V6],
    ['no address: an IPv4 verdict', [V6, PRIVATE], undefined, PRIVATE],
    ['nothing of its family', [V6], '10.0.1.10', undefined],
    ['no verdicts', [], '10.0.1.10', undefined],
  ];
  for (const [name, verdicts, address, expected] of cases) {
    it(name, () => {
      assert.equal(proberVerdictFor(verdicts, address), expected);
    });
  }
});
