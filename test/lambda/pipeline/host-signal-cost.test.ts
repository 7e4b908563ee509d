// CloudWatch metrics are billed per metric requested; DescribeInstanceStatus is free. The pipeline asks for
// metrics only for instances whose diagnosis could read them (failed, slow or unprobed), and still asks
// for state and status checks for every instance. Real zoo peers, the live AWS adapter on mocked clients.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeInstanceStatusCommand,
  type DescribeInstanceStatusCommandInput,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsSignalsSource } from '../../../lambda/adapters/aws/host-signals.ts';
import { id, LAB, type LabName, labInput, runLab, sharedPipelineLab } from './pipeline-lab.ts';

const NAMES: LabName[] = ['web-1', 'web-2', 'cache-1', 'knock-1'];
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** The live signals adapter on mocked clients: every instance running with passing checks, web-2 at 97 % CPU. */
function mockedSignals() {
  const ec2 = new EC2Client({ region: 'eu-west-1', credentials: CREDENTIALS });
  const cloudwatch = new CloudWatchClient({ region: 'eu-west-1', credentials: CREDENTIALS });
  const ec2Mock = mockClient(ec2);
  const cwMock = mockClient(cloudwatch);
  ec2Mock.on(DescribeInstanceStatusCommand).callsFake((input: DescribeInstanceStatusCommandInput) => ({
    InstanceStatuses: (input.InstanceIds ?? []).map((instanceId) => ({
      InstanceId: instanceId,
      AvailabilityZone: 'eu-west-1a',
      InstanceState: { Code: 16, Name: 'running' },
      InstanceStatus: { Status: 'ok', Details: [{ Name: 'reachability', Status: 'passed' }] },
      SystemStatus: { Status: 'ok', Details: [{ Name: 'reachability', Status: 'passed' }] },
    })),
  }));
  const busy = `${id(LAB['web-2'].n)} CPUUtilization`;
  cwMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({
      Id: q.Id,
      Label: q.Label,
      Timestamps: q.Label === busy ? [new Date(Date.now() - 120_000)] : [],
      Values: q.Label === busy ? [97] : [],
      StatusCode: 'Complete' as const,
    })),
  }));
  const metricInstances = () =>
    new Set(
      cwMock
        .commandCalls(GetMetricDataCommand)
        .flatMap((c) => c.args[0].input.MetricDataQueries ?? [])
        .map((q) => q.Label?.split(' ')[0]),
    );
  const statusInstances = () =>
    new Set(
      ec2Mock.commandCalls(DescribeInstanceStatusCommand).flatMap((c) => c.args[0].input.InstanceIds ?? []),
    );
  return { source: new AwsSignalsSource({ ec2, cloudwatch }), cwMock, metricInstances, statusInstances };
}

describe('host signals: CloudWatch metrics only where they can change the diagnosis', () => {
  const lab = sharedPipelineLab(NAMES);

  it('a healthy fleet makes no GetMetricData call; status checks still cover it', async () => {
    const signals = mockedSignals();
    const report = await runLab(lab(), labInput('healthy-fleet', ['web-1']), { signals: signals.source });
    assert.deepEqual(
      report.instances.map((i) => i.diagnosis),
      ['HEALTHY'],
    );
    assert.equal(signals.cwMock.commandCalls(GetMetricDataCommand).length, 0);
    assert.deepEqual([...signals.statusInstances()], [id(LAB['web-1'].n)]);
    assert.deepEqual(report.errors, []);
  });

  it('failing and slow instances get their metrics, and the metrics decide; healthy and expected-closed do not', async () => {
    const signals = mockedSignals();
    const report = await runLab(lab(), labInput('mixed-fleet', NAMES), { signals: signals.source });
    const by = new Map(report.instances.map((i) => [i.instanceId, i]));
    assert.equal(by.get(id(LAB['web-1'].n))?.diagnosis, 'HEALTHY');
    assert.equal(by.get(id(LAB['cache-1'].n))?.diagnosis, 'SSHD_NOT_LISTENING');
    assert.equal(by.get(id(LAB['knock-1'].n))?.diagnosis, 'EXPECTED_CLOSED');
    // web-2 answers after 900 ms (threshold 500 ms): slow, and the CPU reading turns it into exhaustion.
    const slow = by.get(id(LAB['web-2'].n));
    assert.equal(slow?.diagnosis, 'RESOURCE_EXHAUSTION');
    assert.ok(slow?.evidence.some((e) => e.code === 'CPUUtilization' && e.value === 97));

    assert.deepEqual(
      [...signals.metricInstances()].sort(),
      [id(LAB['web-2'].n), id(LAB['cache-1'].n)].sort(),
    );
    assert.deepEqual([...signals.statusInstances()].sort(), NAMES.map((n) => id(LAB[n].n)).sort());
  });

  it('without a probe every instance gets its metrics (nothing else tells a slow host)', async () => {
    const signals = mockedSignals();
    await runLab(lab(), labInput('no-probe', ['web-1', 'cache-1'], { probe: false }), {
      signals: signals.source,
    });
    assert.deepEqual(
      [...signals.metricInstances()].sort(),
      [id(LAB['web-1'].n), id(LAB['cache-1'].n)].sort(),
    );
  });
});
