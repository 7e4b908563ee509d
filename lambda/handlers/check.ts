/**
 * The prober Lambda: started by EventBridge Scheduler with `{ kind, vpcId, scheduledTime, shard, shards }`
 * (one schedule per shard), it wires the AWS adapters from its environment (set by lib/prober-function.ts)
 * and runs one check of its shard of the VPC. An event without shard fields checks the whole VPC. The
 * configuration, the event and the names both sides use are lambda/contract.ts.
 * Logs are structured JSON (Powertools Logger); metrics are EMF lines on stdout, which CloudWatch Logs
 * turns into metrics without a PutMetricData call.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { StdoutEmfSink } from '../adapters/local/emf-sink.ts';
import {
  ContractError,
  HANDLER_ENV,
  type HandlerConfig,
  INSTANCE_LOG_MESSAGE,
  type InstanceLogFields,
  parseHandlerConfig,
  parseScheduledCheckEvent,
  SERVICE_NAME,
} from '../contract.ts';
import { logSafe } from '../core/report/safe-text.ts';
import { type CheckInput, type CheckReport, runCheck } from '../pipeline.ts';
import { proberServices } from '../prober-services.ts';
import { awsPorts, lambdaEniLocator } from '../wiring.ts';

/** Time kept back from the Lambda timeout for the runtime to return and flush logs. */
export const DEADLINE_MARGIN_MS = 2000;

/** What the handler needs of the Lambda context (a subset of the runtime's object). */
export interface LambdaContext {
  awsRequestId: string;
  functionName?: string;
  getRemainingTimeInMillis(): number;
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

const logger = new Logger({ serviceName: SERVICE_NAME });

/** The pipeline input for one scheduled run: configuration, deadline and identity of the run. */
export function checkInputFor(
  config: HandlerConfig,
  env: NodeJS.ProcessEnv,
  context: LambdaContext,
  now: number,
): CheckInput {
  const { failuresBeforeAlert, reminderHours, ...thresholds } = config.thresholds;
  const dashboardUrl = env[HANDLER_ENV.dashboardUrl];
  return {
    runId: context.awsRequestId,
    now: new Date(now),
    deadlineAt: now + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS,
    // The prober's own path: its Lambda ENI, found in the discovered inventory.
    proberSource: lambdaEniLocator(context.functionName ?? env.AWS_LAMBDA_FUNCTION_NAME),
    sources: config.sources,
    port: config.port,
    targets: config.targets,
    thresholds,
    alertPolicy: { failuresBeforeAlert, reminderIntervalMs: reminderHours * 3600_000 },
    render: {
      ...(dashboardUrl ? { dashboardUrl } : {}),
      ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    },
    vpcId: config.vpcId,
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    // The APIs this run calls, whose paths from the prober's ENI are checked before the first of them.
    ...(env.AWS_REGION
      ? {
          proberApis: {
            region: env.AWS_REGION,
            services: proberServices({
              state: Boolean(env[HANDLER_ENV.table]),
              alerts: Boolean(env[HANDLER_ENV.topicArn]),
              evidence: config.evidence,
            }),
          },
        }
      : {}),
    perInstanceMetrics: config.perInstanceMetrics,
    evidenceMaxInstances: config.evidence.maxInstances,
    evidenceBudgetMs: config.evidence.budgetSeconds * 1000,
  };
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

/**
 * An invocation the contract refuses. Its stack is its one line: the Lambda runtime logs a thrown error's
 * stack, and frames would bury the reason (the bad key, the wrong VPC) under lines that do not explain it.
 */
function rejected(error: ContractError): ContractError {
  error.stack = `${error.name}: ${error.message}`;
  return error;
}

/** What `read` returns, or the `ContractError` it threw (anything else is a bug and propagates). */
function contractOrError<T>(read: () => T): T | ContractError {
  try {
    return read();
  } catch (error) {
    if (error instanceof ContractError) return error;
    throw error;
  }
}

/**
 * The per-instance log line's fields. Names, summaries and evidence hold tag and peer text: JSON escapes
 * C0 but not DEL, C1 or bidi controls, which act on the terminal `aws logs tail` prints them to.
 */
export function instanceLogFields(i: CheckReport['instances'][number], vpcId: string): InstanceLogFields {
  return {
    instanceId: logSafe(i.instanceId),
    name: i.name === undefined ? undefined : logSafe(i.name),
    vpcId,
    diagnosis: i.diagnosis,
    health: i.healthy ? 'healthy' : 'unhealthy',
    summary: logSafe(i.summary),
    evidence: logSafe(i.evidence.map((e) => e.detail).join('; ')),
  };
}

type Handler = (event: unknown, context: LambdaContext) => Promise<HandlerResult>;

/**
 * The handler for an environment. `PORT22_CONFIG` is validated once, at cold start; a bad one fails every
 * invocation with one line (the ProberErrors alarm sees the failures, the events land in the DLQ).
 */
export function createHandler(env: NodeJS.ProcessEnv): Handler {
  const config = contractOrError(() => parseHandlerConfig(env[HANDLER_ENV.config]));
  return async (event, context) => {
    logger.appendKeys({ requestId: context.awsRequestId });
    if (config instanceof ContractError) {
      logger.error('bad configuration', { error: config.message });
      throw rejected(config);
    }
    const scheduled = contractOrError(() => parseScheduledCheckEvent(event, config.vpcId));
    if (scheduled instanceof ContractError) {
      logger.error('check rejected', { error: scheduled.message });
      throw rejected(scheduled);
    }
    const { scheduledTime, ...shard } = scheduled;
    const vpcId = config.vpcId;
    const started = Date.now();
    const table = env[HANDLER_ENV.table];
    const topicArn = env[HANDLER_ENV.topicArn];
    const input = { ...checkInputFor(config, env, context, started), ...shard };
    const ports = awsPorts({
      vpcIds: [vpcId],
      ...(table ? { tableName: table } : {}),
      ...(topicArn ? { topicArn } : {}),
      metrics: new StdoutEmfSink(),
      // Every AWS call of the run, retries included, ends at the deadline: a paused service can cost the run
      // its remaining time, never the Lambda timeout (which would lose the report, the logs and the metrics).
      signal: AbortSignal.timeout(Math.max(0, (input.deadlineAt ?? started) - started)),
      evidence: config.evidence,
    });
    logger.info('check started', { vpcId, scheduledTime, ...shard, deadlineAt: input.deadlineAt });
    const report = await runCheck(ports, input);
    for (const error of report.errors) logger.error('step failed', { error: logSafe(error) });
    // An alert settled without a publish is a decision someone may ask about: say which and why.
    for (const d of report.alerts.dropped) logger.warn('alert dropped', { ...d });
    // One line per instance, healthy ones too: the dashboard's "not healthy now" table
    // (lib/dashboard.ts UNHEALTHY_INSTANCES_QUERY) takes each instance's latest line, so a recovery has to be
    // logged for the instance to leave the table.
    for (const i of report.instances) {
      const fields = instanceLogFields(i, vpcId);
      // Spread: the Logger takes a record, which an interface is not assignable to.
      if (i.healthy) logger.info(INSTANCE_LOG_MESSAGE, { ...fields });
      else logger.warn(INSTANCE_LOG_MESSAGE, { ...fields });
    }
    const result = summarise(report);
    logger.info('check finished', { ...result, durationMs: report.durationMs });
    return result;
  };
}

export const handler: Handler = createHandler(process.env);
