/**
 * The alert vocabulary: what the policy decides (structured) before `render.ts` turns it into text.
 */
import type { Diagnosis, DiagnosisCode, Evidence, Severity } from '../diagnose/types.ts';
import type { HostKeyInfo } from '../probe/types.ts';
import type { AlertKind } from '../state/instance-state.ts';

export type { AlertKind } from '../state/instance-state.ts';

/** Security findings the policy raises from what it remembers (DESIGN.md, "Exposure findings"). */
export type SecurityFindingCode = 'HOST_KEY_CHANGED' | 'AUTH_METHODS_CHANGED' | 'UNEXPECTEDLY_OPEN';

/** Where the console links in an alert point. All optional: links are rendered for what is known. */
export interface AlertResources {
  region?: string;
  vpcId?: string;
  subnetId?: string;
  securityGroupIds?: readonly string[];
  networkAclIds?: readonly string[];
  /** The address that was checked. */
  address?: string;
}

/** One instance as the pipeline saw it in this run: the input of the alert policy. */
export interface InstanceObservation {
  instanceId: string;
  /** The `Name` tag. */
  name?: string;
  /** All instance tags (`port22:*` steer the policy). */
  tags: Readonly<Record<string, string>>;
  diagnosis: Diagnosis;
  /** From the probe, when it reached key exchange / the `none` auth request. */
  hostKey?: HostKeyInfo;
  authMethods?: readonly string[];
  /** The path configuration now (remembered when the instance is healthy, for change awareness). */
  pathConfig?: { digest: string; snapshot?: unknown };
  /** "What changed" lines from change awareness (rendered when present). */
  changes?: readonly string[];
  resources?: AlertResources;
}

export interface GroupSummary {
  group: string;
  healthy: number;
  members: number;
  minimum: number;
  /** `i-… (name): CODE` for each member that counts as unhealthy. */
  unhealthyMembers: string[];
}

/** A decided alert, before rendering. */
export interface Alert {
  kind: AlertKind;
  /** The diagnosis, or a security finding code, or `GROUP_BELOW_MINIMUM` / `GROUP_HEALTHY`. */
  code: DiagnosisCode | SecurityFindingCode | 'GROUP_BELOW_MINIMUM' | 'GROUP_HEALTHY';
  severity: Severity;
  /** ISO time of the check that decided it. */
  at: string;
  instanceId?: string;
  name?: string;
  group?: GroupSummary;
  summary: string;
  /** The code announced before (recovery: the outage; update: the previous diagnosis). */
  previousCode?: string;
  /** ISO time the failure began. */
  failingSince?: string;
  consecutiveFailures?: number;
  evidence: readonly Evidence[];
  remediation: readonly string[];
  changes: readonly string[];
  resources?: AlertResources;
}

export interface AlertPolicyConfig {
  /** Failed checks in a row before the first alert. @default 2 */
  readonly failuresBeforeAlert: number;
  /** Re-send a reminder while still down after this long; 0 = never. @default 24 h */
  readonly reminderIntervalMs: number;
  /** Minimum healthy members of an HA group when no member has a `port22:group-min` tag. @default 1 */
  readonly groupMinimumHealthy: number;
  /** How long state outlives the last check (DynamoDB TTL), so a stop/start keeps the host key. @default 30 days */
  readonly stateTtlSeconds: number;
}

export const DEFAULT_ALERT_POLICY: AlertPolicyConfig = {
  failuresBeforeAlert: 2,
  reminderIntervalMs: 24 * 3600 * 1000,
  groupMinimumHealthy: 1,
  stateTtlSeconds: 30 * 24 * 3600,
};
