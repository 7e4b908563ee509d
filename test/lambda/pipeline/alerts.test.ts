// State and alerts through the whole pipeline: consecutive failures, recovery, a failed publish retried,
// overlapping runs, change awareness and a changed host key — first with the in-memory store and a
// recording notifier, then with DynamoDB (dynalite) and SNS → SQS (fauxqs) on loopback.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { LAB_TIMEOUTS } from '../../../lab/lab.ts';
import {
  createStateTable,
  type LocalDynamo,
  type LocalSns,
  startLocalDynamo,
  startLocalSns,
} from '../../../lab/local-aws.ts';
import { DynamoDbStateStore } from '../../../lambda/adapters/aws/dynamodb-state-store.ts';
import { SnsNotifier } from '../../../lambda/adapters/aws/sns-notifier.ts';
import { loadInventoryDir } from '../../../lambda/adapters/local/inventory-dir.ts';
import { MemoryStateStore } from '../../../lambda/adapters/memory/memory-state-store.ts';
import type { Inventory } from '../../../lambda/core/inventory/model.ts';
import type { RenderedAlert } from '../../../lambda/core/state/instance-state.ts';
import type { ChangeHistory, Notifier, StateStore } from '../../../lambda/ports.ts';
import {
  id,
  LAB,
  LAB_INVENTORY,
  labInput,
  type PipelineLab,
  runLab,
  sharedPipelineLab,
  startPipelineLab,
} from './pipeline-lab.ts';

class RecordingNotifier implements Notifier {
  readonly published: RenderedAlert[] = [];
  failNext = 0;
  constructor(private readonly inner?: Notifier) {}
  async publish(alert: RenderedAlert) {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('Throttling: Rate exceeded');
    }
    const out = this.inner
      ? await this.inner.publish(alert)
      : { messageId: `m-${this.published.length + 1}` };
    this.published.push(alert);
    return out;
  }
}

const CACHE = LAB['cache-1'];
const KNOCK = LAB['knock-1'];
const minute = (n: number) => new Date(Date.UTC(2026, 2, 9, 8, n));

/** cache-1 only: refused (SSHD_NOT_LISTENING) until `recover()` points it at a healthy server. */
async function cacheLab(lab: PipelineLab) {
  const refused = await lab.extraZoo('refused');
  const healthy = await lab.extraZoo('healthy');
  lab.resolver.route(CACHE.address, { host: refused.host, port: refused.port });
  return {
    fail: () => lab.resolver.route(CACHE.address, { host: refused.host, port: refused.port }),
    recover: () => lab.resolver.route(CACHE.address, { host: healthy.host, port: healthy.port }),
  };
}

function run(lab: PipelineLab, state: StateStore, notifier: Notifier, n: number, runId = `run-${n}`) {
  return runLab(lab, labInput(runId, ['cache-1'], { now: minute(n) }), { state, notifier });
}

describe('pipeline state and alerts (in-memory store, recording notifier)', () => {
  const lab = sharedPipelineLab([]);

  it('N-1 failures send nothing, the Nth one alert, recovery one notice', async () => {
    const cache = await cacheLab(lab());
    const store = new MemoryStateStore();
    const notifier = new RecordingNotifier();
    const first = await run(lab(), store, notifier, 0);
    assert.equal(first.instances[0]?.diagnosis, 'SSHD_NOT_LISTENING');
    assert.equal(notifier.published.length, 0, 'one failure of N=2: nothing');
    const second = await run(lab(), store, notifier, 1);
    assert.deepEqual(
      notifier.published.map((a) => a.subject),
      [`[port22] DOWN ${id(8)} (cache-1): SSHD_NOT_LISTENING`],
    );
    assert.equal(second.alerts.sent.length, 1);
    await run(lab(), store, notifier, 2);
    assert.equal(notifier.published.length, 1, 'still down within the reminder interval: nothing more');
    cache.recover();
    await run(lab(), store, notifier, 3);
    await run(lab(), store, notifier, 4);
    assert.deepEqual(
      notifier.published.map((a) => a.kind),
      ['alert', 'recovery'],
    );
    assert.match(notifier.published[1]!.subject, /RECOVERED .*HEALTHY \(was SSHD_NOT_LISTENING\)/);
  });

  it('a failed publish stays pending and arrives once, with the next run', async () => {
    await cacheLab(lab());
    const store = new MemoryStateStore();
    const notifier = new RecordingNotifier();
    await run(lab(), store, notifier, 0);
    notifier.failNext = 1;
    const failed = await run(lab(), store, notifier, 1);
    assert.equal(notifier.published.length, 0);
    assert.equal(failed.alerts.failed.length, 1);
    assert.ok(failed.errors.some((e) => /^alerts: .*publish failed, kept pending/.test(e)));
    assert.equal(store.instances.get(id(8))?.pendingAlerts.length, 1);
    await run(lab(), store, notifier, 2);
    await run(lab(), store, notifier, 3);
    assert.equal(notifier.published.length, 1, 'sent once, by the next run');
    assert.equal(notifier.published[0]!.kind, 'alert');
    assert.equal(store.instances.get(id(8))?.pendingAlerts.length, 0);
  });

  it('two overlapping runs send one alert', async () => {
    await cacheLab(lab());
    const store = new MemoryStateStore();
    const notifier = new RecordingNotifier();
    await run(lab(), store, notifier, 0);
    const [a, b] = await Promise.all([
      run(lab(), store, notifier, 1, 'run-a'),
      run(lab(), store, notifier, 1, 'run-b'),
    ]);
    assert.equal(notifier.published.length, 1);
    assert.equal(a.alerts.sent.length + b.alerts.sent.length, 1);
  });

  it('a rebuilt host: HOST_KEY_CHANGED finding and one security alert', async () => {
    const before = await lab().extraZoo('healthy');
    const rebuilt = await lab().extraZoo('healthy');
    const store = new MemoryStateStore();
    const notifier = new RecordingNotifier();
    const web1 = LAB['web-1'].address;
    const check = (n: number) =>
      runLab(lab(), labInput(`hk-${n}`, ['web-1'], { now: minute(n) }), { state: store, notifier });
    lab().resolver.route(web1, { host: before.host, port: before.port });
    const first = await check(0);
    assert.ok(!first.findings.some((f) => f.code === 'HOST_KEY_CHANGED'));
    lab().resolver.route(web1, { host: rebuilt.host, port: rebuilt.port });
    const second = await check(1);
    const finding = second.findings.find((f) => f.code === 'HOST_KEY_CHANGED');
    assert.ok(finding);
    assert.ok(
      finding.detail.includes(before.hostKeyFingerprint!) &&
        finding.detail.includes(rebuilt.hostKeyFingerprint!),
    );
    assert.deepEqual(
      notifier.published.map((a) => `${a.kind} ${a.code}`),
      ['security HOST_KEY_CHANGED'],
    );
  });

  it('change awareness: a failure names the rule removed since the last healthy check', async () => {
    const inventory = await loadInventoryDir(LAB_INVENTORY);
    const store = new MemoryStateStore();
    const notifier = new RecordingNotifier();
    // The ingress rule the prober needs, removed from sg-0b22000000000a002 between two runs.
    const withoutRule: Inventory = {
      ...inventory,
      securityGroups: inventory.securityGroups.map((g) =>
        g.GroupId === 'sg-0b22000000000a002' ? { ...g, IpPermissions: [] } : g,
      ),
    };
    const check = (inv: Inventory, n: number) =>
      runLab(lab(), labInput(`chg-${n}`, ['web-2'], { now: minute(n), probe: false }), {
        inventory: { load: async () => ({ inventory: inv, errors: [] }) },
        state: store,
        notifier,
      });
    const healthy = await check(inventory, 0);
    assert.equal(healthy.instances[0]?.diagnosis, 'HEALTHY');
    const broken = await check(withoutRule, 5);
    const web2 = broken.instances[0]!;
    assert.equal(web2.diagnosis, 'BLOCKED_BY_SECURITY_GROUP');
    const at = minute(0).toISOString();
    assert.deepEqual(web2.changes, [
      `sg-0b22000000000a002: inbound rule tcp/22 from 10.20.0.0/24 removed since the last healthy check at ${at}`,
      `sg-0b22000000000a002: inbound rule tcp/22 from sg-0b22000000000a001 removed since the last healthy check at ${at}`,
    ]);
    assert.ok(web2.evidence.some((e) => e.kind === 'change'));
    await check(withoutRule, 6);
    assert.match(notifier.published[0]?.body ?? '', /inbound rule tcp\/22 from 10\.20\.0\.0\/24 removed/);
  });

  it('who changed what: the change and its alert name the principal CloudTrail recorded', async () => {
    const inventory = await loadInventoryDir(LAB_INVENTORY);
    const store = new MemoryStateStore();
    const notifier = new RecordingNotifier();
    const withoutRule: Inventory = {
      ...inventory,
      securityGroups: inventory.securityGroups.map((g) =>
        g.GroupId === 'sg-0b22000000000a002' ? { ...g, IpPermissions: [] } : g,
      ),
    };
    const asked: string[] = [];
    // Event history: the revoke two minutes after the healthy check, and an older one before it.
    const changeHistory: ChangeHistory = {
      lookup: async (resourceId) => {
        asked.push(resourceId);
        return [
          {
            eventName: 'RevokeSecurityGroupIngress',
            eventTime: minute(2).toISOString(),
            principal: 'arn:aws:sts::111122223333:assumed-role/NetworkAdmin/bob',
            sourceAddress: '198.51.100.7',
            resourceIds: [resourceId],
          },
          {
            eventName: 'AuthorizeSecurityGroupIngress',
            eventTime: new Date(minute(0).getTime() - 60_000).toISOString(),
            principal: 'arn:aws:iam::111122223333:user/earlier',
            resourceIds: [resourceId],
          },
        ];
      },
    };
    const check = (inv: Inventory, n: number) =>
      runLab(lab(), labInput(`who-${n}`, ['web-2'], { now: minute(n), probe: false }), {
        inventory: { load: async () => ({ inventory: inv, errors: [] }) },
        state: store,
        notifier,
        changeHistory,
      });
    await check(inventory, 0);
    assert.deepEqual(asked, [], 'a healthy run looks nothing up');
    const broken = (await check(withoutRule, 5)).instances[0]!;
    // Two changed rules on one group: one lookup.
    assert.deepEqual(asked, ['sg-0b22000000000a002']);
    const by = `: RevokeSecurityGroupIngress by arn:aws:sts::111122223333:assumed-role/NetworkAdmin/bob from 198.51.100.7 at ${minute(2).toISOString()}`;
    assert.ok(
      broken.changes?.every((line) => line.endsWith(by)),
      JSON.stringify(broken.changes),
    );
    const changes = broken.evidence.filter((e) => e.kind === 'change');
    assert.equal(changes.length, 2);
    for (const e of changes) {
      assert.equal(e.principal, 'arn:aws:sts::111122223333:assumed-role/NetworkAdmin/bob');
      assert.equal(e.at, minute(2).toISOString());
      assert.equal(e.resourceId, 'sg-0b22000000000a002');
    }
    await check(withoutRule, 6);
    assert.match(
      notifier.published[0]?.body ?? '',
      /What changed\n {2}- sg-0b22000000000a002: .* by arn:aws:sts::111122223333:assumed-role\/NetworkAdmin\/bob from 198\.51\.100\.7/,
    );
  });

  // One definition of "the port answered": an expect=closed port that accepts and then says nothing
  // answered. The healthy flag, the alert and the finding once disagreed (healthy, a finding, no alert).
  it('expect=closed, accepted and silent: unhealthy, alerted on the first check, UNEXPECTEDLY_OPEN', async () => {
    const silent = await lab().extraZoo('silent');
    lab().resolver.route(KNOCK.address, { host: silent.host, port: silent.port });
    const notifier = new RecordingNotifier();
    const timeouts = { ...LAB_TIMEOUTS, identMs: 300, totalMs: 1000 };
    const report = await runLab(lab(), labInput('knock-silent', ['knock-1'], { timeouts }), {
      state: new MemoryStateStore(),
      notifier,
    });
    const [knock] = report.instances;
    assert.equal(knock?.instanceId, id(KNOCK.n));
    assert.equal(knock?.probe?.outcome, 'ident-timeout');
    assert.equal(knock?.healthy, false);
    assert.deepEqual(
      report.findings.filter((f) => f.resourceId === id(KNOCK.n)).map((f) => f.code),
      ['UNEXPECTEDLY_OPEN'],
    );
    assert.deepEqual(
      notifier.published.map((a) => `${a.kind} ${a.code}`),
      ['security UNEXPECTEDLY_OPEN'],
    );
    assert.equal(report.metrics[0]?.InstancesUnhealthy, 1);
  });
});

interface SnsEnvelope {
  Subject: string;
  Message: string;
}

describe('pipeline state and alerts against dynalite and fauxqs', () => {
  let lab: PipelineLab;
  let dynamo: LocalDynamo;
  let local: LocalSns;

  before(async () => {
    lab = await startPipelineLab([]);
    dynamo = await startLocalDynamo();
    await createStateTable(dynamo.client, 'port22-state');
    local = await startLocalSns();
  });
  after(async () => {
    await local?.close();
    await dynamo?.close();
    await lab?.close();
  });

  /** Everything in the queue now, deleted as it is read. */
  async function drain(queueUrl: string): Promise<SnsEnvelope[]> {
    const { sqs } = local;
    const out: SnsEnvelope[] = [];
    for (let i = 0; i < 10; i += 1) {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
      if (!r.Messages?.length) break;
      for (const m of r.Messages) {
        out.push(JSON.parse(m.Body!) as SnsEnvelope);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
      }
    }
    return out;
  }

  it('N-1 nothing, overlapping Nth runs one alert, a failed publish retried once, recovery one notice', async () => {
    const { topicArn, queueUrl } = await local.topicWithQueue(
      'port22-pipeline-alerts',
      'port22-pipeline-inbox',
    );
    const state = new DynamoDbStateStore({ tableName: 'port22-state', client: dynamo.client });
    const notifier = new RecordingNotifier(new SnsNotifier({ topicArn, client: local.sns }));
    const cache = await cacheLab(lab);

    await run(lab, state, notifier, 0);
    assert.deepEqual(await drain(queueUrl), [], 'one failure: nothing');

    // The Nth failure, seen by two overlapping runs: the conditional write lets one of them announce it.
    const [a, b] = await Promise.all([
      run(lab, state, notifier, 1, 'run-a'),
      run(lab, state, notifier, 1, 'run-b'),
    ]);
    assert.equal(a.alerts.sent.length + b.alerts.sent.length, 1);
    const down = await drain(queueUrl);
    assert.deepEqual(
      down.map((m) => m.Subject),
      [`[port22] DOWN ${id(8)} (cache-1): SSHD_NOT_LISTENING`],
    );
    assert.match(down[0]!.Message, /ss -ltnp|systemctl/);

    // Recovery whose first publish fails: kept pending in DynamoDB, sent once by the next run.
    cache.recover();
    notifier.failNext = 1;
    const failed = await run(lab, state, notifier, 2);
    assert.equal(failed.alerts.failed.length, 1);
    assert.deepEqual(await drain(queueUrl), []);
    assert.equal((await state.get([id(8)])).get(id(8))?.pendingAlerts.length, 1);
    await run(lab, state, notifier, 3);
    await run(lab, state, notifier, 4);
    const recovered = await drain(queueUrl);
    assert.deepEqual(
      recovered.map((m) => m.Subject),
      [`[port22] RECOVERED ${id(8)} (cache-1): HEALTHY (was SSHD_NOT_LISTENING)`],
    );
    assert.equal((await state.get([id(8)])).get(id(8))?.pendingAlerts.length, 0);
  });
});
