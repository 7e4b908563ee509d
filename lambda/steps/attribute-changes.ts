/**
 * Attribute changes: for each path configuration change the changes step found on a failing instance, the
 * CloudTrail event that made it — who, from where, when (lambda/core/changes/cloudtrail.ts). The change's
 * `change` evidence gains `principal` and `at`, and its line in "What changed" names them. LookupEvents is
 * slow and throttled, so each resource is looked up once per run (several changes on one group share the
 * lookup), at most `maxLookups` resources per run, and never past the deadline; a change left unattributed
 * keeps its line as it was.
 */
import {
  attributeChange,
  attributedEvidence,
  attributionText,
  type ChangeEvent,
  lookupFor,
} from '../core/changes/cloudtrail.ts';
import type { ChangeHistory } from '../ports.ts';
import type { CheckedInstance } from './changes.ts';
import { errorMessage } from './error-message.ts';

export interface AttributeChangesOptions {
  /** Resources looked up in CloudTrail per run (each lookup is one throttled call). @default 10 */
  readonly changeLookupsPerRun?: number;
}

export const DEFAULT_CHANGE_LOOKUPS_PER_RUN = 10;

export interface AttributedChanges {
  readonly instances: readonly CheckedInstance[];
  readonly errors: readonly string[];
}

export async function attributeChanges(
  history: ChangeHistory | undefined,
  instances: readonly CheckedInstance[],
  options: AttributeChangesOptions & { readonly deadlineAt?: number; readonly clock: () => number },
): Promise<AttributedChanges> {
  if (history === undefined || !instances.some((i) => i.pathChanges?.length))
    return { instances, errors: [] };
  const cap = options.changeLookupsPerRun ?? DEFAULT_CHANGE_LOOKUPS_PER_RUN;
  const errors: string[] = [];
  // One lookup per resource per run, from the earliest healthy check any change on it is measured from.
  const wanted = new Map<string, string>();
  for (const i of instances)
    for (const p of i.pathChanges ?? []) {
      const { resourceId } = lookupFor(p.change, i.target.instanceId);
      const since = wanted.get(resourceId);
      if (since === undefined || Date.parse(p.since) < Date.parse(since)) wanted.set(resourceId, p.since);
    }
  const looked = new Map<string, ChangeEvent[]>();
  const skipped: string[] = [];
  for (const [resourceId, since] of [...wanted].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (looked.size >= cap || (options.deadlineAt !== undefined && options.clock() >= options.deadlineAt)) {
      skipped.push(resourceId);
      continue;
    }
    try {
      looked.set(resourceId, await history.lookup(resourceId, new Date(since)));
    } catch (error) {
      looked.set(resourceId, []);
      errors.push(`attribute-changes: ${resourceId}: ${errorMessage(error)}`);
    }
  }
  if (skipped.length > 0)
    errors.push(
      `attribute-changes: not looked up (over ${cap} lookups per run or out of time): ${skipped.join(', ')}`,
    );

  return {
    instances: instances.map((i) => {
      if (!i.pathChanges?.length) return i;
      const byLine = new Map<string, ChangeEvent>();
      for (const p of i.pathChanges) {
        const { resourceId, eventNames } = lookupFor(p.change, i.target.instanceId);
        const event = attributeChange(looked.get(resourceId) ?? [], eventNames, p.since);
        if (event) byLine.set(p.line, event);
      }
      if (byLine.size === 0) return i;
      return {
        ...i,
        changes: i.changes.map((line) => {
          const event = byLine.get(line);
          return event ? `${line}: ${attributionText(event)}` : line;
        }),
        diagnosis: {
          ...i.diagnosis,
          evidence: i.diagnosis.evidence.map((e) => {
            const event = e.kind === 'change' ? byLine.get(e.detail) : undefined;
            return event ? attributedEvidence(e, event) : e;
          }),
        },
      };
    }),
    errors,
  };
}
