/**
 * The CloudWatch dashboard every alert links to: fleet health over time, instances by diagnosis, probe
 * phase latency, the probers' own health, and a table of the instances that are not healthy right now.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import type { IAlarm, IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  LogQueryWidget,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { INSTANCE_LOG_FIELDS, INSTANCE_LOG_MESSAGE, MetricName } from '../lambda/contract.ts';
import { diagnosisSearch, fleetMetric, PROBE_PHASES } from './metrics.ts';

/** What the dashboard shows of one prober. */
export interface DashboardProber {
  readonly vpcId: string;
  readonly function: IFunction;
  readonly logGroup: ILogGroup;
}

export interface HealthDashboardProps {
  /** The dashboard's name (also in its URL). */
  readonly dashboardName: string;
  /** The probers, one per monitored VPC. */
  readonly probers: readonly DashboardProber[];
  /** Time between scheduled runs: the period of the fleet graphs. */
  readonly interval: Duration;
  /**
   * Alarms shown in the status widget.
   * @default [] - no status widget
   */
  readonly alarms?: readonly IAlarm[];
  /**
   * Whether failing instances' flow-log and CloudTrail evidence is read (the config's `evidence.flowLogs` /
   * `evidence.cloudTrail`): adds a table of what the flow logs saw and who changed the path.
   * @default false
   */
  readonly logEvidence?: boolean;
}

/**
 * The Logs Insights query behind "not healthy now": the latest diagnosis line of each instance, kept when its
 * `health` field (which honours `port22:expect`) is not healthy. The handler logs one line per instance with
 * these fields (Powertools Logger keys; lambda/contract.ts names them).
 */
export const UNHEALTHY_INSTANCES_QUERY = [
  `fields @timestamp, ${INSTANCE_LOG_FIELDS.join(', ')}`,
  `filter message = '${INSTANCE_LOG_MESSAGE}'`,
  'stats latest(diagnosis) as current, latest(health) as state, latest(summary) as why, latest(evidence) as proof, max(@timestamp) as seen by instanceId, name, vpcId',
  "filter state != 'healthy'",
  'sort seen desc',
  'limit 200',
];

/**
 * The Logs Insights query behind "flow logs and who changed what": per instance, the latest flow-log line
 * (which addresses the VPC rejected on the SSH port, or that the host never replied) and the latest change
 * attributed to a principal, from the evidence of the same per-instance log lines. The flow-log groups
 * themselves are found at run time, so the table reads port22's own lines rather than those groups.
 */
export const LOG_EVIDENCE_QUERY = [
  `fields @timestamp, ${INSTANCE_LOG_FIELDS.join(', ')}`,
  `filter message = '${INSTANCE_LOG_MESSAGE}' and (evidence like /flow logs: / or evidence like / by arn:/)`,
  'parse evidence /(?<flowLogs>flow logs: [^;]*)/',
  'parse evidence /(?<changedBy>[A-Za-z]+ by arn:[^;]*)/',
  'stats latest(flowLogs) as flowLog, latest(changedBy) as change, max(@timestamp) as seen by instanceId, name, vpcId',
  'sort seen desc',
  'limit 100',
];

/** The console URL of a dashboard in the stack's region, or in `region`. */
export function dashboardUrl(dashboardName: string, region: string = Aws.REGION): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName}`;
}

/** The port22 fleet dashboard. */
export class HealthDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: HealthDashboardProps) {
    super(scope, id);
    const period = props.interval;
    const probers = props.probers;
    const each = (f: (p: DashboardProber) => IMetric[]) => probers.flatMap(f);

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.days(1),
    });

    this.dashboard.addWidgets(
      new TextWidget({
        markdown: [
          '# port22 — SSH health',
          `Monitored VPCs: ${probers.map((p) => p.vpcId).join(', ')}. A check runs every ${period.toHumanString()}.`,
          'Each unhealthy instance carries its diagnosis, evidence and remediation in the alert e-mail and the table below.',
        ].join('\n\n'),
        width: 24,
        height: 3,
      }),
    );
    if (props.alarms && props.alarms.length > 0) {
      this.dashboard.addWidgets(
        new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 3 }),
      );
    }
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Fleet health',
        width: 12,
        stacked: true,
        left: each((p) => [
          fleetMetric(MetricName.InstancesHealthy, p.vpcId, 'Maximum', period).with({
            label: `healthy ${p.vpcId}`,
          }),
          fleetMetric(MetricName.InstancesUnhealthy, p.vpcId, 'Maximum', period).with({
            label: `unhealthy ${p.vpcId}`,
          }),
          fleetMetric(MetricName.Unchecked, p.vpcId, 'Maximum', period).with({
            label: `unchecked ${p.vpcId}`,
          }),
        ]),
      }),
      new GraphWidget({
        title: 'Instances by diagnosis',
        width: 12,
        stacked: true,
        left: each((p) => [diagnosisSearch(p.vpcId, period)]),
      }),
    );
    this.dashboard.addWidgets(
      ...(['p50', 'p99'] as const).map(
        (statistic) =>
          new GraphWidget({
            title: `Probe phase latency ${statistic} (ms)`,
            width: 12,
            left: each((p) =>
              PROBE_PHASES.map(({ label, metric }) =>
                fleetMetric(metric, p.vpcId, statistic, period).with({ label: `${label} ${p.vpcId}` }),
              ),
            ),
          }),
      ),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Prober runs and errors',
        width: 12,
        left: each((p) => [
          p.function.metricInvocations({ period, statistic: 'Sum', label: `invocations ${p.vpcId}` }),
          fleetMetric(MetricName.ChecksRun, p.vpcId, 'SampleCount', period).with({
            label: `runs completed ${p.vpcId}`,
          }),
          p.function.metricErrors({ period, statistic: 'Sum', label: `invocation errors ${p.vpcId}` }),
          fleetMetric(MetricName.ProberErrors, p.vpcId, 'Sum', period).with({
            label: `pipeline errors ${p.vpcId}`,
          }),
          p.function.metricThrottles({ period, statistic: 'Sum', label: `throttles ${p.vpcId}` }),
        ]),
      }),
      new GraphWidget({
        title: 'Prober duration (ms)',
        width: 12,
        left: each((p) => [
          p.function.metricDuration({ period, statistic: 'Maximum', label: `max ${p.vpcId}` }),
          p.function.metricDuration({ period, statistic: 'p50', label: `p50 ${p.vpcId}` }),
        ]),
      }),
    );
    this.dashboard.addWidgets(
      new LogQueryWidget({
        title: 'Instances not healthy now',
        logGroupNames: probers.map((p) => p.logGroup.logGroupName),
        queryLines: UNHEALTHY_INSTANCES_QUERY,
        width: 24,
        height: 8,
      }),
    );
    if (props.logEvidence)
      this.dashboard.addWidgets(
        new LogQueryWidget({
          title: 'Flow logs and who changed what (failing instances)',
          logGroupNames: probers.map((p) => p.logGroup.logGroupName),
          queryLines: LOG_EVIDENCE_QUERY,
          width: 24,
          height: 6,
        }),
      );
  }
}
