/**
 * Select: which instances this run checks — the monitored ones (tags and configured filters), and of those
 * only this run's shard of the fleet — and which instances of its shard it no longer checks (terminated,
 * `port22:monitor=false`, outside the tag filters): the record step settles the alerts still pending for
 * them, which no later check would otherwise send.
 */
import type { InventoryIndex } from '../core/inventory/model.ts';
import { DEFAULT_SSH_PORT, tagRecord } from '../core/inventory/tags.ts';
import { type SelectedTarget, selectTargets, type TagFilter } from '../core/targets/select.ts';
import { type Shard, selectShard, WHOLE_FLEET } from '../core/targets/shard.ts';

export interface SelectOptions {
  /** The SSH port when no `port22:port` tag names one. @default 22 */
  readonly port?: number;
  readonly targets?: { readonly monitorByDefault?: boolean; readonly tagFilters?: readonly TagFilter[] };
  /** @default 0 */
  readonly shard?: number;
  /** @default 1 */
  readonly shards?: number;
}

export interface Selection {
  readonly targets: readonly SelectedTarget[];
  /** The port the configuration monitors (targets may override it with `port22:port`). */
  readonly port: number;
  readonly shard: Shard;
  /** Instances in the inventory, in this shard, that are not targets: their pending alerts are settled. */
  readonly left: readonly string[];
}

export function select(index: InventoryIndex, options: SelectOptions): Selection {
  const port = options.port ?? DEFAULT_SSH_PORT;
  const shard = { shard: options.shard ?? WHOLE_FLEET.shard, shards: options.shards ?? WHOLE_FLEET.shards };
  const targets = selectShard(selectTargets(index, { ...options.targets, port }), shard);
  const checked = new Set(targets.map((t) => t.instanceId));
  const others = index.inventory.instances
    .filter((i) => !checked.has(i.InstanceId))
    .map((i) => ({ instanceId: i.InstanceId, tags: tagRecord(i.Tags) }));
  const left = selectShard(others, shard).map((i) => i.instanceId);
  return { targets, port, shard, left };
}
