/**
 * One instance as `check --json` prints it (DESIGN.md, "Contracts"): the diagnosis, whether that is as it
 * should be, what the probe saw and what changed.
 */
import { isFailure } from '../alerts/instance-policy.ts';
import type { Diagnosis, DiagnosisCode, Evidence, Severity } from '../diagnose/types.ts';
import type { ProbeResult } from '../probe/types.ts';
import type { SelectedTarget } from '../targets/select.ts';

/** One instance in `check --json`. */
export interface InstanceReport {
  instanceId: string;
  name?: string;
  /** The address in the VPC (what the inventory says), whatever the resolver mapped it to. */
  address: string;
  port: number;
  diagnosis: DiagnosisCode;
  /**
   * Whether the instance is as it should be, given its `port22:expect` tag: HEALTHY or EXPECTED_CLOSED for
   * an instance expected open; not answering for one expected closed. The CLI, the handler's logs, the
   * dashboard and the metrics all read this one field.
   */
  healthy: boolean;
  severity: Severity;
  summary: string;
  evidence: Evidence[];
  remediation: string[];
  /** What the probe saw; absent when not probed. */
  probe?: Pick<ProbeResult, 'outcome' | 'phases' | 'software' | 'hostKey' | 'authMethods' | 'detail'>;
  /** Configuration and auth-method changes since the last healthy check. */
  changes?: string[];
}

/** What one checked instance is reported from. */
export interface InstanceReportInput {
  readonly target: Pick<SelectedTarget, 'instanceId' | 'name' | 'address' | 'port' | 'expect'>;
  readonly diagnosis: Diagnosis;
  readonly probe?: ProbeResult;
  readonly changes: readonly string[];
}

export function instanceReport(c: InstanceReportInput): InstanceReport {
  const d = c.diagnosis;
  const p = c.probe;
  return {
    instanceId: c.target.instanceId,
    ...(c.target.name ? { name: c.target.name } : {}),
    address: c.target.address ?? '',
    port: c.target.port,
    diagnosis: d.code,
    healthy: !isFailure(d.code, c.target.expect),
    severity: d.severity,
    summary: d.summary,
    evidence: d.evidence,
    remediation: d.remediation,
    ...(p
      ? {
          probe: {
            outcome: p.outcome,
            phases: p.phases,
            ...(p.software ? { software: p.software } : {}),
            ...(p.hostKey ? { hostKey: p.hostKey } : {}),
            ...(p.authMethods ? { authMethods: p.authMethods } : {}),
            ...(p.detail ? { detail: p.detail } : {}),
          },
        }
      : {}),
    ...(c.changes.length > 0 ? { changes: [...c.changes] } : {}),
  };
}
