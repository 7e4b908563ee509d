/**
 * What counts as "AWS is throttling us", and how long to wait before the next try. Shared by every adapter
 * that retries on its own, above the SDK's retry strategy, so they all agree on both.
 */

// Error codes the EC2, CloudWatch, DynamoDB and SNS APIs use for throttling, besides the SDK's own
// `$retryable.throttling` marker.
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'TooManyRequestsException',
  'LimitExceededException',
]);

export function isThrottling(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; $retryable?: { throttling?: boolean } } | undefined;
  return (
    THROTTLING_CODES.has(e?.name ?? '') ||
    THROTTLING_CODES.has(e?.Code ?? '') ||
    e?.$retryable?.throttling === true
  );
}

/** Exponential backoff with up to 50 % jitter, so retries from concurrent shards do not line up. */
export function backoffDelayMs(baseMs: number, attempt: number): number {
  return baseMs * 2 ** (attempt - 1) * (1 + Math.random() / 2);
}
