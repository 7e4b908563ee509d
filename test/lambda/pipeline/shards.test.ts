// Two shards of one VPC, run as the two concurrent invocations would: together they diagnose every instance
// exactly once, keep an HA group in one shard, and report each exposure finding once. No probes are sent
// (probe: false): the diagnoses come from the pipeline-lab inventory and signals files alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DirectoryInventorySource } from '../../../lambda/adapters/local/directory-inventory-source.ts';
import { FileSignalsSource } from '../../../lambda/adapters/local/signals-file.ts';
import { CollectingNotifier } from '../../../lambda/adapters/memory/collecting-notifier.ts';
import { MemoryStateStore } from '../../../lambda/adapters/memory/memory-state-store.ts';
import type { EmfDocument } from '../../../lambda/core/metrics/emf.ts';
import { type CheckInput, type CheckReport, runCheck } from '../../../lambda/pipeline.ts';
import type { InventorySource } from '../../../lambda/ports.ts';
import { id, LAB, LAB_INVENTORY, LAB_SIGNALS, labInput, MapResolver, NO_PROBES } from './pipeline-lab.ts';

/** web-1, web-2 and api-1 form the HA group `web`: whichever shard holds one holds all three. */
const GROUP = ['web-1', 'web-2', 'api-1'] as const;

function groupedInventory(): InventorySource {
  const base = new DirectoryInventorySource(LAB_INVENTORY);
  return {
    async load() {
      const loaded = await base.load();
      const members = new Set<string>(GROUP.map((name) => id(LAB[name].n)));
      const instances = loaded.inventory.instances.map((instance) =>
        members.has(instance.InstanceId)
          ? { ...instance, Tags: [...(instance.Tags ?? []), { Key: 'port22:group', Value: 'web' }] }
          : instance,
      );
      return { ...loaded, inventory: { ...loaded.inventory, instances } };
    },
  };
}

async function run(extra: Partial<CheckInput>, store: MemoryStateStore) {
  const documents: EmfDocument[] = [];
  const report = await runCheck(
    {
      inventory: groupedInventory(),
      prober: NO_PROBES,
      resolver: new MapResolver(),
      signals: new FileSignalsSource(LAB_SIGNALS),
      state: store,
      notifier: new CollectingNotifier(),
      metrics: { emit: async (docs) => void documents.push(...docs) },
    },
    labInput(`run-${extra.shard ?? 'all'}`, undefined, { probe: false, now: new Date(0), ...extra }),
  );
  return { report, documents };
}

const diagnoses = (r: CheckReport) => new Map(r.instances.map((i) => [i.instanceId, i.diagnosis]));

describe('runCheck in shards', () => {
  it('shard 0 and shard 1 of 2 together diagnose every instance exactly once, as one run would', async () => {
    const whole = await run({}, new MemoryStateStore());
    const store = new MemoryStateStore();
    const shards = [await run({ shard: 0, shards: 2 }, store), await run({ shard: 1, shards: 2 }, store)];

    const all = diagnoses(whole.report);
    assert.ok(all.size >= 10, `the fixture has a fleet (${all.size})`);
    const seen = shards.flatMap(({ report }) => report.instances.map((i) => i.instanceId));
    assert.equal(seen.length, all.size, 'no instance is diagnosed twice');
    assert.deepEqual(new Set(seen), new Set(all.keys()), 'no instance is left out');
    for (const { report } of shards) {
      assert.ok(report.instances.length > 0, 'each shard has work');
      for (const [instanceId, code] of diagnoses(report)) assert.equal(code, all.get(instanceId), instanceId);
    }
    // The shards share the state table: every instance has one record, written by the shard that owns it.
    assert.deepEqual(new Set(store.instances.keys()), new Set(all.keys()));
    // Per-run metrics count the shard's own instances, so the shards' ChecksRun add up to the fleet.
    const checksRun = shards.map(({ documents }) => documents[0]?.ChecksRun as number);
    assert.equal(checksRun[0]! + checksRun[1]!, all.size);
    assert.equal(whole.documents[0]?.ChecksRun, all.size);
  });

  it('the HA group is judged whole in one shard', async () => {
    const members = GROUP.map((name) => id(LAB[name].n));
    const owners = [];
    for (const shard of [0, 1, 2]) {
      const { report } = await run({ shard, shards: 3 }, new MemoryStateStore());
      const held = report.instances.filter((i) => members.includes(i.instanceId)).length;
      if (held > 0) owners.push({ shard, held });
    }
    assert.deepEqual(
      owners.map((o) => o.held),
      [3],
    );
  });

  it('each exposure finding is reported by exactly one shard', async () => {
    const whole = await run({}, new MemoryStateStore());
    const key = (f: CheckReport['findings'][number]) => `${f.code} ${f.resourceId} ${f.detail}`;
    const expected = whole.report.findings.map(key).sort();
    const found = [];
    for (const shard of [0, 1, 2]) {
      const { report } = await run({ shard, shards: 3 }, new MemoryStateStore());
      found.push(...report.findings.map(key));
    }
    assert.deepEqual(found.sort(), expected);
  });
});
