/**
 * Reading one answer out of `analyze` in scenario tests: the verdict for one target from one source, and
 * its blockers in a form `assert.deepEqual` can compare.
 */
import assert from 'node:assert/strict';
import type { Inventory } from '../../../../lambda/core/inventory/model.ts';
import { analyze } from '../../../../lambda/core/reachability/analyze.ts';
import type { Verdict } from '../../../../lambda/core/reachability/types.ts';

/** The verdict of SSH to `target` from `source` over `family`; fails the test when there is none. */
export function verdictFor(inv: Inventory, target: string, source: string, family = 'ipv4'): Verdict {
  const v = analyze(inv, { sources: [source] }).verdicts.find(
    (x) => x.instanceId === target && x.family === family,
  );
  assert.ok(v, `a verdict for ${target} from ${source} (${family})`);
  return v;
}

/** `code resourceId` of each blocker, sorted. */
export const blockersOf = (v: Verdict): string[] => v.blockers.map((b) => `${b.code} ${b.resourceId}`).sort();
