/**
 * The ports the pipeline needs (DESIGN.md, "The pipeline"). Each has one adapter per backend:
 * the Lambda handler, the CLI and the tests wire different adapters into the same pipeline.
 */
import type { ChangeEvent } from './core/changes/cloudtrail.ts';
import type { HostSignals } from './core/diagnose/types.ts';
import type { EvidenceRequest, ObservedKind, SourceFinding } from './core/evidence/observations.ts';
import type { Inventory } from './core/inventory/model.ts';
import type { EmfDocument } from './core/metrics/emf.ts';
import type { ProbeResult, ProbeTarget, ProbeTimeouts } from './core/probe/types.ts';
import type { GroupState, InstanceState, RecordScope, RenderedAlert } from './core/state/instance-state.ts';

/**
 * Where the network configuration comes from: an inventory directory (`aws ec2 describe-*` JSON) or the
 * live EC2 API. `errors` names every part that could not be read (one VPC, one call) while the rest was;
 * a source that can read nothing at all rejects.
 */
export interface InventorySource {
  load(): Promise<{ inventory: Inventory; errors: string[] }>;
}

/** Probes one target over TCP and SSH. Never throws: every failure is a `ProbeResult` outcome. */
export interface Prober {
  probe(target: ProbeTarget, timeouts?: Partial<ProbeTimeouts>): Promise<ProbeResult>;
}

/**
 * Maps the address an inventory names (a VPC address) to where a probe really connects. In AWS it is
 * the identity; in the lab and in tests it maps to a loopback port or a namespace host, so nothing ever
 * sends a packet to an address it does not own (DESIGN.md, "Addresses"). `undefined` = do not probe.
 */
export interface TargetResolver {
  resolve(target: ProbeTarget): ProbeTarget | undefined;
}

export const identityResolver: TargetResolver = { resolve: (t) => t };

/** One instance whose host signals are wanted. Type, image and ASG name shape which metrics are asked for. */
export interface SignalsTarget {
  instanceId: string;
  /** e.g. `t3.micro`: CPUCreditBalance is only asked for on burstable types (t2, t3, t3a, t4g). */
  instanceType?: string;
  /** With `instanceType`: lets memory be found under the CloudWatch agent's default dimension set. */
  imageId?: string;
  /** The `aws:autoscaling:groupName` tag, when the instance belongs to an Auto Scaling group. */
  autoScalingGroupName?: string;
}

/** Host signals for many instances. `errors` names every API call that failed after retries. */
export interface SignalsReport {
  /** One entry per requested instance; unknown values are `undefined`, never zero. */
  signals: Map<string, HostSignals>;
  errors: string[];
}

/** What a signals fetch should include beyond state and status checks. */
export interface SignalsFetchOptions {
  /**
   * Instance ids whose CloudWatch metrics (CPU, credits, memory, status-check metrics) are wanted; the others
   * get instance state and status checks only. Metrics are billed per metric requested while
   * DescribeInstanceStatus is free, so the pipeline asks only for instances whose diagnosis could read them.
   * A source that pays nothing for metrics (a file) may ignore it.
   * @default every target
   */
  readonly metricsFor?: ReadonlySet<string>;
}

/**
 * Reads EC2 status checks, instance state and CloudWatch metrics. Never throws for an API failure: the
 * affected signals stay unknown and the failure is listed in `errors` (one failing call never stops the rest).
 */
export interface SignalsSource {
  fetch(targets: readonly SignalsTarget[], now: Date, options?: SignalsFetchOptions): Promise<SignalsReport>;
}

/**
 * Remembers one record per instance and per HA group between runs. Writes are conditional: `put`
 * stores the record with `version = expectedVersion + 1` only if the stored version is still
 * `expectedVersion` (0 = the record must not exist yet), so of two overlapping runs exactly one wins a
 * write and only the winner publishes what it decided (claim-then-publish).
 */
export interface StateStore {
  get(instanceIds: readonly string[]): Promise<Map<string, InstanceState>>;
  put(state: InstanceState, expectedVersion: number): Promise<'ok' | 'conflict'>;
  getGroups(groups: readonly string[]): Promise<Map<string, GroupState>>;
  putGroup(state: GroupState, expectedVersion: number): Promise<'ok' | 'conflict'>;
  /**
   * The keys of the records of `scope` that hold pending alerts, in key order, at most `limit` in all: how a
   * run finds alerts no check of its own will send. The listing may lag the writes (DynamoDB's index is
   * eventually consistent): a caller re-reads each record with `get`/`getGroups` before acting on it.
   */
  listPending(scope: RecordScope, limit: number): Promise<PendingRecords>;
}

/** Records that hold pending alerts, by key. */
export interface PendingRecords {
  readonly instanceIds: readonly string[];
  readonly groups: readonly string[];
}

/**
 * Publishes one rendered alert. Throws when the message was not accepted, and throws a
 * {@link PublishOutcomeUnknownError} when it cannot know: the request may have reached the service and its
 * answer was lost (a timeout after sending, a reset connection). The caller then neither treats it as sent
 * nor re-sends it blindly (docs/alerts.md, "The guarantee").
 */
export interface Notifier {
  publish(alert: RenderedAlert): Promise<{ messageId: string }>;
}

/**
 * A publish that may or may not have been delivered. The original error is `original`, not `cause`: the
 * SDK's retry classifier follows `cause` and would retry a transient one, which is what this error exists
 * to prevent.
 */
export class PublishOutcomeUnknownError extends Error {
  override readonly name = 'PublishOutcomeUnknownError';
  constructor(readonly original: unknown) {
    const e = original as { name?: string; message?: string } | undefined;
    super(`outcome unknown (${e?.name ?? 'Error'}: ${e?.message ?? String(original)})`);
  }
}

/** Writes EMF documents where CloudWatch picks them up (stdout in Lambda) or to a file. */
export interface MetricsSink {
  emit(documents: readonly EmfDocument[]): Promise<void>;
}

/**
 * One source of evidence about failing instances (console output, the in-host check, flow logs). Asked once
 * per run with every failing instance it may read, it answers for those it could, names why it could not for
 * the others, and never throws for an API failure: it lists it in `errors`. It must stop by `deadlineAt`
 * (epoch ms); the evidence step also stops waiting then.
 */
export interface EvidenceSource {
  readonly kind: ObservedKind;
  gather(requests: readonly EvidenceRequest[], context: EvidenceContext): Promise<EvidenceReport>;
}

export interface EvidenceContext {
  readonly now: Date;
  /** Epoch ms by which the source must have answered. */
  readonly deadlineAt: number;
}

export interface EvidenceReport {
  /** What was found, per instance id. */
  readonly found: ReadonlyMap<string, SourceFinding>;
  /** Why nothing was found, per instance id (not managed by SSM, console not supported…). */
  readonly unavailable: ReadonlyMap<string, string>;
  readonly errors: readonly string[];
}

/**
 * Who changed a resource: the management events CloudTrail recorded on it (`LookupEvents` by resource name).
 * Lookups are throttled by AWS (two a second per account and Region), so the adapter paces its calls; the
 * step asks once per resource per run, for a bounded number of resources. Throws when the lookup failed.
 */
export interface ChangeHistory {
  /** Events on `resourceId` at or after `since`, as many as one page holds (50). */
  lookup(resourceId: string, since: Date): Promise<ChangeEvent[]>;
}
