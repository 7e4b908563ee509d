/**
 * The alarms of one prober: an instance is failing, the prober is erroring, and the prober has not run
 * at all — the watcher is watched, so a broken schedule or a crashing handler is not silence.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { MetricName } from '../lambda/contract.ts';
import { fleetMetric } from './metrics.ts';

export interface ProberAlarmsProps {
  /** The monitored VPC (the `Vpc` dimension of the fleet metrics). */
  readonly vpcId: string;
  /** The prober function, for its built-in Lambda metrics. */
  readonly function: IFunction;
  /** Time between scheduled runs. */
  readonly interval: Duration;
  /** Where alarm and OK notifications go. */
  readonly topic: ITopic;
  /**
   * Consecutive runs with a failing instance before the fleet alarm fires.
   * @default 2
   */
  readonly failuresBeforeAlert?: number;
}

/** The three alarms of one prober. */
export class ProberAlarms extends Construct {
  /** Some instance in the VPC has been unhealthy for `failuresBeforeAlert` runs. */
  public readonly instanceFailing: Alarm;
  /** The prober's invocations failed, or the pipeline caught errors. */
  public readonly proberErrors: Alarm;
  /** No run completed in the last two intervals; missing data is breaching. */
  public readonly proberNotRunning: Alarm;

  constructor(scope: Construct, id: string, props: ProberAlarmsProps) {
    super(scope, id);
    const period = props.interval;
    // CloudWatch evaluates at most one day of periods (PutMetricAlarm: Period × EvaluationPeriods ≤ 86400 s).
    const failures = Math.min(props.failuresBeforeAlert ?? 2, Math.floor(86_400 / period.toSeconds()));
    const action = new SnsAction(props.topic);

    this.instanceFailing = new Alarm(this, 'InstanceFailing', {
      alarmDescription: `port22: an instance in ${props.vpcId} has failed its SSH health check ${failures} runs in a row`,
      metric: fleetMetric(MetricName.InstancesUnhealthy, props.vpcId, 'Maximum', period),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: 0,
      evaluationPeriods: failures,
      datapointsToAlarm: failures,
      // No data means no run: ProberNotRunning covers that, so this alarm does not double it.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.proberErrors = new Alarm(this, 'ProberErrors', {
      alarmDescription: `port22: the prober for ${props.vpcId} failed or caught errors`,
      metric: new MathExpression({
        expression: 'FILL(invocationErrors, 0) + FILL(pipelineErrors, 0)',
        usingMetrics: {
          invocationErrors: props.function.metricErrors({ period, statistic: 'Sum' }),
          pipelineErrors: fleetMetric(MetricName.ProberErrors, props.vpcId, 'Sum', period),
        },
        label: 'prober errors',
        period,
      }),
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // One period spanning two intervals: a single late run does not fire it, two missed runs do.
    // SampleCount counts runs whatever value ChecksRun carries.
    this.proberNotRunning = new Alarm(this, 'ProberNotRunning', {
      alarmDescription: `port22: no prober run for ${props.vpcId} completed in two intervals — the checks are not running`,
      metric: fleetMetric(
        MetricName.ChecksRun,
        props.vpcId,
        'SampleCount',
        Duration.seconds(period.toSeconds() * 2),
      ),
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.BREACHING,
    });

    for (const alarm of [this.instanceFailing, this.proberErrors, this.proberNotRunning]) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
}
