/**
 * CloudWatch Embedded Metric Format documents for one run: pure data out, printed by a sink adapter.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 *
 * A dimension's value is a root member of the document, so each dimension value (a diagnosis code,
 * an instance id) needs a document of its own. Each unique metric name + dimension set is billed as a
 * custom metric, which is why per-diagnosis counts are emitted only for codes present in the run and
 * per-instance metrics are off unless asked for.
 */
import { DIAGNOSIS_CODES, type DiagnosisCode } from '../diagnose/types.ts';
import type { ProbePhases } from '../probe/types.ts';

/** The CloudWatch namespace of every port22 metric (the stack's dashboard and alarms read it). */
export const METRIC_NAMESPACE = 'Port22';

/** The metric names this renderer publishes: the stack's dashboard and alarms name them from here. */
export const MetricName = {
  /** One datapoint per completed prober run (the value may count checked instances). */
  ChecksRun: 'ChecksRun',
  InstancesHealthy: 'InstancesHealthy',
  InstancesUnhealthy: 'InstancesUnhealthy',
  /**
   * Instances per diagnosis code: dimensions `Vpc` and `Diagnosis`. Not named "Diagnosis": in EMF a metric
   * and a dimension are both root members of the document, so they cannot share a name.
   */
  DiagnosisCount: 'DiagnosisCount',
  ProbeConnectMs: 'ProbeConnectMs',
  ProbeIdentMs: 'ProbeIdentMs',
  ProbeKexMs: 'ProbeKexMs',
  ProbeAuthMs: 'ProbeAuthMs',
  /** Errors the pipeline caught and survived (an API call that failed, a probe that threw). */
  ProberErrors: 'ProberErrors',
  /** Instances a run could not check before its deadline. */
  Unchecked: 'Unchecked',
  /** Per instance (dimension `InstanceId`), only with `perInstance`: 1 when healthy, else 0. */
  Healthy: 'Healthy',
  /** Per instance, only with `perInstance`: the probe's total time. */
  ProbeTotalMs: 'ProbeTotalMs',
} as const;

export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/** The dimensions the metrics carry; the dashboard and the alarms select series by them. */
export const MetricDimension = { Vpc: 'Vpc', Diagnosis: 'Diagnosis', InstanceId: 'InstanceId' } as const;
const { Vpc, Diagnosis, InstanceId } = MetricDimension;

/** EMF limits: 100 metrics per directive, 30 dimensions per set, 100 values per metric, 1 MB per event. */
const EMF_LIMITS = {
  metricsPerDirective: 100,
  dimensionsPerSet: 30,
  valuesPerMetric: 100,
  bytes: 1_048_576,
};

export type EmfUnit = 'Count' | 'Milliseconds' | 'None';

export interface MetricDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit: EmfUnit }[];
}

export interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: MetricDirective[] };
  [member: string]: unknown;
}

export interface RunMetricsInput {
  vpcId: string;
  /** Epoch milliseconds of the run. */
  timestamp: number;
  checksRun: number;
  healthy: number;
  unhealthy: number;
  unchecked: number;
  proberErrors: number;
  diagnosisCounts: Partial<Record<DiagnosisCode, number>>;
  /** One entry per probe that ran; phases not reached are absent and contribute no value. */
  probePhases: readonly ProbePhases[];
  /** Per-instance figures; rendered only with `perInstance: true`. */
  instances?: readonly { instanceId: string; healthy: boolean; totalMs?: number }[];
}

export interface EmfOptions {
  /** One `Healthy` and `ProbeTotalMs` metric per instance (dimension InstanceId). @default false */
  perInstance?: boolean;
}

const PHASE_METRICS = [
  ['connectMs', MetricName.ProbeConnectMs],
  ['identMs', MetricName.ProbeIdentMs],
  ['kexMs', MetricName.ProbeKexMs],
  ['authMs', MetricName.ProbeAuthMs],
] as const;

export function renderRunMetrics(input: RunMetricsInput, options: EmfOptions = {}): EmfDocument[] {
  const docs: EmfDocument[] = [];
  const doc = (
    dimensions: string[],
    metrics: [MetricName, EmfUnit, number | number[]][],
    members: object,
  ) => {
    const d: EmfDocument = {
      _aws: {
        Timestamp: input.timestamp,
        CloudWatchMetrics: [
          {
            Namespace: METRIC_NAMESPACE,
            Dimensions: [dimensions],
            Metrics: metrics.map(([Name, Unit]) => ({ Name, Unit })),
          },
        ],
      },
      ...members,
    };
    for (const [name, , value] of metrics) d[name] = value;
    assertWithinEmfLimits(d);
    docs.push(d);
  };

  doc(
    [Vpc],
    [
      [MetricName.ChecksRun, 'Count', input.checksRun],
      [MetricName.InstancesHealthy, 'Count', input.healthy],
      [MetricName.InstancesUnhealthy, 'Count', input.unhealthy],
      [MetricName.Unchecked, 'Count', input.unchecked],
      [MetricName.ProberErrors, 'Count', input.proberErrors],
    ],
    { [Vpc]: input.vpcId },
  );

  for (const code of DIAGNOSIS_CODES) {
    const count = input.diagnosisCounts[code] ?? 0;
    // The metric cannot be called "Diagnosis": a dimension and a metric are both root members, so
    // the same name would make the document carry either the code or the count, never both.
    if (count > 0)
      doc([Vpc, Diagnosis], [[MetricName.DiagnosisCount, 'Count', count]], {
        [Vpc]: input.vpcId,
        [Diagnosis]: code,
      });
  }

  const series = PHASE_METRICS.map(
    ([phase, name]) =>
      [name, input.probePhases.map((p) => p[phase]).filter((v): v is number => Number.isFinite(v))] as const,
  );
  const longest = Math.max(0, ...series.map(([, values]) => values.length));
  for (let start = 0; start < longest; start += EMF_LIMITS.valuesPerMetric) {
    const metrics: [MetricName, EmfUnit, number[]][] = [];
    for (const [name, values] of series) {
      const chunk = values.slice(start, start + EMF_LIMITS.valuesPerMetric);
      if (chunk.length > 0) metrics.push([name, 'Milliseconds', chunk]);
    }
    doc([Vpc], metrics, { [Vpc]: input.vpcId });
  }

  if (options.perInstance) {
    for (const i of input.instances ?? []) {
      const metrics: [MetricName, EmfUnit, number][] = [[MetricName.Healthy, 'Count', i.healthy ? 1 : 0]];
      if (i.totalMs !== undefined && Number.isFinite(i.totalMs))
        metrics.push([MetricName.ProbeTotalMs, 'Milliseconds', i.totalMs]);
      doc([InstanceId], metrics, { [InstanceId]: i.instanceId, [Vpc]: input.vpcId });
    }
  }
  return docs;
}

/** Throws when a document would be rejected or truncated by CloudWatch (a bug here, never user input). */
export function assertWithinEmfLimits(doc: EmfDocument): void {
  for (const directive of doc._aws.CloudWatchMetrics) {
    if (directive.Metrics.length > EMF_LIMITS.metricsPerDirective)
      throw new Error(`EMF: ${directive.Metrics.length} metrics in one directive (limit 100)`);
    for (const set of directive.Dimensions)
      if (set.length > EMF_LIMITS.dimensionsPerSet)
        throw new Error(`EMF: ${set.length} dimensions in one set (limit 30)`);
    for (const m of directive.Metrics) {
      const v = doc[m.Name];
      if (Array.isArray(v) && v.length > EMF_LIMITS.valuesPerMetric)
        throw new Error(`EMF: ${v.length} values for ${m.Name} (limit 100)`);
    }
  }
  const bytes = new TextEncoder().encode(JSON.stringify(doc)).length;
  if (bytes > EMF_LIMITS.bytes) throw new Error(`EMF: document of ${bytes} bytes (limit 1 MB)`);
}
