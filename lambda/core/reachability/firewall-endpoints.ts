/**
 * Which route targets are AWS Network Firewall endpoints: DescribeFirewall lists, per Availability Zone,
 * the endpoint (`vpce-…`) the firewall has in its subnet (`FirewallStatus.SyncStates[az].Attachment`).
 */
import type { NetworkFirewallDescription, RouteTable } from '../inventory/model.ts';
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

/**
 * The route table of the subnet a firewall endpoint sits in: it carries what the firewall passes on (the
 * Network Firewall deployment models route the firewall subnet to the internet gateway, a NAT gateway or
 * a transit gateway). A firewall subnet absent from describe-subnets.json takes the main route table of
 * the firewall's VPC, as any subnet without an explicit association does.
 */
export function firewallSubnetRouteTable(
  ctx: AnalysisContext,
  endpointId: string,
): { readonly subnetId: string; readonly routeTable: RouteTable | undefined } | undefined {
  return ctx.memo.remember('firewall-subnet-route-table', [endpointId], () => {
    const fw = firewallEndpoints(ctx).get(endpointId);
    if (!fw) return undefined;
    const sync = Object.values(fw.FirewallStatus?.SyncStates ?? {}).find(
      (s) => s.Attachment?.EndpointId === endpointId,
    );
    const subnetId = sync?.Attachment?.SubnetId;
    if (!subnetId) return undefined;
    const vpcId = fw.Firewall.VpcId;
    const routeTable =
      ctx.index.routeTableForSubnet(subnetId) ??
      (ctx.index.subnets.has(subnetId)
        ? undefined
        : ctx.index.inventory.routeTables.find(
            (t) => t.VpcId === vpcId && (t.Associations ?? []).some((a) => a.Main === true),
          ));
    return { subnetId, routeTable };
  });
}

/**
 * VPCs with a route to a VPC endpoint by CIDR, IPv4 or IPv6: the only ones a Network Firewall endpoint can
 * sit in the path of. DescribeRouteTables names such an endpoint in `VpcEndpointId` (EC2 API Reference,
 * "Route": for Gateway Load Balancer endpoints, which firewall endpoints are); older output and hand-made
 * records put it in `GatewayId`.
 */
export function vpcsRoutingToEndpoints(
  routeTables: readonly {
    VpcId?: string;
    Routes?: readonly { GatewayId?: string; VpcEndpointId?: string; DestinationPrefixListId?: string }[];
  }[],
): string[] {
  const vpcs = new Set<string>();
  for (const rt of routeTables)
    for (const r of rt.Routes ?? []) {
      const endpoint = r.VpcEndpointId ?? (r.GatewayId?.startsWith('vpce-') ? r.GatewayId : undefined);
      if (rt.VpcId && endpoint && !r.DestinationPrefixListId) vpcs.add(rt.VpcId);
    }
  return [...vpcs].sort();
}
