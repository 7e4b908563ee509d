/**
 * Signals: instance state, status checks and CloudWatch metrics for every target to diagnose. The
 * inventory's own describe-instances / describe-instance-status answers are the base; what the signals
 * source fetches wins field by field. CloudWatch metrics are asked only where they could change a diagnosis.
 */
import { DEFAULT_THRESHOLDS, type DiagnosisThresholds } from '../core/diagnose/input.ts';
import type { HostSignals } from '../core/diagnose/types.ts';
import type { Inventory } from '../core/inventory/model.ts';
import { inventorySignals, mergeSignals } from '../core/signals/merge.ts';
import { metricsCanMatter } from '../core/signals/metrics-wanted.ts';
import type { SignalsSource, SignalsTarget } from '../ports.ts';
import { errorMessage } from './error-message.ts';
import type { ProbedTarget } from './probe.ts';

export interface SignalsOptions {
  readonly thresholds?: Partial<DiagnosisThresholds>;
}

export interface Signals {
  /** Instance id → its signals, for every target (state and status checks at least, when known). */
  readonly byInstance: ReadonlyMap<string, HostSignals>;
  readonly errors: readonly string[];
}

export async function gatherSignals(
  source: SignalsSource | undefined,
  inventory: Inventory,
  targets: readonly ProbedTarget[],
  options: SignalsOptions,
  now: Date,
): Promise<Signals> {
  const fromInventory = inventorySignals(
    inventory,
    targets.map((t) => t.target.instance),
  );
  const errors: string[] = [];
  let fetched = new Map<string, HostSignals>();
  if (source && targets.length > 0) {
    const slowIdentMs = options.thresholds?.slowIdentMs ?? DEFAULT_THRESHOLDS.slowIdentMs;
    const metricsFor = new Set(
      targets
        .filter((t) => metricsCanMatter(t.target.expect, t.probe, slowIdentMs))
        .map((t) => t.target.instanceId),
    );
    try {
      const answer = await source.fetch(targets.map(signalsTarget), now, { metricsFor });
      fetched = answer.signals;
      errors.push(...answer.errors.map((e) => `signals: ${e}`));
    } catch (error) {
      errors.push(`signals: ${errorMessage(error)}`);
    }
  }
  const byInstance = new Map<string, HostSignals>();
  for (const { target } of targets) {
    const merged = mergeSignals(fromInventory.get(target.instanceId), fetched.get(target.instanceId));
    if (merged) byInstance.set(target.instanceId, merged);
  }
  return { byInstance, errors };
}

function signalsTarget({ target }: ProbedTarget): SignalsTarget {
  const asg = target.tags['aws:autoscaling:groupName'];
  return {
    instanceId: target.instanceId,
    ...(target.instance.InstanceType ? { instanceType: target.instance.InstanceType } : {}),
    ...(target.instance.ImageId ? { imageId: target.instance.ImageId } : {}),
    ...(asg ? { autoScalingGroupName: asg } : {}),
  };
}
