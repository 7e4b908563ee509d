import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ShardableTarget,
  selectShard,
  shardKey,
  shardOfKey,
  shardProblem,
} from '../../../../lambda/core/targets/shard.ts';

const instance = (n: number, group?: string): ShardableTarget => ({
  instanceId: `i-${n.toString(16).padStart(17, '0')}`,
  tags: group === undefined ? {} : { 'port22:group': group },
});

/** Every shard of `shards`, selected one by one as the concurrent invocations do. */
const partition = (targets: readonly ShardableTarget[], shards: number) =>
  Array.from({ length: shards }, (_, shard) => selectShard(targets, { shard, shards }));

describe('shardProblem', () => {
  const cases: Array<[string, unknown, unknown, string | undefined]> = [
    ['shard 0 of 1', 0, 1, undefined],
    ['the last of 100', 99, 100, undefined],
    ['shard past the count', 2, 2, 'shard must be a whole number from 0 to 1, got 2'],
    ['negative shard', -1, 4, 'shard must be a whole number from 0 to 3, got -1'],
    ['fractional shard', 0.5, 4, 'shard must be a whole number from 0 to 3, got 0.5'],
    ['shard as a string', '1', 4, 'shard must be a whole number from 0 to 3, got "1"'],
    ['zero shards', 0, 0, 'shards must be a whole number from 1 to 100, got 0'],
    ['101 shards', 0, 101, 'shards must be a whole number from 1 to 100, got 101'],
    ['shards missing', 0, undefined, 'shards must be a whole number from 1 to 100, got undefined'],
  ];
  for (const [name, shard, shards, expected] of cases) {
    it(name, () => assert.equal(shardProblem(shard, shards), expected));
  }
  it('selectShard refuses an invalid shard instead of silently checking nothing', () => {
    assert.throws(() => selectShard([instance(1)], { shard: 3, shards: 3 }), RangeError);
  });
});

describe('shardKey', () => {
  const cases: Array<[string, ShardableTarget, string]> = [
    ['no group: the instance id', instance(1), 'instance:i-00000000000000001'],
    ['an HA group: the group', instance(1, 'bastions'), 'group:bastions'],
    ['a group tag with spaces is the same group', instance(2, ' bastions '), 'group:bastions'],
    ['an empty group tag is no group', instance(3, ''), 'instance:i-00000000000000003'],
  ];
  for (const [name, target, expected] of cases) it(name, () => assert.equal(shardKey(target), expected));
});

describe('selectShard', () => {
  const fleet = Array.from({ length: 10_000 }, (_, n) => instance(n));

  for (const shards of [1, 2, 3, 7, 10, 100]) {
    it(`${shards} shard(s): every instance in exactly one shard, in inventory order`, () => {
      const parts = partition(fleet, shards);
      const seen = new Map<string, number>();
      for (const part of parts)
        for (const t of part) seen.set(t.instanceId, (seen.get(t.instanceId) ?? 0) + 1);
      assert.equal(seen.size, fleet.length);
      assert.ok([...seen.values()].every((count) => count === 1));
      for (const part of parts) {
        const order = part.map((t) => fleet.indexOf(t));
        assert.deepEqual(
          order,
          [...order].sort((a, b) => a - b),
        );
      }
    });
  }

  // Chi-square critical values at p = 0.001 for shards − 1 degrees of freedom: a uniform hash exceeds them
  // one time in a thousand, a biased one (say, keyed on a fixed id prefix) by orders of magnitude.
  const critical: Array<[number, number]> = [
    [2, 10.83],
    [10, 27.88],
    [100, 148.23],
  ];
  for (const [shards, limit] of critical) {
    it(`10,000 ids over ${shards} shards: spread as evenly as chance allows (χ² < ${limit})`, () => {
      const even = fleet.length / shards;
      const sizes = partition(fleet, shards).map((p) => p.length);
      const chiSquare = sizes.reduce((sum, size) => sum + (size - even) ** 2 / even, 0);
      assert.ok(chiSquare < limit, `χ² = ${chiSquare.toFixed(1)}: ${sizes.join(', ')}`);
      for (const size of sizes) assert.ok(size > even * 0.6 && size < even * 1.4, `${sizes.join(', ')}`);
    });
  }

  it('an HA group stays whole in one shard, whatever its members’ ids', () => {
    const groups = ['web', 'bastions', 'db-primary', 'db-replica', 'nat'];
    const targets = Array.from({ length: 200 }, (_, n) => instance(n, groups[n % groups.length]));
    for (const shards of [2, 5, 16]) {
      const parts = partition(targets, shards);
      for (const group of groups) {
        const holding = parts.filter((p) => p.some((t) => t.tags['port22:group'] === group));
        assert.equal(holding.length, 1, `${group} over ${shards} shards`);
        assert.equal(holding[0]!.filter((t) => t.tags['port22:group'] === group).length, 40);
      }
    }
  });

  it('stable across runs and releases: fixed keys land in fixed shards', () => {
    // SHA-256 is a standard: these values only change if the key or the rule changes, which would move
    // every instance to another shard mid-streak.
    const pinned: Array<[string, [number, number, number]]> = [
      ['instance:i-00000000000000001', [8, 98, 5]],
      ['group:bastions', [1, 1, 6]],
      ['instance:i-0123456789abcdef0', [8, 38, 1]],
    ];
    for (const [key, [of10, of100, of7]] of pinned) {
      assert.deepEqual(
        [shardOfKey(key, 10), shardOfKey(key, 100), shardOfKey(key, 7)],
        [of10, of100, of7],
        key,
      );
    }
    const first = partition(fleet.slice(0, 500), 4).map((p) => p.map((t) => t.instanceId));
    const again = partition([...fleet.slice(0, 500)].reverse(), 4).map((p) =>
      p.map((t) => t.instanceId).reverse(),
    );
    assert.deepEqual(again, first, 'a shard does not depend on the order or company of the inventory');
  });

  it('one shard of one is the whole fleet, untouched', () => {
    const targets = [instance(1), instance(2, 'web')];
    assert.deepEqual(selectShard(targets, { shard: 0, shards: 1 }), targets);
  });
});
