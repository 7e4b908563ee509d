/**
 * Record: state and alerts. Record every checked instance, decide alerts with the pure policy
 * (lambda/core/alerts), and publish them so that none is lost and none is sent twice by overlapping runs.
 * Needs both a state store and a notifier; without them nothing is remembered and nothing announced.
 *
 * Claim-then-publish, per instance (and per HA group):
 *  1. Read the record (version v) and decide the next state and its alerts.
 *  2. Write the next state, with the new alerts and any unclaimed pending ones marked as claimed by
 *     this run, on condition that the stored version is still v. Losing that write means another
 *     run recorded in between: re-read and decide again against what it wrote (bounded retries), so
 *     a transition it already announced is not announced twice.
 *  3. Publish the claimed alerts. Sent ones leave the pending list and become `lastAlert`; failed
 *     ones stay pending, unclaimed, for the next run (which claims them in its own step 2).
 *  4. Write that settlement (again conditional; on conflict re-read and re-apply; when the store fails,
 *     retried with backoff until the run's deadline, because a settlement given up is a duplicate later).
 * A claim whose run died between 2 and 4 expires after the lease (15 min, Lambda's longest run) and the
 * alert is sent again, and so is one whose publish answer was lost (PublishOutcomeUnknownError): those
 * are the only duplicates, and each alert gets at most one (MAX_UNCONFIRMED_PUBLISHES). Instances this run
 * no longer checks (`left`) have their pending alerts settled too. The promise and its proof: docs/alerts.md.
 */
import { collectGroups, decideGroup, type UntaggedGroup } from '../core/alerts/group-policy.ts';
import { decideInstance } from '../core/alerts/instance-policy.ts';
import { type RenderOptions, renderAlert } from '../core/alerts/render.ts';
import {
  type Alert,
  type AlertPolicyConfig,
  DEFAULT_ALERT_POLICY,
  type InstanceObservation,
} from '../core/alerts/types.ts';
import { digestPathConfig } from '../core/changes/path-config.ts';
import type { InventoryIndex } from '../core/inventory/model.ts';
import { DEFAULT_SSH_PORT } from '../core/inventory/tags.ts';
import { sshTargetGroups } from '../core/load-balancing/target-groups.ts';
import {
  type GroupState,
  type InstanceState,
  isClaimLive,
  MAX_UNCONFIRMED_PUBLISHES,
  type PendingAlert,
  type RenderedAlert,
  type SentAlert,
} from '../core/state/instance-state.ts';
import { type Notifier, PublishOutcomeUnknownError, type StateStore } from '../ports.ts';
import type { CheckedInstance } from './changes.ts';
import { errorMessage } from './error-message.ts';

export interface RecordOptions {
  /** Identifies the run in state claims (the Lambda request id). */
  readonly runId: string;
  /** For console links in alerts. */
  readonly region?: string;
  readonly alertPolicy?: Partial<AlertPolicyConfig>;
  readonly render?: RenderOptions;
  /** Epoch ms after which a failed settlement write is no longer retried. @default none */
  readonly deadlineAt?: number;
  /** The SSH port when no `port22:port` tag names one: target groups on it are HA groups. @default 22 */
  readonly port?: number;
}

/** One alert as the report lists it. */
export interface AlertReport {
  target: string;
  kind: string;
  code: string;
  subject: string;
  messageId?: string;
  error?: string;
}

/** What the record step reports of alerts: sent, failed (kept pending), dropped (with the reason). */
export interface AlertsReport {
  sent: AlertReport[];
  failed: AlertReport[];
  dropped: AlertReport[];
  conflicts: string[];
}

export interface Recorded {
  readonly alerts: AlertsReport;
  readonly errors: readonly string[];
}

/**
 * The step: every checked instance recorded, its alerts decided and published, in fleet order; the alerts
 * still pending for instances of the shard that are `left` (no longer checked) settled.
 */
export async function record(
  ports: { readonly state?: StateStore; readonly notifier?: Notifier },
  instances: readonly CheckedInstance[],
  index: InventoryIndex,
  options: RecordOptions,
  now: Date,
  left: readonly string[] = [],
  clock: () => number = Date.now,
): Promise<Recorded> {
  const alerts: AlertsReport = { sent: [], failed: [], dropped: [], conflicts: [] };
  if (!ports.state || !ports.notifier || instances.length + left.length === 0) return { alerts, errors: [] };
  try {
    const result = await recordAndAlert(
      { state: ports.state, notifier: ports.notifier },
      {
        observations: instances.map((c) => observation(c, index, options.region)),
        left,
        now,
        clock,
        ...(options.deadlineAt === undefined ? {} : { deadlineAt: options.deadlineAt }),
        runId: options.runId,
        policy: { ...DEFAULT_ALERT_POLICY, ...options.alertPolicy },
        ...(options.render ? { render: options.render } : {}),
        untaggedGroups: sshTargetGroups(index, options.port ?? DEFAULT_SSH_PORT).map((g) => ({
          group: g.name,
          instanceIds: g.targets.map((t) => t.instanceId),
          ...(g.minimum !== undefined ? { minimum: g.minimum } : {}),
        })),
      },
    );
    // Publishing runs concurrently; report in fleet order so the output reads the same every run.
    const order = new Map(instances.map((c, i) => [c.target.instanceId, i]));
    const inFleetOrder = (a: AlertReport, b: AlertReport) =>
      (order.get(a.target) ?? instances.length) - (order.get(b.target) ?? instances.length);
    alerts.sent = result.sent
      .map((s) => ({ ...alertReport(s.target, s.alert), messageId: s.messageId }))
      .sort(inFleetOrder);
    alerts.failed = result.failed
      .map((f) => ({ ...alertReport(f.target, f.alert), error: f.error }))
      .sort(inFleetOrder);
    alerts.dropped = result.dropped
      .map((d) => ({ ...alertReport(d.target, d.alert), error: d.reason }))
      .sort(inFleetOrder);
    alerts.conflicts = result.conflicts;
    return {
      alerts,
      errors: [
        ...result.errors.map((e) => (e.startsWith('state:') ? e : `state: ${e}`)),
        ...result.failed.map((f) => `alerts: ${f.target}: ${failureLine(f)}: ${f.error}`),
      ],
    };
  } catch (error) {
    return { alerts, errors: [`state: ${errorMessage(error)}`] };
  }
}

function failureLine(f: FailedAlert): string {
  if (!f.outcomeUnknown) return 'publish failed, kept pending';
  return f.kept
    ? 'publish outcome unknown, kept pending for one re-send'
    : 'publish outcome unknown again, presumed delivered: not sent a third time';
}

function alertReport(target: string, alert: RenderedAlert): AlertReport {
  return { target, kind: alert.kind, code: alert.code, subject: alert.subject };
}

/** What the alert policy sees of one checked instance. */
export function observation(c: CheckedInstance, index: InventoryIndex, region?: string): InstanceObservation {
  const t = c.target;
  const acl = t.subnetId ? index.networkAclForSubnet(t.subnetId)?.NetworkAclId : undefined;
  return {
    instanceId: t.instanceId,
    ...(t.name ? { name: t.name } : {}),
    tags: t.tags,
    diagnosis: c.diagnosis,
    ...(c.probe?.hostKey ? { hostKey: c.probe.hostKey } : {}),
    ...(c.probe?.authMethods ? { authMethods: c.probe.authMethods } : {}),
    ...(c.snapshot ? { pathConfig: { digest: digestPathConfig(c.snapshot), snapshot: c.snapshot } } : {}),
    ...(c.changes.length > 0 ? { changes: [...c.changes] } : {}),
    resources: {
      ...(region ? { region } : {}),
      ...(t.vpcId ? { vpcId: t.vpcId } : {}),
      ...(t.subnetId ? { subnetId: t.subnetId } : {}),
      securityGroupIds: t.securityGroupIds,
      ...(acl ? { networkAclIds: [acl] } : {}),
      ...(t.address ? { address: t.address } : {}),
    },
  };
}

export interface AlertingPorts {
  state: StateStore;
  notifier: Notifier;
}

export interface RecordAndAlertInput {
  observations: readonly InstanceObservation[];
  /** Instances no longer checked whose pending alerts are settled. @default none */
  left?: readonly string[];
  now: Date;
  /** Epoch-ms clock for `deadlineAt`. @default Date.now */
  clock?: () => number;
  /** Epoch ms after which a failed settlement write is no longer retried. @default none */
  deadlineAt?: number;
  /** Identifies this run in claims (the Lambda request id). */
  runId: string;
  policy?: AlertPolicyConfig;
  render?: RenderOptions;
  /** HA groups no tag names (SSH target groups). @default none */
  untaggedGroups?: readonly UntaggedGroup[];
  /** Conditional-write attempts per record before giving up to the other run. @default 3 */
  maxWriteAttempts?: number;
  /** Attempts at the settlement write when the store fails (not conflicts). @default 5 */
  maxSettleAttempts?: number;
}

export interface DeliveredAlert {
  target: string;
  alert: RenderedAlert;
  messageId: string;
}

export interface RecordAndAlertResult {
  /** The records as this run last wrote (or read) them. */
  instances: Map<string, InstanceState>;
  groups: Map<string, GroupState>;
  sent: DeliveredAlert[];
  /** Alerts whose publish failed; they stay pending in state unless `kept` is false. */
  failed: FailedAlert[];
  /** Pending alerts settled without a publish, each with its reason. */
  dropped: { target: string; alert: RenderedAlert; reason: string }[];
  /** Records this run could not write because other runs kept winning (their run recorded the check). */
  conflicts: string[];
  /** Store failures, one line each; the rest of the fleet is still processed. */
  errors: string[];
}

export interface FailedAlert {
  target: string;
  alert: RenderedAlert;
  error: string;
  /** The publish may have delivered it (its answer was lost). */
  outcomeUnknown: boolean;
  /** Still pending: the next run sends it again. */
  kept: boolean;
}

interface Versioned {
  version: number;
  pendingAlerts: PendingAlert[];
  lastAlert?: SentAlert;
}

interface RecordOps<S extends Versioned> {
  target: string;
  read(): Promise<S | undefined>;
  write(state: S, expectedVersion: number): Promise<'ok' | 'conflict'>;
  decide(prev: S | undefined): { next: S; alerts: Alert[] };
}

/** How `settle` reads and writes one instance's record. */
function instanceOps(
  state: StateStore,
  instanceId: string,
  decide: RecordOps<InstanceState>['decide'],
): RecordOps<InstanceState> {
  return {
    target: instanceId,
    read: async () => (await state.get([instanceId])).get(instanceId),
    write: (s, v) => state.put(s, v),
    decide,
  };
}

export async function recordAndAlert(
  ports: AlertingPorts,
  input: RecordAndAlertInput,
): Promise<RecordAndAlertResult> {
  const policy = input.policy ?? DEFAULT_ALERT_POLICY;
  const result: RecordAndAlertResult = {
    instances: new Map(),
    groups: new Map(),
    sent: [],
    failed: [],
    dropped: [],
    conflicts: [],
    errors: [],
  };
  let previous: Map<string, InstanceState>;
  try {
    previous = await ports.state.get(input.observations.map((o) => o.instanceId));
  } catch (error) {
    // Without state every run would re-announce every outage: record nothing, alert nothing, say so.
    result.errors.push(`state: reading ${input.observations.length} records failed: ${errorMessage(error)}`);
    return result;
  }

  const decided: { observation: InstanceObservation; state: InstanceState }[] = [];
  await eachLimited(input.observations, 8, async (obs) => {
    const state = await settle(
      ports.notifier,
      input,
      result,
      instanceOps(ports.state, obs.instanceId, (prev) => decideInstance(prev, obs, input.now, policy)),
      previous.get(obs.instanceId),
    );
    if (state) {
      result.instances.set(obs.instanceId, state);
      decided.push({ observation: obs, state });
    }
  });

  if (input.left && input.left.length > 0) await settleLeft(ports, input, result, input.left);

  const memberships = collectGroups(decided, policy, input.untaggedGroups);
  if (memberships.length === 0) return result;
  let previousGroups: Map<string, GroupState>;
  try {
    previousGroups = await ports.state.getGroups(memberships.map((m) => m.group));
  } catch (error) {
    result.errors.push(`state: reading ${memberships.length} group records failed: ${errorMessage(error)}`);
    return result;
  }
  await eachLimited(memberships, 8, async (membership) => {
    const state = await settle(
      ports.notifier,
      input,
      result,
      {
        target: `group:${membership.group}`,
        read: async () => (await ports.state.getGroups([membership.group])).get(membership.group),
        write: (s, v) => ports.state.putGroup(s, v),
        decide: (prev) => decideGroup(prev, membership, input.now, policy),
      },
      previousGroups.get(membership.group),
    );
    if (state) result.groups.set(membership.group, state);
  });
  return result;
}

/**
 * Pending alerts of instances this run no longer checks (terminated, `port22:monitor=false`, outside the tag
 * filters). No later check will publish them, and the TTL would delete them unsent. A DOWN, RECOVERED,
 * update or security alert is sent as it was decided: it was true when decided (N checks in a row saw the
 * outage), and an instance terminated because of it is no reason to hide it. A reminder is dropped: it
 * repeats an outage that is no longer watched. The record is otherwise left as it is, TTL included.
 */
async function settleLeft(
  ports: AlertingPorts,
  input: RecordAndAlertInput,
  result: RecordAndAlertResult,
  left: readonly string[],
): Promise<void> {
  let records: Map<string, InstanceState>;
  try {
    records = await ports.state.get(left);
  } catch (error) {
    result.errors.push(`state: reading ${left.length} unchecked records failed: ${errorMessage(error)}`);
    return;
  }
  const waiting = [...records.values()].filter((r) => r.pendingAlerts.length > 0);
  await eachLimited(waiting, 8, async (record) => {
    const reminders = record.pendingAlerts.filter((p) => p.message.kind === 'reminder');
    const settled = await settle(
      ports.notifier,
      input,
      result,
      instanceOps(ports.state, record.instanceId, (prev) => ({
        next: prev
          ? { ...prev, pendingAlerts: prev.pendingAlerts.filter((p) => p.message.kind !== 'reminder') }
          : record,
        alerts: [],
      })),
      record,
    );
    if (settled)
      for (const r of reminders)
        result.dropped.push({
          target: record.instanceId,
          alert: r.message,
          reason: 'a reminder for an instance no longer checked',
        });
  });
}

type PublishOutcome = { messageId: string } | { error: string; outcomeUnknown: boolean };

async function settle<S extends Versioned>(
  notifier: Notifier,
  input: RecordAndAlertInput,
  result: RecordAndAlertResult,
  ops: RecordOps<S>,
  initial: S | undefined,
): Promise<S | undefined> {
  const attempts = input.maxWriteAttempts ?? 3;
  const claim = { runId: input.runId, at: input.now.toISOString() };
  try {
    // Step 1-2: decide and claim in one conditional write.
    let prev = initial;
    let written: S | undefined;
    let claimed: PendingAlert[] = [];
    let givenUp: PendingAlert[] = [];
    for (let i = 0; i < attempts && !written; i += 1) {
      if (i > 0) prev = await ops.read();
      const { next, alerts } = ops.decide(prev);
      const othersLive = next.pendingAlerts.filter(
        (p) => isClaimLive(p, input.now) && p.claim?.runId !== input.runId,
      );
      const known = new Set(next.pendingAlerts.map((p) => p.message.id));
      const fresh = alerts
        .map((a) => renderAlert(a, input.render))
        .filter((m) => !known.has(m.id))
        .map((m): PendingAlert => ({ message: m, attempts: 0 }));
      const mine = [...next.pendingAlerts.filter((p) => !othersLive.includes(p)), ...fresh].map((p) =>
        takeOver(p, input.runId),
      );
      givenUp = mine.filter((p) => (p.unconfirmed ?? 0) >= MAX_UNCONFIRMED_PUBLISHES);
      claimed = mine.filter((p) => !givenUp.includes(p)).map((p) => ({ ...p, claim }));
      const candidate = { ...next, pendingAlerts: [...othersLive, ...claimed] };
      const expected = prev?.version ?? 0;
      if ((await ops.write(candidate, expected)) === 'ok') written = { ...candidate, version: expected + 1 };
    }
    if (!written) {
      result.conflicts.push(ops.target);
      return prev;
    }
    for (const p of givenUp)
      result.dropped.push({
        target: ops.target,
        alert: p.message,
        reason: `published ${MAX_UNCONFIRMED_PUBLISHES} times with an unknown outcome: presumed delivered, not sent again`,
      });
    if (claimed.length === 0) return written;

    // Step 3: publish what this run claimed, oldest first.
    const outcomes = new Map<string, PublishOutcome>();
    for (const p of claimed) {
      try {
        const { messageId } = await notifier.publish(p.message);
        outcomes.set(p.message.id, { messageId });
        result.sent.push({ target: ops.target, alert: p.message, messageId });
      } catch (error) {
        const outcomeUnknown = error instanceof PublishOutcomeUnknownError;
        outcomes.set(p.message.id, { error: errorMessage(error), outcomeUnknown });
        const kept = !outcomeUnknown || (p.unconfirmed ?? 0) + 1 < MAX_UNCONFIRMED_PUBLISHES;
        result.failed.push({
          target: ops.target,
          alert: p.message,
          error: errorMessage(error),
          outcomeUnknown,
          kept,
        });
      }
    }

    // Step 4: record the outcome; re-apply it to whatever another run wrote meanwhile. A store that fails
    // here is tried again, with backoff, until the deadline: the SDK's own retries span well under a
    // second, and an outcome never recorded is a claim that expires into a duplicate 15 minutes later.
    const settleAttempts = input.maxSettleAttempts ?? 5;
    const clock = input.clock ?? Date.now;
    let base: S | undefined = written;
    let failure: unknown;
    for (let i = 0; i < settleAttempts && base; i += 1) {
      try {
        if (i > 0) base = await ops.read();
        if (!base) break;
        const settled = applyOutcomes(base, outcomes, input.runId);
        if ((await ops.write(settled, base.version)) === 'ok')
          return { ...settled, version: base.version + 1 };
      } catch (error) {
        failure = error;
        const delay = SETTLE_BACKOFF_MS * 2 ** i;
        if (input.deadlineAt !== undefined && clock() + delay >= input.deadlineAt) break;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    result.errors.push(
      `state: ${ops.target}: could not record the publish outcome${failure ? ` (${errorMessage(failure)})` : ''}; claims expire after the lease`,
    );
    return base;
  } catch (error) {
    result.errors.push(`state: ${ops.target}: ${errorMessage(error)}`);
    return undefined;
  }
}

/** First pause before the settlement write is tried again; doubled each time (200 ms … 1.6 s). */
const SETTLE_BACKOFF_MS = 200;

/**
 * A pending alert this run is about to claim. A claim of another run that outlived its lease means that run
 * may have published it and never said so: one more possibly-delivered copy.
 */
function takeOver(p: PendingAlert, runId: string): PendingAlert {
  if (!p.claim || p.claim.runId === runId) return p;
  return { ...p, unconfirmed: (p.unconfirmed ?? 0) + 1 };
}

/**
 * The record with this run's publish outcomes applied. Only alerts still claimed by this run take an
 * outcome, so applying it again to a record that already holds it (a write whose answer was lost and is
 * re-read) changes nothing.
 */
function applyOutcomes<S extends Versioned>(
  state: S,
  outcomes: Map<string, PublishOutcome>,
  runId: string,
): S {
  const pendingAlerts: PendingAlert[] = [];
  let lastAlert = state.lastAlert;
  for (const p of state.pendingAlerts) {
    const outcome = p.claim?.runId === runId ? outcomes.get(p.message.id) : undefined;
    const { kind, code, at } = p.message;
    if (!outcome) pendingAlerts.push(p);
    else if ('messageId' in outcome) lastAlert = { kind, code, at, messageId: outcome.messageId };
    else {
      const { claim: _released, ...rest } = p;
      const unconfirmed = (p.unconfirmed ?? 0) + (outcome.outcomeUnknown ? 1 : 0);
      if (unconfirmed >= MAX_UNCONFIRMED_PUBLISHES) lastAlert = { kind, code, at };
      else
        pendingAlerts.push({
          ...rest,
          attempts: p.attempts + 1,
          lastError: outcome.error,
          ...(unconfirmed > 0 ? { unconfirmed } : {}),
        });
    }
  }
  const out = { ...state, pendingAlerts };
  if (lastAlert) out.lastAlert = lastAlert;
  return out;
}

async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
