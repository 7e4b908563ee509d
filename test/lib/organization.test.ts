/**
 * port22 across an AWS Organization, synthesised offline: three member accounts in two Regions, a
 * monitoring account, explicit environments and hand-typed VPC attributes. The expected accounts, ARNs and
 * principals are written here from the environments below and from what AWS documents (SNS topic ARNs,
 * IAM account principals, OAM sink policies), not read from lib/organization.ts.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { App, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../../lib/config.ts';
import { addOrganization, type OrganizationStages, parseOrganization } from '../../lib/organization.ts';

const MONITORING = '444455556666';
const [A, B, C] = ['111111111111', '222222222222', '333333333333'];
const SINK_EU = `arn:aws:oam:eu-west-1:${MONITORING}:sink/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;

const vpc = (n: number) => ({
  vpcId: `vpc-0${n}23456789abcdef0`,
  cidrs: [`10.${n}.0.0/16`],
  subnetIds: [`subnet-0${n}23456789abcdef0`],
});

const members = [
  { account: A, region: 'eu-west-1', vpcs: [vpc(1)] },
  { account: A, region: 'us-east-1', vpcs: [vpc(2)] },
  { account: B, region: 'eu-west-1', vpcs: [vpc(3), vpc(4)] },
  { account: C, region: 'us-east-1', vpcs: [vpc(5)] },
];
const organization = {
  monitoring: { account: MONITORING, region: 'eu-west-1' },
  members,
  // us-east-1's sink is not deployed yet: its members synthesise without a link.
  sinks: { 'eu-west-1': SINK_EU },
};
const shared = { alertEmails: ['ops@example.com'], schedule: 'rate(5 minutes)' };

/** A template's value with every CloudFormation pseudo parameter written as its name: comparable text. */
function flat(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (v && typeof v === 'object' && 'Fn::Join' in v) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts
        .map((p) => (typeof p === 'string' ? p : `\${${(p as { Ref?: string }).Ref ?? '?'}}`))
        .join(sep);
    }
    return v;
  });
}

function resources(
  template: Template,
  type: string,
): Record<string, { Properties: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, unknown> }>;
}

function only(template: Template, type: string): Record<string, unknown> {
  const found = Object.values(resources(template, type));
  assert.equal(found.length, 1, `${type}: ${found.length}`);
  return found[0]!.Properties;
}

describe('port22 across three accounts and two Regions', () => {
  let app: App;
  let stages: OrganizationStages;
  const member = (account: string, region: string) => {
    const found = stages.members.find((m) => m.stack.account === account && m.stack.region === region);
    assert.ok(found, `no member stack in ${account} ${region}`);
    return found;
  };
  const monitoring = (region: string) => {
    const found = stages.monitoringStacks.find((s) => s.region === region);
    assert.ok(found, `no monitoring stack in ${region}`);
    return found;
  };

  before(() => {
    app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    stages = addOrganization(app, parseOrganization(organization, shared));
  });

  it('builds one port22 stack per member environment, each with one prober per VPC', () => {
    const envs = stages.members.map((m) => `${m.stack.account}/${m.stack.region}`).sort();
    assert.deepEqual(envs, [`${A}/eu-west-1`, `${A}/us-east-1`, `${B}/eu-west-1`, `${C}/us-east-1`]);
    assert.equal(
      Object.keys(resources(Template.fromStack(member(B, 'eu-west-1').stack), 'AWS::Lambda::Function'))
        .length,
      2,
    );
    assert.equal(
      Object.keys(resources(Template.fromStack(member(C, 'us-east-1').stack), 'AWS::Lambda::Function'))
        .length,
      1,
    );
  });

  it('builds the monitoring stacks in the monitoring account, one per member Region', () => {
    const where = stages.monitoringStacks.map((s) => `${s.account}/${s.region}`).sort();
    assert.deepEqual(where, [`${MONITORING}/eu-west-1`, `${MONITORING}/us-east-1`]);
  });

  it("members publish to their Region's central topic and create none of their own", () => {
    for (const m of members) {
      const template = Template.fromStack(member(m.account, m.region).stack);
      template.resourceCountIs('AWS::SNS::Topic', 0);
      template.resourceCountIs('AWS::KMS::Key', 0);
      // SNS ARN format: arn:aws:sns:<region>:<account>:<topic name>.
      const topicArn = `arn:\${AWS::Partition}:sns:${m.region}:${MONITORING}:port22-alerts`;
      for (const fn of Object.values(resources(template, 'AWS::Lambda::Function'))) {
        const env = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
        assert.equal(JSON.parse(flat(env.PORT22_TOPIC_ARN)), topicArn);
        // Alerts are read in the monitoring account: they link to its dashboard in its home Region.
        assert.equal(
          env.PORT22_DASHBOARD_URL,
          'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/port22-organization-ssh-health',
        );
      }
      const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm'));
      assert.equal(alarms.length, 3 * m.vpcs.length);
      for (const alarm of alarms)
        assert.deepEqual(JSON.parse(flat(alarm.Properties.AlarmActions)), [topicArn]);
    }
  });

  it("a member prober's role has the name the central policies match, and may use the key by its alias only", () => {
    const template = Template.fromStack(member(A, 'us-east-1').stack);
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'port22-prober-us-east-1-vpc-0223456789abcdef0',
    });
    const statements = Object.values(resources(template, 'AWS::IAM::Policy')).flatMap(
      (p) =>
        JSON.parse(flat((p.Properties.PolicyDocument as { Statement: unknown[] }).Statement)) as unknown[],
    );
    assert.deepEqual(
      statements.find((s) => (s as { Sid?: string }).Sid === 'EncryptAlerts'),
      {
        Sid: 'EncryptAlerts',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/port22-alerts' } },
        Effect: 'Allow',
        // KMS key ARN: arn:<partition>:kms:<region>:<account>:key/<key id>.
        Resource: `arn:\${AWS::Partition}:kms:us-east-1:${MONITORING}:key/*`,
      },
    );
  });

  it("the central topic's and key's policies let exactly the Region's member accounts publish", () => {
    for (const [region, accounts] of [
      ['eu-west-1', [A, B]],
      ['us-east-1', [A, C]],
    ] as const) {
      const template = Template.fromStack(monitoring(region));
      assert.equal(only(template, 'AWS::SNS::Topic').TopicName, 'port22-alerts');
      assert.equal(only(template, 'AWS::KMS::Alias').AliasName, 'alias/port22-alerts');
      const topicPolicy = only(template, 'AWS::SNS::TopicPolicy').PolicyDocument as { Statement: unknown[] };
      const statements = JSON.parse(flat(topicPolicy.Statement)) as Array<{
        Sid?: string;
        Principal: { AWS?: string; Service?: string };
        Condition?: Record<string, Record<string, unknown>>;
      }>;
      const alarms = statements.find((s) => s.Sid === 'MemberAlarmsPublish');
      assert.deepEqual(alarms?.Principal, { Service: 'cloudwatch.amazonaws.com' });
      assert.deepEqual(alarms?.Condition, { StringEquals: { 'aws:SourceAccount': [...accounts] } });
      // IAM: an account principal is arn:<partition>:iam::<account>:root; the condition narrows it to probers.
      const probers = statements.filter((s) => s.Principal.AWS);
      assert.deepEqual(
        probers.map((s) => [s.Principal.AWS, s.Condition]),
        accounts.map((a) => [
          `arn:\${AWS::Partition}:iam::${a}:root`,
          {
            ArnLike: {
              'aws:PrincipalArn': `arn:\${AWS::Partition}:iam::${a}:role/port22-prober-${region}-*`,
            },
          },
        ]),
      );
      const keyPolicy = flat(only(template, 'AWS::KMS::Key').KeyPolicy);
      for (const a of accounts) {
        assert.ok(keyPolicy.includes(`"AWS":"arn:\${AWS::Partition}:iam::${a}:root"`), keyPolicy);
        assert.ok(
          keyPolicy.includes(
            `"aws:PrincipalArn":"arn:\${AWS::Partition}:iam::${a}:role/port22-prober-${region}-*"`,
          ),
        );
      }
      assert.ok(
        !keyPolicy.includes(region === 'eu-west-1' ? C : B),
        'another Region’s member is in the key policy',
      );
    }
  });

  it('each Region has a sink the member accounts there may link to with metrics only', () => {
    for (const [region, accounts] of [
      ['eu-west-1', [A, B]],
      ['us-east-1', [A, C]],
    ] as const) {
      const template = Template.fromStack(monitoring(region));
      const sink = only(template, 'AWS::Oam::Sink');
      assert.deepEqual(sink.Policy, {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: [...accounts] },
            Action: ['oam:CreateLink', 'oam:UpdateLink'],
            Resource: '*',
            Condition: { 'ForAllValues:StringEquals': { 'oam:ResourceTypes': ['AWS::CloudWatch::Metric'] } },
          },
        ],
      });
      assert.ok(Object.keys(template.findOutputs('SinkArn')).length === 1);
    }
  });

  it("members link to their Region's sink once its ARN is configured, and say so when it is not", () => {
    for (const account of [A, B]) {
      const template = Template.fromStack(member(account, 'eu-west-1').stack);
      assert.deepEqual(only(template, 'AWS::Oam::Link'), {
        SinkIdentifier: SINK_EU,
        LabelTemplate: '$AccountName',
        ResourceTypes: ['AWS::CloudWatch::Metric'],
        LinkConfiguration: { MetricConfiguration: { Filter: "Namespace = 'Port22'" } },
      });
    }
    for (const account of [A, C]) {
      const stack = member(account, 'us-east-1').stack;
      Template.fromStack(stack).resourceCountIs('AWS::Oam::Link', 0);
      const warnings = Annotations.fromStack(stack).findWarning(
        '*',
        Match.stringLikeRegexp('deploy "Monitoring/Port22-us-east-1"'),
      );
      assert.equal(warnings.length, 1);
    }
  });

  it('one dashboard, in the home Region, with every member account and Region and each of its VPCs', () => {
    assert.equal(monitoring('us-east-1').dashboard, undefined);
    const template = Template.fromStack(monitoring('eu-west-1'));
    const body = JSON.parse(
      flat(only(template, 'AWS::CloudWatch::Dashboard').DashboardBody).slice(1, -1).replace(/\\"/g, '"'),
    ) as { widgets: Array<{ type: string; properties: { metrics?: unknown[][] } }> };
    const seen = new Set<string>();
    for (const widget of body.widgets.filter((w) => w.type === 'metric'))
      for (const metric of widget.properties.metrics ?? []) {
        const options = metric.at(-1) as { accountId?: string; region?: string };
        seen.add(`${options.accountId} ${options.region} ${metric[3]}`);
      }
    const expected = members.flatMap((m) => m.vpcs.map((v) => `${m.account} ${m.region} ${v.vpcId}`));
    assert.deepEqual([...seen].sort(), expected.sort());
  });

  it('cdk-nag (AWS Solutions) is clean on every stack', () => {
    for (const stack of [...stages.monitoringStacks, ...stages.members.map((m) => m.stack)]) {
      const violations = new AwsSolutionsChecks().validateScope(stack).violations;
      assert.deepEqual(
        violations.map((v) => v.ruleName),
        [],
        `${stack.stackName}: ${JSON.stringify(violations.map((v) => v.violatingResources.map((r) => r.constructPath)))}`,
      );
    }
  });

  it('cdk-nag is live inside a Stage: the same check flags a topic accepting publishes without TLS', () => {
    const control = new Stack(new Stage(new App(), 'Member-000000000000-eu-west-1'), 'Control');
    new Topic(control, 'Topic');
    const rules = new AwsSolutionsChecks().validateScope(control).violations.map((v) => v.ruleName);
    assert.ok(rules.includes('AwsSolutions-SNS3'), rules.join(', '));
  });

  it("the monitoring account's own VPCs get a member stack with neither link nor cross-account grant", () => {
    const own = parseOrganization(
      {
        monitoring: { account: MONITORING, region: 'eu-west-1' },
        members: [{ account: MONITORING, region: 'eu-west-1', vpcs: [vpc(6)] }],
      },
      shared,
    );
    const built = addOrganization(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), own);
    Template.fromStack(built.members[0]!.stack).resourceCountIs('AWS::Oam::Link', 0);
    const monitoringTemplate = Template.fromStack(built.monitoringStacks[0]!);
    monitoringTemplate.resourceCountIs('AWS::Oam::Sink', 0);
    monitoringTemplate.resourceCountIs('AWS::SNS::TopicPolicy', 1); // enforceSSL's deny, nothing else
    const statements = JSON.stringify(only(monitoringTemplate, 'AWS::SNS::TopicPolicy'));
    assert.ok(!statements.includes(':root'), statements);
  });
});

describe('the organization section: one line per problem', () => {
  const problems = (raw: unknown, base: unknown = shared): readonly string[] => {
    try {
      parseOrganization(raw, base);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  it('accepts the three-account, two-Region section', () => {
    assert.deepEqual(problems(organization), []);
  });

  it('names each malformed account, Region and missing key', () => {
    assert.deepEqual(
      problems({
        monitoring: { account: '44445555666', region: 'eu-west-1' },
        members: [
          { account: A, region: 'eu-west', vpcs: [vpc(1)] },
          { account: B, region: 'us-east-1' },
        ],
      }),
      [
        'port22:organization.monitoring.account: not an AWS account id (12 digits)',
        'port22:organization.members[0].region: not an AWS Region (like eu-west-1)',
        'port22:organization.members[1].vpcs: required',
      ],
    );
  });

  it('rejects a second entry for the same account and Region, and an empty member list', () => {
    assert.deepEqual(
      problems({ ...organization, members: [members[0], members[1], { ...members[0], vpcs: [vpc(7)] }] }),
      [
        'port22:organization.members[2]: duplicate of members[0] (one stack per account and Region: list its VPCs together)',
      ],
    );
    assert.deepEqual(problems({ ...organization, members: [], sinks: {} }), [
      'port22:organization.members: at least one member environment is required',
    ]);
  });

  it("names a member's VPC problem under that member, and a shared setting's problem once", () => {
    const bad = { ...vpc(2), cidrs: ['10.2.0.1/16'] };
    assert.deepEqual(
      problems(
        { ...organization, members: [members[0], { ...members[1], vpcs: [bad] }, members[2]] },
        { ...shared, schedule: 'rate(5 minute)' },
      ),
      [
        'port22.schedule: write rate(5 minutes)',
        'port22:organization.members[1].vpcs[0].cidrs[0]: host bits set (the block is 10.2.0.0/16)',
      ],
    );
  });

  it('checks each sink ARN against its Region and the monitoring account', () => {
    assert.deepEqual(
      problems({
        ...organization,
        sinks: {
          'eu-west-1': `arn:aws:oam:eu-west-1:${A}:sink/0f1e2d3c`,
          'us-east-1': `arn:aws:oam:eu-west-1:${MONITORING}:sink/0f1e2d3c`,
          'ap-south-1': `arn:aws:oam:ap-south-1:${MONITORING}:sink/0f1e2d3c`,
          'eu-north-1': 'sink/0f1e2d3c',
        },
      }),
      [
        'port22:organization.sinks.eu-north-1: not an OAM sink ARN',
        `port22:organization.sinks.eu-west-1: the sink is in account ${A}, not the monitoring account ${MONITORING}`,
        'port22:organization.sinks.us-east-1: the sink is in eu-west-1, not us-east-1 (a sink serves its own Region)',
        'port22:organization.sinks.ap-south-1: no member is in this Region',
      ],
    );
  });

  it('reads the section as JSON when -c passes it as a string, and says so when it is not JSON', () => {
    assert.deepEqual(problems(JSON.stringify(organization)), []);
    assert.deepEqual(problems('{monitoring'), [
      'port22:organization: not JSON (a string given with -c must be a JSON object)',
    ]);
  });
});
