// Which evidence sources the Lambda and the CLI wire: what the config turns on (its defaults: console
// output, flow logs and CloudTrail on; the in-host check off), or what the inventory directory holds.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CloudTrailChangeHistory } from '../../lambda/adapters/aws/cloudtrail-history.ts';
import { Ec2ConsoleOutputSource } from '../../lambda/adapters/aws/console-output.ts';
import { SsmHostCheck } from '../../lambda/adapters/aws/ssm-host-check.ts';
import { FlowLogEvidenceSource } from '../../lambda/adapters/flow-log-evidence.ts';
import { FileConsoleOutputSource } from '../../lambda/adapters/local/console-output-files.ts';
import type { Inventory } from '../../lambda/core/inventory/model.ts';
import { localPorts } from '../../lambda/local-wiring.ts';
import { awsPorts } from '../../lambda/wiring.ts';

const dir = mkdtempSync(join(tmpdir(), 'port22-wiring-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Building the ports sends nothing: clients connect on their first call.
describe('evidence wiring', () => {
  it('Lambda: console output, flow logs and CloudTrail by default (the stack config defaults)', () => {
    const ports = awsPorts({ region: 'eu-west-1' });
    assert.deepEqual(
      ports.evidence?.map((s) => s.kind),
      ['console', 'flow-log'],
    );
    assert.ok(ports.evidence?.[0] instanceof Ec2ConsoleOutputSource);
    assert.ok(ports.evidence?.[1] instanceof FlowLogEvidenceSource);
    assert.ok(ports.changeHistory instanceof CloudTrailChangeHistory);
  });

  it('Lambda: each source off when the config turns it off', () => {
    const consoleOff = awsPorts({ region: 'eu-west-1', evidence: { console: false } });
    assert.deepEqual(
      consoleOff.evidence?.map((s) => s.kind),
      ['flow-log'],
    );
    const none = awsPorts({
      region: 'eu-west-1',
      evidence: { console: false, flowLogs: false, cloudTrail: false },
    });
    assert.equal(none.evidence, undefined);
    assert.equal(none.changeHistory, undefined);
  });

  it('Lambda: the in-host check only when evidence.ssm asks for it', () => {
    const sources = awsPorts({
      region: 'eu-west-1',
      evidence: { console: false, flowLogs: false, ssm: true },
    });
    assert.deepEqual(
      sources.evidence?.map((s) => [s.kind, s instanceof SsmHostCheck]),
      [['host', true]],
    );
  });

  it('CLI: an inventory directory with get-console-output/ reads it; one without has no console source', () => {
    const inventory = {} as Inventory;
    assert.equal(localPorts({ inventory, inventoryDir: dir }).evidence, undefined);
    mkdirSync(join(dir, 'get-console-output'));
    const ports = localPorts({ inventory, inventoryDir: dir });
    assert.ok(ports.evidence?.[0] instanceof FileConsoleOutputSource);
  });
});
