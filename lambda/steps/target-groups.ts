/**
 * The target-groups step: each SSH target group of the inventory's load balancers, its members as the
 * load balancer and port22 see them, in one line (lambda/core/load-balancing/target-group-diagnosis.ts).
 * Pure over the inventory and this run's instance reports.
 */
import type { InventoryIndex } from '../core/inventory/model.ts';
import { DEFAULT_SSH_PORT } from '../core/inventory/tags.ts';
import {
  diagnoseTargetGroup,
  type MemberVerdict,
  type TargetGroupReport,
} from '../core/load-balancing/target-group-diagnosis.ts';
import { sshTargetGroups } from '../core/load-balancing/target-groups.ts';
import { AnalysisContext } from '../core/reachability/evaluation.ts';
import type { InstanceReport } from '../core/report/instance-report.ts';

export interface TargetGroupsOptions {
  /** The SSH port when no `port22:port` tag names one. @default 22 */
  readonly port?: number;
}

export function diagnoseTargetGroups(
  index: InventoryIndex,
  instances: readonly InstanceReport[],
  options: TargetGroupsOptions,
): { groups: TargetGroupReport[]; errors: string[] } {
  const groups = sshTargetGroups(index, options.port ?? DEFAULT_SSH_PORT);
  if (groups.length === 0) return { groups: [], errors: [] };
  const verdicts = new Map<string, MemberVerdict>(
    instances.map((i) => [
      i.instanceId,
      { diagnosis: i.diagnosis, healthy: i.healthy, ...(i.name ? { name: i.name } : {}) },
    ]),
  );
  const ctx = new AnalysisContext(index);
  return { groups: groups.map((g) => diagnoseTargetGroup(ctx, g, verdicts)), errors: [] };
}
