/**
 * Which failing instances the in-host check may run on this run, whatever runs it (Systems Manager in AWS,
 * `ip netns exec` in the lab): only those whose `port22:host-check` tag opts in, and no more than the run's
 * budget of commands. The others get the reason they were left alone.
 */
import { hostCheckAllowed, TAG } from '../inventory/tags.ts';
import type { EvidenceRequest } from './observations.ts';

/** Instances the in-host check runs on per run: each is a command on a production host, so few. */
export const DEFAULT_HOST_CHECK_MAX_COMMANDS = 10;

export interface HostCheckPlan {
  readonly run: readonly EvidenceRequest[];
  readonly unavailable: ReadonlyMap<string, string>;
}

export function planHostChecks(requests: readonly EvidenceRequest[], maxCommands: number): HostCheckPlan {
  const run: EvidenceRequest[] = [];
  const unavailable = new Map<string, string>();
  for (const r of requests) {
    if (!hostCheckAllowed(r.tags)) {
      unavailable.set(r.instanceId, `the instance is not tagged ${TAG.hostCheck}=true`);
    } else if (run.length >= maxCommands) {
      unavailable.set(r.instanceId, `over this run's budget of ${maxCommands} in-host checks`);
    } else {
      run.push(r);
    }
  }
  return { run, unavailable };
}
