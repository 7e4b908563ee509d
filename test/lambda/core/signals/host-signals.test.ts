import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildHostSignals,
  isBurstable,
  latestDatapoint,
  parseSeriesLabel,
} from '../../../../lambda/core/signals/host-signals.ts';

describe('isBurstable', () => {
  const cases: Array<[string | undefined, boolean]> = [
    ['t2.micro', true],
    ['t3.nano', true],
    ['t3a.large', true],
    ['t4g.small', true],
    ['m5.large', false],
    ['t1.micro', false], // T1 has no credit metrics
    ['c6gn.medium', false],
    [undefined, false],
  ];
  for (const [type, expected] of cases)
    it(`${type} → ${expected}`, () => assert.equal(isBurstable(type), expected));
});

describe('latestDatapoint', () => {
  it('picks by timestamp, not by position, and ignores non-finite values', () => {
    assert.deepEqual(
      latestDatapoint({
        timestamps: ['2024-01-01T00:05:00Z', '2024-01-01T00:10:00Z', '2024-01-01T00:15:00Z'],
        values: [1, 2, Number.NaN],
      }),
      { at: Date.parse('2024-01-01T00:10:00Z'), value: 2 },
    );
    assert.equal(latestDatapoint({ timestamps: [], values: [] }), undefined);
  });
});

describe('buildHostSignals', () => {
  it('ignores answers about instances that were not asked for, and keeps a real zero as zero', () => {
    const signals = buildHostSignals(
      ['i-01'],
      [{ InstanceId: 'i-99', InstanceState: { Name: 'running' } }],
      [
        { instanceId: 'i-01', metric: 'CPUCreditBalance', timestamps: ['2024-01-01T00:00:00Z'], values: [0] },
        { instanceId: 'i-99', metric: 'CPUUtilization', timestamps: ['2024-01-01T00:00:00Z'], values: [50] },
      ],
    );
    assert.deepEqual([...signals.keys()], ['i-01']);
    assert.deepEqual(signals.get('i-01'), { instanceId: 'i-01', cpuCreditBalance: 0 });
  });
});

describe('parseSeriesLabel', () => {
  it('reads "<instance-id> <MetricName>" and rejects anything else', () => {
    assert.deepEqual(parseSeriesLabel('i-0abc123 mem_used_percent'), {
      instanceId: 'i-0abc123',
      metric: 'mem_used_percent',
    });
    assert.equal(parseSeriesLabel('i-0abc123 NetworkIn'), undefined);
    assert.equal(parseSeriesLabel('CPUUtilization'), undefined);
    assert.equal(parseSeriesLabel(undefined), undefined);
  });
});
