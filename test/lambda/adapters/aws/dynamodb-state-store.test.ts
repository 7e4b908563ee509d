import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createStateTable, type LocalDynamo, startLocalDynamo } from '../../../../lab/local-aws.ts';
import { DynamoDbStateStore } from '../../../../lambda/adapters/aws/dynamodb-state-store.ts';
import { CollectingNotifier } from '../../../../lambda/adapters/memory/collecting-notifier.ts';
import type { InstanceObservation } from '../../../../lambda/core/alerts/types.ts';
import type { GroupState, InstanceState } from '../../../../lambda/core/state/instance-state.ts';
import type { Notifier, StateStore } from '../../../../lambda/ports.ts';
import { recordAndAlert } from '../../../../lambda/steps/record.ts';
import { observation, t } from '../../core/alerts/fixtures.ts';

const state = (instanceId: string, extra: Partial<InstanceState> = {}): InstanceState => ({
  instanceId,
  diagnosis: 'HEALTHY',
  since: t(0).toISOString(),
  consecutiveFailures: 0,
  lastCheckedAt: t(0).toISOString(),
  pendingAlerts: [],
  version: 0,
  ttl: 1741086000 + 30 * 86400,
  ...extra,
});

describe('DynamoDbStateStore against dynalite', () => {
  let db: LocalDynamo;
  let tableNo = 0;
  const freshStore = async () => {
    const tableName = `port22-state-${++tableNo}`;
    await createStateTable(db.client, tableName);
    return { store: new DynamoDbStateStore({ tableName, client: db.client }), tableName };
  };

  before(async () => {
    db = await startLocalDynamo();
  });
  after(async () => {
    await db.close();
  });

  it('writes one item per instance with pk, version and the ttl attribute, and reads it back', async () => {
    const { store, tableName } = await freshStore();
    const s = state('i-0abc', {
      diagnosis: 'SSHD_NOT_LISTENING',
      consecutiveFailures: 2,
      failingSince: t(0).toISOString(),
      hostKey: 'SHA256:abc',
      hostKeyAlgorithm: 'ssh-ed25519',
      authMethods: ['publickey'],
      lastAlert: { kind: 'alert', code: 'SSHD_NOT_LISTENING', at: t(1).toISOString(), messageId: 'm-1' },
      lastHealthy: {
        at: t(0).toISOString(),
        configDigest: 'sha256:x',
        config: { sg: [{ from: 22, cidr: '10.0.0.0/16' }], empty: [] },
      },
    });
    assert.equal(await store.put(s, 0), 'ok');
    const got = (await store.get(['i-0abc', 'i-missing'])).get('i-0abc');
    assert.deepEqual(got, { ...s, version: 1 });

    const raw = await db.client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'i-0abc' } } }),
    );
    assert.deepEqual(raw.Item?.ttl, { N: String(s.ttl) });
    assert.deepEqual(raw.Item?.version, { N: '1' });
    assert.deepEqual(raw.Item?.kind, { S: 'instance' });
  });

  it('conditional writes: a new item only once, then only against the version read', async () => {
    const { store } = await freshStore();
    assert.equal(await store.put(state('i-1'), 0), 'ok');
    assert.equal(await store.put(state('i-1'), 0), 'conflict');
    assert.equal(await store.put(state('i-1', { consecutiveFailures: 1 }), 1), 'ok');
    assert.equal(await store.put(state('i-1', { consecutiveFailures: 9 }), 1), 'conflict');
    const got = (await store.get(['i-1'])).get('i-1');
    assert.equal(got?.version, 2);
    assert.equal(got?.consecutiveFailures, 1);
  });

  it('reads more than one BatchGetItem page (100 keys) and tolerates duplicate ids', async () => {
    const { store } = await freshStore();
    const ids = Array.from({ length: 130 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    for (const id of ids) assert.equal(await store.put(state(id), 0), 'ok');
    const got = await store.get([...ids, ids[0]!]);
    assert.equal(got.size, 130);
    assert.equal(got.get(ids[129]!)?.instanceId, ids[129]);
  });

  it('keeps HA group records apart from instance records', async () => {
    const { store, tableName } = await freshStore();
    const g: GroupState = {
      group: 'web',
      belowMinimum: true,
      healthy: 1,
      members: 3,
      minimum: 2,
      since: t(0).toISOString(),
      lastCheckedAt: t(0).toISOString(),
      pendingAlerts: [],
      version: 0,
      ttl: 1,
    };
    assert.equal(await store.putGroup(g, 0), 'ok');
    assert.equal(await store.putGroup(g, 0), 'conflict');
    assert.deepEqual((await store.getGroups(['web'])).get('web'), { ...g, version: 1 });
    assert.equal((await store.get(['web'])).size, 0);
    const raw = await db.client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'group#web' } } }),
    );
    assert.deepEqual(raw.Item?.kind, { S: 'group' });
  });

  describe('alerting through the real store', () => {
    const run = (store: StateStore, notifier: Notifier, obs: InstanceObservation, at: Date, runId = 'run') =>
      recordAndAlert({ state: store, notifier }, { observations: [obs], now: at, runId });

    it('N-1 failures send nothing, the Nth sends one alert, recovery sends one notice', async () => {
      const { store } = await freshStore();
      const notifier = new CollectingNotifier();
      const down = observation('SSHD_NOT_LISTENING');
      await run(store, notifier, down, t(0));
      assert.equal(notifier.alerts.length, 0, 'N-1 = 1 failure sends nothing');
      const second = await run(store, notifier, down, t(1));
      assert.deepEqual(
        notifier.alerts.map((m) => m.subject),
        ['[port22] DOWN i-0abc1234def567890 (web-1): SSHD_NOT_LISTENING'],
      );
      assert.equal(second.sent[0]?.messageId, 'local-1');
      await run(store, notifier, down, t(2));
      assert.equal(notifier.alerts.length, 1, 'still down: nothing more');
      await run(store, notifier, observation('HEALTHY'), t(3));
      await run(store, notifier, observation('HEALTHY'), t(4));
      assert.deepEqual(
        notifier.alerts.map((m) => m.kind),
        ['alert', 'recovery'],
      );
      const final = (await store.get(['i-0abc1234def567890'])).get('i-0abc1234def567890');
      assert.deepEqual(final?.lastAlert, {
        kind: 'recovery',
        code: 'HEALTHY',
        at: t(3).toISOString(),
        messageId: 'local-2',
      });
      assert.deepEqual(final?.pendingAlerts, []);
      assert.equal(final?.version, 7, 'one write per run, plus one settlement per run that published');
    });

    it('two overlapping runs (both read before either writes) send exactly one alert', async () => {
      const { store } = await freshStore();
      const notifier = new CollectingNotifier();
      const down = observation('SSHD_NOT_LISTENING');
      await run(store, notifier, down, t(0));

      // Both runs read the item before either writes: the classic lost-update interleaving.
      let waiting: (() => void)[] = [];
      let reads = 0;
      let conflicts = 0;
      const barrier: StateStore = {
        get: async (ids) => {
          const got = await store.get(ids);
          reads += 1;
          if (reads <= 2) {
            await new Promise<void>((resolve) => {
              waiting.push(resolve);
              if (waiting.length === 2) {
                for (const w of waiting) w();
                waiting = [];
              }
            });
          }
          return got;
        },
        put: async (s, v) => {
          const r = await store.put(s, v);
          if (r === 'conflict') conflicts += 1;
          return r;
        },
        getGroups: (g) => store.getGroups(g),
        putGroup: (s, v) => store.putGroup(s, v),
        listPending: (scope, limit) => store.listPending(scope, limit),
      };
      const [a, b] = await Promise.all([
        run(barrier, notifier, down, t(1), 'run-a'),
        run(barrier, notifier, down, t(1, 5.01), 'run-b'),
      ]);
      assert.equal(notifier.alerts.length, 1, 'exactly one alert');
      assert.equal(a.sent.length + b.sent.length, 1);
      assert.ok(conflicts >= 1, 'the interleaving really made one conditional write fail');
      const final = (await store.get(['i-0abc1234def567890'])).get('i-0abc1234def567890');
      assert.equal(final?.consecutiveFailures, 3, 'the losing run re-read and recorded its check too');
      assert.deepEqual(final?.pendingAlerts, []);
      assert.equal(final?.lastAlert?.kind, 'alert');
    });

    it('with no retries the losing run reports the conflict and sends nothing', async () => {
      const { store } = await freshStore();
      const notifier = new CollectingNotifier();
      const down = observation('SSHD_NOT_LISTENING');
      await run(store, notifier, down, t(0));
      const prevs = await store.get([down.instanceId]);
      const stale: StateStore = {
        ...store,
        get: async () => structuredClone(prevs),
        put: (s, v) => store.put(s, v),
        getGroups: (g) => store.getGroups(g),
        putGroup: (s, v) => store.putGroup(s, v),
        listPending: (scope, limit) => store.listPending(scope, limit),
      };
      await run(store, notifier, down, t(1), 'run-a');
      const lost = await recordAndAlert(
        { state: stale, notifier },
        { observations: [down], now: t(1), runId: 'run-b', maxWriteAttempts: 1 },
      );
      assert.deepEqual(lost.conflicts, [down.instanceId]);
      assert.equal(notifier.alerts.length, 1);
    });
  });
});
