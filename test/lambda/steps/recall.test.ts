import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStateStore } from '../../../lambda/adapters/memory/memory-state-store.ts';
import { recall } from '../../../lambda/steps/recall.ts';
import { CLOSED, targets, unreadableStateStore, WEB } from './world.ts';

const fleet = targets();
const checked = [{ target: fleet.get(WEB)! }, { target: fleet.get(CLOSED)! }];

describe('recall step', () => {
  it('no state store: nothing remembered', async () => {
    assert.deepEqual(await recall(undefined, checked), { previous: new Map(), errors: [] });
  });

  it('the records of the targets to diagnose', async () => {
    const store = new MemoryStateStore();
    const record = {
      instanceId: WEB,
      diagnosis: 'HEALTHY' as const,
      since: '2026-03-09T08:00:00.000Z',
      consecutiveFailures: 0,
      lastCheckedAt: '2026-03-09T08:00:00.000Z',
      pendingAlerts: [],
      version: 0,
      ttl: 1_800_000_000,
      hostKey: 'SHA256:abc',
    };
    assert.equal(await store.put(record, 0), 'ok');
    const got = await recall(store, checked);
    assert.deepEqual([...got.previous.keys()], [WEB]);
    assert.equal(got.previous.get(WEB)?.hostKey, 'SHA256:abc');
  });

  it('a store that fails: nothing remembered, one line under state', async () => {
    const failing = unreadableStateStore('ProvisionedThroughputExceededException');
    const got = await recall(failing, checked);
    assert.equal(got.previous.size, 0);
    assert.deepEqual(got.errors, ['state: reading 2 records failed: ProvisionedThroughputExceededException']);
  });
});
