// One contract, three stores: what the record step relies on when it lists the records that owe alerts
// (StateStore.listPending). DynamoDB runs against dynalite, with the table lab/local-aws.ts creates from
// the keys the stack uses (lambda/contract.ts, STATE_TABLE_KEYS).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateTableCommand, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  createStateTable,
  ensureStateTable,
  type LocalDynamo,
  startLocalDynamo,
} from '../../../lab/local-aws.ts';
import { DynamoDbStateStore } from '../../../lambda/adapters/aws/dynamodb-state-store.ts';
import { FileStateStore } from '../../../lambda/adapters/local/file-state-store.ts';
import { MemoryStateStore } from '../../../lambda/adapters/memory/memory-state-store.ts';
import type { PendingAlert } from '../../../lambda/core/state/instance-state.ts';
import type { StateStore } from '../../../lambda/ports.ts';
import { AT, group, instance } from './state-records.ts';

const VPC = 'vpc-0aaaa1111';
const OTHER_VPC = 'vpc-0bbbb2222';

const pending = (id: string): PendingAlert => ({
  message: {
    id,
    kind: 'alert',
    code: 'NO_ROUTE',
    severity: 'critical',
    at: AT,
    subject: `[port22] DOWN ${id}`,
    body: 'body',
    attributes: { kind: 'alert' },
  },
  attempts: 1,
  lastError: 'Throttling: Rate exceeded',
});

interface Subject {
  readonly name: string;
  fresh(): Promise<StateStore>;
}

let db: LocalDynamo | undefined;
let tableNo = 0;
const directories: string[] = [];

const subjects: Subject[] = [
  { name: 'MemoryStateStore', fresh: async () => new MemoryStateStore() },
  {
    name: 'FileStateStore',
    fresh: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'port22-contract-'));
      directories.push(dir);
      return new FileStateStore(dir);
    },
  },
  {
    name: 'DynamoDbStateStore (dynalite)',
    fresh: async () => {
      const tableName = `port22-contract-${++tableNo}`;
      await createStateTable(db!.client, tableName);
      return new DynamoDbStateStore({ tableName, client: db!.client });
    },
  },
];

before(async () => {
  db = await startLocalDynamo();
});
after(async () => {
  await db?.close();
  for (const dir of directories) await rm(dir, { recursive: true, force: true });
});

for (const subject of subjects) {
  describe(`StateStore contract: listPending — ${subject.name}`, () => {
    it('lists the records of the scope with pending alerts, instances and groups, in key order', async () => {
      const store = await subject.fresh();
      assert.equal(
        await store.put(instance('i-0b', { scope: VPC, pendingAlerts: [pending('a1')] }), 0),
        'ok',
      );
      assert.equal(
        await store.put(instance('i-0a', { scope: VPC, pendingAlerts: [pending('a2')] }), 0),
        'ok',
      );
      assert.equal(await store.put(instance('i-0quiet', { scope: VPC }), 0), 'ok');
      assert.equal(
        await store.put(instance('i-0elsewhere', { scope: OTHER_VPC, pendingAlerts: [pending('a3')] }), 0),
        'ok',
      );
      // Written before records carried a scope: no run can tell whose it is.
      assert.equal(await store.put(instance('i-0old', { pendingAlerts: [pending('a4')] }), 0), 'ok');
      assert.equal(
        await store.putGroup(group('web', { scope: VPC, pendingAlerts: [pending('g1')] }), 0),
        'ok',
      );
      assert.equal(await store.putGroup(group('db', { scope: VPC }), 0), 'ok');

      assert.deepEqual(await store.listPending(VPC, 100), { instanceIds: ['i-0a', 'i-0b'], groups: ['web'] });
      assert.deepEqual(await store.listPending(OTHER_VPC, 100), {
        instanceIds: ['i-0elsewhere'],
        groups: [],
      });
      assert.deepEqual(await store.listPending('vpc-0none', 100), { instanceIds: [], groups: [] });
    });

    it('a record leaves the listing when its pending list empties, and returns when it fills', async () => {
      const store = await subject.fresh();
      await store.put(instance('i-0a', { scope: VPC, pendingAlerts: [pending('a1')] }), 0);
      await store.put(instance('i-0a', { scope: VPC, pendingAlerts: [] }), 1);
      assert.deepEqual(await store.listPending(VPC, 100), { instanceIds: [], groups: [] });
      await store.put(instance('i-0a', { scope: VPC, pendingAlerts: [pending('a2')] }), 2);
      assert.deepEqual(await store.listPending(VPC, 100), { instanceIds: ['i-0a'], groups: [] });
      // The index attribute is the store's business: a read returns the record as it was written.
      assert.deepEqual((await store.get(['i-0a'])).get('i-0a'), {
        ...instance('i-0a', { scope: VPC, pendingAlerts: [pending('a2')] }),
        version: 3,
      });
    });

    it('the limit: below, at and above the number of records', async () => {
      const store = await subject.fresh();
      for (const id of ['i-01', 'i-02', 'i-03'])
        await store.put(instance(id, { scope: VPC, pendingAlerts: [pending(id)] }), 0);
      assert.deepEqual((await store.listPending(VPC, 2)).instanceIds, ['i-01', 'i-02']);
      assert.deepEqual((await store.listPending(VPC, 3)).instanceIds, ['i-01', 'i-02', 'i-03']);
      assert.deepEqual((await store.listPending(VPC, 4)).instanceIds, ['i-01', 'i-02', 'i-03']);
      assert.deepEqual(await store.listPending(VPC, 0), { instanceIds: [], groups: [] });
    });
  });
}

describe('DynamoDbStateStore: the sparse pending-alerts index', () => {
  it('the item carries pendingScope only while alerts are pending, so the index holds only those items', async () => {
    const tableName = `port22-contract-${++tableNo}`;
    await createStateTable(db!.client, tableName);
    const store = new DynamoDbStateStore({ tableName, client: db!.client });
    await store.put(instance('i-0a', { scope: VPC, pendingAlerts: [pending('a1')] }), 0);
    await store.put(instance('i-0b', { scope: VPC }), 0);
    const item = async (pk: string) =>
      (await db!.client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } } }))).Item;
    assert.deepEqual((await item('i-0a'))?.pendingScope, { S: VPC });
    assert.equal((await item('i-0b'))?.pendingScope, undefined);
    const indexed = await db!.client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'pending-alerts',
        KeyConditionExpression: 'pendingScope = :s',
        ExpressionAttributeValues: { ':s': { S: VPC } },
      }),
    );
    assert.deepEqual(
      indexed.Items?.map((i) => i.pk?.S),
      ['i-0a'],
    );
    await store.put(instance('i-0a', { scope: VPC }), 1);
    assert.equal((await item('i-0a'))?.pendingScope, undefined);
  });

  it('pages through more than one Query page (100 keys)', async () => {
    const tableName = `port22-contract-${++tableNo}`;
    await createStateTable(db!.client, tableName);
    const store = new DynamoDbStateStore({ tableName, client: db!.client });
    const ids = Array.from({ length: 150 }, (_, i) => `i-${String(i).padStart(4, '0')}`);
    for (const id of ids) await store.put(instance(id, { scope: VPC, pendingAlerts: [pending(id)] }), 0);
    assert.deepEqual((await store.listPending(VPC, 1000)).instanceIds, ids);
    assert.deepEqual((await store.listPending(VPC, 120)).instanceIds, ids.slice(0, 120));
  });

  it('the lab table made before the index is made again with it; one made after is kept', async () => {
    const tableName = `port22-contract-${++tableNo}`;
    await db!.client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    assert.equal(await ensureStateTable(db!.client, tableName), 'recreated');
    assert.equal(await ensureStateTable(db!.client, tableName), 'found');
    const store = new DynamoDbStateStore({ tableName, client: db!.client });
    await store.put(instance('i-0a', { scope: VPC, pendingAlerts: [pending('a1')] }), 0);
    assert.deepEqual(await store.listPending(VPC, 10), { instanceIds: ['i-0a'], groups: [] });
  });
});
