// The alert guarantee of docs/alerts.md, proven against real emulators in processes of their own: DynamoDB
// (dynalite) and SNS → SQS (fauxqs) paused with SIGSTOP, killed, behind a proxy that drops answers and resets
// connections; the notifier throwing; two overlapping runs; instances leaving the checked set. Each scenario
// counts what reached the subscribed queue and prints "scenario: delivered N, duplicated N, lost N" — the
// figures docs/alerts.md and the README quote.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it, type TestContext } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { createStateTable, LOCAL_CREDENTIALS } from '../../../lab/local-aws.ts';
import { clientOptions } from '../../../lambda/adapters/aws/client-options.ts';
import { DynamoDbStateStore } from '../../../lambda/adapters/aws/dynamodb-state-store.ts';
import { SnsNotifier } from '../../../lambda/adapters/aws/sns-notifier.ts';
import { loadInventoryDir } from '../../../lambda/adapters/local/inventory-dir.ts';
import { FileSignalsSource } from '../../../lambda/adapters/local/signals-file.ts';
import type { Inventory } from '../../../lambda/core/inventory/model.ts';
import type { RenderedAlert } from '../../../lambda/core/state/instance-state.ts';
import { DEADLINE_MARGIN_MS } from '../../../lambda/handlers/check.ts';
import { type CheckInput, type CheckReport, runCheck } from '../../../lambda/pipeline.ts';
import type { Notifier, Prober } from '../../../lambda/ports.ts';
import { awsPorts } from '../../../lambda/wiring.ts';
import {
  Backend,
  FaultProxy,
  formatTally,
  freshWorld,
  inbox,
  setupClients,
  type Tally,
  tally,
} from './faults/harness.ts';
import { id, LAB, LAB_INVENTORY, LAB_SIGNALS, type LabName, labInput } from './pipeline-lab.ts';

/** Five running instances whose configuration lets the prober in: a refused probe makes each SSHD_NOT_LISTENING. */
const FLEET = ['web-1', 'web-2', 'cache-1', 'build-1', 'metrics-1'] as const satisfies readonly LabName[];
const downSubject = (name: LabName) => `[port22] DOWN ${id(LAB[name].n)} (${name}): SSHD_NOT_LISTENING`;
const EXPECTED = FLEET.map(downSubject);
const minute = (n: number) => new Date(Date.UTC(2026, 2, 9, 8, n));
/** A hang is a failure of its own scenario, not a stuck suite. */
const LIMIT = { timeout: 40_000 };
/** Past the 15-minute claim lease (Lambda's longest run): a claim this old belongs to a dead run. */
const AFTER_LEASE = 16;

/** sshd is down everywhere: the prober is a stand-in that sends nothing (the network is not under test). */
const refusingProber = (hooks: { onProbe?: () => void } = {}): Prober => ({
  probe: async (target) => {
    hooks.onProbe?.();
    return { target, outcome: 'refused', phases: { connectMs: 1, totalMs: 1 } };
  },
});
const nowhere = { resolve: () => ({ host: '127.0.0.1', port: 9 }) };

/** Wraps a notifier: fails the first `failFirst` publishes, and can hold every publish's return on a gate. */
class ScriptedNotifier implements Notifier {
  failFirst = 0;
  published = 0;
  gate: Promise<void> | undefined;
  /** The real notifier of the current run. */
  inner: Notifier | undefined;

  /** Holds every publish's return until `release()`; `reached` resolves once `n` publishes went out. */
  hold(n: number) {
    let open = () => {};
    this.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const reached = (async () => {
      while (this.published < n) await new Promise((r) => setTimeout(r, 20));
    })();
    const release = () => {
      this.gate = undefined;
      open();
    };
    return { reached, release };
  }
  async publish(alert: RenderedAlert) {
    if (this.failFirst > 0) {
      this.failFirst -= 1;
      throw new Error('InternalError: the notifier threw');
    }
    if (!this.inner) throw new Error('no notifier wired');
    const out = await this.inner.publish(alert);
    this.published += 1;
    await this.gate;
    return out;
  }
}

// A hang is a failure, not a stuck suite: every scenario has its own limit.
describe('fault injection: the alert guarantee against dynalite and fauxqs in their own processes', {
  timeout: 60_000,
}, () => {
  let dynamo: Backend;
  let sns: Backend;
  let setup: ReturnType<typeof setupClients>;
  let inventory: Inventory;
  const lines: string[] = [];

  before(async () => {
    [dynamo, sns] = await Promise.all([Backend.start('dynalite'), Backend.start('fauxqs')]);
    setup = setupClients(dynamo, sns);
    inventory = await loadInventoryDir(LAB_INVENTORY);
  });
  // A scenario that failed half-way must not leave the next one a paused or dead backend.
  beforeEach(async () => {
    for (const b of [dynamo, sns]) {
      b.resume();
      if (!b.alive) await b.restart();
    }
  });
  after(async () => {
    for (const c of Object.values(setup ?? {})) c.destroy();
    await Promise.all([dynamo?.close(), sns?.close()]);
    // One block a reader can lift into docs/alerts.md.
    process.stdout.write(`\nfault-injection summary\n${lines.join('\n')}\n`);
  });

  /** A scenario's world: its own table and topic, the production client options, optional proxies. */
  async function world(opts: { dynamoVia?: FaultProxy; snsVia?: FaultProxy } = {}) {
    const w = await freshWorld(setup);
    const place = { region: 'us-east-1', credentials: LOCAL_CREDENTIALS };
    const dynamoClient = new DynamoDBClient(
      clientOptions('dynamodb', { ...place, endpoint: (opts.dynamoVia ?? dynamo).endpoint }),
    );
    const snsClient = new SNSClient(
      clientOptions('sns', { ...place, endpoint: (opts.snsVia ?? sns).endpoint }),
    );
    const notifier = new ScriptedNotifier();
    const state = new DynamoDbStateStore({ tableName: w.tableName, client: dynamoClient });
    /** One run; with `signal`, every AWS call of it ends when it aborts, as the handler wires the deadline. */
    const run = (
      n: number,
      extra: Partial<CheckInput> & { inventory?: Inventory; prober?: Prober; signal?: AbortSignal } = {},
      runId = `run-${n}`,
    ): Promise<CheckReport> => {
      const { inventory: inv = inventory, prober = refusingProber(), signal, ...input } = extra;
      const bounded = signal ? { signal } : {};
      notifier.inner = new SnsNotifier({ topicArn: w.topicArn, client: snsClient, ...bounded });
      return runCheck(
        {
          inventory: { load: async () => ({ inventory: inv, errors: [] }) },
          prober,
          resolver: nowhere,
          signals: new FileSignalsSource(LAB_SIGNALS),
          state: new DynamoDbStateStore({ tableName: w.tableName, client: dynamoClient, ...bounded }),
          notifier,
        },
        labInput(runId, FLEET, { now: minute(n), alertPolicy: { failuresBeforeAlert: 1 }, ...input }),
      );
    };
    const count = async (t: TestContext, scenario: string, expected = EXPECTED): Promise<Tally> => {
      const received = (await inbox(setup.sqs, w.queueUrl)).map((m) => m.Subject);
      const result = tally(expected, received);
      const line = formatTally(scenario, result);
      lines.push(line);
      t.diagnostic(line);
      return result;
    };
    const close = () => {
      dynamoClient.destroy();
      snsClient.destroy();
    };
    return { run, notifier, state, count, close };
  }

  it('baseline: five instances down, five alerts', LIMIT, async (t) => {
    const w = await world();
    const report = await w.run(0);
    assert.deepEqual(report.errors, []);
    await w.run(1);
    assert.deepEqual(await w.count(t, 'baseline'), { delivered: 5, duplicated: 0, lost: 0 });
    w.close();
  });

  it('DynamoDB paused (SIGSTOP): a call of the production wiring ends on its timeouts', LIMIT, async () => {
    // The defect: no request timeout, and a run with DynamoDB paused was still hung 90 s later. The state
    // store is the one the handler wires (awsPorts), pointed at dynalite the way the SDK documents for any
    // client: the AWS_ENDPOINT_URL_<SERVICE> variable and static credentials from the environment.
    const env = {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    const { state } = awsPorts({ region: 'us-east-1', tableName: 'port22-faults-paused' });
    await createStateTable(setup.dynamo, 'port22-faults-paused');
    dynamo.pause();
    const started = Date.now();
    let error: unknown;
    try {
      await state?.get([id(1)]);
    } catch (e) {
      error = e;
    } finally {
      dynamo.resume();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const tookMs = Date.now() - started;
    // Three attempts (the SDK's default for DynamoDB) of a 3 s request timeout, plus at most 0.3 s of backoff.
    assert.equal((error as { name?: string } | undefined)?.name, 'TimeoutError');
    assert.equal((error as { $metadata?: { attempts?: number } }).$metadata?.attempts, 3);
    assert.ok(tookMs >= 9000 && tookMs < 10_500, `the call took ${tookMs} ms`);
  });

  it(
    'DynamoDB paused (SIGSTOP) mid-run, the deadline wired as the handler does: over by the deadline',
    LIMIT,
    async (t) => {
      const budgetMs = 2500;
      const started = Date.now();
      const w = await world();
      let report: CheckReport;
      try {
        report = await w.run(0, {
          signal: AbortSignal.timeout(budgetMs),
          deadlineAt: started + budgetMs,
          reserveMs: 2000,
          prober: refusingProber({ onProbe: () => dynamo.pause() }),
        });
      } finally {
        dynamo.resume();
      }
      const overMs = Date.now() - (started + budgetMs);
      // What matters is the Lambda's own timeout: the handler sets the deadline DEADLINE_MARGIN_MS before it,
      // so a run may finish its last steps in that margin, never past it (about 50-70 ms on a quiet machine,
      // 263 ms seen with eight other jobs on two cores).
      assert.ok(overMs < DEADLINE_MARGIN_MS, `the run ended ${overMs} ms after its deadline`);
      assert.ok(
        report.errors.some((e) => e.startsWith('state: ')),
        report.errors.join('\n'),
      );
      assert.equal(report.instances.length, 5, 'diagnoses survive the state store');
      assert.equal(report.alerts.sent.length, 0, 'no claim written, nothing published');
      t.diagnostic(`paused DynamoDB, deadline ${budgetMs} ms: the run ended ${overMs} ms after it`);
      await w.run(1);
      assert.deepEqual(await w.count(t, 'DynamoDB paused mid-run'), { delivered: 5, duplicated: 0, lost: 0 });
      w.close();
    },
  );

  it('DynamoDB killed mid-run: named in errors, nothing sent, the next run sends all', LIMIT, async (t) => {
    const w = await world();
    let killed: Promise<void> | undefined;
    const report = await w.run(0, {
      prober: refusingProber({
        onProbe: () => {
          killed ??= dynamo.kill();
        },
      }),
    });
    await killed;
    await dynamo.restart();
    assert.ok(
      report.errors.some((e) => /^state: .*ECONNREFUSED/.test(e)),
      report.errors.join('\n'),
    );
    await w.run(1);
    assert.deepEqual(await w.count(t, 'DynamoDB killed mid-run'), { delivered: 5, duplicated: 0, lost: 0 });
    w.close();
  });

  it(
    'DynamoDB killed right after the publishes, back 1 s later: the settlement is retried, nothing re-sent',
    LIMIT,
    async (t) => {
      // The defect: all 5 alerts were sent again 15 minutes later.
      const w = await world();
      const held = w.notifier.hold(5);
      const running = w.run(0);
      await held.reached;
      await dynamo.kill();
      held.release();
      await new Promise((r) => setTimeout(r, 1000));
      await dynamo.restart();
      const first = await running;
      assert.deepEqual(first.errors, [], 'every settlement landed once DynamoDB was back');
      await w.run(AFTER_LEASE);
      assert.deepEqual(await w.count(t, 'DynamoDB killed after the publishes, back in 1 s'), {
        delivered: 5,
        duplicated: 0,
        lost: 0,
      });
      w.close();
    },
  );

  it(
    'DynamoDB killed after the publishes until the run is over: one re-send each after the lease, no more',
    LIMIT,
    async (t) => {
      const w = await world();
      const held = w.notifier.hold(5);
      const deadlineAt = Date.now() + 4000;
      const running = w.run(0, { deadlineAt });
      await held.reached;
      await dynamo.kill();
      held.release();
      const first = await running;
      await dynamo.restart();
      assert.equal(first.errors.filter((e) => /could not record the publish outcome/.test(e)).length, 5);
      await w.run(5); // within the lease: the claims are still live, nothing is sent
      await w.run(AFTER_LEASE);
      await w.run(AFTER_LEASE * 2);
      assert.deepEqual(await w.count(t, 'DynamoDB killed after the publishes, for the run'), {
        delivered: 5,
        duplicated: 5,
        lost: 0,
      });
      w.close();
    },
  );

  it(
    'an SNS answer dropped on the wire: no retry into a duplicate within the run, one re-send next run',
    LIMIT,
    async (t) => {
      // The defect: the SDK's retry delivered one alert twice. Every answer for this one alert is dropped.
      const proxy = await new FaultProxy(sns).start();
      const w = await world({ snsVia: proxy });
      proxy.dropResponses(Number.POSITIVE_INFINITY);
      const only: Partial<CheckInput> = { targets: { tagFilters: [{ key: 'Name', values: ['cache-1'] }] } };
      const first = await w.run(0, only);
      assert.equal(proxy.dropped, 1, 'one attempt, no SDK retry');
      assert.match(first.errors.join('\n'), /publish outcome unknown, kept pending for one re-send/);
      await w.run(1, only);
      assert.equal(proxy.dropped, 2, 'one re-send by the next run');
      const third = await w.run(2, only);
      assert.equal(proxy.dropped, 2, 'never a third copy');
      assert.deepEqual(third.alerts.sent, []);
      assert.deepEqual(
        await w.count(t, 'SNS answers dropped (every publish of one alert)', [downSubject('cache-1')]),
        { delivered: 1, duplicated: 1, lost: 0 },
      );
      w.close();
      await proxy.close();
    },
  );

  it('an SNS answer dropped once in a fleet: one alert re-sent once', LIMIT, async (t) => {
    const proxy = await new FaultProxy(sns).start();
    const w = await world({ snsVia: proxy });
    proxy.dropResponses(1);
    await w.run(0);
    await w.run(1);
    assert.deepEqual(await w.count(t, 'SNS answer dropped once'), { delivered: 5, duplicated: 1, lost: 0 });
    w.close();
    await proxy.close();
  });

  it('SNS connection reset before the request reached it: kept, sent by the next run', LIMIT, async (t) => {
    const proxy = await new FaultProxy(sns).start();
    const w = await world({ snsVia: proxy });
    proxy.resetConnections(1);
    const first = await w.run(0);
    assert.equal(proxy.reset, 1);
    assert.equal(first.alerts.failed.length, 1);
    await w.run(1);
    assert.deepEqual(await w.count(t, 'SNS connection reset'), { delivered: 5, duplicated: 0, lost: 0 });
    w.close();
    await proxy.close();
  });

  it(
    'SNS paused (SIGSTOP) mid-publish: timeouts end the run; the unknown ones are re-sent once',
    LIMIT,
    async (t) => {
      const w = await world();
      sns.pause();
      const started = Date.now();
      let first: CheckReport;
      try {
        first = await w.run(0);
      } finally {
        sns.resume();
      }
      const tookMs = Date.now() - started;
      // One 5 s request timeout per publish, the five instances' publishes side by side, no retry.
      assert.ok(tookMs < 9000, `the run took ${tookMs} ms`);
      assert.equal(first.alerts.failed.filter((f) => /outcome unknown/.test(f.error ?? '')).length, 5);
      await w.run(1);
      await w.run(2);
      // fauxqs, resumed, still processes the requests the kernel had buffered: each alert arrives twice.
      assert.deepEqual(await w.count(t, 'SNS paused mid-publish'), { delivered: 5, duplicated: 5, lost: 0 });
      w.close();
    },
  );

  it('the notifier throwing: kept pending, sent by the next run', LIMIT, async (t) => {
    const w = await world();
    w.notifier.failFirst = 2;
    const first = await w.run(0);
    assert.equal(first.alerts.failed.length, 2);
    await w.run(1);
    assert.deepEqual(await w.count(t, 'notifier throws'), { delivered: 5, duplicated: 0, lost: 0 });
    w.close();
  });

  it('two overlapping runs: each alert once', LIMIT, async (t) => {
    const w = await world();
    const [a, b] = await Promise.all([w.run(0, {}, 'run-a'), w.run(0, {}, 'run-b')]);
    assert.equal(a.alerts.sent.length + b.alerts.sent.length, 5);
    assert.deepEqual(await w.count(t, 'two overlapping runs'), { delivered: 5, duplicated: 0, lost: 0 });
    w.close();
  });

  it(
    'instances leaving the set with a pending alert (terminated, monitor=false): still sent',
    LIMIT,
    async (t) => {
      // The defect: the pending DOWN sat in state until the TTL deleted it.
      const w = await world();
      w.notifier.failFirst = 5;
      const first = await w.run(0);
      assert.equal(first.alerts.failed.length, 5);
      const leaving = new Map<string, 'terminated' | 'unmonitored'>([
        [id(LAB['cache-1'].n), 'terminated'],
        [id(LAB['build-1'].n), 'unmonitored'],
      ]);
      const changed: Inventory = {
        ...inventory,
        instances: inventory.instances.map((i) => {
          const how = leaving.get(i.InstanceId);
          if (how === 'terminated') return { ...i, State: { Name: 'terminated', Code: 48 } };
          if (how === 'unmonitored')
            return { ...i, Tags: [...(i.Tags ?? []), { Key: 'port22:monitor', Value: 'false' }] };
          return i;
        }),
      };
      const second = await w.run(1, { inventory: changed });
      assert.equal(second.instances.length, 3, 'the two left the checked set');
      assert.equal(second.alerts.sent.length, 5);
      assert.deepEqual(await w.count(t, 'instances leaving the set'), {
        delivered: 5,
        duplicated: 0,
        lost: 0,
      });
      w.close();
    },
  );

  it(
    'an instance gone from DescribeInstances with an undelivered DOWN: sent by the next run, once',
    LIMIT,
    async (t) => {
      // The defect: no run asked for the record of an instance EC2 no longer lists (terminated over an
      // hour ago), so its pending DOWN sat in state until the TTL deleted it.
      const w = await world();
      w.notifier.failFirst = 5;
      const first = await w.run(0);
      assert.equal(first.alerts.failed.length, 5);
      const gone = id(LAB['cache-1'].n);
      const vanished: Inventory = {
        ...inventory,
        instances: inventory.instances.filter((i) => i.InstanceId !== gone),
      };
      const second = await w.run(1, { inventory: vanished });
      assert.equal(second.instances.length, 4, 'the instance is not in the inventory at all');
      assert.equal(second.alerts.sent.length, 5);
      assert.ok(second.alerts.sent.some((a) => a.target === gone));
      await w.run(2, { inventory: vanished });
      assert.deepEqual((await w.state.get([gone])).get(gone)?.pendingAlerts, []);
      assert.deepEqual(await w.count(t, 'instance gone from DescribeInstances'), {
        delivered: 5,
        duplicated: 0,
        lost: 0,
      });
      w.close();
    },
  );
});
