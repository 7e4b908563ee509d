// Builders for alert-policy tests: realistic diagnoses and observations with only what a case varies.
import type { Alert, InstanceObservation } from '../../../../lambda/core/alerts/types.ts';
import type { Diagnosis, DiagnosisCode, Severity } from '../../../../lambda/core/diagnose/types.ts';

const SEVERITY: Partial<Record<DiagnosisCode, Severity>> = {
  HEALTHY: 'ok',
  EXPECTED_CLOSED: 'ok',
  DEGRADED_SLOW: 'warning',
  INSTANCE_STOPPED: 'info',
};

export function diagnosis(code: DiagnosisCode): Diagnosis {
  if (code === 'SSHD_NOT_LISTENING') {
    return {
      code,
      severity: 'critical',
      summary: 'The instance answers TCP but nothing listens on port 22: sshd is stopped or crashed.',
      evidence: [
        {
          kind: 'probe',
          code: 'refused',
          detail: 'TCP connect to 10.0.1.12:22 answered with RST after 1 ms',
          value: 1,
        },
        {
          kind: 'static',
          code: 'REACHABLE',
          detail: 'sg-0a1b2c3d allows tcp/22 from the prober',
          resourceId: 'sg-0a1b2c3d',
        },
      ],
      remediation: ['sudo systemctl status sshd', 'sudo ss -ltnp | grep :22', 'sudo journalctl -u ssh -n 50'],
    };
  }
  return {
    code,
    severity: SEVERITY[code] ?? 'critical',
    summary: `summary of ${code}`,
    evidence: [{ kind: 'probe', code: code.toLowerCase(), detail: `evidence for ${code}` }],
    remediation: code === 'HEALTHY' ? [] : [`fix ${code}`],
  };
}

export function observation(
  code: DiagnosisCode,
  extra: Partial<InstanceObservation> = {},
  instanceId = 'i-0abc1234def567890',
): InstanceObservation {
  return { instanceId, name: 'web-1', tags: { Name: 'web-1' }, diagnosis: diagnosis(code), ...extra };
}

/** `t(0)` = 2025-03-04T10:00:00Z, then five-minute check intervals. */
export function t(checks: number, minutes = 5): Date {
  return new Date(Date.UTC(2025, 2, 4, 10, 0, 0) + checks * minutes * 60_000);
}

/** A complete DOWN alert for SSHD_NOT_LISTENING on web-1, every optional part filled in. */
export const downAlert: Alert = {
  kind: 'alert',
  code: 'SSHD_NOT_LISTENING',
  severity: 'critical',
  at: t(1).toISOString(),
  instanceId: 'i-0abc1234def567890',
  name: 'web-1',
  summary: diagnosis('SSHD_NOT_LISTENING').summary,
  failingSince: t(0).toISOString(),
  consecutiveFailures: 2,
  evidence: diagnosis('SSHD_NOT_LISTENING').evidence,
  remediation: diagnosis('SSHD_NOT_LISTENING').remediation,
  changes: ['sg-0a1b2c3d: inbound rule tcp/22 from 10.0.0.0/16 removed since the last healthy check'],
  resources: {
    region: 'eu-west-1',
    address: '10.0.1.12:22',
    securityGroupIds: ['sg-0a1b2c3d'],
    networkAclIds: ['acl-0f1e2d3c'],
  },
};
