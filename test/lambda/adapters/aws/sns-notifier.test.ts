import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  createStateTable,
  LOCAL_CREDENTIALS,
  type LocalDynamo,
  type LocalSns,
  receiveAll,
  startLocalDynamo,
  startLocalSns,
} from '../../../../lab/local-aws.ts';
import { clientOptions } from '../../../../lambda/adapters/aws/client-options.ts';
import { DynamoDbStateStore } from '../../../../lambda/adapters/aws/dynamodb-state-store.ts';
import { SnsNotifier } from '../../../../lambda/adapters/aws/sns-notifier.ts';
import { renderAlert } from '../../../../lambda/core/alerts/render.ts';
import { PublishOutcomeUnknownError } from '../../../../lambda/ports.ts';
import { recordAndAlert } from '../../../../lambda/steps/record.ts';
import { downAlert, observation, t } from '../../core/alerts/fixtures.ts';
import { closedPort } from './emulators.ts';

interface SnsEnvelope {
  Type: string;
  Subject: string;
  Message: string;
  MessageId: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

describe('SnsNotifier against fauxqs (SNS → SQS on loopback)', () => {
  let local: LocalSns;
  let sns: SNSClient;
  let queueNo = 0;

  before(async () => {
    local = await startLocalSns();
    sns = local.sns;
  });
  after(() => local.close());

  /** A topic with a queue subscribed (optionally with a filter policy on the message attributes). */
  function topicWithQueue(filterPolicy?: object) {
    const n = ++queueNo;
    return local.topicWithQueue(`port22-alerts-${n}`, `port22-inbox-${n}`, filterPolicy);
  }

  /** Everything in the queue now. */
  const drain = (queueUrl: string) => receiveAll<SnsEnvelope>(local.sqs, queueUrl);

  it('a refused connection never reached SNS: the SDK retries it, and the failure is a known one', async () => {
    const dead = new SNSClient(
      clientOptions('sns', {
        endpoint: `http://127.0.0.1:${await closedPort()}`,
        region: 'us-east-1',
        credentials: LOCAL_CREDENTIALS,
      }),
    );
    const notifier = new SnsNotifier({ topicArn: 'arn:aws:sns:us-east-1:000000000000:none', client: dead });
    const error = await notifier.publish(renderAlert(downAlert)).then(
      () => undefined,
      (e: unknown) => e,
    );
    dead.destroy();
    assert.ok(!(error instanceof PublishOutcomeUnknownError), String(error));
    // SNS's budget in client-options.ts: three attempts, all refused before a byte was sent.
    assert.equal((error as { $metadata?: { attempts?: number } }).$metadata?.attempts, 3);
  });

  it('publishes subject, body and the filterable message attributes', async () => {
    const { topicArn, queueUrl } = await topicWithQueue();
    const rendered = renderAlert(downAlert);
    const { messageId } = await new SnsNotifier({ topicArn, client: sns }).publish(rendered);
    const [msg, ...rest] = await drain(queueUrl);
    assert.equal(rest.length, 0);
    assert.equal(msg?.Type, 'Notification');
    assert.equal(msg?.MessageId, messageId);
    assert.equal(msg?.Subject, '[port22] DOWN i-0abc1234def567890 (web-1): SSHD_NOT_LISTENING');
    assert.equal(msg?.Message, rendered.body);
    assert.deepEqual(msg?.MessageAttributes, {
      severity: { Type: 'String', Value: 'critical' },
      diagnosis: { Type: 'String', Value: 'SSHD_NOT_LISTENING' },
      kind: { Type: 'String', Value: 'alert' },
    });
  });

  it('a subscription filter policy on severity receives only what it asks for', async () => {
    const { topicArn, queueUrl } = await topicWithQueue({ severity: ['critical'] });
    const notifier = new SnsNotifier({ topicArn, client: sns });
    await notifier.publish(renderAlert(downAlert));
    await notifier.publish(renderAlert({ ...downAlert, kind: 'recovery', code: 'HEALTHY', severity: 'ok' }));
    assert.deepEqual(
      (await drain(queueUrl)).map((m) => m.MessageAttributes?.kind?.Value),
      ['alert'],
    );
  });

  describe('with state in dynalite', () => {
    let db: LocalDynamo;
    before(async () => {
      db = await startLocalDynamo();
    });
    after(async () => {
      await db.close();
    });

    it('a failed publish stays pending; the next run sends it once', async () => {
      await createStateTable(db.client, 'port22-state-sns');
      const store = new DynamoDbStateStore({ tableName: 'port22-state-sns', client: db.client });
      const { topicArn, queueUrl } = await topicWithQueue();
      const deadSns = new SNSClient({
        endpoint: `http://127.0.0.1:${await closedPort()}`,
        region: 'us-east-1',
        credentials: LOCAL_CREDENTIALS,
        maxAttempts: 1,
      });
      const broken = new SnsNotifier({ topicArn, client: deadSns });
      const working = new SnsNotifier({ topicArn, client: sns });
      const down = observation('SSHD_NOT_LISTENING');
      const id = down.instanceId;

      await recordAndAlert(
        { state: store, notifier: broken },
        { observations: [down], now: t(0), runId: 'r0' },
      );
      const failed = await recordAndAlert(
        { state: store, notifier: broken },
        { observations: [down], now: t(1), runId: 'r1' },
      );
      deadSns.destroy();
      assert.equal(failed.failed.length, 1);
      const pending = (await store.get([id])).get(id)?.pendingAlerts ?? [];
      assert.equal(pending.length, 1);
      assert.equal(pending[0]?.attempts, 1);
      assert.equal(pending[0]?.claim, undefined, 'the claim is released for the next run');
      assert.match(pending[0]?.lastError ?? '', /ECONNREFUSED|connect/i);
      assert.equal(
        pending[0]?.message.subject,
        '[port22] DOWN i-0abc1234def567890 (web-1): SSHD_NOT_LISTENING',
      );
      assert.deepEqual(await drain(queueUrl), []);

      const retried = await recordAndAlert(
        { state: store, notifier: working },
        { observations: [down], now: t(2), runId: 'r2' },
      );
      await recordAndAlert(
        { state: store, notifier: working },
        { observations: [down], now: t(3), runId: 'r3' },
      );
      const received = await drain(queueUrl);
      assert.equal(received.length, 1, 'arrives once');
      assert.equal(received[0]?.Subject, pending[0]?.message.subject);
      assert.equal(received[0]?.MessageId, retried.sent[0]?.messageId);
      const final = (await store.get([id])).get(id);
      assert.deepEqual(final?.pendingAlerts, []);
      assert.equal(final?.lastAlert?.messageId, received[0]?.MessageId);
      assert.equal(final?.lastAlert?.at, t(1).toISOString(), 'the alert keeps the time it was decided');
    });
  });
});
