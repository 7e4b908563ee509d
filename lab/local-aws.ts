/**
 * Real AWS APIs on loopback, for the lab, the bundle's stand-ins and the adapter tests:
 *
 * - DynamoDB: dynalite (a real DynamoDB HTTP API) on 127.0.0.1, optionally with its data in a directory so a
 *   second lab run reads the state the first one wrote, through the same adapter the Lambda uses;
 * - SNS and SQS: fauxqs on 127.0.0.1, where a queue subscribed to a topic lets alerts be read back.
 */
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { clientOptions } from '../lambda/adapters/aws/client-options.ts';
import { STATE_TABLE_KEYS } from '../lambda/contract.ts';

/** Neither emulator checks a signature: any static credentials do, and none are looked up on this machine. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'port22-local', secretAccessKey: 'port22-local' };
const DEFAULT_REGION = 'us-east-1';

export interface LocalDynamo {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  close(): Promise<void>;
}

/** dynalite on 127.0.0.1; in memory unless `dataDir` names where its LevelDB lives. */
export async function startLocalDynamo(dataDir?: string, region = DEFAULT_REGION): Promise<LocalDynamo> {
  const server = dynalite({
    ...(dataDir === undefined ? {} : { path: dataDir }),
    createTableMs: 0,
    deleteTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient(
    clientOptions('dynamodb', { endpoint, region, credentials: LOCAL_CREDENTIALS }),
  );
  return {
    client,
    endpoint,
    close: async () => {
      client.destroy();
      // dynalite closes its LevelDB with the server, which flushes the data directory.
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The table the CDK stack creates (lib/state-table.ts), from the same keys: partition key `pk` (S),
 * on-demand, TTL on `ttl`, and the sparse pending-alerts index.
 */
export async function createStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey, pendingIndex } = STATE_TABLE_KEYS;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: partitionKey, AttributeType: 'S' },
        { AttributeName: pendingIndex.partitionKey, AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: pendingIndex.name,
          KeySchema: [
            { AttributeName: pendingIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: pendingIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: STATE_TABLE_KEYS.ttlAttribute, Enabled: true },
      }),
    );
  } catch {
    // dynalite does not implement UpdateTimeToLive; the items still carry `ttl`.
  }
}

/**
 * Creates the state table (as {@link createStateTable}) unless it exists. A table made before the
 * pending-alerts index is made again, empty: dynalite cannot add an index to a table (its UpdateTable takes
 * no index creations), and a lab's state is a demo's, cheaper to lose once than to run without the index.
 */
export async function ensureStateTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<'created' | 'found' | 'recreated'> {
  let indexes: string[];
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    indexes = (Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName ?? '');
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await createStateTable(client, tableName);
    return 'created';
  }
  if (indexes.includes(STATE_TABLE_KEYS.pendingIndex.name)) return 'found';
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  await createStateTable(client, tableName);
  return 'recreated';
}

export interface LocalSns {
  readonly endpoint: string;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  /** A topic with a queue subscribed (raw delivery off; optionally a filter policy on message attributes). */
  topicWithQueue(
    topicName: string,
    queueName: string,
    filterPolicy?: object,
  ): Promise<{ topicArn: string; queueUrl: string }>;
  close(): Promise<void>;
}

/** fauxqs (SNS + SQS) on 127.0.0.1, with a client for each. */
export async function startLocalSns(region = DEFAULT_REGION): Promise<LocalSns> {
  const server: FauxqsServer = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  const place = { endpoint: server.address, region, credentials: LOCAL_CREDENTIALS };
  const sns = new SNSClient(clientOptions('sns', place));
  // SQS is not a service port22 calls: the lab only reads back what SNS delivered.
  const sqs = new SQSClient(place);
  return {
    endpoint: server.address,
    sns,
    sqs,
    async topicWithQueue(topicName, queueName, filterPolicy) {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topicName }));
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
      const queue = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: queue.Attributes?.QueueArn,
          ...(filterPolicy ? { Attributes: { FilterPolicy: JSON.stringify(filterPolicy) } } : {}),
        }),
      );
      return { topicArn: TopicArn!, queueUrl: QueueUrl! };
    },
    close: async () => {
      sns.destroy();
      sqs.destroy();
      await server.stop();
    },
  };
}

/**
 * The message bodies in the queue now, parsed as JSON (short polls until one comes back empty; bounded).
 * They are not deleted: each stays invisible for the queue's visibility timeout.
 */
export async function receiveAll<T>(sqs: SQSClient, queueUrl: string): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < 20; i += 1) {
    const res = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const batch = res.Messages ?? [];
    if (batch.length === 0) break;
    out.push(...batch.map((m) => JSON.parse(m.Body ?? '{}') as T));
  }
  return out;
}
