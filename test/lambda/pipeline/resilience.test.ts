// One failing piece never stops the run, and the deadline leaves time to save state and flush metrics.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CollectingNotifier } from '../../../lambda/adapters/memory/collecting-notifier.ts';
import { MemoryStateStore } from '../../../lambda/adapters/memory/memory-state-store.ts';
import { netProber } from '../../../lambda/adapters/net/prober.ts';
import type { EmfDocument } from '../../../lambda/core/metrics/emf.ts';
import { runCheck } from '../../../lambda/pipeline.ts';
import type { MetricsSink, Prober, SignalsSource } from '../../../lambda/ports.ts';
import { unreadableStateStore } from '../steps/world.ts';
import { id, LAB, type LabName, labInput, NO_PROBES, runLab, sharedPipelineLab } from './pipeline-lab.ts';

const ZOO_ONLY: LabName[] = [
  'web-1',
  'web-2',
  'cache-1',
  'build-1',
  'metrics-1',
  'legacy-1',
  'odd-1',
  'build-2',
];

class RecordingSink implements MetricsSink {
  readonly documents: EmfDocument[] = [];
  async emit(docs: readonly EmfDocument[]) {
    this.documents.push(...docs);
  }
}

describe('runCheck resilience', () => {
  const lab = sharedPipelineLab(ZOO_ONLY);

  it('a tiny deadline: probes stop, unchecked > 0, state still saved and metrics still flushed', async () => {
    const store = new MemoryStateStore();
    const sink = new RecordingSink();
    const reserveMs = 500;
    const started = Date.now();
    // Room for roughly one probe at a time: the healthy ones finish, the silent ones never start.
    const deadlineAt = started + reserveMs + 400;
    const report = await runLab(
      lab(),
      labInput('deadline', ZOO_ONLY, { deadlineAt, reserveMs, concurrency: 1 }),
      { state: store, notifier: new CollectingNotifier(), metrics: sink },
    );
    assert.ok(Date.now() <= deadlineAt + 300, `finished ${Date.now() - deadlineAt} ms after the deadline`);
    assert.ok(report.unchecked > 0, 'some targets were never started');
    assert.ok(report.instances.length > 0, 'the early ones were diagnosed');
    assert.equal(report.unchecked + report.instances.length, ZOO_ONLY.length);
    for (const u of report.uncheckedInstances) {
      assert.match(u.reason, /^deadline/);
      assert.ok(!store.instances.has(u.instanceId), 'an unchecked instance keeps its state untouched');
    }
    for (const i of report.instances) assert.ok(store.instances.has(i.instanceId), 'checked ones are saved');
    assert.equal(sink.documents[0]?.Unchecked, report.unchecked);
    assert.equal(sink.documents[0]?.ChecksRun, report.instances.length);
  });

  it('a deadline already past: nothing probed, everything unchecked, metrics still flushed', async () => {
    const sink = new RecordingSink();
    const report = await runLab(
      lab(),
      labInput('late', ['web-1', 'batch-1'], { deadlineAt: Date.now() - 1 }),
      {
        metrics: sink,
      },
    );
    assert.deepEqual(
      report.uncheckedInstances.map((u) => u.instanceId),
      [id(LAB['web-1'].n)],
    );
    // batch-1 needs no probe (the resolver has no route to it): it is still diagnosed on configuration.
    assert.deepEqual(
      report.instances.map((i) => i.diagnosis),
      ['NO_ROUTE'],
    );
    assert.equal(sink.documents[0]?.Unchecked, 1);
  });

  it('a signals source that throws: every instance still diagnosed, the failure named', async () => {
    const broken: SignalsSource = {
      fetch: async () => {
        throw new Error('AccessDenied: cloudwatch:GetMetricData');
      },
    };
    const report = await runLab(lab(), labInput('signals-down', ['web-1', 'cache-1', 'worker-1']), {
      signals: broken,
    });
    assert.deepEqual(report.errors, ['signals: AccessDenied: cloudwatch:GetMetricData']);
    // Without signals the instance state still comes from describe-instances.
    assert.deepEqual(
      report.instances.map((i) => `${i.name} ${i.diagnosis}`),
      ['web-1 HEALTHY', 'worker-1 INSTANCE_STOPPED', 'cache-1 SSHD_NOT_LISTENING'],
    );
  });

  it('a prober that throws for one target: that one unchecked and counted, the rest diagnosed', async () => {
    const badHost = lab().zoo.get('web-2')!.host;
    const prober: Prober = {
      probe: (target, timeouts) => {
        if (target.host === badHost) throw new Error('EMFILE: too many open files');
        return netProber.probe(target, timeouts);
      },
    };
    const sink = new RecordingSink();
    const report = await runLab(lab(), labInput('prober-throws', ['web-1', 'web-2', 'cache-1']), {
      prober,
      metrics: sink,
    });
    assert.deepEqual(
      report.instances.map((i) => i.name),
      ['web-1', 'cache-1'],
    );
    assert.deepEqual(report.uncheckedInstances, [
      { instanceId: id(2), name: 'web-2', reason: 'prober error: EMFILE: too many open files' },
    ]);
    assert.equal(report.proberErrors, 1);
    assert.equal(sink.documents[0]?.ProberErrors, 1);
    assert.deepEqual(report.errors, [`probe: ${id(2)}: prober error: EMFILE: too many open files`]);
  });

  it('a state store that fails and a bad source spec: diagnoses and metrics survive', async () => {
    const failing = unreadableStateStore('ProvisionedThroughputExceededException');
    const sink = new RecordingSink();
    const report = await runLab(
      lab(),
      labInput('state-down', ['web-1'], { sources: ['i-0doesnotexist', '10.20.0.0/24'] }),
      { state: failing, notifier: new CollectingNotifier(), metrics: sink },
    );
    assert.equal(report.instances[0]?.diagnosis, 'HEALTHY');
    assert.ok(report.errors.includes('analyse: source i-0doesnotexist: no such instance in the inventory'));
    assert.ok(report.errors.some((e) => /^state: .*ProvisionedThroughputExceededException/.test(e)));
    assert.equal(sink.documents[0]?.ChecksRun, 1);
  });

  it('an inventory that cannot be read: the run reports it and still emits its metrics', async () => {
    const sink = new RecordingSink();
    const report = await runCheck(
      {
        inventory: {
          load: async () => {
            throw new Error('DescribeInstances failed: UnauthorizedOperation');
          },
        },
        prober: NO_PROBES,
        resolver: lab().resolver,
        metrics: sink,
      },
      { runId: 'no-inventory', vpcId: 'vpc-0b22c0ffee0000001' },
    );
    assert.deepEqual(report.errors, ['discover: DescribeInstances failed: UnauthorizedOperation']);
    assert.equal(report.instances.length, 0);
    assert.equal(sink.documents[0]?.ChecksRun, 0);
  });
});
