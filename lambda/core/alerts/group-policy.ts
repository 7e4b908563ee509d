/**
 * The alert policy for HA groups (`port22:group=<name>`): one group-level alert when fewer than the
 * group's minimum members are healthy, one recovery when enough are again, reminders in between.
 *
 * The minimum is the largest `port22:group-min` tag among the members (tags are per instance, so the
 * strictest one wins when they disagree), else `groupMinimumHealthy` from config (default 1: "at least
 * one member answers"). A member counts as unhealthy only once its failure is confirmed (N consecutive
 * checks), so one dropped probe does not page for the group either. Groups are evaluated over the
 * members checked in the same run.
 */

import { parsePort22Tags } from '../inventory/tags.ts';
import { expiryEpochSeconds, type GroupState, type InstanceState } from '../state/instance-state.ts';
import { isConfirmedFailure } from './instance-policy.ts';
import type { Alert, AlertPolicyConfig, GroupSummary, InstanceObservation } from './types.ts';

export interface GroupMembership {
  group: string;
  minimum: number;
  members: { observation: InstanceObservation; state: InstanceState }[];
}

/**
 * A group that no tag names: the instances registered in a load balancer's SSH target group
 * (lambda/core/load-balancing/target-groups.ts), its minimum from the target group's own tag.
 */
export interface UntaggedGroup {
  readonly group: string;
  readonly instanceIds: readonly string[];
  readonly minimum?: number;
}

/**
 * Collects the HA groups present in a run from the members' tags, and the untagged groups (target groups)
 * from their registered members, with the members' freshly decided states.
 */
export function collectGroups(
  members: readonly { observation: InstanceObservation; state: InstanceState }[],
  config: AlertPolicyConfig,
  untagged: readonly UntaggedGroup[] = [],
): GroupMembership[] {
  const byName = new Map<string, GroupMembership>();
  for (const u of untagged) {
    const ids = new Set(u.instanceIds);
    const inRun = members.filter((m) => ids.has(m.observation.instanceId));
    if (inRun.length > 0) byName.set(u.group, { group: u.group, minimum: u.minimum ?? 0, members: inRun });
  }
  for (const m of members) {
    const tags = parsePort22Tags(m.observation.tags);
    if (!tags.group) continue;
    const g = byName.get(tags.group) ?? { group: tags.group, minimum: 0, members: [] };
    // A tag naming a target group the instance is registered in adds nothing: it is a member already.
    if (!g.members.includes(m)) g.members.push(m);
    if (tags.groupMin !== undefined) g.minimum = Math.max(g.minimum, tags.groupMin);
    byName.set(tags.group, g);
  }
  return [...byName.values()]
    .map((g) => ({ ...g, minimum: g.minimum > 0 ? g.minimum : config.groupMinimumHealthy }))
    .sort((a, b) => a.group.localeCompare(b.group));
}

/**
 * The HA groups the instances of a run belong to, by the rules of {@link collectGroups}, whether or not
 * their records were written: a group named here is checked by this run even when a member's write lost.
 */
export function groupsOf(
  observations: readonly InstanceObservation[],
  untagged: readonly UntaggedGroup[] = [],
): Set<string> {
  const observed = new Set(observations.map((o) => o.instanceId));
  return new Set([
    ...untagged.filter((u) => u.instanceIds.some((id) => observed.has(id))).map((u) => u.group),
    ...observations.flatMap((o) => parsePort22Tags(o.tags).group ?? []),
  ]);
}

export interface GroupDecision {
  next: GroupState;
  alerts: Alert[];
}

export function decideGroup(
  prev: GroupState | undefined,
  membership: GroupMembership,
  now: Date,
  config: AlertPolicyConfig,
): GroupDecision {
  const at = now.toISOString();
  const unhealthy = membership.members.filter((m) =>
    isConfirmedFailure(m.state, parsePort22Tags(m.observation.tags).expect, config),
  );
  const healthy = membership.members.length - unhealthy.length;
  const belowMinimum = healthy < membership.minimum;
  const next: GroupState = {
    group: membership.group,
    belowMinimum,
    healthy,
    members: membership.members.length,
    minimum: membership.minimum,
    since: prev && prev.belowMinimum === belowMinimum ? prev.since : at,
    lastCheckedAt: at,
    pendingAlerts: prev?.pendingAlerts ?? [],
    version: prev?.version ?? 0,
    ttl: expiryEpochSeconds(now, config.stateTtlSeconds),
  };
  if (prev?.lastAlert) next.lastAlert = prev.lastAlert;
  if (belowMinimum && prev?.lastDownNoticeAt) next.lastDownNoticeAt = prev.lastDownNoticeAt;

  const label = ({ instanceId, name }: InstanceObservation) =>
    name ? `${instanceId} (${name})` : instanceId;
  const summary: GroupSummary = {
    group: membership.group,
    healthy,
    members: membership.members.length,
    minimum: membership.minimum,
    unhealthyMembers: unhealthy.map((m) => `${label(m.observation)}: ${m.state.diagnosis}`),
  };
  const evidence = unhealthy.map((m) => ({
    kind: 'probe' as const,
    code: m.state.diagnosis,
    detail: `${label(m.observation)}: ${m.observation.diagnosis.summary}`,
    resourceId: m.observation.instanceId,
  }));
  const base = { at, group: summary, changes: [], evidence };
  const down = {
    ...base,
    code: 'GROUP_BELOW_MINIMUM' as const,
    severity: 'critical' as const,
    summary: `HA group ${membership.group}: ${healthy} of ${membership.members.length} members healthy, minimum ${membership.minimum}.`,
    remediation: [
      'Work through the unhealthy members listed below; each has its own diagnosis (port22 check --json).',
      'Restore at least enough members to reach the minimum before investigating the rest.',
    ],
  };

  const alerts: Alert[] = [];
  const wasBelow = prev?.belowMinimum === true;
  if (belowMinimum && !wasBelow) {
    alerts.push({ ...down, kind: 'alert' });
    next.lastDownNoticeAt = at;
  } else if (
    belowMinimum &&
    config.reminderIntervalMs > 0 &&
    now.getTime() - Date.parse(prev?.lastDownNoticeAt ?? at) >= config.reminderIntervalMs
  ) {
    alerts.push({ ...down, kind: 'reminder' });
    next.lastDownNoticeAt = at;
  } else if (!belowMinimum && wasBelow) {
    alerts.push({
      ...base,
      kind: 'recovery',
      code: 'GROUP_HEALTHY',
      severity: 'ok',
      previousCode: 'GROUP_BELOW_MINIMUM',
      failingSince: prev.since,
      summary: `HA group ${membership.group}: ${healthy} of ${membership.members.length} members healthy again (minimum ${membership.minimum}).`,
      remediation: [],
    });
  }
  return { next, alerts };
}
