// Records as a store holds them, for the state-store tests (each adapter's own, and the shared contract).
import type { GroupState, InstanceState } from '../../../lambda/core/state/instance-state.ts';

export const AT = '2025-03-04T12:00:00.000Z';

export function instance(instanceId: string, over: Partial<InstanceState> = {}): InstanceState {
  return {
    instanceId,
    diagnosis: 'HEALTHY',
    since: AT,
    consecutiveFailures: 0,
    lastCheckedAt: AT,
    pendingAlerts: [],
    version: 0,
    ttl: 1_741_089_600,
    ...over,
  };
}

export function group(name: string, over: Partial<GroupState> = {}): GroupState {
  return {
    group: name,
    belowMinimum: false,
    healthy: 2,
    members: 2,
    minimum: 1,
    since: AT,
    lastCheckedAt: AT,
    pendingAlerts: [],
    version: 0,
    ttl: 1_741_089_600,
    ...over,
  };
}
