/**
 * How port22's AWS clients retry: in the SDK, never in a loop of ours. The SDK's adaptive mode is standard
 * mode (exponential backoff with jitter on throttling, 5xx and transient network errors; a retry quota so a
 * failing service is not hammered) plus a client-side rate limiter that slows the client down as soon as
 * the service throttles it, which EC2's per-account request rate (`RequestLimitExceeded`) and CloudWatch's
 * GetMetricData TPS call for. An error that reaches an adapter has been retried already; its
 * `$metadata.attempts` says how often.
 */

/** Attempts per call, the first included; the SDK's default of 3 is short for a fleet-wide EC2 read. */
export const SDK_MAX_ATTEMPTS = 8;

/** Spread into every client's configuration. */
export const SDK_RETRY = { retryMode: 'adaptive', maxAttempts: SDK_MAX_ATTEMPTS } as const;

/** How many attempts the SDK made before `err` (1 when it says nothing, e.g. an error raised before sending). */
export function attemptsOf(err: unknown): number {
  const attempts = (err as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts;
  return typeof attempts === 'number' && attempts > 0 ? attempts : 1;
}

/** An SDK error in one line: its name (the API's error code) and message. */
export function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`;
}
