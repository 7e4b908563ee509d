/**
 * Which route targets are AWS Network Firewall endpoints: DescribeFirewall lists, per Availability Zone,
 * the endpoint (`vpce-…`) the firewall has in its subnet (`FirewallStatus.SyncStates[az].Attachment`).
 */
import type { NetworkFirewallDescription } from '../inventory/model.ts';
import type { AnalysisContext } from './evaluation.ts';

/** Endpoint id → the firewall it belongs to. */
export function firewallEndpoints(ctx: AnalysisContext): ReadonlyMap<string, NetworkFirewallDescription> {
  return ctx.memo.remember('firewall-endpoints', ['all'], () => {
    const out = new Map<string, NetworkFirewallDescription>();
    for (const fw of ctx.index.inventory.networkFirewalls) {
      for (const state of Object.values(fw.FirewallStatus?.SyncStates ?? {})) {
        const id = state.Attachment?.EndpointId;
        if (id) out.set(id, fw);
      }
    }
    return out;
  });
}

/** Whether `endpointId` is a Network Firewall endpoint in the inventory. */
export function isFirewallEndpoint(ctx: AnalysisContext, endpointId: string): boolean {
  return firewallEndpoints(ctx).has(endpointId);
}
