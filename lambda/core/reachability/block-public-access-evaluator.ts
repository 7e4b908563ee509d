/**
 * VPC Block Public Access (VPC User Guide, "Block public access to VPCs and subnets"): with the Region's
 * `InternetGatewayBlockMode` at `block-bidirectional` or `block-ingress`, traffic from the internet through
 * an internet gateway into the Region's VPCs is dropped, except into a VPC or subnet that an exclusion in
 * `allow-bidirectional` mode covers (`allow-egress` lets only outbound connections out). An SSH client on
 * the internet opens an inbound connection, so only `off` or an `allow-bidirectional` exclusion lets it in.
 */

import type { AnalysisContext } from './evaluation.ts';
import { type EvaluatorVerdict, verdictOf } from './evaluation.ts';
import type { Assumption } from './types.ts';

const OPTIONS_FILE = 'describe-vpc-block-public-access-options.json';

/** The one assumption every internet verdict of an inventory without the Region's setting shares. */
function settingUnknown(ctx: AnalysisContext): Assumption {
  return ctx.memo.remember('block-public-access-unknown', ['region'], () => ({
    kind: 'block-public-access' as const,
    resourceId: OPTIONS_FILE,
    detail: `Block Public Access state unknown (${OPTIONS_FILE} is not in the inventory): assumed off`,
  }));
}

const BLOCKING = new Set(['block-bidirectional', 'block-ingress']);
/** An exclusion takes effect once created or updated (`create-complete`, `update-complete`). */
const IN_FORCE = new Set(['create-complete', 'update-complete']);

/** Whether the internet may open connections into `subnetId` of `vpcId` through the internet gateway. */
export function evaluateBlockPublicAccess(
  ctx: AnalysisContext,
  vpcId: string | undefined,
  subnetId: string,
): EvaluatorVerdict {
  return ctx.memo.remember('block-public-access', [vpcId, subnetId], () => {
    const options = ctx.index.inventory.vpcBlockPublicAccessOptions;
    // Every Region has the setting (`off` until turned on); without it the verdict rests on "off", and
    // says so rather than silently trusting it.
    if (!options) return { ...verdictOf([], []), assumed: [settingUnknown(ctx)] };
    const mode = options.InternetGatewayBlockMode;
    if (!mode || !BLOCKING.has(mode)) return verdictOf([], []);
    const excluded = ctx.index.inventory.vpcBlockPublicAccessExclusions.find(
      (e) =>
        e.InternetGatewayExclusionMode === 'allow-bidirectional' &&
        (e.State === undefined || IN_FORCE.has(e.State)) &&
        (e.ResourceArn?.endsWith(`/${subnetId}`) ||
          (vpcId !== undefined && e.ResourceArn?.endsWith(`/${vpcId}`))),
    );
    if (excluded) {
      return verdictOf(
        [],
        [`Block Public Access is ${mode}; exclusion ${excluded.ExclusionId} allows ${subnetId}`],
      );
    }
    return verdictOf(
      [
        {
          code: 'BLOCK_PUBLIC_ACCESS',
          resourceId: vpcId ?? subnetId,
          detail: `VPC Block Public Access is ${mode} in this Region and no allow-bidirectional exclusion covers ${subnetId}${vpcId ? ` or ${vpcId}` : ''}, so the internet gateway drops connections from the internet`,
        },
      ],
      [],
    );
  });
}
