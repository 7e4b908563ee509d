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
 * no longer checks (`left`) have their pending alerts settled too, and so do the records of the run's scope
 * (its VPC) that no run checks any more — an instance gone from the inventory, an HA group without a checked
 * member — found through the store's listing of records that owe alerts. The promise and its proof:
 * docs/alerts.md.
 */
import {
  collectGroups,
  decideGroup,
  type GroupMembership,
  groupsOf,
  type UntaggedGroup,
} from '../core/alerts/group-policy.ts';
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
  DEFAULT_RECORD_SCOPE,
  type GroupState,
  type InstanceState,
  isClaimLive,
  MAX_UNCONFIRMED_PUBLISHES,
  type PendingAlert,
  type RecordScope,
  type RenderedAlert,
  type SentAlert,
} from '../core/state/instance-state.ts';
import {
  groupShardKey,
  instanceShardKey,
  type Shard,
  shardOfKey,
  WHOLE_FLEET,
} from '../core/targets/shard.ts';
import { type Notifier, type PendingRecords, PublishOutcomeUnknownError, type StateStore } from '../ports.ts';
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
  /** The VPC the run checks: the scope its records carry (RecordScope). @default DEFAULT_RECORD_SCOPE */
  readonly vpcId?: string;
  /** This run's shard (as the select step's): which unchecked records of the scope it settles. @default 0 */
  readonly shard?: number;
  /** @default 1 */
  readonly shards?: number;
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
 * still pending for instances of the shard that are `left` (no longer checked), and for records of the scope
 * that no run checks (gone from the inventory), settled.
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
  // Even with nothing checked: the records of instances that all left the inventory may still owe alerts.
  if (!ports.state || !ports.notifier) return { alerts, errors: [] };
  const targetGroups = sshTargetGroups(index, options.port ?? DEFAULT_SSH_PORT);
  try {
    const result = await recordAndAlert(
      { state: ports.state, notifier: ports.notifier },
      {
        observations: instances.map((c) => observation(c, index, options.region)),
        left,
        scope: options.vpcId ?? DEFAULT_RECORD_SCOPE,
        unchecked: {
          inventory: new Set(index.inventory.instances.map((i) => i.InstanceId)),
          shard: { shard: options.shard ?? WHOLE_FLEET.shard, shards: options.shards ?? WHOLE_FLEET.shards },
          targetGroups: new Set(targetGroups.map((g) => g.name)),
        },
        now,
        clock,
        ...(options.deadlineAt === undefined ? {} : { deadlineAt: options.deadlineAt }),
        runId: options.runId,
        policy: { ...DEFAULT_ALERT_POLICY, ...options.alertPolicy },
        ...(options.render ? { render: options.render } : {}),
        untaggedGroups: targetGroups.map((g) => ({
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
  /** Written on every record this run writes, so that a later run of the scope can find it. @default none */
  scope?: RecordScope;
  /**
   * Settle the pending alerts of the scope's records that no run checks (needs `scope`). @default off
   */
  unchecked?: UncheckedRecords;
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

/** What tells a record of the scope that no run checks from one another run (or this one) checks. */
export interface UncheckedRecords {
  /** Every instance id in the inventory, of any shard: checked by some run, or settled as `left`. */
  readonly inventory: ReadonlySet<string>;
  readonly shard: Shard;
  /** The names of the inventory's SSH target groups (HA groups without a tag). */
  readonly targetGroups: ReadonlySet<string>;
  /** At most this many records settled per run; the rest wait for the next. @default UNCHECKED_PER_RUN */
  readonly maxRecords?: number;
}

/**
 * Unchecked records settled per run at most: each costs a read, two conditional writes and its publishes, and
 * the run's own checks come first. A backlog (a VPC emptied while SNS was down) drains over a few runs.
 */
export const UNCHECKED_PER_RUN = 25;

/**
 * Keys listed per run at most. The listing also holds the checked records that owe an alert (a publish that
 * failed this minute), which the run skips; thousands of those would mean SNS is down for the fleet, and the
 * records past the limit wait for a run after it recovers.
 */
const PENDING_LISTING_LIMIT = 1000;

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

/** How `settle` reads and writes one HA group's record. */
function groupOps(
  state: StateStore,
  group: string,
  decide: RecordOps<GroupState>['decide'],
): RecordOps<GroupState> {
  return {
    target: `group:${group}`,
    read: async () => (await state.getGroups([group])).get(group),
    write: (s, v) => state.putGroup(s, v),
    decide,
  };
}

/** How `settleAbandoned` reads records of one kind by key, and settles one of them. */
interface RecordKind<S extends Versioned> {
  read(keys: readonly string[]): Promise<Map<string, S>>;
  ops(key: string, decide: RecordOps<S>['decide']): RecordOps<S>;
}

function instanceRecords(state: StateStore): RecordKind<InstanceState> {
  return { read: (ids) => state.get(ids), ops: (id, decide) => instanceOps(state, id, decide) };
}

function groupRecords(state: StateStore): RecordKind<GroupState> {
  return {
    read: (groups) => state.getGroups(groups),
    ops: (group, decide) => groupOps(state, group, decide),
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
  if (memberships.length > 0) await recordGroups(ports, input, result, memberships, policy);
  if (input.scope !== undefined && input.unchecked)
    await settleUnchecked(ports, input, result, input.scope, input.unchecked);
  return result;
}

async function recordGroups(
  ports: AlertingPorts,
  input: RecordAndAlertInput,
  result: RecordAndAlertResult,
  memberships: readonly GroupMembership[],
  policy: AlertPolicyConfig,
): Promise<void> {
  let previousGroups: Map<string, GroupState>;
  try {
    previousGroups = await ports.state.getGroups(memberships.map((m) => m.group));
  } catch (error) {
    result.errors.push(`state: reading ${memberships.length} group records failed: ${errorMessage(error)}`);
    return;
  }
  await eachLimited(memberships, 8, async (membership) => {
    const state = await settle(
      ports.notifier,
      input,
      result,
      groupOps(ports.state, membership.group, (prev) => decideGroup(prev, membership, input.now, policy)),
      previousGroups.get(membership.group),
    );
    if (state) result.groups.set(membership.group, state);
  });
}

/**
 * Pending alerts of instances this run no longer checks (terminated, `port22:monitor=false`, outside the tag
 * filters). No later check will publish them, and the TTL would delete them unsent.
 */
function settleLeft(
  ports: AlertingPorts,
  input: RecordAndAlertInput,
  result: RecordAndAlertResult,
  left: readonly string[],
): Promise<void> {
  return settleAbandoned(ports.notifier, input, result, instanceRecords(ports.state), left, {
    what: 'unchecked records',
    reminderReason: 'a reminder for an instance no longer checked',
  });
}

/**
 * Pending alerts of the scope's records that no run checks any more, found through the store's listing:
 * an instance gone from the inventory (EC2 stops listing a terminated instance about an hour after it
 * ends) and an HA group none of whose members this run checks. Bounded: at most `maxRecords` per run, none
 * once the deadline has passed; the rest stay listed for the next run.
 *
 * Which run settles which record: an instance still in the inventory is some run's, checked or `left`,
 * so never this sweep's; of the rest each shard takes the instances and groups whose shard key hashes to
 * it, as the select step would have. A tagged group always hashes to the shard that checks its members,
 * so "not checked by this run" is "not checked". A target group's members are spread by instance id
 * across shards: with more than one shard, one still in the inventory may be another shard's, and is left
 * alone.
 */
async function settleUnchecked(
  ports: AlertingPorts,
  input: RecordAndAlertInput,
  result: RecordAndAlertResult,
  scope: RecordScope,
  unchecked: UncheckedRecords,
): Promise<void> {
  const clock = input.clock ?? Date.now;
  if (input.deadlineAt !== undefined && clock() >= input.deadlineAt) return;
  let listing: PendingRecords;
  try {
    listing = await ports.state.listPending(scope, PENDING_LISTING_LIMIT);
  } catch (error) {
    result.errors.push(`state: listing the records that owe alerts failed: ${errorMessage(error)}`);
    return;
  }
  const { shard, inventory, targetGroups } = unchecked;
  const mine = (key: string) => shardOfKey(key, shard.shards) === shard.shard;
  const checkedGroups = groupsOf(input.observations, input.untaggedGroups);
  const instanceIds = listing.instanceIds.filter((id) => !inventory.has(id) && mine(instanceShardKey(id)));
  const groups = listing.groups.filter(
    (g) => !checkedGroups.has(g) && mine(groupShardKey(g)) && (shard.shards === 1 || !targetGroups.has(g)),
  );
  const max = unchecked.maxRecords ?? UNCHECKED_PER_RUN;
  const someInstances = instanceIds.slice(0, max);
  const someGroups = groups.slice(0, max - someInstances.length);
  await settleAbandoned(ports.notifier, input, result, instanceRecords(ports.state), someInstances, {
    what: 'records that owe alerts',
    reminderReason: 'a reminder for an instance no longer in the inventory',
  });
  await settleAbandoned(ports.notifier, input, result, groupRecords(ports.state), someGroups, {
    what: 'group records that owe alerts',
    reminderReason: 'a reminder for an HA group no longer checked',
  });
}

/**
 * Reads these records by key and settles their pending alerts: no check will visit them again. A DOWN, RECOVERED, update or security
 * alert is sent as it was decided: it was true when decided (N checks in a row saw the outage), and an
 * instance terminated because of it is no reason to hide it. A reminder is dropped (`log.reminderReason`): it
 * repeats an outage that is no longer watched. The record is otherwise left as it is, TTL included.
 */
async function settleAbandoned<S extends Versioned>(
  notifier: Notifier,
  input: RecordAndAlertInput,
  result: RecordAndAlertResult,
  kind: RecordKind<S>,
  keys: readonly string[],
  log: { readonly what: string; readonly reminderReason: string },
): Promise<void> {
  if (keys.length === 0) return;
  let records: Map<string, S>;
  try {
    // By key and consistent: a listing may be stale (an index lags its table), the record is not.
    records = await kind.read(keys);
  } catch (error) {
    result.errors.push(`state: reading ${keys.length} ${log.what} failed: ${errorMessage(error)}`);
    return;
  }
  const waiting = [...records].filter(([, r]) => r.pendingAlerts.length > 0);
  const clock = input.clock ?? Date.now;
  await eachLimited(waiting, 8, async ([key, record]) => {
    // Past the deadline the run's AWS calls are aborted anyway; the record stays listed for the next run.
    if (input.deadlineAt !== undefined && clock() >= input.deadlineAt) return;
    const reminders = record.pendingAlerts.filter((p) => p.message.kind === 'reminder');
    const ops = kind.ops(key, (prev) => ({
      next: prev
        ? { ...prev, pendingAlerts: prev.pendingAlerts.filter((p) => p.message.kind !== 'reminder') }
        : record,
      alerts: [],
    }));
    const settled = await settle(notifier, input, result, ops, record);
    if (settled)
      for (const r of reminders)
        result.dropped.push({ target: ops.target, alert: r.message, reason: log.reminderReason });
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
      const candidate = {
        ...next,
        pendingAlerts: [...othersLive, ...claimed],
        ...(input.scope !== undefined ? { scope: input.scope } : {}),
      };
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
