/**
 * Recall: what state remembers of each target to diagnose — its last host key and auth methods (for the
 * security findings) and its last healthy path configuration (for change awareness). Without a state
 * store, or when reading it fails, nothing is remembered and the run goes on.
 */
import type { InstanceState } from '../core/state/instance-state.ts';
import type { StateStore } from '../ports.ts';
import { errorMessage } from './error-message.ts';
import type { ProbedTarget } from './probe.ts';

export interface Remembered {
  readonly previous: ReadonlyMap<string, InstanceState>;
  readonly errors: readonly string[];
}

export async function recall(
  state: StateStore | undefined,
  targets: readonly ProbedTarget[],
): Promise<Remembered> {
  if (!state || targets.length === 0) return { previous: new Map(), errors: [] };
  try {
    return { previous: await state.get(targets.map((t) => t.target.instanceId)), errors: [] };
  } catch (error) {
    return {
      previous: new Map(),
      errors: [`state: reading ${targets.length} records failed: ${errorMessage(error)}`],
    };
  }
}
