/**
 * The prober's metrics, as the handler publishes them through CloudWatch embedded metric format (EMF):
 * one place that names them, shared by the dashboard and the alarms.
 */
import type { Duration } from 'aws-cdk-lib';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { METRIC_NAMESPACE } from './prober-function.ts';

/** Metric names the handler's EMF renderer publishes in the `Port22` namespace. */
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
} as const;

export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/** The probe phases, in wire order, with their metric names. */
export const PROBE_PHASES: ReadonlyArray<{ readonly label: string; readonly metric: MetricName }> = [
  { label: 'connect', metric: MetricName.ProbeConnectMs },
  { label: 'ident', metric: MetricName.ProbeIdentMs },
  { label: 'kex', metric: MetricName.ProbeKexMs },
  { label: 'auth', metric: MetricName.ProbeAuthMs },
];

/** A fleet metric of one VPC (dimension `Vpc`). */
export function fleetMetric(name: MetricName, vpcId: string, statistic: string, period: Duration): Metric {
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName: name,
    dimensionsMap: { Vpc: vpcId },
    statistic,
    period,
  });
}

/** Every diagnosis series of one VPC, found by a search so new codes appear without a redeploy. */
export function diagnosisSearch(vpcId: string, period: Duration): IMetric {
  return new MathExpression({
    expression: `SEARCH('{${METRIC_NAMESPACE},Diagnosis,Vpc} MetricName="${MetricName.DiagnosisCount}" Vpc="${vpcId}"', 'Maximum', ${period.toSeconds()})`,
    label: '',
    period,
  });
}
