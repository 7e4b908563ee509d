/**
 * Select: which instances this run checks — the monitored ones (tags and configured filters), and of those
 * only this run's shard of the fleet.
 */
import type { InventoryIndex } from '../core/inventory/model.ts';
import { DEFAULT_SSH_PORT } from '../core/inventory/tags.ts';
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
}

export function select(index: InventoryIndex, options: SelectOptions): Selection {
  const port = options.port ?? DEFAULT_SSH_PORT;
  const shard = { shard: options.shard ?? WHOLE_FLEET.shard, shards: options.shards ?? WHOLE_FLEET.shards };
  return { targets: selectShard(selectTargets(index, { ...options.targets, port }), shard), port, shard };
}
