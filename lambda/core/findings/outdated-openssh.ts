import type { ProbeResult } from '../probe/types.ts';
import type { ExposureFinding } from '../reachability/types.ts';
import { advisoriesFor, parseOpenSshVersion } from './openssh-advisories.ts';

/**
 * OUTDATED_OPENSSH when the ident names an upstream version inside a known advisory's range. Distributions
 * backport fixes without changing the upstream number (Debian's `OpenSSH_9.2p1 Debian-2+deb12u3` carries the
 * regreSSHion fix), so when the ident has a distribution comment the finding says to check the package
 * changelog rather than asserting the host is vulnerable.
 */
export function outdatedOpenSsh(
  instanceId: string,
  probe: ProbeResult | undefined,
): ExposureFinding | undefined {
  const version = parseOpenSshVersion(probe?.software);
  if (version === undefined) return undefined;
  const hits = advisoriesFor(version);
  if (hits.length === 0) return undefined;
  const comment = probe?.ident?.split(' ').slice(1).join(' ') ?? '';
  const list = hits.map((a) => `${a.cve} (${a.name}, ${a.severity}, fixed in ${a.fixedIn})`).join('; ');
  const backport =
    comment === ''
      ? ''
      : ` — the ident carries a distribution tag ("${comment}"): the vendor may have backported fixes; check the package changelog`;
  return {
    code: 'OUTDATED_OPENSSH',
    resourceId: instanceId,
    instanceIds: [instanceId],
    detail: `${probe!.software} is affected by ${list}${backport}`,
  };
}
