/**
 * The prober Lambda: started by EventBridge Scheduler with `{ kind, vpcId, scheduledTime, shard, shards }`
 * (one schedule per shard), it wires the AWS adapters from its environment (set by lib/prober-function.ts)
 * and runs one check of its shard of the VPC. An event without shard fields checks the whole VPC.
 * Logs are structured JSON (Powertools Logger); metrics are EMF lines on stdout, which CloudWatch Logs
 * turns into metrics without a PutMetricData call.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { StdoutEmfSink } from '../adapters/local/emf-sink.ts';
import { type Shard, shardProblem, WHOLE_FLEET } from '../core/targets/shard.ts';
import { type CheckInput, type CheckReport, runCheck } from '../pipeline.ts';
import { awsPorts, lambdaEniLocator } from '../wiring.ts';

/** The `kind` lib/port22-stack.ts puts in the scheduled event. */
const SCHEDULED_CHECK_KIND = 'port22.scheduled-check';

/** The message of the per-instance log line the dashboard's Logs Insights table filters on. */
export const INSTANCE_LOG_MESSAGE = 'instance diagnosed';

/** Time kept back from the Lambda timeout for the runtime to return and flush logs. */
export const DEADLINE_MARGIN_MS = 2000;

/** What the handler needs of the Lambda context (a subset of the runtime's object). */
export interface LambdaContext {
  awsRequestId: string;
  functionName?: string;
  getRemainingTimeInMillis(): number;
}

/** `PORT22_CONFIG`, as lib/port22-stack.ts `handlerConfig()` writes it (already validated at synth). */
export interface HandlerConfig {
  vpcId?: string;
  ports?: number[];
  sources?: string[];
  targets?: { monitorByDefault?: boolean; tagFilters?: { key: string; values: string[] }[] };
  thresholds?: {
    cpuPercent?: number;
    creditBalance?: number;
    memPercent?: number;
    slowIdentMs?: number;
    failuresBeforeAlert?: number;
    reminderHours?: number;
  };
  perInstanceMetrics?: boolean;
  intervalSeconds?: number;
  /** An explicit prober source spec; by default the function's own Lambda ENI is looked up. */
  proberSource?: string;
}

export interface HandlerResult {
  runId: string;
  instances: number;
  unhealthy: number;
  findings: number;
  unchecked: number;
  alertsSent: number;
  errors: number;
}

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'port22' });

export function parseHandlerConfig(text: string | undefined): HandlerConfig {
  if (text === undefined || text.trim() === '') return {};
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('PORT22_CONFIG is not a JSON object');
  return parsed as HandlerConfig;
}

/** The pipeline input for one scheduled run: configuration, deadline and identity of the run. */
export function checkInputFor(
  config: HandlerConfig,
  env: NodeJS.ProcessEnv,
  context: LambdaContext,
  now: number,
): CheckInput {
  const t = config.thresholds ?? {};
  const thresholds = {
    ...(t.cpuPercent !== undefined ? { cpuPercent: t.cpuPercent } : {}),
    ...(t.creditBalance !== undefined ? { creditBalance: t.creditBalance } : {}),
    ...(t.memPercent !== undefined ? { memPercent: t.memPercent } : {}),
    ...(t.slowIdentMs !== undefined ? { slowIdentMs: t.slowIdentMs } : {}),
  };
  const vpcId = env.PORT22_VPC_ID ?? config.vpcId;
  return {
    runId: context.awsRequestId,
    now: new Date(now),
    deadlineAt: now + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS,
    proberSource:
      config.proberSource ?? lambdaEniLocator(context.functionName ?? env.AWS_LAMBDA_FUNCTION_NAME),
    sources: config.sources ?? [],
    port: config.ports?.[0] ?? 22,
    ...(config.targets ? { targets: config.targets } : {}),
    thresholds,
    alertPolicy: {
      ...(t.failuresBeforeAlert !== undefined ? { failuresBeforeAlert: t.failuresBeforeAlert } : {}),
      ...(t.reminderHours !== undefined ? { reminderIntervalMs: t.reminderHours * 3600_000 } : {}),
    },
    render: {
      ...(env.PORT22_DASHBOARD_URL ? { dashboardUrl: env.PORT22_DASHBOARD_URL } : {}),
      ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    },
    ...(vpcId ? { vpcId } : {}),
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    perInstanceMetrics: config.perInstanceMetrics === true,
  };
}

/**
 * The shard a scheduled event asks for: both `shard` and `shards`, or neither (the whole fleet, as events
 * from before sharding and hand-made test invocations send). Throws on anything else.
 */
export function eventShard(event: { shard?: unknown; shards?: unknown }): Shard {
  if (event.shard === undefined && event.shards === undefined) return WHOLE_FLEET;
  const problem = shardProblem(event.shard, event.shards);
  if (problem) throw new Error(`bad scheduled event: ${problem}`);
  return { shard: event.shard as number, shards: event.shards as number };
}

export function summarise(report: CheckReport): HandlerResult {
  return {
    runId: report.runId,
    instances: report.instances.length,
    unhealthy: report.instances.filter((i) => !i.healthy).length,
    findings: report.findings.length,
    unchecked: report.unchecked,
    alertsSent: report.alerts.sent.length,
    errors: report.errors.length,
  };
}

export const handler = async (event: unknown, context: LambdaContext): Promise<HandlerResult> => {
  const env = process.env;
  logger.appendKeys({ requestId: context.awsRequestId });
  const e = (event ?? {}) as {
    kind?: string;
    vpcId?: string;
    scheduledTime?: string;
    shard?: unknown;
    shards?: unknown;
  };
  if (e.kind !== undefined && e.kind !== SCHEDULED_CHECK_KIND)
    logger.warn('unexpected event kind', { kind: e.kind });
  let shard: Shard;
  try {
    shard = eventShard(e);
  } catch (error) {
    // A failed invocation: the ProberErrors alarm sees it (Lambda Errors), and the event lands in the DLQ.
    logger.error('check rejected', { error: (error as Error).message, shard: e.shard, shards: e.shards });
    throw error;
  }
  const config = parseHandlerConfig(env.PORT22_CONFIG);
  const vpcId = env.PORT22_VPC_ID ?? e.vpcId ?? config.vpcId;
  const ports = awsPorts({
    ...(vpcId ? { vpcIds: [vpcId] } : {}),
    ...(env.PORT22_TABLE ? { tableName: env.PORT22_TABLE } : {}),
    ...(env.PORT22_TOPIC_ARN ? { topicArn: env.PORT22_TOPIC_ARN } : {}),
    metrics: new StdoutEmfSink(),
  });
  const input = { ...checkInputFor(config, env, context, Date.now()), ...shard };
  logger.info('check started', {
    vpcId,
    scheduledTime: e.scheduledTime,
    ...shard,
    deadlineAt: input.deadlineAt,
  });
  const report = await runCheck(ports, input);
  for (const error of report.errors) logger.error('step failed', { error });
  // One line per instance, healthy ones too: the dashboard's "not healthy now" table
  // (lib/dashboard.ts UNHEALTHY_INSTANCES_QUERY) takes each instance's latest line, so a recovery has to be
  // logged for the instance to leave the table.
  for (const i of report.instances) {
    const fields = {
      instanceId: i.instanceId,
      name: i.name,
      vpcId,
      diagnosis: i.diagnosis,
      // 'healthy' | 'unhealthy': the dashboard's "not healthy now" table filters on it (a string, because
      // Logs Insights compares JSON booleans awkwardly).
      health: i.healthy ? 'healthy' : 'unhealthy',
      summary: i.summary,
      // One string: Logs Insights flattens a JSON array into evidence.0, evidence.1, … at ingestion, and the
      // table reads a single `evidence` field.
      evidence: i.evidence.map((e) => e.detail).join('; '),
    };
    if (i.healthy) logger.info(INSTANCE_LOG_MESSAGE, fields);
    else logger.warn(INSTANCE_LOG_MESSAGE, fields);
  }
  const result = summarise(report);
  logger.info('check finished', { ...result, durationMs: report.durationMs });
  return result;
};
