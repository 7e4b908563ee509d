/**
 * The port22 stack (DESIGN.md, "Deployment shape"): one prober per monitored VPC started by EventBridge
 * Scheduler — one schedule per shard, so a large VPC fans out across concurrent invocations — the state
 * table, the alert topic, alarms per prober and one dashboard for the fleet.
 */

import type { StackProps } from 'aws-cdk-lib';
import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  type HandlerConfigInput,
  SCHEDULED_CHECK_KIND,
  type ScheduledCheckEvent,
} from '../lambda/contract.ts';
import { proberServices } from '../lambda/prober-services.ts';
import { ProberAlarms } from './alarms.ts';
import { AlertTopic } from './alert-topic.ts';
import type { Port22Config, Port22ConfigInput, VpcConfig } from './config.ts';
import { configFromContext, intervalSeconds, parseConfig } from './config.ts';
import { dashboardUrl, HealthDashboard } from './dashboard.ts';
import { ProberEndpoints } from './prober-endpoints.ts';
import { type AliasedKey, ProberFunction } from './prober-function.ts';
import { StateTable } from './state-table.ts';
import { resolveNetworks } from './vpc-network.ts';

export interface Port22StackProps extends StackProps {
  /**
   * The configuration; validated before anything is built.
   * @default - the app's context: the `port22` object, `port22:vpcIds` and `port22:alertEmails` (cdk.json, -c)
   */
  readonly config?: Port22ConfigInput;
  /**
   * The handler module the probers run.
   * @default lambda/handlers/check.ts
   */
  readonly proberEntry?: string;
  /**
   * A central alert topic in another account (lib/organization.ts): the probers and alarms publish there
   * and the stack creates no topic of its own.
   * @default - a topic in this stack
   */
  readonly centralAlerts?: CentralAlerts;
}

/** An alert topic in the monitoring account, as a member stack knows it. */
export interface CentralAlerts {
  readonly topicArn: string;
  readonly key: AliasedKey;
  /** The name each prober's role gets, which the topic's and key's policies match. */
  readonly proberRoleName: (vpcId: string) => string;
  /** The central dashboard every alert links to (the recipients read alerts in the monitoring account). */
  readonly dashboardUrl: string;
}

/**
 * What the handler of one VPC's prober receives in `PORT22_CONFIG`. Typed by the handler's own schema
 * (lambda/contract.ts): a key the handler does not read does not compile here.
 */
export function handlerConfig(config: Port22Config, vpc: VpcConfig): HandlerConfigInput {
  return {
    vpcId: vpc.vpcId,
    port: config.port,
    sources: config.sources,
    targets: config.targets,
    thresholds: config.thresholds,
    perInstanceMetrics: config.perInstanceMetrics,
    evidence: config.evidence,
  };
}

/** The event one shard's schedule sends the prober (lambda/handlers/check.ts reads it). */
export function scheduledCheckEvent(vpcId: string, shard: number, shards: number): ScheduledCheckEvent {
  return {
    kind: SCHEDULED_CHECK_KIND,
    vpcId,
    scheduledTime: ContextAttribute.scheduledTime,
    shard,
    shards,
  };
}

/** One monitored VPC: its prober, its schedules (one per shard) and its alarms. */
export interface MonitoredVpc {
  readonly vpcId: string;
  readonly prober: ProberFunction;
  /** Shard 0's schedule. */
  readonly schedule: Schedule;
  /** One schedule per shard, in shard order. */
  readonly schedules: readonly Schedule[];
  readonly alarms: ProberAlarms;
}

export class Port22Stack extends Stack {
  /** The validated configuration. */
  public readonly config: Port22Config;
  public readonly stateTable: StateTable;
  /** The stack's own alert topic; none when `centralAlerts` is given. */
  public readonly alertTopic?: AlertTopic;
  public readonly monitoredVpcs: readonly MonitoredVpc[];
  public readonly dashboard: HealthDashboard;

  constructor(scope: Construct, id: string, props: Port22StackProps = {}) {
    super(scope, id, {
      description: 'port22: scheduled SSH health checks of EC2 instances, with diagnosis and alerts',
      ...props,
    });
    // Validate first: a bad configuration fails here, before any construct exists.
    this.config = props.config
      ? parseConfig(props.config)
      : configFromContext((key) => this.node.tryGetContext(key));
    const networks = resolveNetworks(this, this.config.vpcs);
    const interval = Duration.seconds(intervalSeconds(this.config));
    const dashboardName = `${this.stackName}-ssh-health`;

    this.stateTable = new StateTable(this, 'State');
    const central = props.centralAlerts;
    const alerts = central
      ? { topic: Topic.fromTopicArn(this, 'CentralAlerts', central.topicArn), key: central.key }
      : new AlertTopic(this, 'Alerts', { emails: this.config.alertEmails });
    if (alerts instanceof AlertTopic) this.alertTopic = alerts;
    const { topic, key: topicKey } = alerts;

    this.monitoredVpcs = this.config.vpcs.map((vpc, i) => {
      const network = networks[i]!;
      // The VPC id names the group, so adding or removing a VPC leaves the others' resources untouched.
      const group = new Construct(this, vpc.vpcId);
      const prober = new ProberFunction(group, 'Prober', {
        vpcId: vpc.vpcId,
        vpcCidrs: network.cidrs,
        subnetIds: network.subnetIds,
        availabilityZones: network.availabilityZones,
        routeTableIds: network.routeTableIds,
        ports: [this.config.port, ...this.config.taggedPorts],
        table: this.stateTable.table,
        topic,
        topicKey,
        roleName: central?.proberRoleName(vpc.vpcId),
        handlerConfig: handlerConfig(this.config, vpc),
        dashboardUrl: central?.dashboardUrl ?? dashboardUrl(dashboardName),
        interval,
        // Every shard runs in its own invocation of this function: size it for one shard's share.
        expectedInstances: Math.ceil(vpc.expectedInstances / vpc.shards),
        memoryMb: this.config.prober.memoryMb,
        timeout: this.config.prober.timeoutSeconds
          ? Duration.seconds(this.config.prober.timeoutSeconds)
          : undefined,
        logRetention: this.config.prober.logRetentionDays as RetentionDays,
        entry: props.proberEntry,
      });
      if (this.config.createEndpoints)
        new ProberEndpoints(group, 'Endpoints', {
          vpc: prober.vpc,
          subnets: prober.subnets,
          proberSecurityGroup: prober.securityGroup,
          // Every API a run calls (the stack's state and alerts are always on), but Network Firewall: discovery
          // calls it only in VPCs routed through firewall endpoints, which `port22 doctor` names when it is.
          services: proberServices({ state: true, alerts: true, evidence: this.config.evidence }).filter(
            (s) => s !== 'network-firewall',
          ),
        });
      const schedulerRole = new Role(group, 'SchedulerRole', {
        description: `EventBridge Scheduler starts the port22 prober of ${vpc.vpcId}`,
        // Only schedules of this account may assume it (Scheduler user guide, "Set up the execution role").
        assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }),
      });
      // Shard 0 keeps the id of the single schedule, so sharding a VPC later does not replace it.
      const schedules = Array.from(
        { length: vpc.shards },
        (_, shard) =>
          new Schedule(group, shard === 0 ? 'Schedule' : `Schedule${shard}`, {
            description:
              vpc.shards === 1
                ? `port22 SSH health check of ${vpc.vpcId}`
                : `port22 SSH health check of ${vpc.vpcId}, shard ${shard} of ${vpc.shards}`,
            schedule: ScheduleExpression.expression(this.config.schedule),
            target: new LambdaInvoke(prober.function, {
              input: ScheduleTargetInput.fromObject(scheduledCheckEvent(vpc.vpcId, shard, vpc.shards)),
              // A missed run is superseded by the next one; retrying it later would only overlap.
              retryAttempts: 0,
              maxEventAge: Duration.seconds(Math.max(60, interval.toSeconds())),
              deadLetterQueue: prober.deadLetterQueue,
              role: schedulerRole,
            }),
          }),
      );
      Validations.of(schedulerRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(prober.function.node.defaultChild as CfnFunction)}.Arn>:*]`,
        reason:
          'LambdaInvoke grants lambda:InvokeFunction on the prober and its versions and aliases (ARN:*); the ' +
          'wildcard stays inside this one function.',
      });
      const alarms = new ProberAlarms(group, 'Alarms', {
        vpcId: vpc.vpcId,
        function: prober.function,
        interval,
        topic,
        failuresBeforeAlert: this.config.thresholds.failuresBeforeAlert,
      });
      return { vpcId: vpc.vpcId, prober, schedule: schedules[0]!, schedules, alarms };
    });

    this.dashboard = new HealthDashboard(this, 'Dashboard', {
      dashboardName,
      interval,
      logEvidence: this.config.evidence.flowLogs || this.config.evidence.cloudTrail,
      probers: this.monitoredVpcs.map((m) => ({
        vpcId: m.vpcId,
        function: m.prober.function,
        logGroup: m.prober.logGroup,
      })),
      alarms: this.monitoredVpcs.flatMap((m) => [
        m.alarms.instanceFailing,
        m.alarms.proberErrors,
        m.alarms.proberNotRunning,
      ]),
    });
  }
}
