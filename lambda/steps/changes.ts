/**
 * Changes: what changed since the last healthy check. A failing target's path configuration (its groups,
 * ACL and routes, and the prober's) is diffed against the snapshot state kept at its last healthy check,
 * and each difference becomes `change` evidence in its diagnosis; changed auth methods are listed too.
 * The snapshot is taken only when state is kept: it is what a later run diffs against.
 */
import { isFailure } from '../core/alerts/instance-policy.ts';
import type { ConfigChange, PathSnapshot } from '../core/changes/path-config.ts';
import { describeConfigChange, diffPathConfig } from '../core/changes/path-config.ts';
import { asPathSnapshot, snapshotPath } from '../core/changes/path-snapshot.ts';
import type { Evidence } from '../core/diagnose/types.ts';
import { authMethodChanges } from '../core/findings/probe-findings.ts';
import type { InventoryIndex } from '../core/inventory/model.ts';
import type { InstanceState } from '../core/state/instance-state.ts';
import type { DiagnosedTarget } from './diagnose.ts';
import { errorMessage } from './error-message.ts';

export interface ChangeOptions {
  readonly index: InventoryIndex;
  /** The prober's side of every path belongs to the snapshot too. */
  readonly proberSpec: string | undefined;
  /** Whether state is kept (and so whether snapshots are worth taking). */
  readonly snapshots: boolean;
}

/** A target checked end to end: what state records, alerts announce, the report and metrics show. */
export interface CheckedInstance extends DiagnosedTarget {
  /** Configuration and auth-method changes since the last healthy check, one line each. */
  readonly changes: readonly string[];
  /** This run's path configuration, remembered when the check is healthy. */
  readonly snapshot?: PathSnapshot;
  /** The path configuration changes among `changes`, each with its line there and the healthy check since. */
  readonly pathChanges?: readonly PathChange[];
}

export interface PathChange {
  readonly change: ConfigChange;
  /** The line in `changes` and the `change` evidence's detail. */
  readonly line: string;
  /** When the last healthy check was (ISO 8601): the change happened after it. */
  readonly since: string;
}

export interface Changes {
  /** Every target given, with its changes (none when they could not be worked out: see `errors`). */
  readonly instances: readonly CheckedInstance[];
  readonly errors: readonly string[];
}

export function trackChanges(
  targets: readonly DiagnosedTarget[],
  previous: ReadonlyMap<string, InstanceState>,
  options: ChangeOptions,
): Changes {
  const errors: string[] = [];
  const instances = targets.map((t): CheckedInstance => {
    const { instanceId, expect } = t.target;
    const prev = previous.get(instanceId);
    try {
      const snapshot = options.snapshots
        ? snapshotPath(options.index, instanceId, options.proberSpec)
        : undefined;
      const remembered = asPathSnapshot(prev?.lastHealthy?.config);
      const lines: string[] = [];
      const evidence: Evidence[] = [];
      const pathChanges: PathChange[] = [];
      if (isFailure(t.diagnosis.code, expect) && remembered && snapshot && prev?.lastHealthy) {
        for (const change of diffPathConfig(remembered, snapshot)) {
          const text = `${describeConfigChange(change)} since the last healthy check at ${prev.lastHealthy.at}`;
          lines.push(text);
          pathChanges.push({ change, line: text, since: prev.lastHealthy.at });
          evidence.push({
            kind: 'change',
            code: 'PATH_CONFIG_CHANGED',
            detail: text,
            resourceId: change.resourceId,
          });
        }
      }
      lines.push(...authMethodChanges(prev?.authMethods, t.probe?.authMethods));
      return {
        ...t,
        diagnosis: { ...t.diagnosis, evidence: [...t.diagnosis.evidence, ...evidence] },
        changes: lines,
        ...(snapshot ? { snapshot } : {}),
        ...(pathChanges.length > 0 ? { pathChanges } : {}),
      };
    } catch (error) {
      errors.push(`changes: ${instanceId}: ${errorMessage(error)}`);
      return { ...t, changes: [] };
    }
  });
  return { instances, errors };
}
