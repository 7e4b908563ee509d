/**
 * The one path that explains a failed probe: the prober's own, to the address it actually connects to.
 */
import type { Verdict } from './types.ts';

/**
 * The prober connects to the target's private address (IPv4, else the first IPv6): of the verdicts for the
 * prober's source, the one ending at that address, else one of the same address family.
 */
export function proberVerdictFor(
  verdicts: readonly Verdict[],
  address: string | undefined,
): Verdict | undefined {
  const family = address?.includes(':') ? 'ipv6' : 'ipv4';
  return verdicts.find((v) => v.address === address) ?? verdicts.find((v) => v.family === family);
}
