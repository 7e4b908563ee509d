/**
 * How every AWS client of port22 is built: one home for its timeouts and retries, imported by every
 * adapter that makes one (EC2, CloudWatch, Network Firewall, DynamoDB, SNS, and the evidence sources' SSM,
 * CloudWatch Logs and CloudTrail). A paused or dead endpoint costs each attempt at most its timeouts, and
 * each call at most `maxAttempts` of them: nothing waits on a socket for ever.
 *
 * Timeouts: `connectionTimeout` bounds the TCP (and TLS) connect, `requestTimeout` the wait for the
 * response, `socketTimeout` any silence while the response streams. Since @smithy/node-http-handler 4.4
 * an exceeded `requestTimeout` only logs a warning unless `throwOnRequestTimeout` is set, so it is.
 *
 * Retries: in the SDK, never in a loop of ours. The SDK's adaptive mode is standard mode (exponential
 * backoff with jitter on throttling, 5xx and transient network errors; a retry quota so a failing service
 * is not hammered) plus a client-side rate limiter that slows the client down as soon as the service
 * throttles it, which EC2's per-account request rate (`RequestLimitExceeded`) and CloudWatch's
 * GetMetricData TPS call for. An error that reaches an adapter has been retried already; its
 * `$metadata.attempts` says how often. SNS Publish is the one call whose retry can do harm (a retried
 * publish whose first response was lost is a second e-mail): ./sns-notifier.ts keeps the SDK from retrying
 * it when the first attempt may have reached SNS.
 */

import type { AwsService } from '../../core/reachability/api-paths.ts';

/** The AWS services port22 calls: their list lives with their endpoint names. */
export type { AwsService };

export interface ClientBudget {
  /** ms to establish the connection. */
  readonly connectionTimeoutMs: number;
  /** ms from the request written to the response's headers, and of silence while its body streams. */
  readonly requestTimeoutMs: number;
  /** Attempts per call, the first included. */
  readonly maxAttempts: number;
}

/** Attempts per call for the fleet-wide reads; the SDK's default of 3 is short for a throttled EC2 read. */
export const SDK_MAX_ATTEMPTS = 8;

/**
 * A connect within the Region (VPC endpoint or NAT gateway) takes milliseconds; 3 s is a dead path, not a
 * slow one. The reads page through a whole VPC (DescribeInstances pages of 1000, GetMetricData with 500
 * queries, a Logs query) and may take seconds, so 20 s. DynamoDB answers a key read or a conditional put in
 * single-digit ms, so 3 s is already a failure, and 3 attempts keep a dead table to ~10 s of a run. An SNS
 * Publish answers in tens of ms; 5 s.
 */
const READ: ClientBudget = {
  connectionTimeoutMs: 3000,
  requestTimeoutMs: 20_000,
  maxAttempts: SDK_MAX_ATTEMPTS,
};
const CLIENT_BUDGETS: Readonly<Record<AwsService, ClientBudget>> = {
  ec2: READ,
  cloudwatch: READ,
  'network-firewall': READ,
  elasticloadbalancing: READ,
  ssm: READ,
  'cloudwatch-logs': READ,
  cloudtrail: READ,
  dynamodb: { connectionTimeoutMs: 3000, requestTimeoutMs: 3000, maxAttempts: 3 },
  sns: { connectionTimeoutMs: 3000, requestTimeoutMs: 5000, maxAttempts: 3 },
};

/** Where a client points: the SDK's defaults (the Lambda environment, ~/.aws) unless given. */
export interface ClientPlace {
  readonly region?: string;
  /** A profile from ~/.aws/config (the CLI's --profile). */
  readonly profile?: string;
  /** Tests and the lab: dynalite, fauxqs. */
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** The constructor options of `service`'s client: `new DynamoDBClient(clientOptions('dynamodb'))`. */
export function clientOptions(service: AwsService, place: ClientPlace = {}) {
  const budget = CLIENT_BUDGETS[service];
  return {
    ...(place.region ? { region: place.region } : {}),
    ...(place.profile ? { profile: place.profile } : {}),
    ...(place.endpoint ? { endpoint: place.endpoint } : {}),
    ...(place.credentials ? { credentials: { ...place.credentials } } : {}),
    retryMode: 'adaptive',
    maxAttempts: budget.maxAttempts,
    requestHandler: {
      connectionTimeout: budget.connectionTimeoutMs,
      requestTimeout: budget.requestTimeoutMs,
      socketTimeout: budget.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  } as const;
}

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
