// Console output from an inventory directory: get-console-output/<id>.json as `aws ec2 get-console-output
// --latest --output json` prints it. The CLI decodes Output (botocore's decode_console_output handler turns the
// API's base64 into text), so the file holds the console text with its CR LF line ends.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileConsoleOutputSource } from '../../../../lambda/adapters/local/console-output-files.ts';
import type { EvidenceRequest } from '../../../../lambda/core/evidence/observations.ts';

const OOM = readFileSync(new URL('../../../fixtures/console/oom-kill-sshd.txt', import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'port22-console-'));
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'get-console-output'));
const put = (id: string, body: string) => writeFileSync(join(dir, 'get-console-output', `${id}.json`), body);

put(
  'i-0aa0000000000000a',
  JSON.stringify(
    { InstanceId: 'i-0aa0000000000000a', Timestamp: '2026-12-01T16:59:30+00:00', Output: OOM },
    null,
    4,
  ),
);
// What the CLI prints for an instance with nothing posted yet: no Output key.
put(
  'i-0bb0000000000000b',
  JSON.stringify({ InstanceId: 'i-0bb0000000000000b', Timestamp: '2026-12-01T16:59:30+00:00' }),
);
put('i-0cc0000000000000c', '{"InstanceId": "i-0cc0000000000000c", "Output": 42}');
put('i-0dd0000000000000d', 'Output: not json');

const request = (instanceId: string, diagnosis: EvidenceRequest['diagnosis'] = 'SSHD_NOT_LISTENING') => ({
  instanceId,
  port: 22,
  diagnosis,
  peers: [],
  tags: {},
});
const context = { now: new Date(), deadlineAt: Date.now() + 10_000 };

describe('FileConsoleOutputSource', () => {
  it('reads the CLI JSON: the text parsed, the Timestamp kept', async () => {
    const report = await new FileConsoleOutputSource(dir).gather([request('i-0aa0000000000000a')], context);
    const finding = report.found.get('i-0aa0000000000000a')!;
    assert.deepEqual(
      finding.evidence.map((e) => e.code),
      ['OOM_KILL', 'SSH_UNIT_FAILED'],
    );
    assert.equal(finding.observations?.console?.capturedAt, '2026-12-01T16:59:30.000Z');
    assert.deepEqual(report.errors, []);
  });

  it('a missing file, no Output, a stopped instance: reasons without errors', async () => {
    const report = await new FileConsoleOutputSource(dir).gather(
      [
        request('i-0ee0000000000000e'),
        request('i-0bb0000000000000b'),
        request('i-0aa0000000000000a', 'INSTANCE_STOPPED'),
      ],
      context,
    );
    assert.equal(report.found.size, 0);
    assert.equal(
      report.unavailable.get('i-0ee0000000000000e'),
      'no get-console-output/i-0ee0000000000000e.json in the inventory directory',
    );
    assert.match(report.unavailable.get('i-0bb0000000000000b')!, /^AWS holds no console output for it/);
    assert.match(report.unavailable.get('i-0aa0000000000000a')!, /^the instance is not running/);
    assert.deepEqual(report.errors, []);
  });

  it('a file that is not what the CLI prints: not available, and an error naming the file', async () => {
    const report = await new FileConsoleOutputSource(dir).gather(
      [request('i-0cc0000000000000c'), request('i-0dd0000000000000d')],
      context,
    );
    assert.equal(
      report.unavailable.get('i-0cc0000000000000c'),
      'get-console-output/i-0cc0000000000000c.json: Output is not a string',
    );
    assert.match(
      report.unavailable.get('i-0dd0000000000000d')!,
      /^get-console-output\/i-0dd0000000000000d\.json: not JSON/,
    );
    assert.equal(report.errors.length, 2);
  });

  it('an id that is not an instance id never becomes a path', async () => {
    const report = await new FileConsoleOutputSource(dir).gather([request('../../etc/passwd')], context);
    assert.equal(report.unavailable.get('../../etc/passwd'), 'not an instance id');
  });
});
