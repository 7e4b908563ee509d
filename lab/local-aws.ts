/**
 * DynamoDB for the lab: dynalite (a real DynamoDB HTTP API) on 127.0.0.1 with its data in a directory, so
 * a second lab run reads the state the first one wrote, through the same adapter the Lambda uses.
 */
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

export interface LocalDynamo {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  close(): Promise<void>;
}

/** dynalite checks no signature: any static credentials do, and none are looked up on this machine. */
const LOCAL_CREDENTIALS = { accessKeyId: 'port22-lab', secretAccessKey: 'port22-lab' };

export async function startLocalDynamo(dataDir: string): Promise<LocalDynamo> {
  const server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
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

/** Creates the state table the stack creates (partition key `pk`, on-demand) unless it exists. */
export async function ensureStateTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<'created' | 'found'> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return 'found';
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return 'created';
}
