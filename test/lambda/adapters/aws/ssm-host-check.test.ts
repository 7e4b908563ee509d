/**
 * The SSM in-host check against aws-sdk-client-mock, with response shapes from the Systems Manager API
 * reference (DescribeInstanceInformation, SendCommand, GetCommandInvocation examples): an invocation that is
 * not registered yet right after SendCommand (InvocationDoesNotExist), InProgress then Success, Failed with
 * StatusDetails Undeliverable, TimedOut with StatusDetails DeliveryTimedOut, and a command still running at
 * the deadline.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  InvocationDoesNotExist,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { SsmHostCheck } from '../../../../lambda/adapters/aws/ssm-host-check.ts';
import { RUN_SHELL_SCRIPT_DOCUMENT } from '../../../../lambda/core/evidence/host-check-script.ts';
import type { EvidenceRequest } from '../../../../lambda/core/evidence/observations.ts';

const OUTPUT = readFileSync(
  new URL('../../../fixtures/host-check/script-output-namespace.txt', import.meta.url),
  'utf8',
);
const COMMAND_ID = '92853adf-ba41-4cd6-9a88-142d1EXAMPLE';

function request(
  instanceId: string,
  tags: Record<string, string> = { 'port22:host-check': 'true' },
  port = 22,
): EvidenceRequest {
  return {
    instanceId,
    address: '10.0.1.25',
    port,
    diagnosis: 'HOST_FIREWALL_DROP',
    peers: [{ name: 'prober', cidrs: ['198.18.9.4/32'] }],
    tags,
  };
}

const online = (id: string, extra: object = {}) => ({
  InstanceId: id,
  PingStatus: 'Online' as const,
  LastPingDateTime: new Date('2026-12-01T17:00:00Z'),
  AgentVersion: '3.3.1142.0',
  IsLatestVersion: false,
  PlatformType: 'Linux' as const,
  PlatformName: 'Ubuntu',
  PlatformVersion: '24.04',
  ResourceType: 'EC2Instance' as const,
  IPAddress: '10.0.1.25',
  ComputerName: 'ip-10-0-1-25.ec2.internal',
  ...extra,
});

function invocation(
  instanceId: string,
  status: string,
  details: string,
  stdout = '',
): GetCommandInvocationCommandOutput {
  return {
    $metadata: {},
    CommandId: COMMAND_ID,
    InstanceId: instanceId,
    DocumentName: RUN_SHELL_SCRIPT_DOCUMENT,
    PluginName: 'aws:runShellScript',
    ResponseCode: status === 'Success' ? 0 : -1,
    Status: status as GetCommandInvocationCommandOutput['Status'],
    StatusDetails: details,
    StandardOutputContent: stdout,
    StandardErrorContent: '',
  };
}

/** A fake clock the sleeps advance, so polling rounds are counted, not waited for. */
function fakeTime(start = 1_000_000) {
  let now = start;
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe('SsmHostCheck', () => {
  it('runs only on tagged, online, Linux nodes and reads the output once the invocation ends', async () => {
    const ssm = mockClient(SSMClient);
    ssm.on(DescribeInstanceInformationCommand).resolves({
      InstanceInformationList: [
        online('i-a'),
        online('i-lost', { PingStatus: 'ConnectionLost' }),
        online('i-win', { PlatformType: 'Windows' }),
      ],
    });
    ssm.on(SendCommandCommand).resolves({
      Command: { CommandId: COMMAND_ID, Status: 'Pending', DocumentName: RUN_SHELL_SCRIPT_DOCUMENT },
    });
    ssm
      .on(GetCommandInvocationCommand)
      .rejectsOnce(new InvocationDoesNotExist({ message: '', $metadata: {} }))
      .resolvesOnce(invocation('i-a', 'InProgress', 'InProgress'))
      .resolves(invocation('i-a', 'Success', 'Success', OUTPUT));
    const time = fakeTime();
    const source = new SsmHostCheck({ client: ssm as unknown as SSMClient, ...time });
    const report = await source.gather(
      [
        request('i-a'),
        request('i-lost'),
        request('i-win'),
        request('i-unmanaged'),
        request('i-untagged', {}),
      ],
      { now: new Date(), deadlineAt: time.clock() + 20_000 },
    );

    assert.deepEqual([...report.found.keys()], ['i-a']);
    const drop = report.found.get('i-a')?.evidence.find((e) => e.code === 'FIREWALL_DROP');
    assert.match(
      drop?.detail ?? '',
      /table inet filter chain input, rule handle 2: ip saddr 198\.18\.9\.0\/24 tcp dport 22 drop/,
    );
    assert.deepEqual(Object.fromEntries(report.unavailable), {
      'i-untagged': 'the instance is not tagged port22:host-check=true',
      'i-lost': 'its SSM agent is ConnectionLost',
      'i-win': 'a Windows node: the in-host check is a shell script',
      'i-unmanaged':
        'not a managed node in Systems Manager (no SSM agent, or no instance profile allowing it)',
    });
    assert.deepEqual(report.errors, []);
    // Untagged instances are never asked about; the tagged ones in one call.
    const describeCalls = ssm.commandCalls(DescribeInstanceInformationCommand);
    assert.deepEqual(
      describeCalls.map((c) => c.args[0].input.Filters),
      [[{ Key: 'InstanceIds', Values: ['i-a', 'i-lost', 'i-win', 'i-unmanaged'] }]],
    );
    const sent = ssm.commandCalls(SendCommandCommand);
    assert.equal(sent.length, 1);
    const input = sent[0]!.args[0].input;
    assert.equal(input.DocumentName, 'AWS-RunShellScript');
    assert.deepEqual(input.InstanceIds, ['i-a']);
    assert.match(input.Parameters?.commands?.[0] ?? '', /^P=22$/m);
    // The whole budget (20 s) is the execution timeout; the delivery timeout is SendCommand's minimum, 30 s.
    assert.deepEqual(input.Parameters?.executionTimeout, ['20']);
    assert.equal(input.TimeoutSeconds, 30);
    assert.equal(ssm.commandCalls(GetCommandInvocationCommand).length, 3);
  });

  it('Undeliverable and DeliveryTimedOut end without output: unavailable with the status, not an error', async () => {
    const ssm = mockClient(SSMClient);
    ssm
      .on(DescribeInstanceInformationCommand)
      .resolves({ InstanceInformationList: [online('i-u'), online('i-d')] });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: COMMAND_ID } });
    ssm
      .on(GetCommandInvocationCommand, { InstanceId: 'i-u' })
      .resolves(invocation('i-u', 'Failed', 'Undeliverable'));
    ssm
      .on(GetCommandInvocationCommand, { InstanceId: 'i-d' })
      .resolves(invocation('i-d', 'TimedOut', 'DeliveryTimedOut'));
    const time = fakeTime();
    const report = await new SsmHostCheck({ client: ssm as unknown as SSMClient, ...time }).gather(
      [request('i-u'), request('i-d')],
      { now: new Date(), deadlineAt: time.clock() + 10_000 },
    );
    assert.equal(report.found.size, 0);
    assert.equal(report.unavailable.get('i-u'), 'the command ended Undeliverable without output');
    assert.equal(report.unavailable.get('i-d'), 'the command ended DeliveryTimedOut without output');
  });

  it('a Failed or ExecutionTimedOut invocation with output is still read', async () => {
    const ssm = mockClient(SSMClient);
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [online('i-t')] });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: COMMAND_ID } });
    ssm.on(GetCommandInvocationCommand).resolves(invocation('i-t', 'TimedOut', 'ExecutionTimedOut', OUTPUT));
    const time = fakeTime();
    const report = await new SsmHostCheck({ client: ssm as unknown as SSMClient, ...time }).gather(
      [request('i-t')],
      { now: new Date(), deadlineAt: time.clock() + 10_000 },
    );
    assert.ok(report.found.get('i-t')?.evidence.some((e) => e.code === 'FIREWALL_DROP'));
  });

  it('stops polling before the deadline and says the command had not finished', async () => {
    const ssm = mockClient(SSMClient);
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [online('i-slow')] });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: COMMAND_ID } });
    ssm.on(GetCommandInvocationCommand).resolves(invocation('i-slow', 'InProgress', 'InProgress'));
    const time = fakeTime();
    const report = await new SsmHostCheck({
      client: ssm as unknown as SSMClient,
      pollIntervalMs: 1000,
      ...time,
    }).gather([request('i-slow')], { now: new Date(), deadlineAt: time.clock() + 5_000 });
    assert.equal(
      report.unavailable.get('i-slow'),
      `the command ${COMMAND_ID} had not finished by the evidence deadline`,
    );
    // Rounds at +1 s … +4 s; a fifth would end at the deadline itself.
    assert.equal(ssm.commandCalls(GetCommandInvocationCommand).length, 4);
  });

  it('the command budget: the 11th tagged instance is over it; one SendCommand per port', async () => {
    const ids = Array.from({ length: 11 }, (_, i) => `i-${i}`);
    const ssm = mockClient(SSMClient);
    ssm
      .on(DescribeInstanceInformationCommand)
      .resolves({ InstanceInformationList: ids.map((id) => online(id)) });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: COMMAND_ID } });
    ssm.on(GetCommandInvocationCommand).resolves(invocation('x', 'Success', 'Success', OUTPUT));
    const time = fakeTime();
    const requests = ids.map((id, i) => request(id, undefined, i < 5 ? 22 : 2222));
    const report = await new SsmHostCheck({ client: ssm as unknown as SSMClient, ...time }).gather(requests, {
      now: new Date(),
      deadlineAt: time.clock() + 10_000,
    });
    assert.equal(report.found.size, 10);
    assert.equal(report.unavailable.get('i-10'), "over this run's budget of 10 in-host checks");
    const sent = ssm
      .commandCalls(SendCommandCommand)
      .map((c) => [
        c.args[0].input.InstanceIds?.length,
        /^P=(\d+)$/m.exec(c.args[0].input.Parameters?.commands?.[0] ?? '')?.[1],
      ]);
    assert.deepEqual(sent, [
      [5, '22'],
      [5, '2222'],
    ]);
  });

  it('DescribeInstanceInformation failing: every tagged instance unavailable, the error listed', async () => {
    const ssm = mockClient(SSMClient);
    ssm
      .on(DescribeInstanceInformationCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    const time = fakeTime();
    const report = await new SsmHostCheck({ client: ssm as unknown as SSMClient, ...time }).gather(
      [request('i-a')],
      { now: new Date(), deadlineAt: time.clock() + 10_000 },
    );
    assert.deepEqual(report.errors, [
      'DescribeInstanceInformation: AccessDeniedException: User is not authorized',
    ]);
    assert.equal(report.unavailable.get('i-a'), 'Systems Manager could not be asked which nodes it manages');
    assert.equal(ssm.commandCalls(SendCommandCommand).length, 0);
  });
});
