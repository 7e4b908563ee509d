/**
 * A source spec (the prober, a configured source) as a client of a load balancer: what it resolves to in
 * the inventory and the peer its packets come from. Shared by the NLB's security groups
 * (listener-security-groups.ts) and the prober's path to each node (listener-paths.ts), so both judge the
 * same address for the same spec.
 */
import { AddressSet, parseAddress } from '../net/cidr.ts';
import { resolveSource, SourceSpecError } from '../reachability/analyze.ts';
import type { AnalysisContext, Peer } from '../reachability/evaluation.ts';

type Source = ReturnType<typeof resolveSource>;

/** A client inside the inventory's address space: an instance or ENI (its private address) or a CIDR. */
export interface ResolvedClient {
  readonly source: Exclude<Source, { kind: 'internet' }>;
  readonly peer: Peer;
}

/**
 * `spec` resolved; `'internet'` for the internet (each caller decides what it can reach); `undefined` when it
 * names nothing in the inventory (the analyse step already says so) or an ENI without a private address.
 * `label` words the peer from `i-… (10.0.1.9)` or the CIDR as given.
 */
export function resolveClient(
  ctx: AnalysisContext,
  spec: string,
  label: (base: string) => string,
): ResolvedClient | 'internet' | undefined {
  let source: Source;
  try {
    source = resolveSource(ctx, spec);
  } catch (error) {
    if (error instanceof SourceSpecError) return undefined;
    throw error;
  }
  if (source.kind === 'internet') return 'internet';
  if (source.kind === 'cidr')
    return {
      source,
      peer: {
        family: source.cidr.family,
        addresses: AddressSet.fromCidrs(source.cidr.family, [source.cidr]),
        label: label(source.spec),
      },
    };
  const address = source.eni.PrivateIpAddress;
  const parsed = address !== undefined ? parseAddress(address) : undefined;
  if (!parsed) return undefined;
  return {
    source,
    peer: {
      family: parsed.family,
      addresses: AddressSet.single(parsed),
      label: label(`${source.instance?.InstanceId ?? source.eni.NetworkInterfaceId} (${address})`),
      eni: source.eni,
    },
  };
}
