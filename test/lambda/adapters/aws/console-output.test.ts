// The GetConsoleOutput adapter against aws-sdk-client-mock. Response shapes are the API's (EC2 API Reference,
// GetConsoleOutput: InstanceId, Timestamp, Output "The console output, base64-encoded. If you are using a
// command line tool, the tool decodes the output for you."); the SDK hands Output over still encoded.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EC2Client, EC2ServiceException, GetConsoleOutputCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { Ec2ConsoleOutputSource, latestUnsupported } from '../../../../lambda/adapters/aws/console-output.ts';
import type { EvidenceRequest } from '../../../../lambda/core/evidence/observations.ts';

const PANIC = readFileSync(new URL('../../../fixtures/console/kernel-panic.txt', import.meta.url), 'utf8');
const CLEAN = readFileSync(new URL('../../../fixtures/console/benign-al2023.txt', import.meta.url), 'utf8');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

function request(
  instanceId: string,
  diagnosis: EvidenceRequest['diagnosis'] = 'SSHD_NOT_LISTENING',
): EvidenceRequest {
  return { instanceId, port: 22, diagnosis, peers: [], tags: {} };
}

function ec2Error(name: string, message: string) {
  return new EC2ServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

const far = () => ({ now: new Date('2026-12-01T17:00:00Z'), deadlineAt: Date.now() + 60_000 });

describe('Ec2ConsoleOutputSource', () => {
  it('asks with Latest, decodes the base64 Output, parses it, keeps the Timestamp', async () => {
    const mock = mockClient(EC2Client);
    mock.on(GetConsoleOutputCommand, { InstanceId: 'i-0aa0000000000000a', Latest: true }).resolves({
      InstanceId: 'i-0aa0000000000000a',
      Timestamp: new Date('2026-12-01T16:59:30Z'),
      Output: b64(PANIC),
    });
    const source = new Ec2ConsoleOutputSource({ client: new EC2Client({ region: 'eu-west-1' }) });
    const report = await source.gather([request('i-0aa0000000000000a')], far());
    const finding = report.found.get('i-0aa0000000000000a');
    assert.ok(finding, JSON.stringify([...report.unavailable]));
    assert.equal(finding.evidence[0]?.code, 'KERNEL_PANIC');
    assert.equal(finding.observations?.console?.capturedAt, '2026-12-01T16:59:30.000Z');
    assert.equal(mock.commandCalls(GetConsoleOutputCommand).length, 1);
    assert.deepEqual(report.errors, []);
    mock.restore();
  });

  it('falls back to the buffered output once when Latest is refused (a Xen instance type)', async () => {
    const mock = mockClient(EC2Client);
    mock.on(GetConsoleOutputCommand).callsFake(async (input: { InstanceId: string; Latest?: boolean }) => {
      if (input.Latest)
        throw ec2Error(
          'UnsupportedOperation',
          'The instance type t2.micro does not support the latest console output.',
        );
      return { InstanceId: input.InstanceId, Timestamp: new Date(), Output: b64(CLEAN) };
    });
    const source = new Ec2ConsoleOutputSource({ client: new EC2Client({ region: 'eu-west-1' }) });
    const report = await source.gather([request('i-0bb0000000000000b')], far());
    assert.equal(report.found.get('i-0bb0000000000000b')?.evidence[0]?.code, 'NOTHING_FOUND');
    const calls = mock.commandCalls(GetConsoleOutputCommand).map((c) => c.args[0].input);
    assert.deepEqual(calls, [
      { InstanceId: 'i-0bb0000000000000b', Latest: true },
      { InstanceId: 'i-0bb0000000000000b' },
    ]);
    mock.restore();
  });

  it('reasons, not failures: no output yet, a terminated instance, a stopped one (never asked)', async () => {
    const mock = mockClient(EC2Client);
    // An instance with nothing posted yet answers without Output.
    mock
      .on(GetConsoleOutputCommand, { InstanceId: 'i-0cc0000000000000c' })
      .resolves({ InstanceId: 'i-0cc0000000000000c' });
    mock
      .on(GetConsoleOutputCommand, { InstanceId: 'i-0dd0000000000000d' })
      .rejects(
        ec2Error('InvalidInstanceID.NotFound', "The instance ID 'i-0dd0000000000000d' does not exist"),
      );
    const source = new Ec2ConsoleOutputSource({ client: new EC2Client({ region: 'eu-west-1' }) });
    const report = await source.gather(
      [
        request('i-0cc0000000000000c'),
        request('i-0dd0000000000000d'),
        request('i-0ee0000000000000e', 'INSTANCE_STOPPED'),
      ],
      far(),
    );
    assert.equal(report.found.size, 0);
    assert.match(report.unavailable.get('i-0cc0000000000000c')!, /^AWS holds no console output for it/);
    assert.equal(
      report.unavailable.get('i-0dd0000000000000d'),
      'no such instance (InvalidInstanceID.NotFound)',
    );
    assert.match(report.unavailable.get('i-0ee0000000000000e')!, /^the instance is not running/);
    assert.deepEqual(report.errors, []);
    const asked = mock.commandCalls(GetConsoleOutputCommand).map((c) => c.args[0].input.InstanceId);
    assert.ok(!asked.includes('i-0ee0000000000000e'), 'a stopped instance costs no call');
    mock.restore();
  });

  it('access denied: not available with the missing permission, and an error line', async () => {
    const mock = mockClient(EC2Client);
    mock
      .on(GetConsoleOutputCommand)
      .rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const source = new Ec2ConsoleOutputSource({ client: new EC2Client({ region: 'eu-west-1' }) });
    const report = await source.gather([request('i-0ff0000000000000f')], far());
    assert.equal(
      report.unavailable.get('i-0ff0000000000000f'),
      'not allowed to read it (UnauthorizedOperation: the role needs ec2:GetConsoleOutput)',
    );
    assert.deepEqual(report.errors, [
      'i-0ff0000000000000f: GetConsoleOutput failed: UnauthorizedOperation: You are not authorized to perform this operation.',
    ]);
    assert.equal(mock.commandCalls(GetConsoleOutputCommand).length, 1, 'no Latest fallback for a denial');
    mock.restore();
  });

  it('one call per instance, at most `concurrency` in flight, none after the deadline', async () => {
    const mock = mockClient(EC2Client);
    let inFlight = 0;
    let most = 0;
    mock.on(GetConsoleOutputCommand).callsFake(async (input: { InstanceId: string }) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      return { InstanceId: input.InstanceId, Output: b64(CLEAN) };
    });
    const ids = Array.from({ length: 10 }, (_, i) => `i-0${String(i).padStart(16, '0')}`);
    const source = new Ec2ConsoleOutputSource({
      client: new EC2Client({ region: 'eu-west-1' }),
      concurrency: 3,
    });
    // The same instance asked twice in one run is read once.
    const report = await source.gather(
      [...ids, ids[0]!].map((id) => request(id)),
      far(),
    );
    assert.equal(report.found.size, 10);
    assert.equal(mock.commandCalls(GetConsoleOutputCommand).length, 10);
    assert.equal(most, 3);

    // With the deadline already past, nothing is asked.
    mock.resetHistory();
    const late = await source.gather([request(ids[0]!)], { now: new Date(), deadlineAt: Date.now() - 1 });
    assert.equal(late.unavailable.get(ids[0]!), 'the evidence budget ran out before it was read');
    assert.equal(mock.commandCalls(GetConsoleOutputCommand).length, 0);
    mock.restore();
  });

  it('which refusals mean "Latest unsupported"', () => {
    assert.equal(latestUnsupported(ec2Error('UnsupportedOperation', 'not supported')), true);
    assert.equal(latestUnsupported(ec2Error('InvalidParameterValue', 'Latest is not supported')), true);
    assert.equal(latestUnsupported(ec2Error('InvalidParameterValue', 'bad instance id')), false);
    assert.equal(latestUnsupported(ec2Error('UnauthorizedOperation', 'latest')), false);
  });
});
