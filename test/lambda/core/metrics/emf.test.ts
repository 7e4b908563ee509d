import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertWithinEmfLimits,
  type EmfDocument,
  type EmfUnit,
  type RunMetricsInput,
  renderRunMetrics,
} from '../../../../lambda/core/metrics/emf.ts';

const TS = Date.UTC(2025, 2, 4, 10, 0, 0);
const base: RunMetricsInput = {
  vpcId: 'vpc-0123456789abcdef0',
  timestamp: TS,
  checksRun: 3,
  healthy: 2,
  unhealthy: 1,
  unchecked: 1,
  proberErrors: 0,
  diagnosisCounts: { HEALTHY: 2, SSHD_NOT_LISTENING: 1, NO_ROUTE: 0 },
  probePhases: [
    { connectMs: 1.5, identMs: 3, kexMs: 12, authMs: 2, totalMs: 19 },
    { connectMs: 2, identMs: 4, kexMs: 10, authMs: 1, totalMs: 18 },
    { connectMs: 1, totalMs: 1 },
  ],
  instances: [
    { instanceId: 'i-0aaa', healthy: true, totalMs: 19 },
    { instanceId: 'i-0bbb', healthy: false },
  ],
};

const directive = (dims: string[], metrics: [string, EmfUnit][]) => ({
  Timestamp: TS,
  CloudWatchMetrics: [
    { Namespace: 'Port22', Dimensions: [dims], Metrics: metrics.map(([Name, Unit]) => ({ Name, Unit })) },
  ],
});

describe('EMF rendering', () => {
  it('renders fleet counts, one document per diagnosis present, and phase latencies', () => {
    assert.deepEqual(renderRunMetrics(base), [
      {
        _aws: directive(
          ['Vpc'],
          [
            ['ChecksRun', 'Count'],
            ['InstancesHealthy', 'Count'],
            ['InstancesUnhealthy', 'Count'],
            ['Unchecked', 'Count'],
            ['ProberErrors', 'Count'],
          ],
        ),
        Vpc: 'vpc-0123456789abcdef0',
        ChecksRun: 3,
        InstancesHealthy: 2,
        InstancesUnhealthy: 1,
        Unchecked: 1,
        ProberErrors: 0,
      },
      {
        _aws: directive(['Vpc', 'Diagnosis'], [['DiagnosisCount', 'Count']]),
        Vpc: 'vpc-0123456789abcdef0',
        Diagnosis: 'HEALTHY',
        DiagnosisCount: 2,
      },
      {
        _aws: directive(['Vpc', 'Diagnosis'], [['DiagnosisCount', 'Count']]),
        Vpc: 'vpc-0123456789abcdef0',
        Diagnosis: 'SSHD_NOT_LISTENING',
        DiagnosisCount: 1,
      },
      {
        _aws: directive(
          ['Vpc'],
          [
            ['ProbeConnectMs', 'Milliseconds'],
            ['ProbeIdentMs', 'Milliseconds'],
            ['ProbeKexMs', 'Milliseconds'],
            ['ProbeAuthMs', 'Milliseconds'],
          ],
        ),
        Vpc: 'vpc-0123456789abcdef0',
        ProbeConnectMs: [1.5, 2, 1],
        ProbeIdentMs: [3, 4],
        ProbeKexMs: [12, 10],
        ProbeAuthMs: [2, 1],
      },
    ]);
  });

  it('chunks latencies at 100 values per metric per document', () => {
    const probePhases = Array.from({ length: 250 }, (_, i) => ({ connectMs: i, totalMs: i }));
    const docs = renderRunMetrics({ ...base, diagnosisCounts: {}, probePhases });
    const latency = docs.slice(1);
    assert.deepEqual(
      latency.map((d) => (d.ProbeConnectMs as number[]).length),
      [100, 100, 50],
    );
    assert.deepEqual(
      latency.map((d) => d._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name)),
      [['ProbeConnectMs'], ['ProbeConnectMs'], ['ProbeConnectMs']],
    );
    assert.equal((latency[2]!.ProbeConnectMs as number[])[0], 200);
  });

  it('no probes → no latency document; no per-instance metrics unless enabled', () => {
    const docs = renderRunMetrics({ ...base, diagnosisCounts: {}, probePhases: [] });
    assert.equal(docs.length, 1);
  });

  it('per-instance metrics with dimension InstanceId when enabled', () => {
    const docs = renderRunMetrics({ ...base, diagnosisCounts: {}, probePhases: [] }, { perInstance: true });
    assert.deepEqual(docs.slice(1), [
      {
        _aws: directive(
          ['InstanceId'],
          [
            ['Healthy', 'Count'],
            ['ProbeTotalMs', 'Milliseconds'],
          ],
        ),
        InstanceId: 'i-0aaa',
        Vpc: 'vpc-0123456789abcdef0',
        Healthy: 1,
        ProbeTotalMs: 19,
      },
      {
        _aws: directive(['InstanceId'], [['Healthy', 'Count']]),
        InstanceId: 'i-0bbb',
        Vpc: 'vpc-0123456789abcdef0',
        Healthy: 0,
      },
    ]);
  });

  it('every document of a large run stays within the EMF limits', () => {
    const probePhases = Array.from({ length: 5000 }, (_, i) => ({
      connectMs: i,
      identMs: i,
      kexMs: i,
      authMs: i,
      totalMs: i,
    }));
    const docs = renderRunMetrics({ ...base, probePhases });
    for (const d of docs) assertWithinEmfLimits(d);
    assert.ok(docs.every((d) => JSON.stringify(d).length < 10_000));
  });

  it('the limit check rejects what CloudWatch would reject', () => {
    const many: EmfDocument = {
      _aws: directive(['Vpc'], [['X', 'Count']]),
      X: Array.from({ length: 101 }, () => 1),
    };
    assert.throws(() => assertWithinEmfLimits(many), /101 values for X/);
    const dims: EmfDocument = {
      _aws: directive(
        Array.from({ length: 31 }, (_, i) => `d${i}`),
        [],
      ),
    };
    assert.throws(() => assertWithinEmfLimits(dims), /31 dimensions/);
  });
});
