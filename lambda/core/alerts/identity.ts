/**
 * The server identity port22 remembers: the host key and the offered auth methods. A different host
 * key is `HOST_KEY_CHANGED` (a rebuild, or someone in the middle); a change in auth methods is
 * reported as `AUTH_METHODS_CHANGED` (e.g. password login switched on).
 */
import type { Evidence, Severity } from '../diagnose/types.ts';
import type { HostKeyInfo } from '../probe/types.ts';
import type { SecurityFindingCode } from './types.ts';

export interface RememberedIdentity {
  hostKey?: string;
  hostKeyAlgorithm?: string;
  authMethods?: readonly string[];
}

export interface IdentityFinding {
  code: SecurityFindingCode;
  severity: Severity;
  summary: string;
  evidence: Evidence[];
  remediation: string[];
}

/**
 * RSA keys are negotiated as `ssh-rsa`, `rsa-sha2-256` or `rsa-sha2-512` (RFC 8332): the same key, so
 * the same key type. Comparing fingerprints across key types would report a change that is not one.
 */
export function hostKeyType(algorithm: string): string {
  return algorithm.startsWith('rsa-sha2-') ? 'ssh-rsa' : algorithm;
}

export function normaliseAuthMethods(methods: readonly string[]): string[] {
  return [...new Set(methods)].sort();
}

export function compareIdentity(
  remembered: RememberedIdentity | undefined,
  hostKey: HostKeyInfo | undefined,
  authMethods: readonly string[] | undefined,
  where: { instanceId?: string; host?: string } = {},
): IdentityFinding[] {
  const id = where.instanceId ?? '<instance-id>';
  const host = where.host ?? '<address>';
  const findings: IdentityFinding[] = [];
  if (remembered?.hostKey && hostKey && remembered.hostKey !== hostKey.sha256) {
    const sameType =
      remembered.hostKeyAlgorithm === undefined ||
      hostKeyType(remembered.hostKeyAlgorithm) === hostKeyType(hostKey.algorithm);
    findings.push({
      code: 'HOST_KEY_CHANGED',
      // OpenSSH refuses a changed key of a known type outright ("REMOTE HOST IDENTIFICATION HAS
      // CHANGED") but only asks about a key of a new type: the same distinction, as severities.
      severity: sameType ? 'critical' : 'warning',
      summary: sameType
        ? 'The SSH host key changed: the instance was rebuilt, its keys regenerated, or something is intercepting connections.'
        : 'The server now presents a host key of a different type: its host key configuration changed.',
      evidence: [
        {
          kind: 'probe',
          code: 'HOST_KEY_CHANGED',
          detail: `host key was ${remembered.hostKeyAlgorithm ?? 'unknown type'} ${remembered.hostKey}, now ${hostKey.algorithm} ${hostKey.sha256}`,
          value: hostKey.sha256,
        },
      ],
      remediation: [
        'Confirm with the instance owner whether the instance was rebuilt or its host keys regenerated.',
        `Compare with the console output: aws ec2 get-console-output --instance-id ${id} (cloud-init prints the host key fingerprints at first boot).`,
        `If the change is expected, update known_hosts (ssh-keygen -R ${host}); port22 remembers the new key from now on.`,
        'If it is not expected, do not log in: treat it as a possible interception and check the route to the instance.',
      ],
    });
  }
  if (remembered?.authMethods && authMethods) {
    const before = normaliseAuthMethods(remembered.authMethods);
    const after = normaliseAuthMethods(authMethods);
    const added = after.filter((m) => !before.includes(m));
    const removed = before.filter((m) => !after.includes(m));
    if (added.length > 0 || removed.length > 0) {
      // Password and keyboard-interactive logins are what brute-force campaigns guess against.
      const weakened = added.some((m) => m === 'password' || m === 'keyboard-interactive');
      const parts = [
        added.length > 0 ? `added ${added.join(', ')}` : '',
        removed.length > 0 ? `removed ${removed.join(', ')}` : '',
      ].filter(Boolean);
      findings.push({
        code: 'AUTH_METHODS_CHANGED',
        severity: weakened ? 'critical' : 'warning',
        summary: `The authentication methods sshd offers changed: ${parts.join('; ')}.`,
        evidence: [
          {
            kind: 'probe',
            code: 'AUTH_METHODS_CHANGED',
            detail: `auth methods were [${before.join(', ')}], now [${after.join(', ')}]`,
            value: after.join(','),
          },
        ],
        remediation: [
          'Check the effective sshd configuration on the instance: sudo sshd -T | grep -Ei "authentication|permitrootlogin"',
          'Look for a recent change to /etc/ssh/sshd_config or /etc/ssh/sshd_config.d/ (configuration management, image update).',
          'If password login is now offered and not intended, set PasswordAuthentication no and KbdInteractiveAuthentication no, then systemctl reload sshd.',
        ],
      });
    }
  }
  return findings;
}
