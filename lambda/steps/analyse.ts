/**
 * Analyse: the static reachability of every selected target from the prober and from each configured
 * source (security groups, ACLs, routes), and the VPC-wide exposure audit. One analysis per source spec,
 * so a spec that names nothing (a deleted bastion) costs only its own paths.
 */
import type { Inventory, InventoryIndex } from '../core/inventory/model.ts';
import type { PortRange } from '../core/net/port-range.ts';
import { analyze } from '../core/reachability/analyze.ts';
import { AnalysisContext } from '../core/reachability/evaluation.ts';
import { proberVerdictFor } from '../core/reachability/prober-verdict.ts';
import type { ExposureFinding, Verdict } from '../core/reachability/types.ts';
import { shardOfKey } from '../core/targets/shard.ts';
import { errorMessage } from './error-message.ts';
import type { Selection } from './select.ts';

/** The prober's own source spec, or a function finding it in the discovered inventory (e.g. its Lambda ENI). */
export type ProberSource = string | ((inventory: Inventory) => string | undefined);

export interface AnalyseOptions {
  /** Where the prober stands. @default none: failures on its path cannot be told from a host firewall */
  readonly proberSource?: ProberSource;
  /** Further sources whose paths decide the diagnosis. @default none */
  readonly sources?: readonly string[];
  /** The sources' client ports. @default 1024-65535 */
  readonly ephemeral?: PortRange;
}

/** The paths that decide one target's diagnosis. */
export interface TargetPaths {
  /** The prober's path to the address it connects to: what explains a failed probe. */
  readonly proberVerdict?: Verdict;
  readonly sourceVerdicts: readonly Verdict[];
}

export interface Analysis {
  /** The prober's source spec, when it was given or found. */
  readonly proberSpec?: string;
  /** Instance id → its paths, for every selected target. */
  readonly paths: ReadonlyMap<string, TargetPaths>;
  /** This shard's share of the VPC-wide exposure findings (each is reported by exactly one shard). */
  readonly exposure: readonly ExposureFinding[];
  readonly errors: readonly string[];
}

export function analyse(
  inventory: Inventory,
  index: InventoryIndex,
  selection: Selection,
  options: AnalyseOptions,
): Analysis {
  const errors: string[] = [];
  let proberSpec: string | undefined;
  try {
    proberSpec =
      typeof options.proberSource === 'function' ? options.proberSource(inventory) : options.proberSource;
  } catch (error) {
    errors.push(`analyse: locating the prober: ${errorMessage(error)}`);
  }
  const analysisOptions = {
    port: selection.port,
    ...(options.ephemeral ? { ephemeral: options.ephemeral } : {}),
  };
  const specs = [...new Set([...(proberSpec ? [proberSpec] : []), ...(options.sources ?? [])])];
  const verdictsBySpec = new Map<string, Map<string, Verdict[]>>();
  // One context for every spec: the groups, ACLs and route tables are compiled once, not once per spec.
  const ctx = new AnalysisContext(index);
  // The exposure audit does not depend on the sources: the first analysis that succeeds runs it, the
  // others skip it (it walks every group and ACL of the inventory again, whatever the spec).
  let exposure: readonly ExposureFinding[] | undefined;
  for (const spec of specs) {
    try {
      const wanted = exposure === undefined;
      const analysis = analyze(ctx, { ...analysisOptions, sources: [spec], exposure: wanted });
      verdictsBySpec.set(spec, groupByInstance(analysis.verdicts));
      if (wanted) exposure = analysis.exposure;
    } catch (error) {
      errors.push(`analyse: ${errorMessage(error)}`);
    }
  }
  let mine: ExposureFinding[] = [];
  try {
    exposure ??= analyze(ctx, { ...analysisOptions, sources: [] }).exposure;
    // VPC-wide findings (an open group, an open ACL) are the same in every shard: each is reported by one.
    const { shard, shards } = selection.shard;
    mine = exposure.filter((f) => shardOfKey(`${f.code}:${f.resourceId}`, shards) === shard);
  } catch (error) {
    errors.push(`analyse: exposure audit: ${errorMessage(error)}`);
  }

  const paths = new Map<string, TargetPaths>();
  for (const target of selection.targets) {
    const of = (spec: string) => verdictsBySpec.get(spec)?.get(target.instanceId) ?? [];
    const proberVerdict = proberSpec ? proberVerdictFor(of(proberSpec), target.address) : undefined;
    paths.set(target.instanceId, {
      ...(proberVerdict ? { proberVerdict } : {}),
      sourceVerdicts: specs.filter((spec) => spec !== proberSpec).flatMap(of),
    });
  }
  return { ...(proberSpec ? { proberSpec } : {}), paths, exposure: mine, errors };
}

function groupByInstance(verdicts: readonly Verdict[]): Map<string, Verdict[]> {
  const byInstance = new Map<string, Verdict[]>();
  for (const v of verdicts) {
    const list = byInstance.get(v.instanceId);
    if (list) list.push(v);
    else byInstance.set(v.instanceId, [v]);
  }
  return byInstance;
}
