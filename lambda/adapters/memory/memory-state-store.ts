/**
 * StateStore in memory, with the same conditional-write semantics as the DynamoDB adapter: for unit
 * tests and for the CLI, where state lives only as long as the process.
 */
import type { GroupState, InstanceState } from '../../core/state/instance-state.ts';
import type { StateStore } from '../../ports.ts';

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
