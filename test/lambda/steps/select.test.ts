import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexInventory } from '../../../lambda/core/inventory/model.ts';
import { select } from '../../../lambda/steps/select.ts';
import { BARE, CLOSED, WALLED, WEB, world } from './world.ts';

const index = indexInventory(world());
const ids = (s: ReturnType<typeof select>) => s.targets.map((t) => t.instanceId);

describe('select step', () => {
  it('defaults: the whole fleet on port 22', () => {
    const s = select(index, {});
    assert.deepEqual(ids(s), [WEB, CLOSED, WALLED, BARE]);
    assert.equal(s.port, 22);
    assert.deepEqual(s.shard, { shard: 0, shards: 1 });
  });

  it('the configured port is every untagged target’s port', () => {
    const s = select(index, { port: 2222 });
    assert.equal(s.port, 2222);
    assert.deepEqual(
      s.targets.map((t) => t.port),
      [2222, 2222, 2222, 2222],
    );
  });

  it('tag filters narrow the fleet', () => {
    assert.deepEqual(ids(select(index, { targets: { tagFilters: [{ key: 'Name', values: ['web'] }] } })), [
      WEB,
    ]);
  });

  it('shards: every target in exactly one of them, in fleet order', () => {
    const shards = [0, 1, 2].map((shard) => ids(select(index, { shard, shards: 3 })));
    assert.deepEqual(shards.flat().sort(), [WEB, CLOSED, WALLED, BARE].sort());
    for (const part of shards) {
      const order = [WEB, CLOSED, WALLED, BARE].filter((id) => part.includes(id));
      assert.deepEqual(part, order);
    }
    assert.deepEqual(select(index, { shard: 1, shards: 3 }).shard, { shard: 1, shards: 3 });
  });
});
