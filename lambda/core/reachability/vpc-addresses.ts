/**
 * The addresses that belong to a VPC: the `internet` source excludes them, and a transit gateway
 * propagates them as the routes to the VPC's attachment ("How transit gateways work": the CIDR blocks of
 * each VPC propagate to the route table).
 */
import { AddressSet, type IpFamily, parseCidr } from '../net/cidr.ts';
import type { AnalysisContext } from './evaluation.ts';

/**
 * A CIDR block association still in force. DescribeVpcs keeps listing a block for a while after it is
 * disassociated (state `disassociating`, then `disassociated`; VPC User Guide, "VPC CIDR blocks"): only
 * `associated` blocks belong to the VPC. The primary `CidrBlock` cannot be disassociated. Hand-written
 * records without a state count as associated.
 */
export function isAssociated(a: {
  readonly CidrBlockState?: { readonly State?: string };
  readonly Ipv6CidrBlockState?: { readonly State?: string };
}): boolean {
  const state = (a.CidrBlockState ?? a.Ipv6CidrBlockState)?.State;
  return state === undefined || state === 'associated';
}

/** The CIDRs of a VPC (from describe-vpcs, else from its subnets). */
export function vpcAddresses(ctx: AnalysisContext, vpcId: string | undefined, family: IpFamily): AddressSet {
  return ctx.memo.remember('vpc-addresses', [vpcId, family], () => {
    const texts: (string | undefined)[] = [];
    const vpc = vpcId ? ctx.index.vpcs.get(vpcId) : undefined;
    if (vpc) {
      texts.push(
        vpc.CidrBlock,
        ...(vpc.CidrBlockAssociationSet ?? []).filter(isAssociated).map((a) => a.CidrBlock),
      );
      texts.push(...(vpc.Ipv6CidrBlockAssociationSet ?? []).filter(isAssociated).map((a) => a.Ipv6CidrBlock));
    } else {
      for (const s of ctx.index.inventory.subnets) {
        if (s.VpcId !== vpcId) continue;
        texts.push(
          s.CidrBlock,
          ...(s.Ipv6CidrBlockAssociationSet ?? []).filter(isAssociated).map((a) => a.Ipv6CidrBlock),
        );
      }
    }
    const cidrs = texts.flatMap((t) => {
      const c = t ? parseCidr(t) : undefined;
      return c ? [c] : [];
    });
    return AddressSet.fromCidrs(family, cidrs);
  });
}
