import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DiagnosisCode } from '../../../lambda/core/diagnose/types.ts';
import type { EmfDocument } from '../../../lambda/core/metrics/emf.ts';
import type { MetricsSink } from '../../../lambda/ports.ts';
import { emitMetrics } from '../../../lambda/steps/metrics.ts';
import { CLOSED, diagnosisOf, probeOf, targets, WALLED, WEB } from './world.ts';

const NOW = new Date(Date.UTC(2026, 2, 9, 8, 0));
const fleet = targets();
const checked = (id: string, code: DiagnosisCode, totalMs?: number) => ({
  target: fleet.get(id)!,
  diagnosis: diagnosisOf(code),
  ...(totalMs === undefined ? {} : { probe: probeOf('10.0.1.1', 'ok', { phases: { totalMs } }) }),
});
const NONE = { unchecked: [], proberErrors: 0 };

class RecordingSink implements MetricsSink {
  readonly documents: EmfDocument[] = [];
  async emit(docs: readonly EmfDocument[]) {
    this.documents.push(...docs);
  }
}

describe('metrics step', () => {
  it('the run in numbers: healthy as the expect tag says, unchecked and prober errors as counted', async () => {
    const sink = new RecordingSink();
    const out = await emitMetrics(
      sink,
      [
        checked(WEB, 'HEALTHY', 12),
        // Tagged closed and answering: unhealthy although the diagnosis reads HEALTHY.
        checked(CLOSED, 'HEALTHY', 8),
        checked(WALLED, 'BLOCKED_BY_SECURITY_GROUP'),
      ],
      { unchecked: [{ instanceId: 'i-0late', reason: 'deadline' }], proberErrors: 2 },
      {},
      NOW,
    );
    const [fleetDoc] = out.documents;
    assert.equal(fleetDoc?.ChecksRun, 3);
    assert.equal(fleetDoc?.InstancesHealthy, 1);
    assert.equal(fleetDoc?.InstancesUnhealthy, 2);
    assert.equal(fleetDoc?.Unchecked, 1);
    assert.equal(fleetDoc?.ProberErrors, 2);
    assert.equal(fleetDoc?.Vpc, 'vpc-0a1', 'the targets’ one VPC');
    assert.deepEqual(sink.documents, out.documents);
    assert.deepEqual(out.errors, []);
  });

  it('the configured VPC names the dimension; nothing checked still makes a document', async () => {
    const out = await emitMetrics(undefined, [], NONE, { vpcId: 'vpc-0configured' }, NOW);
    assert.equal(out.documents[0]?.Vpc, 'vpc-0configured');
    assert.equal(out.documents[0]?.ChecksRun, 0);
    assert.equal((await emitMetrics(undefined, [], NONE, {}, NOW)).documents[0]?.Vpc, 'all');
  });

  it('per-instance metrics only when asked', async () => {
    const one = [checked(WEB, 'HEALTHY', 12)];
    const per = (perInstanceMetrics: boolean) =>
      emitMetrics(undefined, one, NONE, { perInstanceMetrics }, NOW).then((o) =>
        o.documents.filter((d) => d.InstanceId === WEB),
      );
    assert.equal((await per(false)).length, 0);
    assert.equal((await per(true)).length, 1);
  });

  it('a sink that fails: the documents stay in the report, one line under metrics', async () => {
    const out = await emitMetrics(
      {
        emit: async () => {
          throw new Error('EPIPE');
        },
      },
      [checked(WEB, 'HEALTHY', 12)],
      NONE,
      {},
      NOW,
    );
    assert.equal(out.documents[0]?.ChecksRun, 1);
    assert.deepEqual(out.errors, ['metrics: EPIPE']);
  });
});
