import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { DescribeInstanceStatusCommand, EC2Client, type InstanceStatus } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { SDK_MAX_ATTEMPTS } from '../../../../lambda/adapters/aws/client-options.ts';
import {
  AwsSignalsSource,
  MAX_QUERIES_PER_CALL,
  plannedQueries,
} from '../../../../lambda/adapters/aws/host-signals.ts';

const NOW = new Date('2024-07-01T12:00:00Z');
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000);

// Shapes as in the EC2 API reference example for describe-instance-status --include-all-instances.
const running = (id: string): InstanceStatus => ({
  AvailabilityZone: 'eu-west-1a',
  InstanceId: id,
  InstanceState: { Code: 16, Name: 'running' },
  InstanceStatus: { Details: [{ Name: 'reachability', Status: 'passed' }], Status: 'ok' },
  SystemStatus: { Details: [{ Name: 'reachability', Status: 'passed' }], Status: 'ok' },
});
const stopped = (id: string): InstanceStatus => ({
  AvailabilityZone: 'eu-west-1b',
  InstanceId: id,
  InstanceState: { Code: 80, Name: 'stopped' },
  InstanceStatus: { Status: 'not-applicable' },
  SystemStatus: { Status: 'not-applicable' },
});

function throttling(): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'Throttling',
    $metadata: { httpStatusCode: 400 },
  });
}

/** Answers every query of a GetMetricData call from a table keyed by the query's label. */
function answerByLabel(table: Record<string, Array<[number, number]>>) {
  return (input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
      const points = table[q.Label ?? ''] ?? [];
      return {
        Id: q.Id,
        Label: q.Label,
        Timestamps: points.map(([ago]) => at(ago)),
        Values: points.map(([, v]) => v),
        StatusCode: 'Complete' as const,
      };
    }),
    Messages: [],
  });
}

function setup() {
  const ec2 = new EC2Client({ region: 'eu-west-1' });
  const cloudwatch = new CloudWatchClient({ region: 'eu-west-1' });
  const ec2Mock = mockClient(ec2);
  const cwMock = mockClient(cloudwatch);
  const source = new AwsSignalsSource({ ec2, cloudwatch });
  return { ec2Mock, cwMock, source };
}

describe('AwsSignalsSource', () => {
  it('reads state, status checks and the latest datapoint of each metric; missing data stays unknown', async () => {
    const { ec2Mock, cwMock, source } = setup();
    ec2Mock.on(DescribeInstanceStatusCommand).resolves({
      InstanceStatuses: [running('i-0aaa0000000000001'), stopped('i-0bbb0000000000002')],
    });
    cwMock.on(GetMetricDataCommand).callsFake(
      answerByLabel({
        'i-0aaa0000000000001 CPUUtilization': [
          [5, 97.5],
          [10, 40],
        ],
        'i-0aaa0000000000001 CPUCreditBalance': [[5, 0]],
        'i-0aaa0000000000001 StatusCheckFailed_System': [[1, 0]],
        'i-0aaa0000000000001 StatusCheckFailed_Instance': [[1, 1]],
        'i-0aaa0000000000001 mem_used_percent': [[1, 96.2]],
      }),
    );

    const report = await source.fetch(
      [
        { instanceId: 'i-0aaa0000000000001', instanceType: 't3.micro' },
        { instanceId: 'i-0bbb0000000000002', instanceType: 'm5.large' },
        { instanceId: 'i-0ccc0000000000003' },
      ],
      NOW,
    );

    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.signals.get('i-0aaa0000000000001'), {
      instanceId: 'i-0aaa0000000000001',
      state: 'running',
      systemStatus: 'ok',
      instanceStatus: 'ok',
      cpuPercent: 97.5,
      cpuCreditBalance: 0,
      statusCheckFailedSystem: 0,
      statusCheckFailedInstance: 1,
      memUsedPercent: 96.2,
    });
    assert.deepEqual(report.signals.get('i-0bbb0000000000002'), {
      instanceId: 'i-0bbb0000000000002',
      state: 'stopped',
      systemStatus: 'not-applicable',
      instanceStatus: 'not-applicable',
    });
    // Asked about, absent from every answer: an entry with nothing known, and no zero anywhere.
    assert.deepEqual(report.signals.get('i-0ccc0000000000003'), { instanceId: 'i-0ccc0000000000003' });

    const describeInput = ec2Mock.commandCalls(DescribeInstanceStatusCommand)[0]!.args[0].input;
    assert.equal(describeInput.IncludeAllInstances, true);
    assert.deepEqual(describeInput.InstanceIds, [
      'i-0aaa0000000000001',
      'i-0bbb0000000000002',
      'i-0ccc0000000000003',
    ]);
    const gmd = cwMock.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    assert.equal(gmd.EndTime?.getTime(), NOW.getTime());
    assert.equal(gmd.StartTime?.getTime(), at(15).getTime());
    // CPUCreditBalance only for the burstable t3.
    const credit = gmd.MetricDataQueries!.filter(
      (q) => q.MetricStat?.Metric?.MetricName === 'CPUCreditBalance',
    );
    assert.deepEqual(
      credit.map((q) => q.Label),
      ['i-0aaa0000000000001 CPUCreditBalance'],
    );
  });

  it('splits more than 500 queries over two calls and 100+ instances over two DescribeInstanceStatus calls', async () => {
    const { ec2Mock, cwMock, source } = setup();
    ec2Mock.on(DescribeInstanceStatusCommand).callsFake((input) => ({
      InstanceStatuses: (input.InstanceIds ?? []).map((id: string) => running(id)),
    }));
    const targets = Array.from({ length: 130 }, (_, i) => ({
      instanceId: `i-${i.toString(16).padStart(17, '0')}`,
      instanceType: 'm5.large',
    }));
    const last = targets[129]!.instanceId;
    cwMock.on(GetMetricDataCommand).callsFake(answerByLabel({ [`${last} CPUUtilization`]: [[3, 12]] }));

    const report = await source.fetch(targets, NOW);

    const calls = cwMock
      .commandCalls(GetMetricDataCommand)
      .map((c) => c.args[0].input.MetricDataQueries!.length);
    assert.equal(plannedQueries(targets).length, 520); // 4 per non-burstable instance
    assert.deepEqual(calls, [MAX_QUERIES_PER_CALL, 20]);
    const ids = cwMock
      .commandCalls(GetMetricDataCommand)
      .flatMap((c) => c.args[0].input.MetricDataQueries!.map((q) => q.Id!));
    assert.equal(new Set(ids).size, 520);
    for (const id of ids) assert.match(id, /^[a-z][a-zA-Z0-9_]*$/);
    assert.deepEqual(
      ec2Mock.commandCalls(DescribeInstanceStatusCommand).map((c) => c.args[0].input.InstanceIds!.length),
      [100, 30],
    );
    assert.equal(report.signals.size, 130);
    assert.equal(report.signals.get(last)?.cpuPercent, 12);
    assert.equal(report.signals.get(last)?.state, 'running');
  });

  it('follows NextToken on both APIs and merges a series split across pages', async () => {
    const { ec2Mock, cwMock, source } = setup();
    ec2Mock
      .on(DescribeInstanceStatusCommand, { NextToken: undefined })
      .resolves({ InstanceStatuses: [running('i-0aaa0000000000001')], NextToken: 'ec2-page-2' })
      .on(DescribeInstanceStatusCommand, { NextToken: 'ec2-page-2' })
      .resolves({ InstanceStatuses: [stopped('i-0bbb0000000000002')] });
    cwMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      const cpu = input.MetricDataQueries!.find((q) => q.Label === 'i-0aaa0000000000001 CPUUtilization')!;
      if (input.NextToken === undefined) {
        // An older page first, to prove the newest datapoint is chosen by timestamp, not by position.
        return {
          MetricDataResults: [
            { Id: cpu.Id, Label: cpu.Label, Timestamps: [at(10)], Values: [30], StatusCode: 'PartialData' },
          ],
          NextToken: 'cw-page-2',
        };
      }
      return {
        MetricDataResults: [
          { Id: cpu.Id, Label: cpu.Label, Timestamps: [at(5)], Values: [55], StatusCode: 'Complete' },
        ],
      };
    });

    const report = await source.fetch(
      [{ instanceId: 'i-0aaa0000000000001' }, { instanceId: 'i-0bbb0000000000002' }],
      NOW,
    );

    assert.equal(report.signals.get('i-0aaa0000000000001')?.cpuPercent, 55);
    assert.equal(report.signals.get('i-0bbb0000000000002')?.state, 'stopped');
    assert.deepEqual(
      cwMock.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.NextToken),
      [undefined, 'cw-page-2'],
    );
    assert.equal(ec2Mock.commandCalls(DescribeInstanceStatusCommand).length, 2);
  });

  it('leaves retrying to the SDK: both default clients use adaptive retry with bounded attempts', async () => {
    const source = new AwsSignalsSource();
    const { ec2, cloudwatch } = source as unknown as { ec2: EC2Client; cloudwatch: CloudWatchClient };
    for (const client of [ec2, cloudwatch]) {
      assert.equal(await client.config.maxAttempts(), SDK_MAX_ATTEMPTS);
      const strategy = (await client.config.retryStrategy()) as { mode?: string };
      assert.equal(strategy.mode, 'adaptive');
      client.destroy();
    }
  });

  it('reports a call still throttled once the SDK gives up, and leaves the metrics unknown', async () => {
    const { ec2Mock, cwMock, source } = setup();
    ec2Mock
      .on(DescribeInstanceStatusCommand)
      .resolves({ InstanceStatuses: [running('i-0aaa0000000000001')] });
    cwMock.on(GetMetricDataCommand).rejects(throttling());

    const report = await source.fetch([{ instanceId: 'i-0aaa0000000000001' }], NOW);

    // The stub stands where the SDK's retries have ended: the adapter adds no attempt of its own.
    assert.equal(cwMock.commandCalls(GetMetricDataCommand).length, 1);
    assert.equal(report.errors.length, 1);
    assert.match(report.errors[0]!, /^GetMetricData \(4 queries\): Throttling: Rate exceeded/);
    assert.deepEqual(report.signals.get('i-0aaa0000000000001'), {
      instanceId: 'i-0aaa0000000000001',
      state: 'running',
      systemStatus: 'ok',
      instanceStatus: 'ok',
    });
  });

  it('asks again by filter when an instance id no longer exists', async () => {
    const { ec2Mock, cwMock, source } = setup();
    ec2Mock
      .on(DescribeInstanceStatusCommand, { InstanceIds: ['i-0aaa0000000000001', 'i-0dead000000000000'] })
      .rejects(
        Object.assign(new Error("The instance ID 'i-0dead000000000000' does not exist"), {
          name: 'InvalidInstanceID.NotFound',
        }),
      )
      .on(DescribeInstanceStatusCommand, {
        Filters: [{ Name: 'instance-id', Values: ['i-0aaa0000000000001', 'i-0dead000000000000'] }],
      })
      .resolves({ InstanceStatuses: [running('i-0aaa0000000000001')] });
    cwMock.on(GetMetricDataCommand).callsFake(answerByLabel({}));

    const report = await source.fetch(
      [{ instanceId: 'i-0aaa0000000000001' }, { instanceId: 'i-0dead000000000000' }],
      NOW,
    );

    assert.deepEqual(report.errors, []);
    assert.equal(report.signals.get('i-0aaa0000000000001')?.state, 'running');
    assert.deepEqual(report.signals.get('i-0dead000000000000'), { instanceId: 'i-0dead000000000000' });
  });

  it("finds memory under the agent's default dimension set and takes the newer of the two series", async () => {
    const { ec2Mock, cwMock, source } = setup();
    ec2Mock
      .on(DescribeInstanceStatusCommand)
      .resolves({ InstanceStatuses: [running('i-0aaa0000000000001')] });
    cwMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: input.MetricDataQueries!.map((q) => {
        const dims = q.MetricStat?.Metric?.Dimensions ?? [];
        const isMem = q.MetricStat?.Metric?.MetricName === 'mem_used_percent';
        // The InstanceId-only rollup is stale; the default set (with ASG name) is current.
        const points: Array<[number, number]> = !isMem ? [] : dims.length === 1 ? [[14, 50]] : [[2, 91]];
        return {
          Id: q.Id,
          Label: q.Label,
          Timestamps: points.map(([a]) => at(a)),
          Values: points.map(([, v]) => v),
          StatusCode: 'Complete',
        };
      }),
    }));

    const report = await source.fetch(
      [
        {
          instanceId: 'i-0aaa0000000000001',
          instanceType: 'm5.large',
          imageId: 'ami-0abcdef1234567890',
          autoScalingGroupName: 'web',
        },
      ],
      NOW,
    );

    assert.equal(report.signals.get('i-0aaa0000000000001')?.memUsedPercent, 91);
    const mem = cwMock
      .commandCalls(GetMetricDataCommand)[0]!
      .args[0].input.MetricDataQueries!.filter((q) => q.MetricStat?.Metric?.Namespace === 'CWAgent');
    assert.deepEqual(
      mem.map((q) => q.MetricStat!.Metric!.Dimensions!.map((d) => d.Name)),
      [['InstanceId'], ['AutoScalingGroupName', 'ImageId', 'InstanceId', 'InstanceType']],
    );
  });
});

describe('AwsSignalsSource metricsFor (metrics only where they can change a diagnosis)', () => {
  const targets = [
    { instanceId: 'i-0aaa0000000000001', instanceType: 't3.micro' },
    { instanceId: 'i-0bbb0000000000002', instanceType: 'm5.large' },
  ];

  it('an empty set: status checks for every target and no GetMetricData call at all', async () => {
    const { ec2Mock, cwMock, source } = setup();
    ec2Mock.on(DescribeInstanceStatusCommand).resolves({
      InstanceStatuses: [running('i-0aaa0000000000001'), running('i-0bbb0000000000002')],
    });
    cwMock.on(GetMetricDataCommand).callsFake(answerByLabel({}));

    const report = await source.fetch(targets, NOW, { metricsFor: new Set() });

    assert.equal(cwMock.commandCalls(GetMetricDataCommand).length, 0);
    assert.deepEqual(ec2Mock.commandCalls(DescribeInstanceStatusCommand)[0]!.args[0].input.InstanceIds, [
      'i-0aaa0000000000001',
      'i-0bbb0000000000002',
    ]);
    assert.equal(report.signals.get('i-0bbb0000000000002')?.instanceStatus, 'ok');
    assert.deepEqual(report.errors, []);
  });

  it('a subset: queries name only its instances, their values come back, the others keep state only', async () => {
    const { ec2Mock, cwMock, source } = setup();
    ec2Mock.on(DescribeInstanceStatusCommand).resolves({
      InstanceStatuses: [running('i-0aaa0000000000001'), running('i-0bbb0000000000002')],
    });
    cwMock.on(GetMetricDataCommand).callsFake(
      answerByLabel({
        'i-0aaa0000000000001 CPUUtilization': [[5, 12]],
        'i-0bbb0000000000002 CPUUtilization': [[5, 99]],
      }),
    );

    const report = await source.fetch(targets, NOW, { metricsFor: new Set(['i-0bbb0000000000002']) });

    const queried = cwMock
      .commandCalls(GetMetricDataCommand)
      .flatMap((c) => c.args[0].input.MetricDataQueries ?? [])
      .map((q) => q.Label?.split(' ')[0]);
    assert.deepEqual([...new Set(queried)], ['i-0bbb0000000000002']);
    assert.equal(report.signals.get('i-0bbb0000000000002')?.cpuPercent, 99);
    assert.equal(report.signals.get('i-0aaa0000000000001')?.cpuPercent, undefined);
    assert.equal(report.signals.get('i-0aaa0000000000001')?.state, 'running');
  });
});
