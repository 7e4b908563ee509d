/**
 * What port22 remembers between runs, one record per instance and one per HA group. Plain JSON data:
 * the DynamoDB adapter stores it as one item keyed by `pk`; the in-memory store keeps it as is.
 */
import type { DiagnosisCode } from '../diagnose/types.ts';

/** What an alert is about to a reader (and the SNS `kind` message attribute for filter policies). */
export type AlertKind = 'alert' | 'recovery' | 'reminder' | 'update' | 'security';

/** An alert as it goes out: rendered once, stored as rendered while it waits to be published. */
export interface RenderedAlert {
  /** Stable id: the same alert retried keeps it (RFC 5322 Message-ID in the file notifier). */
  id: string;
  kind: AlertKind;
  /** The diagnosis or security finding code (`SSHD_NOT_LISTENING`, `HOST_KEY_CHANGED`, …). */
  code: string;
  severity: string;
  /** ISO time the alert was decided. */
  at: string;
  subject: string;
  body: string;
  /** SNS MessageAttributes (String): `severity`, `diagnosis`, `kind`. */
  attributes: Record<string, string>;
}

/**
 * An alert that is decided but not yet confirmed sent. A run claims it in the same conditional write
 * that records its check (claim-then-publish), so only the run that won that write publishes it; a failed
 * publish drops the claim and the next run that wins the write sends it.
 */
export interface PendingAlert {
  message: RenderedAlert;
  attempts: number;
  lastError?: string;
  /** Set by the run that owns the publish; a claim older than the lease is abandoned (a crashed run). */
  claim?: { runId: string; at: string };
  /**
   * Publishes of this alert that may have delivered it without port22 knowing: an answer lost on the wire
   * (PublishOutcomeUnknownError), or a claim whose run never recorded its outcome. @default 0
   */
  unconfirmed?: number;
}

/**
 * At most this many possibly-delivered copies of one alert: the first publish and, when its outcome
 * could not be known, one re-send (docs/alerts.md, "The guarantee"). An alert that reaches it is settled
 * as presumed delivered.
 */
export const MAX_UNCONFIRMED_PUBLISHES = 2;

/** The last alert that reached the notifier. */
export interface SentAlert {
  kind: AlertKind;
  code: string;
  at: string;
  messageId?: string;
}

/** The path configuration that applied at the last healthy check (for "what changed" lines). */
export interface HealthySnapshot {
  at: string;
  configDigest: string;
  /** The path rules as plain JSON (security groups, ACL entries, routes); opaque to the state model. */
  config?: unknown;
}

export interface InstanceState {
  instanceId: string;
  diagnosis: DiagnosisCode;
  /** ISO time this diagnosis was first seen (unchanged while it stays the same). */
  since: string;
  /** Checks in a row that were failures (reset by a healthy check). */
  consecutiveFailures: number;
  /** ISO time the current run of failures began (absent while not failing). */
  failingSince?: string;
  lastCheckedAt: string;
  lastAlert?: SentAlert;
  /**
   * The code the last down/update/reminder notice announced (a diagnosis, or UNEXPECTEDLY_OPEN); cleared by the recovery notice.
   * Recovery is only announced when this is set (a failure alert had been sent).
   */
  announcedDown?: string;
  /** ISO time of the last down/update/reminder notice, for the reminder interval. */
  lastDownNoticeAt?: string;
  /** Alerts waiting to be published (usually empty). */
  pendingAlerts: PendingAlert[];
  /** The part of the fleet whose runs record it (the VPC id); see {@link RecordScope}. @default none */
  scope?: string;
  /** OpenSSH `SHA256:…` host key fingerprint remembered from the last probe that reached key exchange. */
  hostKey?: string;
  hostKeyAlgorithm?: string;
  /** Auth methods offered to `none`, sorted. */
  authMethods?: string[];
  lastHealthy?: HealthySnapshot;
  /** Optimistic concurrency: the store accepts a write only against the version it was read at. 0 = new. */
  version: number;
  /** Epoch seconds after which DynamoDB TTL may delete the item (refreshed by every run). */
  ttl: number;
}

/** One HA group (`port22:group`): alerts are group-level, once per transition. */
export interface GroupState {
  group: string;
  belowMinimum: boolean;
  healthy: number;
  members: number;
  minimum: number;
  since: string;
  lastCheckedAt: string;
  lastAlert?: SentAlert;
  lastDownNoticeAt?: string;
  pendingAlerts: PendingAlert[];
  /** The part of the fleet whose runs record it (the VPC id); see {@link RecordScope}. @default none */
  scope?: string;
  version: number;
  ttl: number;
}

/**
 * What a record's `scope` names: the runs that record it, so that one of them finds the record's pending
 * alerts when no check will (its instance gone from the inventory, its HA group without a checked member).
 * In AWS it is the prober's VPC; a run without one (the CLI) uses {@link DEFAULT_RECORD_SCOPE}.
 */
export type RecordScope = string;

/** The scope of a run that names no VPC. */
export const DEFAULT_RECORD_SCOPE: RecordScope = 'default';

/** The DynamoDB TTL value: epoch seconds (DynamoDB ignores TTL attributes in milliseconds). */
export function expiryEpochSeconds(now: Date, ttlSeconds: number): number {
  return Math.floor(now.getTime() / 1000) + ttlSeconds;
}

/** Lambda's maximum run time is 15 minutes; a claim older than that belongs to a run that died. */
const CLAIM_LEASE_MS = 15 * 60 * 1000;

export function isClaimLive(pending: PendingAlert, now: Date, leaseMs = CLAIM_LEASE_MS): boolean {
  if (!pending.claim) return false;
  return now.getTime() - Date.parse(pending.claim.at) < leaseMs;
}
