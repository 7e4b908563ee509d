import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ENDPOINT_KINDS,
  type Endpoint,
  endpointAddress,
  stratifiedSample,
} from '../../bench/fanout-endpoints.ts';

/** The layout the endpoint server uses: kinds in rotation, one address each. */
const fleet = (count: number): Endpoint[] =>
  Array.from({ length: count }, (_, i) => ({
    kind: ENDPOINT_KINDS[i % ENDPOINT_KINDS.length]!,
    host: endpointAddress(i),
  }));

const countKinds = (endpoints: readonly Endpoint[]) =>
  Object.fromEntries(ENDPOINT_KINDS.map((k) => [k, endpoints.filter((e) => e.kind === k).length]));

describe('stratifiedSample', () => {
  const cases = [
    { count: 1000, size: 80, perKind: 20 },
    { count: 1000, size: 200, perKind: 50 },
    { count: 1000, size: 203, perKind: 50 },
    { count: 40, size: 200, perKind: 10 },
    { count: 1000, size: 0, perKind: 0 },
  ];
  for (const { count, size, perKind } of cases) {
    it(`${size} of ${count}: ${perKind} of each kind, no repeats, in input order`, () => {
      const all = fleet(count);
      const sample = stratifiedSample(all, size);
      assert.deepEqual(countKinds(sample), Object.fromEntries(ENDPOINT_KINDS.map((k) => [k, perKind])));
      assert.equal(new Set(sample.map((e) => e.host)).size, sample.length);
      const positions = sample.map((e) => all.indexOf(e));
      assert.deepEqual(
        positions,
        [...positions].sort((a, b) => a - b),
      );
    });
  }

  it('spreads over the whole address range, not just the first addresses', () => {
    const all = fleet(1000);
    const silent = stratifiedSample(all, 80).filter((e) => e.kind === 'ident-timeout');
    const last = all.indexOf(silent.at(-1)!);
    assert.ok(last > 900, `last sampled silent endpoint at index ${last}`);
  });
});
