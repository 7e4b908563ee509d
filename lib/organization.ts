/**
 * port22 across an AWS Organization (docs/stack.md, "Across an AWS Organization"): one CDK Stage per member
 * environment (account × Region where the VPCs are), each holding an ordinary port22 stack, and a
 * monitoring Stage in a central account holding, per member Region, the alert topic every member publishes
 * to and the CloudWatch cross-account observability sink the members link to, and in its home Region one
 * dashboard of every member's fleet. Stages rather than a StackSet: a member stack bundles its prober as a
 * CDK asset, which the CDK publishes through each target account's bootstrap, and a StackSet template can
 * take no assets nor context lookups without machinery of our own.
 */
import { Annotations, type App, Aws, CfnOutput, Duration, Stack, type StackProps, Stage } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, type Metric, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import { CfnLink, CfnSink } from 'aws-cdk-lib/aws-oam';
import type { Construct } from 'constructs';
import { z } from 'zod';
import { issueLines, METRIC_NAMESPACE, MetricName, orRequired } from '../lambda/contract.ts';
import { AlertTopic } from './alert-topic.ts';
import {
  CONFIG_CONTEXT_KEY,
  ConfigError,
  intervalSeconds,
  type Port22Config,
  parseConfig,
} from './config.ts';
import { dashboardUrl } from './dashboard.ts';
import { fleetMetric } from './metrics.ts';
import { Port22Stack } from './port22-stack.ts';

/** The context key of the organization section (cdk.json, or `-c port22:organization='{…}'`). */
export const ORGANIZATION_CONTEXT_KEY = 'port22:organization';

/** The central topic's name in every monitoring Region: fixed, so members name its ARN without a lookup. */
export const CENTRAL_TOPIC_NAME = 'port22-alerts';
/** The alias of the central topic's key, by which the members' probers are granted its use. */
export const CENTRAL_KEY_ALIAS = 'alias/port22-alerts';
/** The organization's dashboard, in the monitoring account's home Region; every member's alert links to it. */
export const ORGANIZATION_DASHBOARD_NAME = 'port22-organization-ssh-health';
/** What a member shares with the monitoring account: port22's metrics and nothing else. */
export const SHARED_RESOURCE_TYPES = ['AWS::CloudWatch::Metric'];

/** The name of a member prober's role; the central topic's and key's policies match its prefix. */
export function proberRoleName(region: string, vpcId: string): string {
  return `port22-prober-${region}-${vpcId}`;
}

const account = z
  .string({ error: orRequired('not an AWS account id (12 digits)') })
  .regex(/^\d{12}$/, { error: 'not an AWS account id (12 digits)' });
const region = z
  .string({ error: orRequired('not an AWS Region (like eu-west-1)') })
  .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'not an AWS Region (like eu-west-1)' });
const SINK_ARN = /^arn:aws[a-z-]*:oam:([a-z0-9-]+):(\d{12}):sink\/[0-9a-f-]+$/;

const memberSchema = z.strictObject({
  account,
  region,
  // Each entry is checked by the stack's own VPC schema below, so the rules have one home.
  vpcs: z
    .array(z.unknown(), { error: orRequired('a list of VPCs to monitor') })
    .min(1, { error: 'at least one VPC to monitor is required' }),
});

const organizationSchema = z
  .strictObject({
    monitoring: z.strictObject({ account, region }, { error: orRequired('an object') }),
    members: z
      .array(memberSchema, { error: orRequired('a list of member environments') })
      .min(1, { error: 'at least one member environment is required' }),
    /**
     * The monitoring account's sink ARN per Region, from the monitoring stacks' `SinkArn` output: the ARN
     * ends in an id the sink gets when it is created, so members link only once it is known.
     */
    sinks: z.record(region, z.string().regex(SINK_ARN, { error: 'not an OAM sink ARN' })).default({}),
  })
  .superRefine((org, ctx) => {
    const first = new Map<string, number>();
    org.members.forEach((m, i) => {
      const key = `${m.account}/${m.region}`;
      const seen = first.get(key);
      if (seen === undefined) first.set(key, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['members', i],
          message: `duplicate of members[${seen}] (one stack per account and Region: list its VPCs together)`,
        });
    });
    const regions = new Set(org.members.map((m) => m.region));
    for (const [sinkRegion, arn] of Object.entries(org.sinks)) {
      const m = SINK_ARN.exec(arn);
      if (!m) continue;
      const problem = !regions.has(sinkRegion)
        ? 'no member is in this Region'
        : m[1] !== sinkRegion
          ? `the sink is in ${m[1]}, not ${sinkRegion} (a sink serves its own Region)`
          : m[2] !== org.monitoring.account
            ? `the sink is in account ${m[2]}, not the monitoring account ${org.monitoring.account}`
            : undefined;
      if (problem) ctx.addIssue({ code: 'custom', path: ['sinks', sinkRegion], message: problem });
    }
  });

/** One member environment with its validated configuration. */
export interface MemberEnvironment {
  readonly account: string;
  readonly region: string;
  readonly config: Port22Config;
}

/** The validated organization. */
export interface Organization {
  readonly monitoring: { readonly account: string; readonly region: string };
  readonly members: readonly MemberEnvironment[];
  readonly sinks: Readonly<Record<string, string>>;
  /** The settings every member shares (the `port22` key without its VPCs): schedule, alert e-mails, … */
  readonly shared: Omit<Port22Config, 'vpcs'>;
}

/**
 * Validates the organization section against the shared `port22` settings. Every problem is one line naming
 * its key; a member's VPC problem names that member (`port22:organization.members[1].vpcs[0].cidrs: …`), a
 * shared setting's problem is reported once.
 */
export function parseOrganization(raw: unknown, base: unknown): Organization {
  const section = fromContext(raw, ORGANIZATION_CONTEXT_KEY);
  const shared = fromContext(base ?? {}, CONFIG_CONTEXT_KEY) as Record<string, unknown>;
  const parsed = organizationSchema.safeParse(section);
  if (!parsed.success) throw new ConfigError(issueLines(parsed.error.issues, ORGANIZATION_CONTEXT_KEY));

  // Each member is validated as the stack it becomes (`port22` with the member's VPCs), so the VPC rules keep
  // their one home in lib/config.ts; its lines name `port22.vpcs` and are re-rooted at the member, and a
  // shared setting's line, the same for every member, is kept once.
  const vpcsKey = `${CONFIG_CONTEXT_KEY}.vpcs`;
  const lines = new Set<string>();
  const members = parsed.data.members.map((m, i) => {
    try {
      return { account: m.account, region: m.region, config: parseConfig({ ...shared, vpcs: m.vpcs }) };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const line of error.problems)
        lines.add(
          line.startsWith(vpcsKey)
            ? `${ORGANIZATION_CONTEXT_KEY}.members[${i}].vpcs${line.slice(vpcsKey.length)}`
            : line,
        );
      return undefined;
    }
  });
  if (lines.size > 0) throw new ConfigError([...lines]);
  const valid = members as MemberEnvironment[];
  return {
    monitoring: parsed.data.monitoring,
    members: valid,
    sinks: parsed.data.sinks,
    shared: valid[0]!.config,
  };
}

/** A context value: `cdk synth -c key='{…}'` passes it as a string of JSON. */
function fromContext(value: unknown, key: string): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new ConfigError([`${key}: not JSON (a string given with -c must be a JSON object)`]);
  }
}

/** The central alert topic's ARN in a Region of the monitoring account. */
export function centralTopicArn(monitoringAccount: string, region: string): string {
  return `arn:${Aws.PARTITION}:sns:${region}:${monitoringAccount}:${CENTRAL_TOPIC_NAME}`;
}

export interface MonitoringStackProps extends StackProps {
  readonly organization: Organization;
  /** The Region this stack serves: its members publish to its topic and link to its sink. */
  readonly region: string;
  /** Whether the organization's dashboard lives here (the monitoring account's home Region). */
  readonly dashboard: boolean;
}

/** The monitoring account in one Region: the alert topic, the sink and, in the home Region, the dashboard. */
export class Port22MonitoringStack extends Stack {
  public readonly alertTopic?: AlertTopic;
  public readonly sink?: CfnSink;
  public readonly dashboard?: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, {
      description: `port22: central alerts and cross-account metrics for ${props.region}`,
      ...props,
      env: { account: props.organization.monitoring.account, region: props.region },
    });
    const org = props.organization;
    const here = org.members.filter((m) => m.region === props.region);
    // The monitoring account's own VPCs publish as any same-account alarm does; only others need policies.
    const others = [...new Set(here.map((m) => m.account))].filter((a) => a !== org.monitoring.account);
    if (here.length > 0) {
      this.alertTopic = new AlertTopic(this, 'Alerts', {
        emails: org.shared.alertEmails,
        topicName: CENTRAL_TOPIC_NAME,
        keyAlias: CENTRAL_KEY_ALIAS,
        publishers: others.map((a) => ({
          account: a,
          roleArnPattern: `arn:${Aws.PARTITION}:iam::${a}:role/${proberRoleName(props.region, '*')}`,
        })),
      });
    }
    if (others.length > 0) {
      // The sink policy lets the members link and share metrics only (OAM API reference, PutSinkPolicy).
      this.sink = new CfnSink(this, 'Sink', {
        name: 'port22',
        policy: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: others },
              Action: ['oam:CreateLink', 'oam:UpdateLink'],
              Resource: '*',
              Condition: { 'ForAllValues:StringEquals': { 'oam:ResourceTypes': SHARED_RESOURCE_TYPES } },
            },
          ],
        },
      });
      new CfnOutput(this, 'SinkArn', {
        value: this.sink.attrArn,
        description: `Set it as ${ORGANIZATION_CONTEXT_KEY}.sinks["${props.region}"], then deploy the members`,
      });
    }
    if (props.dashboard) this.dashboard = organizationDashboard(this, org);
  }
}

/**
 * One dashboard of every member's fleet: each metric names its account and Region, which the monitoring
 * account reads through the members' links (CloudWatch user guide, "CloudWatch cross-account
 * observability"; a widget metric's `accountId` and `region`).
 */
function organizationDashboard(scope: Construct, org: Organization): Dashboard {
  const period = Duration.seconds(intervalSeconds(org.shared));
  const dashboard = new Dashboard(scope, 'Dashboard', {
    dashboardName: ORGANIZATION_DASHBOARD_NAME,
    defaultInterval: Duration.days(1),
  });
  dashboard.addWidgets(
    new TextWidget({
      markdown: [
        '# port22 — SSH health across the organization',
        `Member environments: ${org.members.map((m) => `${m.account} ${m.region}`).join(', ')}.`,
        `Alerts go to the ${CENTRAL_TOPIC_NAME} topic in each Region of this account.`,
      ].join('\n\n'),
      width: 24,
      height: 3,
    }),
  );
  for (const m of org.members) {
    const where = (metric: Metric, label: string) =>
      metric.with({ account: m.account, region: m.region, label });
    const vpcs = m.config.vpcs.map((v) => v.vpcId);
    dashboard.addWidgets(
      new GraphWidget({
        title: `Fleet health — ${m.account} ${m.region}`,
        width: 12,
        stacked: true,
        left: vpcs.flatMap((vpc) => [
          where(fleetMetric(MetricName.InstancesHealthy, vpc, 'Maximum', period), `healthy ${vpc}`),
          where(fleetMetric(MetricName.InstancesUnhealthy, vpc, 'Maximum', period), `unhealthy ${vpc}`),
          where(fleetMetric(MetricName.Unchecked, vpc, 'Maximum', period), `unchecked ${vpc}`),
        ]),
      }),
      new GraphWidget({
        title: `Prober runs and errors — ${m.account} ${m.region}`,
        width: 12,
        left: vpcs.flatMap((vpc) => [
          where(fleetMetric(MetricName.ChecksRun, vpc, 'SampleCount', period), `runs completed ${vpc}`),
          where(fleetMetric(MetricName.ProberErrors, vpc, 'Sum', period), `pipeline errors ${vpc}`),
        ]),
      }),
    );
  }
  return dashboard;
}

/** The organization's Stages: what `cdk deploy --all` deploys. */
export interface OrganizationStages {
  readonly monitoring: Stage;
  readonly monitoringStacks: readonly Port22MonitoringStack[];
  readonly members: readonly {
    readonly stage: Stage;
    readonly stack: Port22Stack;
    readonly link?: CfnLink;
  }[];
}

/** The Stage id of a member environment (also its stacks' path: `Member-<account>-<region>/Port22`). */
export function memberStageId(m: Pick<MemberEnvironment, 'account' | 'region'>): string {
  return `Member-${m.account}-${m.region}`;
}

/** Adds the monitoring Stage and one Stage per member environment to the app. */
export function addOrganization(
  app: App,
  org: Organization,
  options: { readonly proberEntry?: string } = {},
): OrganizationStages {
  const monitoring = new Stage(app, 'Monitoring', { env: org.monitoring });
  const regions = [...new Set([org.monitoring.region, ...org.members.map((m) => m.region)])];
  const monitoringStacks = regions.map(
    (r) =>
      new Port22MonitoringStack(monitoring, `Port22-${r}`, {
        organization: org,
        region: r,
        dashboard: r === org.monitoring.region,
      }),
  );
  const members = org.members.map((m) => {
    const stage = new Stage(app, memberStageId(m), { env: { account: m.account, region: m.region } });
    const stack = new Port22Stack(stage, 'Port22', {
      config: m.config,
      proberEntry: options.proberEntry,
      centralAlerts: {
        topicArn: centralTopicArn(org.monitoring.account, m.region),
        key: { account: org.monitoring.account, region: m.region, alias: CENTRAL_KEY_ALIAS },
        proberRoleName: (vpcId) => proberRoleName(m.region, vpcId),
        dashboardUrl: dashboardUrl(ORGANIZATION_DASHBOARD_NAME, org.monitoring.region),
      },
    });
    // An account's own metrics need no link (and a sink's account cannot link to itself).
    if (m.account === org.monitoring.account) return { stage, stack };
    const sink = org.sinks[m.region];
    if (!sink) {
      Annotations.of(stack).addWarningV2(
        'port22:no-sink',
        `No link to the monitoring account yet: deploy "Monitoring/Port22-${m.region}", then set ` +
          `${ORGANIZATION_CONTEXT_KEY}.sinks["${m.region}"] to its SinkArn output and deploy this stack again.`,
      );
      return { stage, stack };
    }
    const link = new CfnLink(stack, 'MonitoringLink', {
      sinkIdentifier: sink,
      labelTemplate: '$AccountName',
      resourceTypes: SHARED_RESOURCE_TYPES,
      linkConfiguration: { metricConfiguration: { filter: `Namespace = '${METRIC_NAMESPACE}'` } },
    });
    return { stage, stack, link };
  });
  return { monitoring, monitoringStacks, members };
}
