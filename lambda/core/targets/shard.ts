/**
 * Which instances one shard of a run checks (DESIGN.md, "Deployment shape": large VPCs fan out across
 * concurrent Lambda invocations). Every shard loads the same inventory; each keeps the targets whose shard
 * key hashes to it, so the shards partition the fleet without talking to each other.
 *
 * The key is the `port22:group` tag when there is one: the group policy judges an HA group on all its
 * members at once (lambda/core/alerts/group-policy.ts), so a group must never be split across shards.
 * Otherwise it is the instance id.
 */
import { createHash } from 'node:crypto';
import { parsePort22Tags } from '../inventory/tags.ts';

/** One shard of `shards`: `shard` counts from 0. One shard of one is the whole fleet. */
export interface Shard {
  readonly shard: number;
  readonly shards: number;
}

export const WHOLE_FLEET: Shard = { shard: 0, shards: 1 };

/** At most this many shards per VPC: each is its own schedule and concurrent invocation. */
export const MAX_SHARDS = 100;

/** What the selection reads of a target. */
export interface ShardableTarget {
  readonly instanceId: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** Why `shard` is not a valid shard, or undefined when it is. */
export function shardProblem(shard: unknown, shards: unknown): string | undefined {
  if (!Number.isInteger(shards) || (shards as number) < 1 || (shards as number) > MAX_SHARDS)
    return `shards must be a whole number from 1 to ${MAX_SHARDS}, got ${JSON.stringify(shards)}`;
  if (!Number.isInteger(shard) || (shard as number) < 0 || (shard as number) >= (shards as number))
    return `shard must be a whole number from 0 to ${(shards as number) - 1}, got ${JSON.stringify(shard)}`;
  return undefined;
}

/** The shard key: the HA group (as the group policy reads it) when there is one, else the instance id. */
export function shardKey(target: ShardableTarget): string {
  const { group } = parsePort22Tags(target.tags);
  return group ? groupShardKey(group) : instanceShardKey(target.instanceId);
}

/** The shard key of an HA group: every member of a tagged group goes to its shard. */
export function groupShardKey(group: string): string {
  return `group:${group}`;
}

/** The shard key of an instance in no tagged group. */
export function instanceShardKey(instanceId: string): string {
  return `instance:${instanceId}`;
}

/**
 * The shard a key belongs to: the first 4 bytes of its SHA-256, big-endian, modulo `shards`. SHA-256
 * rather than a string hash of our own: it is stable across runtimes and releases and spreads ids that
 * differ only in a few hex digits evenly; 2^32 mod 100 leaves a bias below 1e-7.
 */
export function shardOfKey(key: string, shards: number): number {
  if (shards <= 1) return 0;
  return createHash('sha256').update(key, 'utf8').digest().readUInt32BE(0) % shards;
}

/** The targets of one shard, in their original order. */
export function selectShard<T extends ShardableTarget>(targets: readonly T[], shard: Shard): T[] {
  const problem = shardProblem(shard.shard, shard.shards);
  if (problem) throw new RangeError(problem);
  if (shard.shards === 1) return [...targets];
  return targets.filter((t) => shardOfKey(shardKey(t), shard.shards) === shard.shard);
}
