/**
 * The two places host signals come from in one run, put together: what the inventory already holds
 * (describe-instances and describe-instance-status) and what a signals source fetched (CloudWatch, a file).
 */
import type { HostSignals } from '../diagnose/types.ts';
import type { Instance, Inventory } from '../inventory/model.ts';
import { buildHostSignals } from './host-signals.ts';

/**
 * Instance state and status checks the inventory holds, one entry per instance. An instance that
 * describe-instance-status does not list still gets its state from describe-instances.
 */
export function inventorySignals(
  inventory: Pick<Inventory, 'instanceStatuses'>,
  instances: readonly Instance[],
): Map<string, HostSignals> {
  const signals = buildHostSignals(
    instances.map((i) => i.InstanceId),
    inventory.instanceStatuses,
    [],
  );
  for (const instance of instances) {
    const s = signals.get(instance.InstanceId);
    const state = instance.State?.Name;
    if (s && s.state === undefined && state !== undefined) s.state = state;
  }
  return signals;
}

/** Field by field: what the signals source knows wins; what it does not know stays as the inventory said. */
export function mergeSignals(
  base: HostSignals | undefined,
  live: HostSignals | undefined,
): HostSignals | undefined {
  if (!live) return base;
  if (!base) return live;
  const out: HostSignals = { ...base };
  for (const [k, v] of Object.entries(live))
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}
