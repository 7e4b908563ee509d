/**
 * What a source spec names (DESIGN.md, "CLI": `--source`; the stack's `sources`), read from its text
 * alone. The analysis resolves the result against an inventory; the stack validates `sources` with this
 * same function at synth time, so a spec that passes synth is one every run can read.
 */
import { type Cidr, formatCidr, parseCidr } from '../net/cidr.ts';

export type SourceSpec =
  | { readonly kind: 'internet' }
  | { readonly kind: 'instance'; readonly instanceId: string }
  | { readonly kind: 'eni'; readonly eniId: string }
  | { readonly kind: 'cidr'; readonly cidr: Cidr };

/** The reason a spec is rejected, for messages that name the spec. */
export const SOURCE_SPEC_EXPECTED = 'expected a CIDR, "internet", an instance id (i-…) or an ENI id (eni-…)';

/** What `spec` names, or undefined when it is not a source spec. A bare address is a /32 or /128. */
export function parseSourceSpec(spec: string): SourceSpec | undefined {
  if (spec === 'internet') return { kind: 'internet' };
  if (/^i-[0-9a-zA-Z]+$/.test(spec)) return { kind: 'instance', instanceId: spec };
  if (/^eni-[0-9a-zA-Z]+$/.test(spec)) return { kind: 'eni', eniId: spec };
  const cidr = parseCidr(spec);
  return cidr ? { kind: 'cidr', cidr } : undefined;
}

/** One spelling per source (`203.0.113.7` and `203.0.113.7/32` are one): equal exactly when the sources are. */
export function canonicalSourceSpec(spec: SourceSpec): string {
  switch (spec.kind) {
    case 'internet':
      return 'internet';
    case 'instance':
      return spec.instanceId;
    case 'eni':
      return spec.eniId;
    case 'cidr':
      return formatCidr(spec.cidr);
  }
}
