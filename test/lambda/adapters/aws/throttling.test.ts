import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs, isThrottling } from '../../../../lambda/adapters/aws/throttling.ts';

describe('isThrottling', () => {
  const CASES: Array<[string, unknown, boolean]> = [
    ['EC2 RequestLimitExceeded by name', { name: 'RequestLimitExceeded' }, true],
    ['CloudWatch Throttling by Code', { Code: 'Throttling' }, true],
    ['EC2 RequestThrottled', { name: 'RequestThrottled' }, true],
    ['CloudWatch LimitExceededException', { name: 'LimitExceededException' }, true],
    ['the SDK marker', { name: 'Whatever', $retryable: { throttling: true } }, true],
    ['retryable but not throttling', { name: 'InternalError', $retryable: {} }, false],
    ['permission denied', { name: 'UnauthorizedOperation' }, false],
    ['a plain Error', new Error('boom'), false],
    ['undefined', undefined, false],
  ];
  for (const [label, err, want] of CASES) it(label, () => assert.equal(isThrottling(err), want));
});

describe('backoffDelayMs', () => {
  it('doubles per attempt with at most 50 % jitter', () => {
    for (const [attempt, base] of [
      [1, 200],
      [2, 400],
      [4, 1600],
    ] as const) {
      for (let i = 0; i < 50; i++) {
        const d = backoffDelayMs(200, attempt);
        assert.ok(d >= base && d <= base * 1.5, `attempt ${attempt}: ${d}`);
      }
    }
  });
});
