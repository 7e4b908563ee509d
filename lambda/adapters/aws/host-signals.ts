/**
 * Host signals from the AWS APIs: EC2 DescribeInstanceStatus (state and status checks) and CloudWatch
 * GetMetricData (CPU, CPU credits, status-check metrics, the CloudWatch agent's memory metric).
 *
 * Limits honoured (API reference):
 * - DescribeInstanceStatus takes at most 100 explicit instance ids per call, and MaxResults cannot be
 *   combined with InstanceIds, so ids go in batches of 100 and NextToken is still followed.
 * - GetMetricData takes at most 500 MetricDataQuery structures per call; results for one query may span
 *   pages (NextToken), so pages are merged by query id before the latest datapoint is taken.
 * - Query ids must match ^[a-z][a-zA-Z0-9_]*$.
 */
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { DescribeInstanceStatusCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { InstanceStatus } from '../../core/inventory/model.ts';
import {
  buildHostSignals,
  isBurstable,
  type MetricSeries,
  type SignalMetric,
  seriesLabel,
} from '../../core/signals/host-signals.ts';
import type { SignalsFetchOptions, SignalsReport, SignalsSource, SignalsTarget } from '../../ports.ts';
import { clientOptions, describeError } from './client-options.ts';

const MAX_INSTANCE_IDS_PER_CALL = 100;
export const MAX_QUERIES_PER_CALL = 500;

export interface AwsSignalsSourceOptions {
  /** @default an EC2Client with port22's timeouts and retries ({@link clientOptions}) */
  ec2?: EC2Client;
  /** @default a CloudWatchClient with port22's timeouts and retries ({@link clientOptions}) */
  cloudwatch?: CloudWatchClient;
  /** How far back to look for a datapoint. @default 15 minutes */
  windowMs?: number;
  /** Ends every call, retries included, when it aborts (the run's deadline). @default none */
  signal?: AbortSignal;
}

interface QueryPlan {
  id: string;
  instanceId: string;
  metric: SignalMetric;
  query: MetricDataQuery;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The queries for one instance. Periods follow what EC2 publishes: status-check metrics every minute (free),
 * CPU every 5 minutes under basic monitoring, CPUCreditBalance every 5 minutes; the agent's default
 * collection interval is 60 s. Statistics lean to the pessimistic side for a health check: Maximum for
 * status-check failures and memory, Average for CPU, Minimum for credits.
 */
function queriesFor(target: SignalsTarget, nextId: () => string): QueryPlan[] {
  const { instanceId } = target;
  const plans: QueryPlan[] = [];
  const add = (
    metric: SignalMetric,
    namespace: string,
    dimensions: Array<{ Name: string; Value: string }>,
    period: number,
    stat: string,
  ) => {
    const id = nextId();
    plans.push({
      id,
      instanceId,
      metric,
      query: {
        Id: id,
        Label: seriesLabel(instanceId, metric),
        MetricStat: {
          Metric: { Namespace: namespace, MetricName: metric, Dimensions: dimensions },
          Period: period,
          Stat: stat,
        },
        ReturnData: true,
      },
    });
  };
  const byInstance = [{ Name: 'InstanceId', Value: instanceId }];
  add('CPUUtilization', 'AWS/EC2', byInstance, 300, 'Average');
  add('StatusCheckFailed_System', 'AWS/EC2', byInstance, 60, 'Maximum');
  add('StatusCheckFailed_Instance', 'AWS/EC2', byInstance, 60, 'Maximum');
  if (isBurstable(target.instanceType)) add('CPUCreditBalance', 'AWS/EC2', byInstance, 300, 'Minimum');
  // The CloudWatch agent publishes mem_used_percent under whatever dimensions its config appends, and a
  // MetricStat must name the exact set. Two sets cover the common configs: InstanceId alone (an
  // `append_dimensions` of just InstanceId, or `aggregation_dimensions: [["InstanceId"]]`), and the
  // wizard's default (ImageId, InstanceId, InstanceType, plus AutoScalingGroupName inside an ASG).
  // Whichever has the newer datapoint wins; a custom set is not found and memory stays unknown.
  add('mem_used_percent', 'CWAgent', byInstance, 60, 'Maximum');
  if (target.imageId !== undefined && target.instanceType !== undefined) {
    const dims = [
      ...(target.autoScalingGroupName === undefined
        ? []
        : [{ Name: 'AutoScalingGroupName', Value: target.autoScalingGroupName }]),
      { Name: 'ImageId', Value: target.imageId },
      { Name: 'InstanceId', Value: instanceId },
      { Name: 'InstanceType', Value: target.instanceType },
    ];
    add('mem_used_percent', 'CWAgent', dims, 60, 'Maximum');
  }
  return plans;
}

export class AwsSignalsSource implements SignalsSource {
  private readonly ec2: EC2Client;
  private readonly cloudwatch: CloudWatchClient;
  private readonly windowMs: number;
  private readonly sendOptions: { abortSignal?: AbortSignal };

  constructor(options: AwsSignalsSourceOptions = {}) {
    this.ec2 = options.ec2 ?? new EC2Client(clientOptions('ec2'));
    this.cloudwatch = options.cloudwatch ?? new CloudWatchClient(clientOptions('cloudwatch'));
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.sendOptions = options.signal ? { abortSignal: options.signal } : {};
  }

  async fetch(
    targets: readonly SignalsTarget[],
    now: Date,
    options: SignalsFetchOptions = {},
  ): Promise<SignalsReport> {
    const errors: string[] = [];
    const ids = [...new Set(targets.map((t) => t.instanceId))];
    const { metricsFor } = options;
    // State and status checks for every target (DescribeInstanceStatus is free); metrics, billed per metric
    // requested, only for the targets asked for. No metric target means no GetMetricData call at all.
    const metricTargets = metricsFor ? targets.filter((t) => metricsFor.has(t.instanceId)) : targets;
    const [statuses, series] = await Promise.all([
      this.describeStatuses(ids, errors),
      this.metricSeries(metricTargets, now, errors),
    ]);
    return { signals: buildHostSignals(ids, statuses, series), errors };
  }

  private async describeStatuses(ids: readonly string[], errors: string[]): Promise<InstanceStatus[]> {
    const out: InstanceStatus[] = [];
    for (const batch of chunk(ids, MAX_INSTANCE_IDS_PER_CALL)) {
      try {
        out.push(...(await this.describeBatch({ InstanceIds: batch })));
      } catch (err) {
        let failure = err;
        // One unknown id fails the whole call (InvalidInstanceID.NotFound, e.g. an instance terminated since
        // discovery); the instance-id filter tolerates unknown ids, so the batch is asked again that way.
        if ((err as { name?: string }).name === 'InvalidInstanceID.NotFound') {
          try {
            out.push(...(await this.describeBatch({ Filters: [{ Name: 'instance-id', Values: batch }] })));
            continue;
          } catch (retryErr) {
            failure = retryErr;
          }
        }
        errors.push(`DescribeInstanceStatus (${batch.length} instances): ${describeError(failure)}`);
      }
    }
    return out;
  }

  private async describeBatch(selector: {
    InstanceIds?: string[];
    Filters?: Array<{ Name: string; Values: string[] }>;
  }): Promise<InstanceStatus[]> {
    const out: InstanceStatus[] = [];
    let token: string | undefined;
    do {
      const page = await this.ec2.send(
        new DescribeInstanceStatusCommand({ ...selector, IncludeAllInstances: true, NextToken: token }),
        this.sendOptions,
      );
      for (const s of page.InstanceStatuses ?? [])
        if (s.InstanceId !== undefined) out.push({ ...s, InstanceId: s.InstanceId });
      token = page.NextToken;
    } while (token);
    return out;
  }

  private async metricSeries(
    targets: readonly SignalsTarget[],
    now: Date,
    errors: string[],
  ): Promise<MetricSeries[]> {
    let n = 0;
    const nextId = () => `q${n++}`;
    const plans = targets.flatMap((t) => queriesFor(t, nextId));
    const byId = new Map(plans.map((p) => [p.id, p]));
    const collected = new Map<string, { timestamps: Date[]; values: number[] }>();
    const startTime = new Date(now.getTime() - this.windowMs);

    for (const batch of chunk(plans, MAX_QUERIES_PER_CALL)) {
      try {
        let token: string | undefined;
        do {
          const page = await this.cloudwatch.send(
            new GetMetricDataCommand({
              MetricDataQueries: batch.map((p) => p.query),
              StartTime: startTime,
              EndTime: now,
              ScanBy: 'TimestampDescending',
              NextToken: token,
            }),
            this.sendOptions,
          );
          for (const r of page.MetricDataResults ?? []) {
            if (r.Id === undefined || !byId.has(r.Id)) continue;
            const acc = collected.get(r.Id) ?? { timestamps: [], values: [] };
            acc.timestamps.push(...(r.Timestamps ?? []));
            acc.values.push(...(r.Values ?? []));
            collected.set(r.Id, acc);
          }
          token = page.NextToken;
        } while (token);
      } catch (err) {
        errors.push(`GetMetricData (${batch.length} queries): ${describeError(err)}`);
      }
    }

    const series: MetricSeries[] = [];
    for (const [id, data] of collected) {
      const plan = byId.get(id)!;
      series.push({ instanceId: plan.instanceId, metric: plan.metric, ...data });
    }
    return series;
  }
}

/** Exposed for tests and docs: how many queries a fleet costs per run. */
export function plannedQueries(targets: readonly SignalsTarget[]): MetricDataQuery[] {
  let n = 0;
  return targets.flatMap((t) => queriesFor(t, () => `q${n++}`)).map((p) => p.query);
}
