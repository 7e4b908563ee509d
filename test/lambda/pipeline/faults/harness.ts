/**
 * The fault-injection harness: DynamoDB (dynalite) and SNS + SQS (fauxqs) each in a process of its own, so
 * a scenario can pause one with SIGSTOP, resume it, kill it and start it again on the same port and data;
 * a TCP proxy between a client and a backend that drops a response (after the backend processed the
 * request) or resets a connection (before it did); and the count of alerts delivered, duplicated and lost,
 * read back from an SQS queue subscribed to the topic.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createStateTable, LOCAL_CREDENTIALS } from '../../../../lab/local-aws.ts';

const BACKEND_SCRIPT = new URL('./backend-process.mjs', import.meta.url).pathname;
const REGION = 'us-east-1';
const STARTUP_TIMEOUT_MS = 10_000;

/** One emulator process: pause, resume, kill and restart it (same port, same data) like a real outage. */
export class Backend {
  private child: ChildProcess | undefined;
  port = 0;

  private constructor(
    readonly kind: 'dynalite' | 'fauxqs',
    private readonly dataDir?: string,
  ) {}

  static async start(kind: 'dynalite' | 'fauxqs'): Promise<Backend> {
    // dynalite keeps its tables in LevelDB here, so a killed and restarted DynamoDB still has its items.
    const dataDir = kind === 'dynalite' ? mkdtempSync(join(tmpdir(), 'h12-faults-dynalite-')) : undefined;
    const backend = new Backend(kind, dataDir);
    await backend.spawn();
    return backend;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private async spawn(): Promise<void> {
    const args = [BACKEND_SCRIPT, this.kind, String(this.port), ...(this.dataDir ? [this.dataDir] : [])];
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child = child;
    this.port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.kind} did not start`)), STARTUP_TIMEOUT_MS);
      child.stdout?.once('data', (d) => {
        clearTimeout(timer);
        resolve(Number(String(d).trim()));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.kind} exited with ${code} before listening`));
      });
    });
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGKILL: no goodbye, open connections die with the process. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.spawn();
  }

  async close(): Promise<void> {
    this.resume();
    await this.kill();
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * A TCP proxy in front of a backend. `dropResponses(n)`: the next n responses are swallowed once the
 * backend has sent them and the client's connection is reset — the request was processed, the client
 * cannot know it. `resetConnections(n)`: the next n requests are answered with a reset before anything
 * reaches the backend — nothing was processed, and the client cannot know that either.
 */
export class FaultProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private dropping = 0;
  private resetting = 0;
  port = 0;
  dropped = 0;
  reset = 0;

  constructor(private readonly backend: Backend) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  dropResponses(n: number): void {
    this.dropping = n;
  }

  resetConnections(n: number): void {
    this.resetting = n;
  }

  async start(): Promise<this> {
    const server = createServer((client) => {
      this.sockets.add(client);
      const upstream = createConnection({ host: '127.0.0.1', port: this.backend.port });
      this.sockets.add(upstream);
      client.on('data', (chunk) => {
        if (this.resetting > 0) {
          this.resetting -= 1;
          this.reset += 1;
          client.resetAndDestroy();
          upstream.destroy();
          return;
        }
        upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        if (this.dropping > 0) {
          this.dropping -= 1;
          this.dropped += 1;
          client.resetAndDestroy();
          upstream.destroy();
          return;
        }
        client.write(chunk);
      });
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The clients a scenario's test code uses to set up and read back (never the code under test's own). */
export function setupClients(dynamo: Backend, sns: Backend) {
  const config = { region: REGION, credentials: LOCAL_CREDENTIALS };
  return {
    dynamo: new DynamoDBClient({ ...config, endpoint: dynamo.endpoint }),
    sns: new SNSClient({ ...config, endpoint: sns.endpoint }),
    sqs: new SQSClient({ ...config, endpoint: sns.endpoint }),
  };
}

let names = 0;
/** A fresh state table and a topic with a queue subscribed, so scenarios never see each other's alerts. */
export async function freshWorld(clients: ReturnType<typeof setupClients>) {
  names += 1;
  const tableName = `port22-faults-${names}`;
  await createStateTable(clients.dynamo, tableName);
  const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: `port22-faults-${names}` }));
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: `port22-inbox-${names}` }));
  const queue = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await clients.sns.send(
    new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queue.Attributes?.QueueArn }),
  );
  return { tableName, topicArn: TopicArn!, queueUrl: QueueUrl! };
}

/** Every message in the queue now (deleted as read), as SNS envelopes. */
export async function inbox(sqs: SQSClient, queueUrl: string): Promise<{ Subject: string }[]> {
  const out: { Subject: string }[] = [];
  for (let i = 0; i < 20; i += 1) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    if (!r.Messages?.length) break;
    for (const m of r.Messages) {
      out.push(JSON.parse(m.Body!) as { Subject: string });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
  return out;
}

export interface Tally {
  delivered: number;
  duplicated: number;
  lost: number;
}

/**
 * Delivered: expected alerts that arrived at least once; duplicated: copies beyond the first; lost:
 * expected alerts that never arrived. An arrival nobody expected fails the count outright.
 */
export function tally(expected: readonly string[], received: readonly string[]): Tally {
  const unexpected = received.filter((s) => !expected.includes(s));
  if (unexpected.length > 0) throw new Error(`alerts nobody expected: ${unexpected.join(' | ')}`);
  const distinct = new Set(received);
  return {
    delivered: expected.filter((s) => distinct.has(s)).length,
    duplicated: received.length - distinct.size,
    lost: expected.filter((s) => !distinct.has(s)).length,
  };
}

export const formatTally = (scenario: string, t: Tally) =>
  `${scenario}: delivered ${t.delivered}, duplicated ${t.duplicated}, lost ${t.lost}`;
