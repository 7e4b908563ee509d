/**
 * Metrics: the run's EMF documents (checks run, healthy and unhealthy, unchecked, prober errors, diagnosis
 * counts, probe phases), handed to the metrics sink. Runs even when discovery failed, so the "prober is
 * running" alarm sees every run.
 */
import { isFailure } from '../core/alerts/instance-policy.ts';
import type { DiagnosisCode } from '../core/diagnose/types.ts';
import { type EmfDocument, renderRunMetrics } from '../core/metrics/emf.ts';
import type { MetricsSink } from '../ports.ts';
import type { CheckedInstance } from './changes.ts';
import { errorMessage } from './error-message.ts';
import type { Probes } from './probe.ts';

export interface MetricsOptions {
  /** The `Vpc` metric dimension. @default the instances' VPC when there is one, else `all` */
  readonly vpcId?: string;
  readonly perInstanceMetrics?: boolean;
}

/** What the probe step counted besides the instances it checked. */
export type RunCounts = Pick<Probes, 'unchecked' | 'proberErrors'>;

export interface Emitted {
  readonly documents: EmfDocument[];
  readonly errors: readonly string[];
}

export async function emitMetrics(
  sink: MetricsSink | undefined,
  checked: readonly Pick<CheckedInstance, 'target' | 'diagnosis' | 'probe'>[],
  counts: RunCounts,
  options: MetricsOptions,
  now: Date,
): Promise<Emitted> {
  let documents: EmfDocument[] = [];
  try {
    const diagnosisCounts: Partial<Record<DiagnosisCode, number>> = {};
    for (const { diagnosis } of checked)
      diagnosisCounts[diagnosis.code] = (diagnosisCounts[diagnosis.code] ?? 0) + 1;
    const instances = checked.map((c) => ({
      instanceId: c.target.instanceId,
      healthy: !isFailure(c.diagnosis.code, c.target.expect),
      ...(c.probe ? { totalMs: c.probe.phases.totalMs } : {}),
    }));
    const healthy = instances.filter((i) => i.healthy).length;
    const vpcs = [...new Set(checked.map((c) => c.target.vpcId).filter((v) => v !== undefined))];
    documents = renderRunMetrics(
      {
        vpcId: options.vpcId ?? (vpcs.length === 1 ? vpcs[0]! : 'all'),
        timestamp: now.getTime(),
        checksRun: checked.length,
        healthy,
        unhealthy: checked.length - healthy,
        unchecked: counts.unchecked.length,
        proberErrors: counts.proberErrors,
        diagnosisCounts,
        probePhases: checked.flatMap((c) => (c.probe ? [c.probe.phases] : [])),
        instances,
      },
      { perInstance: options.perInstanceMetrics === true },
    );
    if (sink) await sink.emit(documents);
    return { documents, errors: [] };
  } catch (error) {
    // Rendered but not delivered: the report still carries them.
    return { documents, errors: [`metrics: ${errorMessage(error)}`] };
  }
}
