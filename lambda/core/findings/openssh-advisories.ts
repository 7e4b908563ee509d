/**
 * OpenSSH server-side advisories worth a finding, by affected upstream version range (inclusive lower,
 * exclusive upper bound = the first fixed release). Sources: the OpenSSH release notes and security page
 * (openssh.com/txt/release-*, openssh.com/security.html) and the Qualys advisories.
 * Client-side advisories (ssh-agent's CVE-2023-38408, for one) are left out on purpose: a server's ident says
 * nothing about the agents its users run.
 * Versions compare as [major, minor, patch-level] ("9.3p2" → [9, 3, 2]; no "pN" → 0).
 */
export interface OpenSshAdvisory {
  cve: string;
  name: string;
  severity: 'critical' | 'high' | 'medium';
  from: string;
  fixedIn: string;
  note: string;
}

export const OPENSSH_ADVISORIES: readonly OpenSshAdvisory[] = [
  {
    cve: 'CVE-2024-6387',
    name: 'regreSSHion',
    severity: 'critical',
    from: '8.5p1',
    fixedIn: '9.8p1',
    note: 'unauthenticated remote code execution as root via a SIGALRM race in sshd (glibc Linux)',
  },
  {
    cve: 'CVE-2025-26466',
    name: 'pre-auth DoS',
    severity: 'medium',
    from: '9.5p1',
    fixedIn: '9.9p2',
    note: 'unauthenticated CPU and memory exhaustion during key exchange (SSH2_MSG_PING)',
  },
  {
    cve: 'CVE-2023-48795',
    name: 'Terrapin',
    severity: 'medium',
    from: '0.0',
    fixedIn: '9.6p1',
    note: 'prefix truncation of the handshake with chacha20-poly1305 or *-etm MACs (strict kex added in 9.6)',
  },
  {
    cve: 'CVE-2021-41617',
    name: 'AuthorizedKeysCommand groups',
    severity: 'high',
    from: '6.2p1',
    fixedIn: '8.8p1',
    note: 'privilege escalation: supplemental groups not initialised for AuthorizedKeysCommand/AuthorizedPrincipalsCommand',
  },
];

export type OpenSshVersion = [number, number, number];

/** Parses the softwareversion of an ident: `OpenSSH_9.6p1`, `OpenSSH_8.9p1`, `OpenSSH_7.4`, `OpenSSH_for_Windows_8.1`. */
export function parseOpenSshVersion(software: string | undefined): OpenSshVersion | undefined {
  const m = /^OpenSSH(?:_for_Windows)?_(\d+)\.(\d+)(?:\.\d+)?(?:p(\d+))?/.exec(software ?? '');
  if (m === null) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function compareVersions(a: OpenSshVersion, b: OpenSshVersion): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export function advisoriesFor(version: OpenSshVersion): OpenSshAdvisory[] {
  return OPENSSH_ADVISORIES.filter(
    (a) =>
      compareVersions(version, parseOpenSshVersion(`OpenSSH_${a.from}`)!) >= 0 &&
      compareVersions(version, parseOpenSshVersion(`OpenSSH_${a.fixedIn}`)!) < 0,
  );
}
