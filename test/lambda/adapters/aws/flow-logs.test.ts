// biome-ignore-all lint/suspicious/noTemplateCurlyInString: a flow log format is a list of ${field}s, not a template
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DescribeFlowLogsCommand, EC2Client, type FlowLog } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsFlowLogBackend } from '../../../../lambda/adapters/aws/flow-logs.ts';
import { FlowLogEvidenceSource } from '../../../../lambda/adapters/flow-log-evidence.ts';
import type { EvidenceRequest } from '../../../../lambda/core/evidence/observations.ts';

const NOW = new Date('2026-12-01T12:00:00Z');

// Shapes as `aws ec2 describe-flow-logs` prints them (EC2 API Reference, FlowLog).
const vpcFlowLog: FlowLog = {
  CreationTime: new Date('2026-11-01T09:00:00Z'),
  DeliverLogsPermissionArn: 'arn:aws:iam::123456789012:role/flow-logs',
  DeliverLogsStatus: 'SUCCESS',
  FlowLogId: 'fl-0aaa1111bbbb22223',
  FlowLogStatus: 'ACTIVE',
  LogGroupName: 'vpc-flow-logs',
  ResourceId: 'vpc-0a1b2c3d',
  TrafficType: 'ALL',
  LogDestinationType: 'cloud-watch-logs',
  LogFormat:
    '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}',
  MaxAggregationInterval: 600,
};
const s3FlowLog: FlowLog = {
  FlowLogId: 'fl-0ccc',
  FlowLogStatus: 'ACTIVE',
  ResourceId: 'vpc-0ffff',
  TrafficType: 'ALL',
  LogDestinationType: 's3',
  LogDestination: 'arn:aws:s3:::my-flow-logs',
  MaxAggregationInterval: 600,
};

const request = (id: string, address: string, vpcId: string, eni: string): EvidenceRequest => ({
  instanceId: id,
  address,
  port: 22,
  vpcId,
  subnetId: `subnet-${id}`,
  networkInterfaceId: eni,
  diagnosis: 'HOST_FIREWALL_DROP',
  peers: [{ name: 'prober', cidrs: ['10.0.0.10/32'] }],
  tags: {},
});

const WEB = request('i-web', '10.0.1.5', 'vpc-0a1b2c3d', 'eni-web');
const OTHER = request('i-other', '10.9.1.5', 'vpc-0ffff', 'eni-other');
const NONE = request('i-none', '10.8.1.5', 'vpc-0eeee', 'eni-none');

const row = (message: string) => [
  { field: '@message', value: message },
  { field: '@ptr', value: 'CmAKJwoj…' },
];

function setup() {
  const ec2 = mockClient(EC2Client);
  const logs = mockClient(CloudWatchLogsClient);
  let clock = NOW.getTime();
  const backend = new AwsFlowLogBackend({
    ec2: ec2 as unknown as EC2Client,
    logs: logs as unknown as CloudWatchLogsClient,
    pollMs: 1000,
    clock: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
  });
  return { ec2, logs, source: new FlowLogEvidenceSource(backend), advance: (ms: number) => (clock += ms) };
}

describe('FlowLogEvidenceSource over AWS', () => {
  it('finds the VPC flow log, runs one query over the window and reads the records per instance', async () => {
    const { ec2, logs, source } = setup();
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [vpcFlowLog, s3FlowLog] });
    logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
    logs
      .on(GetQueryResultsCommand)
      .resolvesOnce({ status: 'Running', results: [] })
      .resolves({
        status: 'Complete',
        statistics: { recordsMatched: 2, recordsScanned: 52_000, bytesScanned: 7_800_000 },
        results: [
          row('2 123456789012 eni-web 10.0.0.10 10.0.1.5 40100 22 6 4 240 1764589800 1764589860 ACCEPT OK'),
          row('2 123456789012 eni-web 10.0.0.10 10.0.1.5 40102 22 6 8 480 1764589860 1764589920 ACCEPT OK'),
        ],
      });

    const report = await source.gather([WEB, OTHER, NONE], { now: NOW, deadlineAt: NOW.getTime() + 20_000 });

    const describe = ec2.commandCalls(DescribeFlowLogsCommand)[0]!.args[0].input;
    assert.deepEqual(describe.Filter, [
      {
        Name: 'resource-id',
        Values: [
          'eni-none',
          'eni-other',
          'eni-web',
          'subnet-i-none',
          'subnet-i-other',
          'subnet-i-web',
          'vpc-0a1b2c3d',
          'vpc-0eeee',
          'vpc-0ffff',
        ],
      },
    ]);
    const starts = logs.commandCalls(StartQueryCommand);
    assert.equal(starts.length, 1);
    const input = starts[0]!.args[0].input;
    assert.deepEqual(input.logGroupNames, ['vpc-flow-logs']);
    assert.equal(input.endTime, NOW.getTime() / 1000);
    assert.equal(input.startTime, NOW.getTime() / 1000 - 20 * 60);
    assert.equal(input.limit, 1000);
    assert.match(input.queryString ?? '', /f_dstaddr in \["10\.0\.1\.5"\]/);
    assert.doesNotMatch(input.queryString ?? '', /10\.9\.1\.5/);
    assert.equal(logs.commandCalls(GetQueryResultsCommand).length, 2);
    assert.equal(logs.commandCalls(StopQueryCommand).length, 0);

    const web = report.found.get('i-web');
    assert.equal(web?.evidence[0]?.code, 'FLOW_LOG_NO_REPLY');
    assert.match(
      web?.evidence[0]?.detail ?? '',
      /^flow logs: 12 packets to port 22 accepted by the VPC, no TCP reply/,
    );
    assert.equal(web?.observations?.flowLog?.verdict, 'no-reply');
    assert.equal(
      report.unavailable.get('i-other'),
      'flow logs go to s3 (arn:aws:s3:::my-flow-logs): not read (only CloudWatch Logs is queried)',
    );
    assert.equal(
      report.unavailable.get('i-none'),
      'no active flow log on eni-none, subnet-i-none, vpc-0eeee',
    );
    assert.deepEqual(report.errors, []);
  });

  it('stops the query it gives up on at the deadline and says it did not finish', async () => {
    const { ec2, logs, source } = setup();
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [vpcFlowLog] });
    logs.on(StartQueryCommand).resolves({ queryId: 'q-2' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Running', results: [] });
    logs.on(StopQueryCommand).resolves({ success: true });

    const report = await source.gather([WEB], { now: NOW, deadlineAt: NOW.getTime() + 5_000 });

    assert.deepEqual(logs.commandCalls(StopQueryCommand)[0]?.args[0].input, { queryId: 'q-2' });
    // Polls at 0, 1, 2, 3 and 4 s: at 3 s a poll at 4 s still leaves the stop margin (0.5 s) before the 5 s
    // deadline; at 4 s the next one would not.
    assert.equal(logs.commandCalls(GetQueryResultsCommand).length, 5);
    assert.equal(
      report.unavailable.get('i-web'),
      'the flow-log query did not finish within the evidence budget',
    );
  });

  it('names a failed query per instance and in errors, never throws', async () => {
    const { ec2, logs, source } = setup();
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [vpcFlowLog] });
    logs.on(StartQueryCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: logs:StartQuery'), {
        name: 'AccessDeniedException',
      }),
    );
    const report = await source.gather([WEB], { now: NOW, deadlineAt: NOW.getTime() + 5_000 });
    assert.equal(report.found.size, 0);
    assert.match(report.unavailable.get('i-web') ?? '', /^Logs Insights query: User is not authorized/);
    assert.equal(report.errors.length, 1);
  });

  it('names a failed DescribeFlowLogs for every instance', async () => {
    const { ec2, source } = setup();
    ec2
      .on(DescribeFlowLogsCommand)
      .rejects(Object.assign(new Error('UnauthorizedOperation'), { name: 'UnauthorizedOperation' }));
    const report = await source.gather([WEB, NONE], { now: NOW, deadlineAt: NOW.getTime() + 5_000 });
    assert.equal(report.unavailable.size, 2);
    assert.match(report.errors[0] ?? '', /^DescribeFlowLogs: /);
  });

  it('reads the subnet flow log before the VPC one, and follows DescribeFlowLogs pages', async () => {
    const { ec2, logs, source } = setup();
    ec2
      .on(DescribeFlowLogsCommand)
      .resolvesOnce({ FlowLogs: [vpcFlowLog], NextToken: 'p2' })
      .resolves({
        FlowLogs: [
          {
            ...vpcFlowLog,
            FlowLogId: 'fl-subnet',
            ResourceId: 'subnet-i-web',
            LogGroupName: 'subnet-logs',
            MaxAggregationInterval: 60,
          },
        ],
      });
    logs.on(StartQueryCommand).resolves({ queryId: 'q-3' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Complete', results: [] });
    const report = await source.gather([WEB], { now: NOW, deadlineAt: NOW.getTime() + 5_000 });
    assert.equal(ec2.commandCalls(DescribeFlowLogsCommand)[1]?.args[0].input.NextToken, 'p2');
    assert.deepEqual(logs.commandCalls(StartQueryCommand)[0]?.args[0].input.logGroupNames, ['subnet-logs']);
    const line = report.found.get('i-web')?.evidence[0];
    assert.equal(line?.code, 'FLOW_LOG_NO_RECORDS');
    assert.equal(line?.resourceId, 'fl-subnet');
    assert.match(line?.detail ?? '', /aggregated over 1 min\)$/);
  });
});
