/**
 * Diagnose: one diagnosis per target from its probe, its paths and its host signals (the rules in
 * lambda/core/diagnose, in their precedence). A target whose diagnosis fails is left out and named. It runs
 * twice when evidence is gathered: the first answer says which instances fail, the evidence step looks at
 * those, and the second answer reads what it found.
 */
import { diagnose } from '../core/diagnose/diagnose.ts';
import type { DiagnosisThresholds } from '../core/diagnose/input.ts';
import type { Diagnosis, HostSignals } from '../core/diagnose/types.ts';
import type { InstanceEvidence } from '../core/evidence/observations.ts';
import type { TargetPaths } from './analyse.ts';
import { errorMessage } from './error-message.ts';
import type { ProbedTarget } from './probe.ts';

export interface DiagnoseOptions {
  readonly thresholds?: Partial<DiagnosisThresholds>;
}

export interface DiagnosedTarget extends ProbedTarget {
  readonly diagnosis: Diagnosis;
}

export interface Diagnoses {
  /** In the order of the targets given. */
  readonly diagnosed: readonly DiagnosedTarget[];
  readonly errors: readonly string[];
}

export function diagnoseTargets(
  targets: readonly ProbedTarget[],
  paths: ReadonlyMap<string, TargetPaths>,
  signals: ReadonlyMap<string, HostSignals>,
  options: DiagnoseOptions,
  /** What the evidence step found on failing instances (a second pass reads it). @default none */
  gathered: ReadonlyMap<string, InstanceEvidence> = new Map(),
): Diagnoses {
  const diagnosed: DiagnosedTarget[] = [];
  const errors: string[] = [];
  for (const t of targets) {
    const { instanceId, expect, port } = t.target;
    const path = paths.get(instanceId);
    const hostSignals = signals.get(instanceId);
    const found = gathered.get(instanceId);
    try {
      const diagnosis = diagnose({
        instanceId,
        expect,
        port,
        ...(t.probe ? { probe: t.probe } : {}),
        ...(path?.proberVerdict ? { proberVerdict: path.proberVerdict } : {}),
        sourceVerdicts: path?.sourceVerdicts ?? [],
        ...(hostSignals ? { signals: hostSignals } : {}),
        ...(found ? { observations: found.observations } : {}),
        ...(options.thresholds ? { thresholds: options.thresholds } : {}),
      });
      const noProbe = t.noProbeReason
        ? [{ kind: 'config' as const, code: 'NOT_PROBED', detail: t.noProbeReason }]
        : [];
      diagnosed.push({
        ...t,
        diagnosis: {
          ...diagnosis,
          evidence: [...diagnosis.evidence, ...noProbe, ...(found?.evidence ?? [])],
        },
      });
    } catch (error) {
      errors.push(`diagnose: ${instanceId}: ${errorMessage(error)}`);
    }
  }
  return { diagnosed, errors };
}

/**
 * The first pass's diagnoses with the instances the evidence step looked into diagnosed again, reading what
 * it found; every other instance keeps its first answer (nothing new to read for it).
 */
export function reviseWithEvidence(
  first: Diagnoses,
  paths: ReadonlyMap<string, TargetPaths>,
  signals: ReadonlyMap<string, HostSignals>,
  options: DiagnoseOptions,
  gathered: ReadonlyMap<string, InstanceEvidence>,
): Diagnoses {
  if (gathered.size === 0) return first;
  const looked = first.diagnosed.filter((d) => gathered.has(d.target.instanceId));
  const again = diagnoseTargets(looked, paths, signals, options, gathered);
  const revised = new Map(again.diagnosed.map((d) => [d.target.instanceId, d]));
  return {
    diagnosed: first.diagnosed.flatMap((d) => {
      if (!gathered.has(d.target.instanceId)) return [d];
      const r = revised.get(d.target.instanceId);
      return r ? [r] : [];
    }),
    errors: [...first.errors, ...again.errors],
  };
}
