import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { METRIC_NAMESPACE, MetricName } from '../../lambda/contract.ts';
import { renderRunMetrics } from '../../lambda/core/metrics/emf.ts';
import { type Port22ConfigInput, parseConfig } from '../../lib/config.ts';
import { UNHEALTHY_INSTANCES_QUERY } from '../../lib/dashboard.ts';
import {
  EC2_PREFIX_LIST_READ_ACTIONS,
  EC2_READ_ACTIONS,
  EC2_TGW_ROUTE_TABLE_READ_ACTIONS,
  sizeProber,
  TABLE_ITEM_ACTIONS,
  VPC_ATTACHMENT_ACTIONS,
} from '../../lib/prober-function.ts';
import { exampleConfig, synthStack } from './stack-fixtures.ts';

const VPC = 'vpc-0123456789abcdef0';
const getAtt = (id: string, attr = 'Arn') => ({ 'Fn::GetAtt': [id, attr] });
/** `arn:<partition>:<service>:<region>:<account>:<rest>` as CloudFormation renders it (`account` a literal or `*`). */
const arnJoin = (service: string, account: 'own' | '*', rest: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      `:${service}:`,
      { Ref: 'AWS::Region' },
      ...(account === 'own' ? [':', { Ref: 'AWS::AccountId' }, `:${rest}`] : [`:*:${rest}`]),
    ],
  ],
});

const sizeOf = (s: { memoryMb: number; timeoutSeconds: number }) => ({
  memory: s.memoryMb,
  timeout: s.timeoutSeconds,
});

/** The logical id of the only resource of a type whose id contains `hint`. */
function logicalId(template: Template, type: string, hint = ''): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.includes(hint));
  assert.equal(ids.length, 1, `one ${type} matching ${hint}: ${ids.join(', ')}`);
  return ids[0]!;
}

function properties(template: Template, type: string, hint = ''): Record<string, unknown> {
  return template.findResources(type)[logicalId(template, type, hint)]!.Properties;
}

/** nag violations of every rule, warnings included. */
function nagViolations(app: App) {
  return new AwsSolutionsChecks().validateScope(app).violations.map((v) => ({
    rule: v.ruleName,
    at: v.violatingResources.map((r) => r.constructPath),
  }));
}

describe('Port22Stack with the example configuration', () => {
  let app: App;
  let template: Template;
  let ids: Record<string, string>;

  before(() => {
    const built = synthStack(exampleConfig);
    app = built.app;
    template = Template.fromStack(built.stack);
    ids = {
      table: logicalId(template, 'AWS::DynamoDB::Table'),
      key: logicalId(template, 'AWS::KMS::Key'),
      topic: logicalId(template, 'AWS::SNS::Topic'),
      fn: logicalId(template, 'AWS::Lambda::Function'),
      queue: logicalId(template, 'AWS::SQS::Queue'),
      logGroup: logicalId(template, 'AWS::Logs::LogGroup'),
      sg: logicalId(template, 'AWS::EC2::SecurityGroup'),
      proberRole: logicalId(template, 'AWS::IAM::Role', 'ProberRole'),
      schedulerRole: logicalId(template, 'AWS::IAM::Role', 'SchedulerRole'),
    };
  });

  it('creates exactly the resources of the deployment shape', () => {
    const expected: Record<string, number> = {
      'AWS::DynamoDB::Table': 1,
      'AWS::KMS::Key': 1,
      'AWS::SNS::Topic': 1,
      'AWS::SNS::TopicPolicy': 1,
      'AWS::SNS::Subscription': 1,
      'AWS::EC2::SecurityGroup': 1,
      'AWS::Logs::LogGroup': 1,
      'AWS::SQS::Queue': 1,
      'AWS::SQS::QueuePolicy': 1,
      'AWS::Lambda::Function': 1,
      'AWS::Lambda::EventInvokeConfig': 1,
      'AWS::Scheduler::Schedule': 1,
      'AWS::IAM::Role': 2,
      'AWS::IAM::Policy': 2,
      'AWS::CloudWatch::Alarm': 3,
      'AWS::CloudWatch::Dashboard': 1,
    };
    const actual: Record<string, number> = {};
    for (const resource of Object.values(template.toJSON().Resources as Record<string, { Type: string }>)) {
      actual[resource.Type] = (actual[resource.Type] ?? 0) + 1;
    }
    assert.deepEqual(actual, expected);
  });

  it('state table: on demand, pk string key, TTL on ttl, point-in-time recovery, encrypted, retained, the sparse pending-alerts index', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'pendingScope', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'pending-alerts',
            KeySchema: [
              { AttributeName: 'pendingScope', KeyType: 'HASH' },
              { AttributeName: 'pk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
  });

  it('alert topic: KMS key with rotation, TLS-only policy, the configured e-mail subscription', () => {
    assert.deepEqual(properties(template, 'AWS::SNS::Topic').KmsMasterKeyId, getAtt(ids.key!));
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowCloudWatchAlarmsToPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: ids.topic },
    });
  });

  it('prober: arm64, Node.js 24, sized for 100 instances, in the configured subnets, no reserved concurrency', () => {
    const fn = properties(template, 'AWS::Lambda::Function');
    assert.equal(fn.Runtime, 'nodejs24.x');
    assert.deepEqual(fn.Architectures, ['arm64']);
    assert.equal(fn.Handler, 'index.handler');
    assert.equal(fn.MemorySize, 512);
    assert.equal(fn.Timeout, 50);
    assert.equal(fn.ReservedConcurrentExecutions, undefined);
    assert.deepEqual(fn.Role, getAtt(ids.proberRole!));
    assert.deepEqual(fn.LoggingConfig, { LogGroup: { Ref: ids.logGroup } });
    assert.deepEqual(fn.VpcConfig, {
      SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
      SecurityGroupIds: [getAtt(ids.sg!, 'GroupId')],
    });
  });

  it('prober environment: the handler contract', () => {
    const env = (
      properties(template, 'AWS::Lambda::Function').Environment as { Variables: Record<string, unknown> }
    ).Variables;
    assert.deepEqual(Object.keys(env).sort(), [
      'NODE_OPTIONS',
      'PORT22_CONFIG',
      'PORT22_DASHBOARD_URL',
      'PORT22_TABLE',
      'PORT22_TOPIC_ARN',
    ]);
    assert.deepEqual(env.PORT22_TABLE, { Ref: ids.table });
    assert.deepEqual(env.PORT22_TOPIC_ARN, { Ref: ids.topic });
    const parsed = parseConfig(exampleConfig);
    assert.deepEqual(JSON.parse(env.PORT22_CONFIG as string), {
      vpcId: VPC,
      port: 22,
      sources: ['10.0.0.0/8'],
      // The parsed configuration's targets and thresholds, passed through (their defaults: config.test.ts).
      targets: parsed.targets,
      thresholds: parsed.thresholds,
      perInstanceMetrics: false,
      evidence: parsed.evidence,
    });
    assert.match(JSON.stringify(env.PORT22_DASHBOARD_URL), /#dashboards\/dashboard\/Port22-ssh-health/);
  });

  it('security group: no ingress; egress tcp/22 to the VPC CIDR and tcp/443, nothing else', () => {
    const sg = properties(template, 'AWS::EC2::SecurityGroup');
    assert.equal(sg.SecurityGroupIngress, undefined);
    assert.deepEqual(sg.SecurityGroupEgress, [
      {
        CidrIp: '10.0.0.0/16',
        Description: 'probe tcp/22 inside 10.0.0.0/16',
        FromPort: 22,
        IpProtocol: 'tcp',
        ToPort: 22,
      },
      {
        CidrIp: '0.0.0.0/0',
        Description: 'HTTPS to AWS APIs',
        FromPort: 443,
        IpProtocol: 'tcp',
        ToPort: 443,
      },
    ]);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
  });

  it('log group: own, with the configured retention', () => {
    assert.deepEqual(properties(template, 'AWS::Logs::LogGroup'), { RetentionInDays: 30 });
  });

  it('failed runs: encrypted queue, TLS only, the Lambda on-failure destination without retries', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.fn },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 300,
      DestinationConfig: { OnFailure: { Destination: getAtt(ids.queue!) } },
    });
  });

  it('prober role: exactly the statements the pipeline needs, no managed policies, no PutMetricData', () => {
    const role = properties(template, 'AWS::IAM::Role', 'ProberRole');
    assert.deepEqual(role.AssumeRolePolicyDocument, {
      Version: '2012-10-17',
      Statement: [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ],
    });
    assert.equal(role.ManagedPolicyArns, undefined);
    const policy = properties(template, 'AWS::IAM::Policy', 'ProberRole');
    assert.deepEqual((policy.PolicyDocument as { Statement: unknown[] }).Statement, [
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: getAtt(ids.logGroup!),
      },
      {
        Sid: 'ReadNetworkConfiguration',
        Effect: 'Allow',
        Action: EC2_READ_ACTIONS.filter(
          (a) => !EC2_TGW_ROUTE_TABLE_READ_ACTIONS.includes(a) && !EC2_PREFIX_LIST_READ_ACTIONS.includes(a),
        ).sort(),
        Resource: '*',
      },
      {
        Sid: 'ReadPrefixLists',
        Effect: 'Allow',
        Action: 'ec2:GetManagedPrefixListEntries',
        Resource: arnJoin('ec2', '*', 'prefix-list/*'),
      },
      {
        Sid: 'ReadTransitGatewayRoutes',
        Effect: 'Allow',
        Action: [...EC2_TGW_ROUTE_TABLE_READ_ACTIONS].sort(),
        Resource: arnJoin('ec2', 'own', 'transit-gateway-route-table/*'),
      },
      {
        Sid: 'ReadLoadBalancers',
        Effect: 'Allow',
        Action: [
          'elasticloadbalancing:DescribeListeners',
          'elasticloadbalancing:DescribeLoadBalancerAttributes',
          'elasticloadbalancing:DescribeLoadBalancers',
          'elasticloadbalancing:DescribeTags',
          'elasticloadbalancing:DescribeTargetGroupAttributes',
          'elasticloadbalancing:DescribeTargetGroups',
          'elasticloadbalancing:DescribeTargetHealth',
        ],
        Resource: '*',
      },
      {
        Sid: 'ListNetworkFirewalls',
        Effect: 'Allow',
        Action: 'network-firewall:ListFirewalls',
        Resource: '*',
      },
      {
        Sid: 'ReadNetworkFirewalls',
        Effect: 'Allow',
        Action: [
          'network-firewall:DescribeFirewall',
          'network-firewall:DescribeFirewallPolicy',
          'network-firewall:DescribeRuleGroup',
        ],
        Resource: [
          arnJoin('network-firewall', 'own', 'firewall/*'),
          arnJoin('network-firewall', '*', 'firewall-policy/*'),
          arnJoin('network-firewall', '*', 'stateful-rulegroup/*'),
          arnJoin('network-firewall', '*', 'stateless-rulegroup/*'),
        ],
      },
      {
        Sid: 'AttachToVpc',
        Effect: 'Allow',
        Action: [...VPC_ATTACHMENT_ACTIONS].sort(),
        Resource: arnJoin('ec2', 'own', '*/*'),
      },
      { Sid: 'ReadHostSignals', Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' },
      {
        Sid: 'ReadConsoleOutput',
        Effect: 'Allow',
        Action: 'ec2:GetConsoleOutput',
        Resource: arnJoin('ec2', 'own', 'instance/*'),
      },
      {
        Sid: 'KeepState',
        Effect: 'Allow',
        Action: [...TABLE_ITEM_ACTIONS].sort(),
        Resource: getAtt(ids.table!),
      },
      {
        Sid: 'FindPendingAlerts',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: { 'Fn::Join': ['', [getAtt(ids.table!), '/index/pending-alerts']] },
      },
      { Sid: 'PublishAlerts', Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: ids.topic } },
      {
        Sid: 'EncryptAlerts',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: getAtt(ids.key!),
      },
      { Sid: 'RecordFailedRuns', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(ids.queue!) },
      // Flow logs and CloudTrail are on by default (evidence.flowLogs, evidence.cloudTrail).
      { Sid: 'FindFlowLogs', Effect: 'Allow', Action: 'ec2:DescribeFlowLogs', Resource: '*' },
      {
        Sid: 'QueryFlowLogs',
        Effect: 'Allow',
        Action: 'logs:StartQuery',
        Resource: arnJoin('logs', 'own', 'log-group:*'),
      },
      {
        Sid: 'ReadFlowLogQueries',
        Effect: 'Allow',
        Action: ['logs:GetQueryResults', 'logs:StopQuery'],
        Resource: '*',
      },
      { Sid: 'LookUpChanges', Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' },
    ]);
    // That these are exactly the calls the handler sends: prober-least-privilege.test.ts.
    assert.doesNotMatch(
      JSON.stringify(template.toJSON()),
      /PutMetricData|"Action":"\*"|dynamodb:\*|sns:\*|kms:\*"\]/,
    );
  });

  it('schedule: the configured rate, a typed event, no retries, the failed-runs queue, its own role', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: getAtt(ids.fn!),
        RoleArn: getAtt(ids.schedulerRole!),
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 },
        DeadLetterConfig: { Arn: getAtt(ids.queue!) },
      },
    });
    const target = properties(template, 'AWS::Scheduler::Schedule').Target as { Input: string };
    assert.deepEqual(JSON.parse(target.Input), {
      kind: 'port22.scheduled-check',
      vpcId: VPC,
      scheduledTime: '<aws.scheduler.scheduled-time>',
      shard: 0,
      shards: 1,
    });
    const role = properties(template, 'AWS::IAM::Role', 'SchedulerRole');
    assert.deepEqual((role.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement, [
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    const policy = properties(template, 'AWS::IAM::Policy', 'SchedulerRole');
    assert.deepEqual((policy.PolicyDocument as { Statement: unknown[] }).Statement, [
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [getAtt(ids.fn!), { 'Fn::Join': ['', [getAtt(ids.fn!), ':*']] }],
      },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(ids.queue!) },
    ]);
  });

  it('alarms: instance failing (2 runs), prober errors, prober not running with missing data breaching', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const byId = (hint: string) => Object.entries(alarms).find(([id]) => id.includes(hint))![1].Properties;
    const failing = byId('InstanceFailing');
    assert.equal(failing.MetricName, 'InstancesUnhealthy');
    assert.equal(failing.Namespace, 'Port22');
    assert.deepEqual(failing.Dimensions, [{ Name: 'Vpc', Value: VPC }]);
    assert.equal(failing.Period, 300);
    assert.equal(failing.EvaluationPeriods, 2);
    assert.equal(failing.DatapointsToAlarm, 2);
    assert.equal(failing.ComparisonOperator, 'GreaterThanThreshold');
    assert.equal(failing.Threshold, 0);
    assert.equal(failing.TreatMissingData, 'notBreaching');

    const errors = byId('ProberErrors');
    assert.equal(errors.TreatMissingData, 'notBreaching');
    assert.equal(errors.Threshold, 1);
    assert.deepEqual(
      errors.Metrics.map((m: { Id: string; MetricStat?: { Metric: { MetricName: string } } }) => [
        m.Id,
        m.MetricStat?.Metric.MetricName,
      ]),
      [
        ['expr_1', undefined],
        ['invocationErrors', 'Errors'],
        ['pipelineErrors', 'ProberErrors'],
      ],
    );

    const notRunning = byId('ProberNotRunning');
    assert.equal(notRunning.MetricName, 'ChecksRun');
    assert.equal(notRunning.Statistic, 'SampleCount');
    assert.equal(notRunning.Period, 600);
    assert.equal(notRunning.EvaluationPeriods, 1);
    assert.equal(notRunning.ComparisonOperator, 'LessThanThreshold');
    assert.equal(notRunning.Threshold, 1);
    assert.equal(notRunning.TreatMissingData, 'breaching');

    for (const alarm of Object.values(alarms)) {
      assert.deepEqual(alarm.Properties.AlarmActions, [{ Ref: ids.topic }]);
      assert.deepEqual(alarm.Properties.OKActions, [{ Ref: ids.topic }]);
    }
  });

  it('dashboard: fleet health, diagnoses, phase latency p50/p99, prober health and the not-healthy table', () => {
    const body = JSON.stringify(properties(template, 'AWS::CloudWatch::Dashboard').DashboardBody);
    assert.equal(properties(template, 'AWS::CloudWatch::Dashboard').DashboardName, 'Port22-ssh-health');
    for (const title of [
      'Fleet health',
      'Instances by diagnosis',
      'Probe phase latency p50 (ms)',
      'Probe phase latency p99 (ms)',
      'Prober runs and errors',
      'Prober duration (ms)',
      'Instances not healthy now',
      'Alarms',
    ]) {
      assert.ok(body.includes(`\\"title\\":\\"${title}\\"`), `widget ${title}`);
    }
    for (const metric of [
      'InstancesHealthy',
      'InstancesUnhealthy',
      'Unchecked',
      'ProbeConnectMs',
      'ProbeIdentMs',
      'ProbeKexMs',
      'ProbeAuthMs',
      'ProberErrors',
      'ChecksRun',
    ]) {
      assert.ok(body.includes(`\\"${metric}\\"`), `metric ${metric}`);
    }
    assert.ok(body.includes('SEARCH('), 'diagnosis series by search');
    assert.ok(body.includes('latest(diagnosis)'), 'Logs Insights query');
    assert.equal(UNHEALTHY_INSTANCES_QUERY[3], "filter state != 'healthy'");
    // Flow logs and CloudTrail are on by default: their table reads the prober's own lines.
    assert.ok(body.includes('Flow logs and who changed what'), 'log evidence widget');
    assert.ok(body.includes('parse evidence /(?<flowLogs>flow logs: [^;]*)/'), 'flow-log line parsed');
  });

  it('evidence.console off: no GetConsoleOutput grant', () => {
    const { stack } = synthStack({
      ...exampleConfig,
      evidence: { ...exampleConfig.evidence, console: false },
    });
    const policy = properties(Template.fromStack(stack), 'AWS::IAM::Policy', 'ProberRole');
    const sids = (policy.PolicyDocument as { Statement: { Sid?: string }[] }).Statement.map((st) => st.Sid);
    assert.ok(sids.includes('ReadHostSignals'));
    assert.ok(!sids.includes('ReadConsoleOutput'));
  });

  it('cdk-nag AwsSolutions: zero unacknowledged findings', () => {
    assert.deepEqual(nagViolations(app), []);
  });

  it('cdk-nag is live: the same pack flags a topic that accepts publishing without TLS', () => {
    const control = new App();
    new Topic(new Stack(control, 'Control'), 'Topic');
    const rules = nagViolations(control).map((v) => v.rule);
    assert.ok(rules.includes('AwsSolutions-SNS3'), rules.join(', '));
  });

  it('matches the snapshot (asset hashes scrubbed; UPDATE_SNAPSHOTS=1 rewrites it)', () => {
    const file = new URL('./__snapshots__/port22-stack.json', import.meta.url);
    const actual = JSON.parse(JSON.stringify(template.toJSON()).replace(/[0-9a-f]{64}/g, '<asset-hash>'));
    if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(file)) {
      mkdirSync(new URL('./__snapshots__/', import.meta.url), { recursive: true });
      writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
    }
    assert.deepEqual(actual, JSON.parse(readFileSync(file, 'utf8')));
  });
});

describe('Port22Stack with two VPCs', () => {
  const second = {
    vpcId: 'vpc-0fedcba9876543210',
    cidrs: ['172.16.0.0/16', '2001:db8:1234::/56'],
    subnetIds: ['subnet-01234567'],
    expectedInstances: 3000,
    shards: 2,
  };
  const config: Port22ConfigInput = {
    ...exampleConfig,
    vpcs: [...exampleConfig.vpcs, second],
    taggedPorts: [2222],
  };
  let app: App;
  let template: Template;

  before(() => {
    const built = synthStack(config);
    app = built.app;
    template = Template.fromStack(built.stack);
  });

  it('builds one prober, security group and three alarms per VPC, a schedule per shard, one table, topic and dashboard', () => {
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::Scheduler::Schedule', 3);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 2);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const vpcIds = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (f) => JSON.parse(f.Properties.Environment.Variables.PORT22_CONFIG).vpcId,
    );
    assert.deepEqual(vpcIds.sort(), [VPC, 'vpc-0fedcba9876543210']);
  });

  it('sizes each prober for one shard of its own fleet (3000 instances in 2 shards → 1500)', () => {
    const fn = properties(template, 'AWS::Lambda::Function', 'vpc0fedcba9876543210');
    assert.deepEqual({ memory: fn.MemorySize, timeout: fn.Timeout }, sizeOf(sizeProber(1500, 300)));
    assert.deepEqual(sizeOf(sizeProber(1500, 300)), { memory: 1024, timeout: 300 });
  });

  it('a VPC with 2 shards: two schedules invoking the same prober, events shard 0 and 1 of 2', () => {
    const schedules = Object.entries(template.findResources('AWS::Scheduler::Schedule'))
      .filter(([id]) => id.includes('vpc0fedcba9876543210'))
      .map(([, r]) => r.Properties as { Target: { Arn: unknown; Input: string } });
    const fnId = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) =>
      id.includes('vpc0fedcba9876543210'),
    )!;
    assert.deepEqual(
      schedules.map((s) => s.Target.Arn),
      [getAtt(fnId), getAtt(fnId)],
    );
    assert.deepEqual(
      schedules.map((s) => JSON.parse(s.Target.Input)).sort((a, b) => a.shard - b.shard),
      [0, 1].map((shard) => ({
        kind: 'port22.scheduled-check',
        vpcId: 'vpc-0fedcba9876543210',
        scheduledTime: '<aws.scheduler.scheduled-time>',
        shard,
        shards: 2,
      })),
    );
  });

  it('shards default to one per 500 expected instances: 3000 instances → 6 schedules', () => {
    const { stack } = synthStack({ ...exampleConfig, vpcs: [{ ...second, shards: undefined }] });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Scheduler::Schedule', 6);
    const shards = Object.values(t.findResources('AWS::Scheduler::Schedule')).map(
      (r) => JSON.parse(r.Properties.Target.Input).shard,
    );
    assert.deepEqual(shards.sort(), [0, 1, 2, 3, 4, 5]);
    const fn = properties(t, 'AWS::Lambda::Function', 'vpc0fedcba9876543210');
    assert.deepEqual({ memory: fn.MemorySize, timeout: fn.Timeout }, sizeOf(sizeProber(500, 300)));
  });

  it('each security group reaches only its own VPC CIDRs (IPv4 and IPv6) on the SSH port and the tagged ports', () => {
    const sg = properties(template, 'AWS::EC2::SecurityGroup', 'vpc0fedcba9876543210');
    const rules = (sg.SecurityGroupEgress as Array<Record<string, unknown>>).map(
      (r) => `${r.CidrIp ?? r.CidrIpv6} ${r.IpProtocol}/${r.FromPort}-${r.ToPort}`,
    );
    assert.deepEqual(rules, [
      '172.16.0.0/16 tcp/22-22',
      '172.16.0.0/16 tcp/2222-2222',
      '2001:db8:1234::/56 tcp/22-22',
      '2001:db8:1234::/56 tcp/2222-2222',
      '0.0.0.0/0 tcp/443-443',
    ]);
  });

  it('cdk-nag AwsSolutions: zero unacknowledged findings', () => {
    assert.deepEqual(nagViolations(app), []);
  });
});

describe('metric contract with the EMF renderer', () => {
  it('every named metric is rendered, in the Port22 namespace, with these dimensions', () => {
    const docs = renderRunMetrics(
      {
        vpcId: VPC,
        timestamp: 0,
        checksRun: 3,
        healthy: 2,
        unhealthy: 1,
        unchecked: 0,
        proberErrors: 0,
        diagnosisCounts: { HEALTHY: 2, SSHD_NOT_LISTENING: 1 },
        probePhases: [{ connectMs: 1, identMs: 2, kexMs: 3, authMs: 4, totalMs: 10 }],
        instances: [{ instanceId: 'i-0123456789abcdef0', healthy: true, totalMs: 10 }],
      },
      { perInstance: true },
    );
    const rendered = new Map<string, string>();
    for (const doc of docs) {
      for (const directive of doc._aws.CloudWatchMetrics) {
        assert.equal(directive.Namespace, METRIC_NAMESPACE);
        for (const m of directive.Metrics)
          rendered.set(m.Name, directive.Dimensions.map((d) => d.join('+')).join(' '));
      }
    }
    const dimensionsOf: Record<string, string> = {
      DiagnosisCount: 'Vpc+Diagnosis',
      Healthy: 'InstanceId',
      ProbeTotalMs: 'InstanceId',
    };
    const expected = Object.fromEntries(
      Object.values(MetricName).map((name) => [name, dimensionsOf[name] ?? 'Vpc']),
    );
    assert.deepEqual(Object.fromEntries(Object.keys(expected).map((n) => [n, rendered.get(n)])), expected);
    assert.equal(METRIC_NAMESPACE, 'Port22');
  });
});

describe('sizeProber', () => {
  const cases: Array<[number, number, { memoryMb: number; timeoutSeconds: number }]> = [
    [1, 300, { memoryMb: 512, timeoutSeconds: 40 }],
    [100, 300, { memoryMb: 512, timeoutSeconds: 50 }],
    [1000, 300, { memoryMb: 768, timeoutSeconds: 230 }],
    [10000, 300, { memoryMb: 3008, timeoutSeconds: 300 }],
    [10000, 3600, { memoryMb: 3008, timeoutSeconds: 900 }],
    [500, 60, { memoryMb: 512, timeoutSeconds: 60 }],
  ];
  for (const [instances, interval, expected] of cases) {
    it(`${instances} instances every ${interval} s → ${expected.memoryMb} MB, ${expected.timeoutSeconds} s`, () => {
      assert.deepEqual(sizeProber(instances, interval), expected);
    });
  }
});

describe('Port22Stack with flow logs and CloudTrail turned off', () => {
  it('grants no flow-log or CloudTrail action', () => {
    const { stack } = synthStack({ ...exampleConfig, evidence: { flowLogs: false, cloudTrail: false } });
    const json = JSON.stringify(Template.fromStack(stack).toJSON());
    assert.doesNotMatch(
      json,
      /DescribeFlowLogs|logs:StartQuery|logs:GetQueryResults|logs:StopQuery|cloudtrail:/,
    );
  });
});

describe('Port22Stack with the in-host check (evidence.ssm)', () => {
  const statements = (config: Port22ConfigInput) => {
    const { stack } = synthStack(config);
    const t = Template.fromStack(stack);
    const policy = properties(t, 'AWS::IAM::Policy', 'ProberRole');
    return (policy.PolicyDocument as { Statement: { Sid?: string; Action: unknown }[] }).Statement;
  };

  it('off by default: no ssm action at all', () => {
    const actions = statements(exampleConfig).flatMap((s) => [s.Action].flat());
    assert.deepEqual(
      actions.filter((a) => String(a).startsWith('ssm:')),
      [],
    );
  });

  it('on: SendCommand on AWS-RunShellScript and on instances tagged port22:host-check=true only', () => {
    const ssm = statements({ ...exampleConfig, evidence: { ssm: true } }).filter((s) =>
      [s.Action].flat().some((a) => String(a).startsWith('ssm:')),
    );
    const region = { Ref: 'AWS::Region' };
    const partition = { Ref: 'AWS::Partition' };
    assert.deepEqual(ssm, [
      {
        Sid: 'RunHostCheckDocument',
        Effect: 'Allow',
        Action: 'ssm:SendCommand',
        // AWS-owned documents carry no account id in their ARN.
        Resource: { 'Fn::Join': ['', ['arn:', partition, ':ssm:', region, '::document/AWS-RunShellScript']] },
      },
      {
        Sid: 'RunHostCheckOnOptedInInstances',
        Effect: 'Allow',
        Action: 'ssm:SendCommand',
        // Service Authorization Reference, Systems Manager: SendCommand's instance resource takes
        // ssm:resourceTag/${TagKey}.
        Condition: { StringEqualsIgnoreCase: { 'ssm:resourceTag/port22:host-check': 'true' } },
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', partition, ':ec2:', region, ':', { Ref: 'AWS::AccountId' }, ':instance/*'],
          ],
        },
      },
      {
        Sid: 'ReadHostCheckResults',
        Effect: 'Allow',
        Action: ['ssm:DescribeInstanceInformation', 'ssm:GetCommandInvocation'],
        Resource: '*',
      },
    ]);
  });

  it('cdk-nag AwsSolutions: zero unacknowledged findings', () => {
    const { app } = synthStack({ ...exampleConfig, evidence: { ssm: true } });
    assert.deepEqual(nagViolations(app), []);
  });
});
