// The record step's sweep of records no run checks: an instance gone from DescribeInstances, an HA group
// without a checked member (issue 12's guarantee, docs/alerts.md).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { MemoryStateStore } from '../../../lambda/adapters/memory/memory-state-store.ts';
import { DEFAULT_ALERT_POLICY, type InstanceObservation } from '../../../lambda/core/alerts/types.ts';
import { indexInventory } from '../../../lambda/core/inventory/model.ts';
import type { Notifier, StateStore } from '../../../lambda/ports.ts';
import { type RecordAndAlertInput, record, recordAndAlert } from '../../../lambda/steps/record.ts';
import { observation, t } from '../core/alerts/fixtures.ts';
import { RecordingNotifier } from './recording-notifier.ts';
import { world } from './world.ts';

const VPC = 'vpc-0aaaa1111';
const OTHER_VPC = 'vpc-0bbbb2222';
const policy = { ...DEFAULT_ALERT_POLICY, failuresBeforeAlert: 1 };
const WHOLE = { shard: 0, shards: 1 };

/** A run of `scope` whose DOWN alerts for `observations` all fail to publish: they are left pending. */
async function failedRun(store: StateStore, observations: InstanceObservation[], scope = VPC): Promise<void> {
  const notifier = new RecordingNotifier();
  notifier.failNext = 1000;
  const r = await recordAndAlert(
    { state: store, notifier },
    { observations, now: t(0), runId: 'r0', policy, scope },
  );
  assert.ok(r.failed.length > 0, 'the run left an alert pending');
}

/** A later run of VPC that checks nothing (the instances are gone from DescribeInstances). */
function sweep(
  store: StateStore,
  notifier: Notifier,
  extra: Partial<RecordAndAlertInput> & { inventory?: string[]; maxRecords?: number } = {},
) {
  const { inventory = [], maxRecords, ...rest } = extra;
  return recordAndAlert(
    { state: store, notifier },
    {
      observations: [],
      now: t(1),
      runId: 'r1',
      policy,
      scope: VPC,
      unchecked: {
        inventory: new Set(inventory),
        shard: WHOLE,
        targetGroups: new Set(),
        ...(maxRecords === undefined ? {} : { maxRecords }),
      },
      ...rest,
    },
  );
}

const down = (id: string) => observation('NO_ROUTE', {}, id);

describe('record: pending alerts of records no run checks', () => {
  it('an instance gone from the inventory with a pending DOWN: published exactly once, its pending list empties', async () => {
    const store = new MemoryStateStore();
    await failedRun(store, [down('i-0gone')]);
    assert.equal(store.instances.get('i-0gone')?.pendingAlerts.length, 1);
    const notifier = new RecordingNotifier();
    const r = await sweep(store, notifier);
    assert.deepEqual(
      notifier.published.map((m) => [m.kind, m.code]),
      [['alert', 'NO_ROUTE']],
    );
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.sent[0]?.target, 'i-0gone');
    assert.deepEqual(store.instances.get('i-0gone')?.pendingAlerts, []);
    assert.equal(store.instances.get('i-0gone')?.lastAlert?.messageId, 'm-1');
    assert.deepEqual(await store.listPending(VPC, 10), { instanceIds: [], groups: [] });

    await sweep(store, notifier, { runId: 'r2', now: t(2) });
    assert.equal(notifier.published.length, 1, 'not sent a second time');
  });

  it('a pending reminder of an instance gone from the inventory: dropped with its reason, not sent', async () => {
    const store = new MemoryStateStore();
    await failedRun(store, [down('i-0gone')]);
    const current = store.instances.get('i-0gone')!;
    const pending = current.pendingAlerts[0]!;
    const reminder = {
      ...pending,
      message: { ...pending.message, id: 'reminder-1', kind: 'reminder' as const },
    };
    store.instances.set('i-0gone', { ...current, pendingAlerts: [reminder] });
    const notifier = new RecordingNotifier();
    const r = await sweep(store, notifier);
    assert.deepEqual(notifier.published, []);
    assert.deepEqual(
      r.dropped.map((d) => [d.target, d.alert.id, d.reason]),
      [['i-0gone', 'reminder-1', 'a reminder for an instance no longer in the inventory']],
    );
    assert.deepEqual(store.instances.get('i-0gone')?.pendingAlerts, []);
  });

  it('an HA group whose members all vanished, with a pending group alert: sent', async () => {
    const store = new MemoryStateStore();
    const member = (n: number) =>
      observation(
        'SSHD_NOT_LISTENING',
        { tags: { 'port22:group': 'web', 'port22:group-min': '2' } },
        `i-0w${n}`,
      );
    await failedRun(store, [member(1), member(2), member(3)]);
    assert.equal(store.groups.get('web')?.pendingAlerts.length, 1);
    const notifier = new RecordingNotifier();
    const r = await sweep(store, notifier);
    assert.deepEqual(
      notifier.published.map((m) => m.subject),
      ['[port22] GROUP DOWN web: 0/3 healthy (min 2)'],
    );
    assert.equal(r.sent[0]?.target, 'group:web');
    assert.deepEqual(store.groups.get('web')?.pendingAlerts, []);
  });

  it('an HA group this run still checks (a member observed) is left to the group step', async () => {
    const store = new MemoryStateStore();
    const member = (n: number, code: 'SSHD_NOT_LISTENING' | 'HEALTHY' = 'SSHD_NOT_LISTENING') =>
      observation(code, { tags: { 'port22:group': 'web', 'port22:group-min': '2' } }, `i-0w${n}`);
    await failedRun(store, [member(1), member(2)]);
    const notifier = new RecordingNotifier();
    // The one member this run checks is healthy: the group is decided from it, and its pending alert is
    // settled by the group step's own claim, once.
    await sweep(store, notifier, { observations: [member(1)], inventory: ['i-0w1'] });
    assert.deepEqual(
      notifier.published.map((m) => m.subject),
      ['[port22] GROUP DOWN web: 0/2 healthy (min 2)'],
    );
  });

  it('a record of another VPC is not touched', async () => {
    const store = new MemoryStateStore();
    await failedRun(store, [down('i-0other')], OTHER_VPC);
    const before = structuredClone(store.instances.get('i-0other'));
    const notifier = new RecordingNotifier();
    const r = await sweep(store, notifier);
    assert.deepEqual(notifier.published, []);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(store.instances.get('i-0other'), before);
  });

  it('an instance still in the inventory (another shard checks it, or it is `left`) is not this sweep’s', async () => {
    const store = new MemoryStateStore();
    await failedRun(store, [down('i-0here')]);
    const current = store.instances.get('i-0here')!;
    const pending = current.pendingAlerts[0]!;
    const reminder = {
      ...pending,
      message: { ...pending.message, id: 'reminder-1', kind: 'reminder' as const },
    };
    store.instances.set('i-0here', { ...current, pendingAlerts: [reminder] });
    const notifier = new RecordingNotifier();
    const r = await sweep(store, notifier, { inventory: ['i-0here'] });
    assert.deepEqual(r.dropped, []);
    assert.equal(store.instances.get('i-0here')?.pendingAlerts.length, 1);
  });

  for (const [records, sentFirst] of [
    [2, 2], // N-1
    [3, 3], // N
    [4, 3], // N+1: the fourth waits for the next run
  ] as const) {
    it(`bounded at N=3 records per run: ${records} waiting, ${sentFirst} settled by the first run, the rest by the next`, async () => {
      const store = new MemoryStateStore();
      const ids = Array.from({ length: records }, (_, i) => `i-0gone${i}`);
      await failedRun(store, ids.map(down));
      const notifier = new RecordingNotifier();
      await sweep(store, notifier, { maxRecords: 3 });
      assert.deepEqual(
        notifier.published.map((m) => m.code),
        Array(sentFirst).fill('NO_ROUTE'),
      );
      // Key order: the first three ids settled first.
      assert.deepEqual(
        ids.filter((id) => store.instances.get(id)!.pendingAlerts.length === 0),
        ids.slice(0, sentFirst),
      );
      await sweep(store, notifier, { maxRecords: 3, runId: 'r2', now: t(2) });
      assert.equal(notifier.published.length, records, 'every alert sent once over two runs');
    });
  }

  it('the default bound is the 25 records per run docs/alerts.md promises: 26 waiting, 25 settled', async () => {
    const store = new MemoryStateStore();
    const ids = Array.from({ length: 26 }, (_, i) => `i-0gone${String(i).padStart(2, '0')}`);
    await failedRun(store, ids.map(down));
    const notifier = new RecordingNotifier();
    await sweep(store, notifier);
    assert.equal(notifier.published.length, 25);
    assert.deepEqual(await store.listPending(VPC, 10), { instanceIds: ['i-0gone25'], groups: [] });
  });

  it('with two shards, each settles only the vanished instances whose key hashes to it', async () => {
    // The shard of `instance:<id>`: the first 4 bytes of its SHA-256, big-endian, modulo the shard count.
    const shardOf = (id: string) =>
      createHash('sha256').update(`instance:${id}`).digest().readUInt32BE(0) % 2;
    const ids = ['i-0a', 'i-0b', 'i-0c', 'i-0d', 'i-0e', 'i-0f'];
    assert.ok(new Set(ids.map(shardOf)).size === 2, 'the fixture spans both shards');
    const store = new MemoryStateStore();
    await failedRun(store, ids.map(down));
    const notifier = new RecordingNotifier();
    const r = await sweep(store, notifier, {
      unchecked: { inventory: new Set(), shard: { shard: 1, shards: 2 }, targetGroups: new Set() },
    });
    assert.deepEqual(
      r.sent.map((s) => s.target).sort(),
      ids.filter((id) => shardOf(id) === 1),
    );
    // Computed once with sha256sum, so a wrong hash in both places cannot agree by accident.
    assert.deepEqual(
      ids.filter((id) => shardOf(id) === 1),
      ['i-0a', 'i-0b', 'i-0c', 'i-0f'],
    );
  });

  it('the listing failing: one line in errors, the run goes on', async () => {
    const store = new MemoryStateStore();
    const broken = Object.assign(Object.create(store), {
      listPending: () => Promise.reject(new Error('AccessDeniedException: not authorized on index')),
    });
    const notifier = new RecordingNotifier();
    const r = await sweep(broken, notifier, { observations: [down('i-0ok')], inventory: ['i-0ok'] });
    assert.deepEqual(r.errors, [
      'state: listing the records that owe alerts failed: AccessDeniedException: not authorized on index',
    ]);
    assert.equal(notifier.published.length, 1, 'the checked instance still alerted');
  });

  it('the group records failing to read: one line in errors, the gone instance still settled', async () => {
    const store = new MemoryStateStore();
    const member = observation('SSHD_NOT_LISTENING', { tags: { 'port22:group': 'web' } }, 'i-0w1');
    await failedRun(store, [down('i-0gone'), member]);
    assert.equal(store.groups.get('web')?.pendingAlerts.length, 1);
    const broken = Object.assign(Object.create(store), {
      getGroups: () => Promise.reject(new Error('ProvisionedThroughputExceededException')),
    });
    const notifier = new RecordingNotifier();
    const r = await sweep(broken, notifier);
    assert.deepEqual(r.errors, [
      'state: reading 1 group records that owe alerts failed: ProvisionedThroughputExceededException',
    ]);
    assert.deepEqual(
      r.sent.map((s) => s.target),
      ['i-0gone'],
    );
    assert.deepEqual(store.instances.get('i-0gone')?.pendingAlerts, []);
    assert.equal(store.groups.get('web')?.pendingAlerts.length, 1, 'the group waits for the next run');
  });

  it('past the deadline: nothing settled, the record stays listed for the next run', async () => {
    const store = new MemoryStateStore();
    await failedRun(store, [down('i-0gone')]);
    const notifier = new RecordingNotifier();
    await sweep(store, notifier, { deadlineAt: 1000, clock: () => 1000 });
    assert.deepEqual(notifier.published, []);
    assert.deepEqual(await store.listPending(VPC, 10), { instanceIds: ['i-0gone'], groups: [] });
  });

  it('the record step: a VPC with no instance left still settles its records, under the run’s VPC', async () => {
    const store = new MemoryStateStore();
    await failedRun(store, [down('i-0gone')]);
    const notifier = new RecordingNotifier();
    const empty = indexInventory({ ...world(), instances: [] });
    const r = await record(
      { state: store, notifier },
      [],
      empty,
      { runId: 'r1', vpcId: VPC, alertPolicy: policy },
      t(1),
    );
    assert.deepEqual(
      r.alerts.sent.map((a) => [a.target, a.kind]),
      [['i-0gone', 'alert']],
    );
    assert.deepEqual(r.errors, []);
  });
});
