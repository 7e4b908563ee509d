/**
 * StateStore in memory, with the same conditional-write semantics as the DynamoDB adapter: for unit
 * tests and for the CLI, where state lives only as long as the process.
 */
import { STATE_TABLE_KEYS } from '../../contract.ts';
import type { GroupState, InstanceState, RecordScope } from '../../core/state/instance-state.ts';
import type { PendingRecords, StateStore } from '../../ports.ts';

export class MemoryStateStore implements StateStore {
  readonly instances = new Map<string, InstanceState>();
  readonly groups = new Map<string, GroupState>();

  async get(instanceIds: readonly string[]): Promise<Map<string, InstanceState>> {
    return pick(this.instances, instanceIds);
  }

  async getGroups(groups: readonly string[]): Promise<Map<string, GroupState>> {
    return pick(this.groups, groups);
  }

  async put(state: InstanceState, expectedVersion: number): Promise<'ok' | 'conflict'> {
    return write(this.instances, state.instanceId, state, expectedVersion);
  }

  async putGroup(state: GroupState, expectedVersion: number): Promise<'ok' | 'conflict'> {
    return write(this.groups, state.group, state, expectedVersion);
  }

  async listPending(scope: RecordScope, limit: number): Promise<PendingRecords> {
    return pendingRecords(
      [...this.instances.values()].map((r) => ({ key: r.instanceId, record: r })),
      [...this.groups.values()].map((r) => ({ key: r.group, record: r })),
      scope,
      limit,
    );
  }
}

/**
 * The listing as the DynamoDB index answers it: records of `scope` with pending alerts, in key order (the
 * index's sort key is the item key: instance ids, then `group#<name>`), at most `limit`. The stores that
 * hold records as they are (memory, files) share it.
 */
export function pendingRecords(
  instances: readonly { key: string; record: InstanceState }[],
  groups: readonly { key: string; record: GroupState }[],
  scope: RecordScope,
  limit: number,
): PendingRecords {
  const owing = (r: InstanceState | GroupState) => r.scope === scope && r.pendingAlerts.length > 0;
  const keys = [
    ...instances.filter((i) => owing(i.record)).map((i) => ({ sortKey: i.key, instanceId: i.key })),
    ...groups
      .filter((g) => owing(g.record))
      .map((g) => ({ sortKey: `${STATE_TABLE_KEYS.groupKeyPrefix}${g.key}`, group: g.key })),
  ]
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
    .slice(0, Math.max(0, limit));
  return {
    instanceIds: keys.flatMap((k) => ('instanceId' in k ? [k.instanceId] : [])),
    groups: keys.flatMap((k) => ('group' in k ? [k.group] : [])),
  };
}

function pick<T>(from: Map<string, T>, keys: readonly string[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const k of keys) {
    const v = from.get(k);
    if (v !== undefined) out.set(k, structuredClone(v));
  }
  return out;
}

function write<T extends { version: number }>(
  to: Map<string, T>,
  key: string,
  state: T,
  expectedVersion: number,
): 'ok' | 'conflict' {
  const stored = to.get(key)?.version ?? 0;
  if (stored !== expectedVersion) return 'conflict';
  to.set(key, structuredClone({ ...state, version: expectedVersion + 1 }));
  return 'ok';
}
