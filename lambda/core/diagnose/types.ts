/**
 * The diagnosis vocabulary (DESIGN.md, "Diagnoses"): one answer per instance, with evidence and remediation.
 */

export const DIAGNOSIS_CODES = [
  'HEALTHY',
  'DEGRADED_SLOW',
  'BLOCKED_BY_SECURITY_GROUP',
  'BLOCKED_BY_NETWORK_ACL',
  'BLOCKED_BY_NETWORK_FIREWALL',
  'NO_ROUTE',
  'INSTANCE_STOPPED',
  'INSTANCE_IMPAIRED',
  'SSHD_NOT_LISTENING',
  'HOST_FIREWALL_DROP',
  'HOST_FIREWALL_REJECT',
  'SSHD_REFUSING_CONNECTIONS',
  'RESOURCE_EXHAUSTION',
  'NOT_SSH_SERVICE',
  'SSH_NEGOTIATION_FAILED',
  'SSH_ANSWERING_UNVERIFIED',
  'EXPECTED_CLOSED',
  'UNKNOWN',
] as const;
export type DiagnosisCode = (typeof DIAGNOSIS_CODES)[number];

export type Severity = 'ok' | 'info' | 'warning' | 'critical';

/** Host signals for one instance. Missing data is `undefined` ("unknown"), never zero. */
export interface HostSignals {
  instanceId: string;
  /** EC2 instance state name: pending | running | shutting-down | terminated | stopping | stopped. */
  state?: string;
  /** DescribeInstanceStatus SystemStatus / InstanceStatus: ok | impaired | insufficient-data | … */
  systemStatus?: string;
  instanceStatus?: string;
  /** Latest CPUUtilization, percent. */
  cpuPercent?: number;
  /** Latest CPUCreditBalance (burstable types only). */
  cpuCreditBalance?: number;
  /** StatusCheckFailed_System / _Instance, latest datapoint (0 or 1). */
  statusCheckFailedSystem?: number;
  statusCheckFailedInstance?: number;
  /** CloudWatch agent `mem_used_percent`, where the agent publishes it. */
  memUsedPercent?: number;
}

export type EvidenceKind =
  | 'probe'
  | 'static'
  | 'signal'
  | 'change'
  | 'config'
  /** Lines of the instance's console output (GetConsoleOutput). */
  | 'console'
  /** The in-host check through Systems Manager: service state, listeners, settings, firewall, bans. */
  | 'host'
  /** VPC Flow Logs records for the SSH port. */
  | 'flow-log';

export interface Evidence {
  kind: EvidenceKind;
  /** A short machine code: the probe outcome, the blocker code, the metric name. */
  code: string;
  /** One line a human reads. */
  detail: string;
  resourceId?: string;
  value?: number | string;
  /** When it happened (ISO 8601): a console line's time, a change's CloudTrail event time. */
  at?: string;
  /** Who did it (`change` evidence from CloudTrail): the principal's ARN or name. */
  principal?: string;
}

export interface Diagnosis {
  code: DiagnosisCode;
  severity: Severity;
  summary: string;
  evidence: Evidence[];
  remediation: string[];
}
