/**
 * The contract between the stack (lib/) and the prober handler (lambda/handlers/check.ts): the environment
 * variable names, the configuration the stack writes into `PORT22_CONFIG` and the handler validates at cold
 * start, the event every schedule sends, the per-instance log line the dashboard queries, and the metric
 * names and namespace the alarms read. Both sides import them from here; neither spells one itself.
 *
 * The prober's bundle includes this module: no I/O, no aws-cdk-lib, and zod by named imports (the `z`
 * namespace used as a value keeps all of zod, its locales included, in the bundle; docs/stack.md).
 */
import type { core, input, output } from 'zod';
import { array, boolean, custom, literal, number, object, strictObject, string } from 'zod';
import { DEFAULT_ALERT_POLICY } from './core/alerts/types.ts';
import { DEFAULT_THRESHOLDS } from './core/diagnose/input.ts';
import { DEFAULT_EVIDENCE_BUDGET_MS, DEFAULT_EVIDENCE_MAX_INSTANCES } from './core/evidence/observations.ts';
import { type ResourceIdPrefix, resourceIdPattern } from './core/inventory/resource-id.ts';
import { DEFAULT_SSH_PORT } from './core/inventory/tags.ts';
import { parseSourceSpec } from './core/reachability/source-spec.ts';
import { type Shard, shardProblem, WHOLE_FLEET } from './core/targets/shard.ts';

export { METRIC_NAMESPACE, MetricDimension, MetricName } from './core/metrics/emf.ts';

/** The environment variables the stack sets on every prober function and the handler reads. */
export const HANDLER_ENV = {
  /** The state table's name. */
  table: 'PORT22_TABLE',
  /** The alert topic's ARN. */
  topicArn: 'PORT22_TOPIC_ARN',
  /** The handler's configuration: `handlerConfigSchema` as JSON. */
  config: 'PORT22_CONFIG',
  /** The dashboard's console URL, linked from every alert. */
  dashboardUrl: 'PORT22_DASHBOARD_URL',
} as const;

/**
 * The state table's keys, which the stack creates (lib/state-table.ts), the DynamoDB state store reads and
 * writes, and the local emulator's table copies (lab/local-aws.ts).
 *
 * `pendingAlerts` is a sparse global secondary index: the store writes `pendingScope` (the record's scope,
 * the VPC id) only while the record holds pending alerts, and DynamoDB indexes only items that carry the
 * index's key attributes ("Take advantage of sparse indexes", DynamoDB developer guide:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-indexes-general-sparse-indexes.html).
 * So a run lists the few records still owing an alert in its VPC by one Query, never a Scan of the fleet.
 * Keys only: a run re-reads every listed record by key before it settles it.
 */
export const STATE_TABLE_KEYS = {
  /** The partition key: the instance id, or {@link STATE_TABLE_KEYS.groupKeyPrefix} and the group's name. */
  partitionKey: 'pk',
  groupKeyPrefix: 'group#',
  /** The TTL attribute (epoch seconds), refreshed by every check so records of vanished instances expire. */
  ttlAttribute: 'ttl',
  pendingIndex: { name: 'pending-alerts', partitionKey: 'pendingScope', sortKey: 'pk' },
} as const;

/** The `service` key of every log line the prober writes (Powertools Logger). */
export const SERVICE_NAME = 'port22';

/** A configuration or an event that breaks this contract; the message is one line. */
export class ContractError extends Error {
  override name = 'ContractError';
}

/** An error text for a type mismatch that says `required` when the key is missing altogether. */
export const orRequired = (message: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'required' : message;

/** An EC2 resource id: the prefix, then 8 (older resources) or 17 lowercase hex digits. */
export const awsId = (prefix: ResourceIdPrefix, what: string) =>
  string({ error: orRequired(`not ${what} (${prefix}-…)`) }).regex(resourceIdPattern(prefix), {
    error: `not ${what} (${prefix}-…)`,
  });

const NOT_A_PORT = 'not a TCP port (1-65535)';
export const tcpPort = number({ error: NOT_A_PORT })
  .int({ error: NOT_A_PORT })
  .min(1, { error: NOT_A_PORT })
  .max(65535, { error: NOT_A_PORT });

/** A source spec, checked by the same function the analysis resolves it with. */
export const sourceSpec = string({ error: 'not a source spec (a CIDR, internet, i-…, eni-…)' }).refine(
  (spec) => parseSourceSpec(spec) !== undefined,
  { error: 'not a source spec (a CIDR, internet, i-…, eni-…)' },
);

const tagFilterSchema = strictObject({
  key: string({ error: 'a tag key is required' }).min(1, { error: 'a tag key is required' }),
  values: array(string()).min(1, { error: 'at least one tag value is required' }),
});

export const targetsSchema = strictObject({
  monitorByDefault: boolean({ error: 'true or false' }).default(true),
  tagFilters: array(tagFilterSchema).default([]),
});

const nonNegative = (what: string) =>
  number({ error: `not a number (${what})` }).min(0, { error: `must not be negative (${what})` });

export const thresholdsSchema = strictObject({
  // The defaults are the engine's own, so the stack and the CLI never disagree.
  cpuPercent: nonNegative('percent')
    .max(100, { error: 'at most 100 (percent)' })
    .default(DEFAULT_THRESHOLDS.cpuPercent),
  creditBalance: nonNegative('CPU credits').default(DEFAULT_THRESHOLDS.creditBalance),
  memPercent: nonNegative('percent')
    .max(100, { error: 'at most 100 (percent)' })
    .default(DEFAULT_THRESHOLDS.memPercent),
  slowIdentMs: nonNegative('milliseconds').default(DEFAULT_THRESHOLDS.slowIdentMs),
  failuresBeforeAlert: nonNegative('consecutive failures')
    .int({ error: 'not a whole number' })
    .min(1, { error: 'must be at least 1' })
    .default(DEFAULT_ALERT_POLICY.failuresBeforeAlert),
  reminderHours: nonNegative('hours').default(DEFAULT_ALERT_POLICY.reminderIntervalMs / 3_600_000),
});

/**
 * What the evidence step reads for failing instances (DESIGN.md, "The pipeline"). Console output and
 * CloudTrail cost nothing per call and need no agent: on by default. Flow logs are read only where the VPC
 * publishes them to CloudWatch Logs (a Logs Insights query is billed per GB scanned). The in-host check runs
 * a command on the instance through Systems Manager: off unless asked for, and then only on instances whose
 * tags opt in.
 */
export const evidenceSchema = strictObject({
  console: boolean({ error: 'true or false' }).default(true),
  cloudTrail: boolean({ error: 'true or false' }).default(true),
  flowLogs: boolean({ error: 'true or false' }).default(true),
  ssm: boolean({ error: 'true or false' }).default(false),
  /** Failing instances whose evidence is gathered per run (the step's cap). */
  maxInstances: number({ error: 'not a number (instances)' })
    .int({ error: 'not a whole number' })
    .min(1, { error: 'must be at least 1' })
    .default(DEFAULT_EVIDENCE_MAX_INSTANCES),
  /** Seconds the evidence step may take in all. */
  budgetSeconds: number({ error: 'not a number (seconds)' })
    .min(1, { error: 'must be at least 1' })
    .default(DEFAULT_EVIDENCE_BUDGET_MS / 1000),
});

/**
 * `PORT22_CONFIG`: everything the handler reads of the stack's configuration, for one VPC. Strict: a key the
 * handler does not read is an error here, and a type error where the stack builds it.
 */
export const handlerConfigSchema = strictObject(
  {
    /** The VPC this prober checks; the one source of truth for it (a scheduled event may only repeat it). */
    vpcId: awsId('vpc', 'a VPC id'),
    /** The SSH port of instances without a `port22:port` tag. */
    port: tcpPort.default(DEFAULT_SSH_PORT),
    sources: array(sourceSpec).default([]),
    targets: targetsSchema.prefault({}),
    thresholds: thresholdsSchema.prefault({}),
    perInstanceMetrics: boolean({ error: 'true or false' }).default(false),
    evidence: evidenceSchema.prefault({}),
  },
  { error: 'not a JSON object' },
);

/** The validated handler configuration, defaults filled in. */
export type HandlerConfig = output<typeof handlerConfigSchema>;
/** What the stack may write into `PORT22_CONFIG`. */
export type HandlerConfigInput = input<typeof handlerConfigSchema>;

/** A key as a user writes it: `port22.vpcs[0].cidrs[1]` for the path ['vpcs', 0, 'cidrs', 1] under `port22`. */
export function keyPath(path: readonly PropertyKey[], root: string): string {
  let out = root;
  for (const segment of path)
    out += typeof segment === 'number' ? `[${segment}]` : `${out ? '.' : ''}${String(segment)}`;
  return out;
}

/**
 * One line per zod issue, each naming its key under `root` (`port22.thresholds.cpuPercent: at most 100`).
 * A missing key reads `required`, an unknown one `unknown key`.
 */
export function issueLines(issues: readonly core.$ZodIssue[], root: string): string[] {
  const line = (path: readonly PropertyKey[], message: string) => {
    const key = keyPath(path, root);
    return key ? `${key}: ${message}` : message;
  };
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((k) => line([...issue.path, k], 'unknown key'));
    if (issue.code === 'invalid_type' && /received undefined/.test(issue.message))
      return [line(issue.path, 'required')];
    return [line(issue.path, issue.message)];
  });
}

/** Reads `PORT22_CONFIG`; throws a `ContractError` of one line naming every problem. */
export function parseHandlerConfig(text: string | undefined): HandlerConfig {
  const name = HANDLER_ENV.config;
  if (text === undefined || text.trim() === '')
    throw new ContractError(`${name}: required (the stack sets it; deploy with cdk deploy)`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ContractError(`${name}: not JSON`);
  }
  const result = handlerConfigSchema.safeParse(raw);
  if (!result.success) throw new ContractError(`${name}: ${issueLines(result.error.issues, '').join('; ')}`);
  return result.data;
}

/** The `kind` of the event every schedule sends the prober. */
export const SCHEDULED_CHECK_KIND = 'port22.scheduled-check';

/**
 * The event a schedule sends. Hand-made invocations may leave out any field: no `kind`, no `vpcId`, and no
 * shard fields (both or neither) check the whole VPC of the prober's configuration.
 */
export const scheduledCheckEventSchema = object(
  {
    kind: literal(SCHEDULED_CHECK_KIND, { error: `not "${SCHEDULED_CHECK_KIND}"` }).optional(),
    vpcId: awsId('vpc', 'a VPC id').optional(),
    /** Scheduler's `<aws.scheduler.scheduled-time>`, for the logs. */
    scheduledTime: string({ error: 'not a timestamp' }).optional(),
    // Checked together below, with the messages the shard module words.
    shard: custom<number>().optional(),
    shards: custom<number>().optional(),
  },
  { error: 'not a JSON object' },
).superRefine((event, ctx) => {
  if (event.shard === undefined && event.shards === undefined) return;
  const problem = shardProblem(event.shard, event.shards);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** The event exactly as the stack writes it: every field present. */
export type ScheduledCheckEvent = Required<input<typeof scheduledCheckEventSchema>>;

/** What the handler takes from a scheduled event. */
export interface ScheduledCheck extends Shard {
  readonly scheduledTime?: string;
}

/**
 * Reads a scheduled event for the prober of `vpcId`. An event that names another VPC is rejected: the
 * configuration decides which VPC a prober checks, and a mismatch means a schedule points at the wrong
 * function. Throws a `ContractError` of one line.
 */
export function parseScheduledCheckEvent(event: unknown, vpcId: string): ScheduledCheck {
  const result = scheduledCheckEventSchema.safeParse(event ?? {});
  if (!result.success)
    throw new ContractError(`bad scheduled event: ${issueLines(result.error.issues, '').join('; ')}`);
  const { vpcId: named, scheduledTime, shard, shards } = result.data;
  if (named !== undefined && named !== vpcId)
    throw new ContractError(`bad scheduled event: vpcId ${named} is not this prober's VPC (${vpcId})`);
  const whole = shard === undefined && shards === undefined;
  return {
    ...(whole ? WHOLE_FLEET : { shard: shard!, shards: shards! }),
    ...(scheduledTime !== undefined ? { scheduledTime } : {}),
  };
}

/** The message of the per-instance log line; the dashboard's "not healthy now" table filters on it. */
export const INSTANCE_LOG_MESSAGE = 'instance diagnosed';

/**
 * The fields of that line. `health` is a string because Logs Insights compares JSON booleans awkwardly;
 * `evidence` is one string because Logs Insights flattens a JSON array into evidence.0, evidence.1, … at
 * ingestion, and the table reads a single field.
 */
export interface InstanceLogFields {
  readonly instanceId: string;
  readonly name: string | undefined;
  readonly vpcId: string;
  readonly diagnosis: string;
  readonly health: 'healthy' | 'unhealthy';
  readonly summary: string;
  readonly evidence: string;
}

/** The fields the dashboard's query reads, in its column order. */
export const INSTANCE_LOG_FIELDS = [
  'instanceId',
  'name',
  'vpcId',
  'diagnosis',
  'health',
  'summary',
  'evidence',
] as const satisfies readonly (keyof InstanceLogFields)[];
