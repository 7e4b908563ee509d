import { offersStrictKex } from '../probe/kexinit.ts';
import type { OfferedAlgorithms, ProbeResult } from '../probe/types.ts';
import type { ExposureFinding } from '../reachability/types.ts';
import {
  type AdvisoryStatus,
  advisoriesFor,
  assessAdvisory,
  distroPackage,
  type KexinitEvidence,
  type OpenSshAdvisory,
  parseOpenSshVersion,
} from './openssh-advisories.ts';

/**
 * OUTDATED_OPENSSH when the ident names an upstream version inside a known advisory's range and the rest of
 * the evidence does not clear it. A claim is stated as fact only when evidence proves it: a Debian/Ubuntu
 * package older than the vendor's fixed one, or (Terrapin) a KEXINIT without strict KEX. From the version
 * number alone it stays "may be affected", whatever the ident looks like.
 */
export function outdatedOpenSsh(
  instanceId: string,
  probe: ProbeResult | undefined,
): ExposureFinding | undefined {
  const version = parseOpenSshVersion(probe?.software);
  if (probe === undefined || version === undefined) return undefined;
  const pkg = distroPackage(probe.ident, probe.software);
  const kexinit = probe.serverAlgorithms ? kexinitEvidence(probe.serverAlgorithms) : undefined;
  const assessed = advisoriesFor(version)
    .map((advisory) => ({ advisory, verdict: assessAdvisory(advisory, pkg, kexinit) }))
    .filter((a) => a.verdict.status !== 'fixed');
  if (assessed.length === 0) return undefined;

  const of = (status: AdvisoryStatus['status']) => assessed.filter((a) => a.verdict.status === status);
  const parts: string[] = [];
  const affected = of('affected');
  if (affected.length > 0)
    parts.push(`affected by ${affected.map((a) => `${name(a.advisory)}: ${a.verdict.why}`).join('; ')}`);
  // A hedge usually has one reason for every advisory: say it once, after the list it applies to.
  const reasons = [...new Set(of('possible').map((a) => a.verdict.why))];
  const hedged = reasons.map(
    (why) =>
      `${of('possible')
        .filter((a) => a.verdict.why === why)
        .map((a) => name(a.advisory))
        .join(', ')} — ${why}`,
  );
  if (hedged.length > 0) parts.push(`may be affected by ${hedged.join('; ')}`);
  const comment = probe.ident?.split(' ').slice(1).join(' ');
  return {
    code: 'OUTDATED_OPENSSH',
    resourceId: instanceId,
    instanceIds: [instanceId],
    detail: `${probe.software}${comment ? ` (${comment})` : ''} ${parts.join('; and ')}`,
  };
}

function name(a: OpenSshAdvisory): string {
  return `${a.cve} (${a.name}, ${a.severity}, fixed upstream in ${a.fixedIn})`;
}

function kexinitEvidence(offer: OfferedAlgorithms): KexinitEvidence {
  return {
    strictKex: offersStrictKex(offer),
    exposedBy: [
      ...offer.cipher.filter((c) => c === 'chacha20-poly1305@openssh.com'),
      ...offer.mac.filter((m) => m.endsWith('-etm@openssh.com')),
    ],
  };
}
