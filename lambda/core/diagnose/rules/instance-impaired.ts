import { failedChecks, probeEvidence } from '../evidence.ts';
import type { Rule } from '../input.ts';
import type { Evidence } from '../types.ts';

/**
 * A failed EC2 status check explains a failed probe before any configuration does: with the host or its
 * hardware down, an open path proves nothing. A successful probe overrides it (the checks lag by minutes).
 */
export const instanceImpaired: Rule = (input) => {
  if (input.probe?.outcome === 'ok') return undefined;
  const failed = failedChecks(input.signals);
  if (!failed.system && !failed.instance) return undefined;

  const s = input.signals!;
  const evidence: Evidence[] = [];
  if (failed.system) {
    evidence.push({
      kind: 'signal',
      code: 'SystemStatus',
      value: s.systemStatus ?? s.statusCheckFailedSystem ?? 'failed',
      detail: `system status check failed (SystemStatus ${s.systemStatus ?? 'unknown'}, StatusCheckFailed_System ${s.statusCheckFailedSystem ?? 'unknown'})`,
    });
  }
  if (failed.instance) {
    evidence.push({
      kind: 'signal',
      code: 'InstanceStatus',
      value: s.instanceStatus ?? s.statusCheckFailedInstance ?? 'failed',
      detail: `instance status check failed (InstanceStatus ${s.instanceStatus ?? 'unknown'}, StatusCheckFailed_Instance ${s.statusCheckFailedInstance ?? 'unknown'})`,
    });
  }
  if (input.probe !== undefined) evidence.push(probeEvidence(input.probe));
  const failedCheck =
    failed.system && failed.instance ? 'system and instance' : failed.system ? 'system' : 'instance';
  return { code: 'INSTANCE_IMPAIRED', evidence, facts: { failedCheck } };
};
