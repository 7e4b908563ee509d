// Which evidence sources the Lambda and the CLI wire: console output when the config (or the inventory
// directory) has it, nothing otherwise.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Ec2ConsoleOutputSource } from '../../lambda/adapters/aws/console-output.ts';
import { FileConsoleOutputSource } from '../../lambda/adapters/local/console-output-files.ts';
import type { Inventory } from '../../lambda/core/inventory/model.ts';
import { localPorts } from '../../lambda/local-wiring.ts';
import { awsPorts } from '../../lambda/wiring.ts';

const dir = mkdtempSync(join(tmpdir(), 'port22-wiring-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('evidence wiring', () => {
  it('Lambda: the console source when evidence.console is on, none when off', () => {
    const on = awsPorts({ region: 'eu-west-1', evidence: { console: true } });
    assert.equal(on.evidence?.length, 1);
    assert.ok(on.evidence?.[0] instanceof Ec2ConsoleOutputSource);
    assert.equal(awsPorts({ region: 'eu-west-1', evidence: { console: false } }).evidence, undefined);
    assert.equal(awsPorts({ region: 'eu-west-1' }).evidence, undefined);
  });

  it('CLI: an inventory directory with get-console-output/ reads it; one without has no console source', () => {
    const inventory = {} as Inventory;
    assert.equal(localPorts({ inventory, inventoryDir: dir }).evidence, undefined);
    mkdirSync(join(dir, 'get-console-output'));
    const ports = localPorts({ inventory, inventoryDir: dir });
    assert.ok(ports.evidence?.[0] instanceof FileConsoleOutputSource);
  });
});
