/**
 * OpenSSH server-side advisories worth a finding, by affected upstream version range (inclusive lower,
 * exclusive upper bound = the first fixed release), each checked against OpenSSH's release notes
 * (https://www.openssh.com/releasenotes.html; the section of each entry is named in `source`).
 * Client-side advisories are left out on purpose: a server's ident says nothing about the clients or agents
 * its users run (ssh-agent's CVE-2023-38408, ssh's CVE-2025-26465 VerifyHostKeyDNS and CVE-2025-61984
 * ProxyCommand injection). The OpenSSH 10.1 and 10.2 release notes carry no sshd security fix.
 *
 * A version number alone cannot prove a vulnerability: Debian and Ubuntu backport fixes without changing
 * the upstream number. Their idents carry the package revision (`OpenSSH_9.2p1 Debian-2+deb12u3`), so each
 * entry lists the fixed package versions the vendors published (`distroFixes`); a host at or past one is not
 * flagged. Everything else is a hedged "may be affected".
 * Versions compare as [major, minor, patch-level] ("9.3p2" → [9, 3, 2]; no "pN" → 0).
 */
import { compareDebianVersions } from './debian-version.ts';

export type Distribution = 'debian' | 'ubuntu';

/** A vendor's fixed package for one upstream version it ships (the upstream version names the release). */
export interface DistroFix {
  distro: Distribution;
  /** The upstream version the release ships, as the ident names it (`9.2p1`). */
  upstream: string;
  /** The first fixed package version, as `dpkg -s openssh-server` prints it. */
  fixed: string;
  /** The DSA/DLA/USN that published it. */
  advisory: string;
}

export interface OpenSshAdvisory {
  cve: string;
  name: string;
  severity: 'critical' | 'high' | 'medium' | 'low';
  from: string;
  fixedIn: string;
  note: string;
  /** The release-notes section that states the affected range. */
  source: string;
  distroFixes: readonly DistroFix[];
}

export const TERRAPIN = 'CVE-2023-48795';

export const OPENSSH_ADVISORIES: readonly OpenSshAdvisory[] = [
  {
    cve: 'CVE-2024-6387',
    name: 'regreSSHion',
    severity: 'critical',
    // "present in Portable OpenSSH versions between 8.5p1 and 9.7p1 (inclusive)".
    from: '8.5p1',
    fixedIn: '9.8p1',
    note: 'unauthenticated remote code execution as root via a SIGALRM race in sshd (glibc Linux)',
    source: 'OpenSSH 9.8 release notes, Security 1)',
    distroFixes: [
      // DSA-5724-1 (https://security-tracker.debian.org/tracker/DSA-5724-1): bookworm.
      { distro: 'debian', upstream: '9.2p1', fixed: '1:9.2p1-2+deb12u3', advisory: 'DSA-5724-1' },
      // USN-6859-1 (https://ubuntu.com/security/notices/USN-6859-1): 22.04, 23.10, 24.04.
      { distro: 'ubuntu', upstream: '8.9p1', fixed: '1:8.9p1-3ubuntu0.10', advisory: 'USN-6859-1' },
      { distro: 'ubuntu', upstream: '9.3p1', fixed: '1:9.3p1-1ubuntu3.6', advisory: 'USN-6859-1' },
      { distro: 'ubuntu', upstream: '9.6p1', fixed: '1:9.6p1-3ubuntu13.3', advisory: 'USN-6859-1' },
    ],
  },
  {
    cve: 'CVE-2025-26466',
    name: 'SSH2_MSG_PING DoS',
    severity: 'medium',
    // "sshd(8) in OpenSSH versions 9.5p1 to 9.9p1 (inclusive)".
    from: '9.5p1',
    fixedIn: '9.9p2',
    note: 'unauthenticated memory/CPU exhaustion via SSH2_MSG_PING; PerSourcePenalties mitigates it',
    source: 'OpenSSH 9.9p2 release notes, Security',
    distroFixes: [
      // USN-7270-1 (https://ubuntu.com/security/notices/USN-7270-1): 24.04 and 24.10. No Debian stable
      // release shipped 9.5p1-9.9p1.
      { distro: 'ubuntu', upstream: '9.6p1', fixed: '1:9.6p1-3ubuntu13.8', advisory: 'USN-7270-1' },
      { distro: 'ubuntu', upstream: '9.7p1', fixed: '1:9.7p1-7ubuntu4.2', advisory: 'USN-7270-1' },
    ],
  },
  {
    cve: TERRAPIN,
    name: 'Terrapin',
    severity: 'medium',
    // Protocol weakness, not a version range: 9.6 added the "strict KEX" countermeasure. When the server's
    // KEXINIT is known it decides instead (terrapinExposure), whatever the version says.
    from: '0.0',
    fixedIn: '9.6p1',
    note: 'prefix truncation of the handshake with chacha20-poly1305 or *-etm MACs (strict KEX added in 9.6)',
    source: 'OpenSSH 9.6 release notes, Security',
    distroFixes: [
      // DSA-5586-1 (https://www.debian.org/security/2023/DSA-5586-1): bullseye and bookworm.
      { distro: 'debian', upstream: '8.4p1', fixed: '1:8.4p1-5+deb11u3', advisory: 'DSA-5586-1' },
      { distro: 'debian', upstream: '9.2p1', fixed: '1:9.2p1-2+deb12u2', advisory: 'DSA-5586-1' },
      // USN-6560-1 (https://ubuntu.com/security/notices/USN-6560-1): 20.04 and 22.04.
      { distro: 'ubuntu', upstream: '8.2p1', fixed: '1:8.2p1-4ubuntu0.10', advisory: 'USN-6560-1' },
      { distro: 'ubuntu', upstream: '8.9p1', fixed: '1:8.9p1-3ubuntu0.5', advisory: 'USN-6560-1' },
    ],
  },
  {
    cve: 'CVE-2021-41617',
    name: 'AuthorizedKeysCommand groups',
    severity: 'high',
    // "sshd(8) from OpenSSH 6.2 through 8.7 failed to correctly initialise supplemental groups".
    from: '6.2p1',
    fixedIn: '8.8p1',
    note: 'privilege escalation: supplemental groups not initialised for AuthorizedKeysCommand/AuthorizedPrincipalsCommand run as another user (neither is enabled by default)',
    source: 'OpenSSH 8.8 release notes, Security',
    distroFixes: [
      // DSA-5586-1 (https://www.debian.org/security/2023/DSA-5586-1) fixed it in bullseye.
      { distro: 'debian', upstream: '8.4p1', fixed: '1:8.4p1-5+deb11u3', advisory: 'DSA-5586-1' },
    ],
  },
  {
    cve: 'CVE-2025-32728',
    name: 'DisableForwarding',
    severity: 'low',
    // "fix the DisableForwarding directive, which was failing to disable X11 forwarding and agent
    // forwarding as documented" — a "minor security fix"; DisableForwarding exists since 7.4 (servconf.c).
    from: '7.4p1',
    fixedIn: '10.0p1',
    note: 'DisableForwarding did not disable X11 and agent forwarding (both off by default)',
    source: 'OpenSSH 10.0 release notes, Security',
    distroFixes: [
      // Debian security tracker (https://security-tracker.debian.org/tracker/CVE-2025-32728): fixed in
      // bookworm by the 12.11 point release; no DSA was issued for this minor issue.
      {
        distro: 'debian',
        upstream: '9.2p1',
        fixed: '1:9.2p1-2+deb12u6',
        advisory: 'bookworm 12.11 point release',
      },
    ],
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

/** The advisories whose upstream range holds this version (what the version number alone suggests). */
export function advisoriesFor(version: OpenSshVersion): OpenSshAdvisory[] {
  return OPENSSH_ADVISORIES.filter(
    (a) =>
      compareVersions(version, parseOpenSshVersion(`OpenSSH_${a.from}`)!) >= 0 &&
      compareVersions(version, parseOpenSshVersion(`OpenSSH_${a.fixedIn}`)!) < 0,
  );
}

/** The distribution package an ident names, e.g. `SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3`. */
export interface DistroPackage {
  distro: Distribution;
  upstream: string;
  /** The full package version, epoch included (`1:9.2p1-2+deb12u3`). */
  version: string;
}

/**
 * Debian's and Ubuntu's sshd append `Debian-<revision>` / `Ubuntu-<revision>` to the ident (Debian's
 * DebianBanner option, on by default). Both packages carry epoch 1 (`1:9.2p1-2+deb12u3`), which the ident
 * leaves out, so it is put back for the comparison with the advisories' fixed versions.
 */
export function distroPackage(
  ident: string | undefined,
  software: string | undefined,
): DistroPackage | undefined {
  const upstream = /^OpenSSH_(\d+\.\d+(?:p\d+)?)$/.exec(software ?? '')?.[1];
  const comment = ident?.split(' ').slice(1).join(' ') ?? '';
  const m = /^(Debian|Ubuntu)-([0-9][A-Za-z0-9.+~]*)$/.exec(comment);
  if (upstream === undefined || m === null) return undefined;
  const distro = m[1] === 'Debian' ? 'debian' : 'ubuntu';
  return { distro, upstream, version: `1:${upstream}-${m[2]}` };
}

/** What the evidence says about one advisory in the version's range. */
export type AdvisoryStatus =
  | { status: 'affected'; why: string }
  | { status: 'fixed'; why: string }
  | { status: 'possible'; why: string };

/** The server's KEXINIT, as far as Terrapin goes. */
export interface KexinitEvidence {
  strictKex: boolean;
  /** Offered algorithms the attack needs: chacha20-poly1305 or an encrypt-then-MAC MAC. */
  exposedBy: string[];
}

/**
 * Terrapin needs chacha20-poly1305@openssh.com or an *-etm@openssh.com MAC (the two constructions the
 * Terrapin paper attacks), and is stopped by strict KEX when both sides announce it. OpenSSH clients ≥ 9.6
 * always announce it, so a server's `kex-strict-s-v00@openssh.com` settles the question.
 */
export function terrapinExposure(kexinit: KexinitEvidence): AdvisoryStatus {
  if (kexinit.strictKex)
    return { status: 'fixed', why: 'the server announces strict KEX (kex-strict-s-v00@openssh.com)' };
  if (kexinit.exposedBy.length === 0)
    return { status: 'fixed', why: 'the server offers neither chacha20-poly1305 nor an -etm MAC' };
  return {
    status: 'affected',
    why: `the server's KEXINIT lacks kex-strict-s-v00@openssh.com and offers ${kexinit.exposedBy.join(', ')}`,
  };
}

/** Decides one advisory for a version inside its range, from the best evidence at hand. */
export function assessAdvisory(
  advisory: OpenSshAdvisory,
  pkg: DistroPackage | undefined,
  kexinit: KexinitEvidence | undefined,
): AdvisoryStatus {
  if (advisory.cve === TERRAPIN && kexinit !== undefined) return terrapinExposure(kexinit);
  if (pkg !== undefined) {
    const fix = advisory.distroFixes.find((f) => f.distro === pkg.distro && f.upstream === pkg.upstream);
    if (fix === undefined) {
      return {
        status: 'possible',
        why: `no fixed ${pkg.distro} package for ${pkg.upstream} is on record here; check the package changelog`,
      };
    }
    return compareDebianVersions(pkg.version, fix.fixed) >= 0
      ? { status: 'fixed', why: `package ${pkg.version} ≥ ${fix.fixed} (${fix.advisory})` }
      : {
          status: 'affected',
          why: `package ${pkg.version} is older than the fixed ${fix.fixed} (${fix.advisory})`,
        };
  }
  return {
    status: 'possible',
    why: 'the version number alone cannot tell: distribution builds backport fixes, and Debian builds with DebianBanner no hide their package version',
  };
}
