import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexInventory } from '../../../lambda/core/inventory/model.ts';
import { analyse } from '../../../lambda/steps/analyse.ts';
import { select } from '../../../lambda/steps/select.ts';
import { group, tcp } from '../core/reachability/inventory-builder.ts';
import { PROBER_ENI, WALLED, WEB, world } from './world.ts';

const inventory = world();
const index = indexInventory(inventory);
const all = select(index, {});

describe('analyse step', () => {
  it('the prober’s verdict is the one for the address it connects to; sources keep all theirs', () => {
    const a = analyse(inventory, index, all, { proberSource: PROBER_ENI, sources: ['internet'] });
    assert.equal(a.proberSpec, PROBER_ENI);
    assert.deepEqual(a.errors, []);
    const web = a.paths.get(WEB)!;
    assert.equal(web.proberVerdict?.address, '10.0.1.10');
    assert.equal(web.proberVerdict?.reachable, true);
    assert.ok(web.sourceVerdicts.length > 0);
    assert.ok(web.sourceVerdicts.every((v) => v.source === 'internet'));
    const walled = a.paths.get(WALLED)!;
    assert.equal(walled.proberVerdict?.reachable, false);
    assert.deepEqual(
      walled.proberVerdict?.blockers.map((b) => b.code),
      ['SG_INGRESS_NO_MATCH'],
    );
  });

  it('the prober found by a function over the inventory (the Lambda ENI)', () => {
    const a = analyse(inventory, index, all, {
      proberSource: (inv) => inv.networkInterfaces[0]?.NetworkInterfaceId,
    });
    assert.equal(a.proberSpec, PROBER_ENI);
    assert.equal(a.paths.get(WEB)?.proberVerdict?.source, PROBER_ENI);
  });

  it('a prober locator that throws costs the prober paths only', () => {
    const a = analyse(inventory, index, all, {
      proberSource: () => {
        throw new Error('two Lambda ENIs match');
      },
      sources: ['10.0.2.0/24'],
    });
    assert.deepEqual(a.errors, ['analyse: locating the prober: two Lambda ENIs match']);
    assert.equal(a.proberSpec, undefined);
    assert.equal(a.paths.get(WEB)?.proberVerdict, undefined);
    assert.ok((a.paths.get(WEB)?.sourceVerdicts.length ?? 0) > 0);
  });

  it('a source that names nothing costs only its own paths', () => {
    const a = analyse(inventory, index, all, { proberSource: PROBER_ENI, sources: ['i-0gone'] });
    assert.deepEqual(a.errors, ['analyse: source i-0gone: no such instance in the inventory']);
    assert.equal(a.paths.get(WEB)?.proberVerdict?.reachable, true);
    assert.deepEqual(a.paths.get(WEB)?.sourceVerdicts, []);
  });

  it('exposure: reported once across the shards, whatever the sources', () => {
    const open = {
      ...inventory,
      securityGroups: [...inventory.securityGroups, group('sg-0world', [tcp(22, 22, ['0.0.0.0/0'])])],
    };
    const openIndex = indexInventory(open);
    const whole = analyse(open, openIndex, select(openIndex, {}), {}).exposure;
    assert.ok(whole.some((f) => f.code === 'SSH_OPEN_TO_INTERNET' && f.resourceId === 'sg-0world'));
    const key = (f: { code: string; resourceId: string; detail: string }) =>
      `${f.code} ${f.resourceId} ${f.detail}`;
    const shards = [0, 1, 2, 3].flatMap(
      (shard) =>
        analyse(open, openIndex, select(openIndex, { shard, shards: 4 }), { sources: ['internet'] }).exposure,
    );
    assert.deepEqual(shards.map(key).sort(), whole.map(key).sort());
  });

  it('exposure: audited by the first analysis that succeeds, whichever spec fails before it', () => {
    const open = {
      ...inventory,
      securityGroups: [...inventory.securityGroups, group('sg-0world', [tcp(22, 22, ['0.0.0.0/0'])])],
    };
    const openIndex = indexInventory(open);
    // The first spec names nothing, so its analysis throws; the two after it share one audit.
    const a = analyse(open, openIndex, select(openIndex, {}), {
      sources: ['i-0gone', 'internet', PROBER_ENI],
    });
    assert.equal(a.errors.length, 1);
    assert.deepEqual(
      a.exposure.filter((f) => f.resourceId === 'sg-0world').map((f) => f.code),
      ['SSH_OPEN_TO_INTERNET'],
    );
  });
});
