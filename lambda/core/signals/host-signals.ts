/**
 * Turns DescribeInstanceStatus and GetMetricData answers (plain data, the SDK's PascalCase shapes) into one
 * `HostSignals` per instance. Shared by the live CloudWatch/EC2 adapter and the local signals file, so both
 * read the same shapes the same way. Missing data stays `undefined` ("unknown"), never zero: a metric with no
 * datapoint in the window says nothing about the host, and treating it as 0 % CPU would hide exhaustion.
 */
import type { HostSignals } from '../diagnose/types.ts';
import type { InstanceStatus } from '../inventory/model.ts';

/** The metrics port22 reads, by the name CloudWatch publishes them under. */
export const SIGNAL_METRICS = [
  'CPUUtilization',
  'CPUCreditBalance',
  'StatusCheckFailed_System',
  'StatusCheckFailed_Instance',
  'mem_used_percent',
] as const;
export type SignalMetric = (typeof SIGNAL_METRICS)[number];

/** One metric series for one instance: a GetMetricData `MetricDataResults` element, already attributed. */
export interface MetricSeries {
  instanceId: string;
  metric: SignalMetric;
  /** ISO strings (from a JSON file) or Dates (from the SDK). */
  timestamps: ReadonlyArray<Date | string>;
  values: readonly number[];
}

const FIELD: Record<SignalMetric, keyof HostSignals> = {
  CPUUtilization: 'cpuPercent',
  CPUCreditBalance: 'cpuCreditBalance',
  StatusCheckFailed_System: 'statusCheckFailedSystem',
  StatusCheckFailed_Instance: 'statusCheckFailedInstance',
  mem_used_percent: 'memUsedPercent',
};

/**
 * T2, T3, T3a and T4g are the burstable families that publish CPUCreditBalance (EC2 User Guide,
 * "Burstable performance instances"); asking for it on other types only costs a query that returns nothing.
 */
export function isBurstable(instanceType: string | undefined): boolean {
  return instanceType !== undefined && /^t(2|3|3a|4g)\./.test(instanceType);
}

/** The latest datapoint of a series: CloudWatch does not promise an order unless ScanBy is honoured. */
export function latestDatapoint(
  series: Pick<MetricSeries, 'timestamps' | 'values'>,
): { at: number; value: number } | undefined {
  let best: { at: number; value: number } | undefined;
  const n = Math.min(series.timestamps.length, series.values.length);
  for (let i = 0; i < n; i++) {
    const at = new Date(series.timestamps[i]!).getTime();
    const value = series.values[i]!;
    if (Number.isNaN(at) || !Number.isFinite(value)) continue;
    if (best === undefined || at > best.at) best = { at, value };
  }
  return best;
}

/**
 * Builds one `HostSignals` per requested instance. Instances absent from both answers still get an entry
 * (only `instanceId`): known to be asked about, nothing known about them. When several series carry the
 * same metric for one instance (the memory metric under two dimension sets), the newest datapoint wins.
 */
export function buildHostSignals(
  instanceIds: readonly string[],
  statuses: readonly InstanceStatus[],
  series: readonly MetricSeries[],
): Map<string, HostSignals> {
  const out = new Map<string, HostSignals>();
  for (const id of instanceIds) out.set(id, { instanceId: id });

  for (const s of statuses) {
    const signals = s.InstanceId === undefined ? undefined : out.get(s.InstanceId);
    if (signals === undefined) continue;
    if (s.InstanceState?.Name !== undefined) signals.state = s.InstanceState.Name;
    if (s.SystemStatus?.Status !== undefined) signals.systemStatus = s.SystemStatus.Status;
    if (s.InstanceStatus?.Status !== undefined) signals.instanceStatus = s.InstanceStatus.Status;
  }

  const newest = new Map<string, number>();
  for (const s of series) {
    const signals = out.get(s.instanceId);
    const latest = latestDatapoint(s);
    if (signals === undefined || latest === undefined) continue;
    const key = `${s.instanceId} ${s.metric}`;
    if ((newest.get(key) ?? Number.NEGATIVE_INFINITY) >= latest.at) continue;
    newest.set(key, latest.at);
    (signals as unknown as Record<string, number>)[FIELD[s.metric]] = latest.value;
  }
  return out;
}

/** The label port22 gives each query, and reads back from a signals file: `<instance-id> <MetricName>`. */
export function seriesLabel(instanceId: string, metric: SignalMetric): string {
  return `${instanceId} ${metric}`;
}

export function parseSeriesLabel(
  label: string | undefined,
): { instanceId: string; metric: SignalMetric } | undefined {
  const m = /^(i-[0-9a-f]+) (\S+)$/.exec(label ?? '');
  if (m === null) return undefined;
  const metric = SIGNAL_METRICS.find((x) => x === m[2]);
  return metric === undefined ? undefined : { instanceId: m[1]!, metric };
}
