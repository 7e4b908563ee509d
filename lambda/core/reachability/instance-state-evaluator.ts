/**
 * Instance state: only a `running` instance answers. DescribeInstances `State.Name` is authoritative;
 * DescribeInstanceStatus (with --include-all-instances) stands in when the instance record has none.
 */
import type { Instance } from '../inventory/model.ts';
import { type AnalysisContext, type EvaluatorVerdict, verdictOf } from './evaluation.ts';
import { missingInstanceState } from './missing-data.ts';

export function evaluateInstanceState(
  ctx: AnalysisContext,
  instance: Instance,
  role = 'instance',
): EvaluatorVerdict {
  const state =
    instance.State?.Name ?? ctx.index.instanceStatuses.get(instance.InstanceId)?.InstanceState?.Name;
  // Every instance has a state in AWS: one the inventory does not give is unknown, not "not running".
  if (state === undefined) return verdictOf([], [], [missingInstanceState(instance.InstanceId)]);
  if (state === 'running') return verdictOf([], [`${instance.InstanceId} is running`]);
  return verdictOf(
    [
      {
        code: 'INSTANCE_NOT_RUNNING',
        resourceId: instance.InstanceId,
        detail: `${role === 'instance' ? '' : `${role} `}${instance.InstanceId} is ${state}, not running`,
      },
    ],
    [],
  );
}
