/**
 * The prober's metrics, as the handler publishes them through CloudWatch embedded metric format (EMF), for
 * the dashboard and the alarms. The names and the namespace come from the handler's contract.
 */
import type { Duration } from 'aws-cdk-lib';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { METRIC_NAMESPACE, MetricDimension, MetricName } from '../lambda/contract.ts';

const { Vpc, Diagnosis } = MetricDimension;

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
    dimensionsMap: { [Vpc]: vpcId },
    statistic,
    period,
  });
}

/** Every diagnosis series of one VPC, found by a search so new codes appear without a redeploy. */
export function diagnosisSearch(vpcId: string, period: Duration): IMetric {
  return new MathExpression({
    expression: `SEARCH('{${METRIC_NAMESPACE},${Diagnosis},${Vpc}} MetricName="${MetricName.DiagnosisCount}" ${Vpc}="${vpcId}"', 'Maximum', ${period.toSeconds()})`,
    label: '',
    period,
  });
}
