/**
 * The alert policy for one instance: previous state + this run's observation → next state + alerts.
 * Pure; the rules, in order:
 *
 * 1. A failure is any diagnosis but HEALTHY / SSH_ANSWERING_UNVERIFIED / EXPECTED_CLOSED (an sshd that
 *    OpenSSH clients reach is not down because the prober lacks an algorithm). For `port22:expect=closed`
 *    instances the failure is the opposite: the port answered, i.e. any diagnosis but EXPECTED_CLOSED
 *    (announced as UNEXPECTEDLY_OPEN, alerted on the first check).
 * 2. The first notice of an outage (`alert`) goes out at the Nth consecutive failure.
 * 3. While announced down: a changed diagnosis sends an `update`; the same one, after the reminder
 *    interval, a `reminder`.
 * 4. Healthy again after an announced outage: one `recovery` notice. No alert was sent → no notice.
 * 5. Members of an HA group (`port22:group`) send no outage notices of their own: the group does.
 * 6. A changed host key or changed auth methods is a `security` alert; the new identity is remembered.
 * 7. `port22:snooze-until` in the future suppresses every alert and leaves the announced state as it
 *    was, so what is still true when the snooze ends (down, or recovered) is announced then.
 */
import type { DiagnosisCode } from '../diagnose/types.ts';
import { type Expectation, isSnoozed, parsePort22Tags } from '../inventory/tags.ts';
import { expiryEpochSeconds, type InstanceState } from '../state/instance-state.ts';
import { compareIdentity, normaliseAuthMethods } from './identity.ts';
import type { Alert, AlertPolicyConfig, InstanceObservation } from './types.ts';

const NOT_FAILING: ReadonlySet<DiagnosisCode> = new Set<DiagnosisCode>([
  'HEALTHY',
  'SSH_ANSWERING_UNVERIFIED',
  'EXPECTED_CLOSED',
]);

/**
 * Whether a diagnosis is a failure for an instance with this `port22:expect`. For `closed` the failure is
 * that the port answered, and the diagnosis already says whether it did: the expected-closed rule ranks
 * first and gives EXPECTED_CLOSED exactly when the probe did not answer (`answered()` in
 * diagnose/evidence.ts, the test the UNEXPECTEDLY_OPEN finding uses too). Every other code for a closed
 * instance — HEALTHY, a slow or silent sshd, an unknown — means something accepted the connection.
 */
export function isFailure(code: DiagnosisCode, expect: Expectation): boolean {
  return expect === 'closed' ? code !== 'EXPECTED_CLOSED' : !NOT_FAILING.has(code);
}

/** Whether a failure has lasted long enough to count (used for HA group health as well). */
export function isConfirmedFailure(state: InstanceState, expect: Expectation, config: AlertPolicyConfig) {
  const threshold = expect === 'closed' ? 1 : config.failuresBeforeAlert;
  return isFailure(state.diagnosis, expect) && state.consecutiveFailures >= threshold;
}

export interface InstanceDecision {
  next: InstanceState;
  alerts: Alert[];
}

export function decideInstance(
  prev: InstanceState | undefined,
  obs: InstanceObservation,
  now: Date,
  config: AlertPolicyConfig,
): InstanceDecision {
  const at = now.toISOString();
  const tags = parsePort22Tags(obs.tags);
  const snoozed = isSnoozed(tags, now);
  const code = obs.diagnosis.code;
  const failing = isFailure(code, tags.expect);
  const consecutiveFailures = failing ? (prev?.consecutiveFailures ?? 0) + 1 : 0;

  const next: InstanceState = {
    instanceId: obs.instanceId,
    diagnosis: code,
    since: prev && prev.diagnosis === code ? prev.since : at,
    consecutiveFailures,
    lastCheckedAt: at,
    pendingAlerts: prev?.pendingAlerts ?? [],
    version: prev?.version ?? 0,
    ttl: expiryEpochSeconds(now, config.stateTtlSeconds),
  };
  const failingSince = failing ? (prev?.failingSince ?? at) : undefined;
  if (failingSince) next.failingSince = failingSince;
  copyDefined(next, prev, ['lastAlert', 'announcedDown', 'lastDownNoticeAt', 'lastHealthy']);
  remember(next, prev, obs);
  if (code === 'HEALTHY' && obs.pathConfig) {
    next.lastHealthy = { at, configDigest: obs.pathConfig.digest };
    if (obs.pathConfig.snapshot !== undefined) next.lastHealthy.config = obs.pathConfig.snapshot;
  }

  const alerts: Alert[] = [];
  const base = {
    at,
    instanceId: obs.instanceId,
    ...(obs.name ? { name: obs.name } : {}),
    changes: obs.changes ?? [],
    ...(obs.resources ? { resources: obs.resources } : {}),
  };

  for (const finding of compareIdentity(prev, obs.hostKey, obs.authMethods, {
    instanceId: obs.instanceId,
    ...(obs.resources?.address ? { host: obs.resources.address.replace(/:\d+$/, '') } : {}),
  })) {
    alerts.push({ ...base, kind: 'security', ...finding, changes: [] });
  }

  const announced = prev?.announcedDown;
  // The code announced for an expect=closed instance that answers is the finding, not the diagnosis.
  const announceAs = tags.expect === 'closed' ? ('UNEXPECTEDLY_OPEN' as const) : code;
  const outage = {
    ...base,
    severity: tags.expect === 'closed' ? ('critical' as const) : obs.diagnosis.severity,
    summary:
      tags.expect === 'closed'
        ? `Port is tagged port22:expect=closed but answers (${code}): ${obs.diagnosis.summary}`
        : obs.diagnosis.summary,
    evidence: obs.diagnosis.evidence,
    remediation: obs.diagnosis.remediation,
    consecutiveFailures,
    ...(failingSince ? { failingSince } : {}),
  };

  if (isConfirmedFailure(next, tags.expect, config)) {
    if (announced === undefined) {
      if (!tags.group) {
        alerts.push({
          ...outage,
          kind: tags.expect === 'closed' ? 'security' : 'alert',
          code: announceAs,
        });
        next.announcedDown = announceAs;
        next.lastDownNoticeAt = at;
      }
    } else if (announced !== announceAs) {
      alerts.push({ ...outage, kind: 'update', code: announceAs, previousCode: announced });
      next.announcedDown = announceAs;
      next.lastDownNoticeAt = at;
    } else if (
      config.reminderIntervalMs > 0 &&
      now.getTime() - Date.parse(prev?.lastDownNoticeAt ?? at) >= config.reminderIntervalMs
    ) {
      alerts.push({ ...outage, kind: 'reminder', code: announceAs });
      next.lastDownNoticeAt = at;
    }
  } else if (!failing && announced !== undefined) {
    alerts.push({
      ...base,
      kind: 'recovery',
      code,
      severity: 'ok',
      summary: obs.diagnosis.summary,
      previousCode: announced,
      ...(prev?.failingSince ? { failingSince: prev.failingSince } : {}),
      evidence: obs.diagnosis.evidence,
      remediation: [],
    });
    delete next.announcedDown;
    delete next.lastDownNoticeAt;
  }

  if (snoozed) {
    // Suppressed alerts leave no trace: the announced state stays what the last real notice said.
    return { next: restoreAnnounced(next, prev), alerts: [] };
  }
  return { next, alerts };
}

function remember(next: InstanceState, prev: InstanceState | undefined, obs: InstanceObservation): void {
  const hostKey = obs.hostKey;
  if (hostKey) {
    next.hostKey = hostKey.sha256;
    next.hostKeyAlgorithm = hostKey.algorithm;
  } else {
    copyDefined(next, prev, ['hostKey', 'hostKeyAlgorithm']);
  }
  if (obs.authMethods) next.authMethods = normaliseAuthMethods(obs.authMethods);
  else copyDefined(next, prev, ['authMethods']);
}

function restoreAnnounced(next: InstanceState, prev: InstanceState | undefined): InstanceState {
  const out = { ...next };
  delete out.announcedDown;
  delete out.lastDownNoticeAt;
  copyDefined(out, prev, ['announcedDown', 'lastDownNoticeAt']);
  return out;
}

function copyDefined<K extends keyof InstanceState>(
  target: InstanceState,
  source: InstanceState | undefined,
  keys: readonly K[],
): void {
  for (const k of keys) {
    const v = source?.[k];
    if (v !== undefined) target[k] = v;
  }
}
