/**
 * A connection from the internet, between the internet gateway and the instance's subnet. AWS's rules:
 * - VPC User Guide, "Gateway route tables": a route table associated with an internet gateway (an edge
 *   association) routes "traffic entering your VPC through an internet gateway". Its targets are the
 *   default local route, a Gateway Load Balancer endpoint (Network Firewall endpoints are ones) or a
 *   middlebox's network interface; a route for a subnet's CIDR "is a more specific route than the
 *   default local route". Without such a route (or without the table) the gateway delivers straight to
 *   the subnet.
 * - Network Firewall Developer Guide, "VPC route table configuration" and the deployment models ("Simple
 *   single zone architecture with an internet gateway"): past the endpoint, the route table of the
 *   firewall's own subnet carries the packet on, "traffic that's bound for any destination inside the
 *   VPC to the local route". So that table, not the edge table, decides the next hop to the instance: a
 *   route in it for the instance's subnet to a blackhole, another appliance or the internet gateway
 *   decides.
 * - Both directions through the same endpoint: "When you route traffic through a middlebox appliance,
 *   the return traffic from the destination subnet must be routed through the same appliance. Asymmetric
 *   routing is not supported." ("Gateway route tables"); "Network Firewall doesn't support asymmetric
 *   routing … In order for Network Firewall to properly process traffic, the traffic must be routed to
 *   the Network Firewall endpoint in both directions." (Network Firewall Developer Guide, "Avoiding
 *   asymmetric routing with AWS Network Firewall"). A reply route that skips the endpoint the SYN came
 *   through, or sends replies to an endpoint the SYN never crossed, is a NO_ROUTE on the instance
 *   subnet's table: the connection rests on a path AWS does not support.
 */
import type { RouteTable } from '../inventory/model.ts';
import {
  type AnalysisContext,
  describeAddresses,
  type EvaluatorVerdict,
  type Peer,
  verdictOf,
} from './evaluation.ts';
import { firewallSubnetRouteTable } from './firewall-endpoints.ts';
import { evaluateRoutes, lookupRoutes, type RouteTarget } from './route-evaluator.ts';
import type { Assumption, Blocker, MissingData } from './types.ts';

/** The internet gateway's edge route tables in `vpcId` (ingress routing: associated with an `igw-…`). */
export function edgeRouteTables(ctx: AnalysisContext, vpcId: string | undefined): readonly RouteTable[] {
  if (!vpcId) return [];
  return ctx.memo.remember('igw-edge-route-tables', [vpcId], () =>
    ctx.index.inventory.routeTables.filter(
      (t) => t.VpcId === vpcId && (t.Associations ?? []).some((a) => a.GatewayId?.startsWith('igw-')),
    ),
  );
}

export interface IngressQuestion {
  /** The internet source, as the instance sees it. */
  readonly source: Peer;
  /** The instance's address behind the gateway (private IPv4 — the gateway has translated — or IPv6). */
  readonly target: Peer;
  readonly targetSubnetId: string;
  readonly targetVpcId: string | undefined;
}

const NONE: EvaluatorVerdict = { passed: true, blockers: [], evidence: [] };

/** The edge route table's decision for the SYN, the endpoint subnet's onward route, and the symmetry check. */
export function evaluateInternetIngress(ctx: AnalysisContext, q: IngressQuestion): EvaluatorVerdict {
  const edge = edgeRouteTables(ctx, q.targetVpcId)[0];
  const replyTable = ctx.index.routeTableForSubnet(q.targetSubnetId);
  const blockers: Blocker[] = [];
  const evidence: string[] = [];
  const missing: MissingData[] = [];
  const assumed: Assumption[] = [];
  let endpoint: RouteTarget | undefined;
  if (edge) {
    const [leg] = lookupRoutes(ctx, edge, q.target.addresses);
    const gateway = edge.Associations?.find((a) => a.GatewayId?.startsWith('igw-'))?.GatewayId;
    const edgeName = `edge route table ${edge.RouteTableId} of ${gateway}`;
    const r = leg?.route;
    if (!r) {
      blockers.push({
        code: 'NO_ROUTE',
        resourceId: edge.RouteTableId,
        detail: `${edgeName} has no route for the SYN to ${q.target.label}`,
      });
    } else if (r.blackhole) {
      blockers.push({
        code: 'BLACKHOLE_ROUTE',
        resourceId: edge.RouteTableId,
        detail: `${edgeName} sends the SYN to ${q.target.label} via ${r.destination} → ${r.target.id}, which is a blackhole (the target no longer exists)`,
      });
    } else if (r.target.kind === 'local') {
      evidence.push(`${edgeName}: SYN to ${q.target.label} via ${r.destination} → local`);
    } else {
      endpoint = r.target;
      evidence.push(`${edgeName}: SYN to ${q.target.label} via ${r.destination} → ${r.target.id}`);
      const onward = onwardFrom(ctx, q, r.target.id);
      blockers.push(...onward.blockers);
      evidence.push(...onward.evidence);
      for (const m of onward.missing ?? []) missing.push(m);
      for (const a of onward.assumed ?? []) assumed.push(a);
    }
  }
  if (replyTable && blockers.length === 0) blockers.push(...asymmetric(ctx, q, replyTable, endpoint));
  if (blockers.length === 0 && evidence.length === 0 && missing.length === 0) return NONE;
  return verdictOf(blockers, evidence, missing, assumed);
}

/**
 * Past the endpoint the edge table names: the route table of the endpoint's subnet routes the SYN to the
 * instance. Network Firewall endpoints are found in DescribeFirewall's `SyncStates`, other Gateway Load
 * Balancer endpoints in describe-vpc-endpoints.json; a middlebox's network interface is not followed.
 */
function onwardFrom(ctx: AnalysisContext, q: IngressQuestion, endpointId: string): EvaluatorVerdict {
  const home = firewallSubnetRouteTable(ctx, endpointId) ?? endpointSubnet(ctx, endpointId);
  if (!home) return NONE;
  return evaluateRoutes(ctx, {
    leg: 'forward',
    routeTable: home.routeTable,
    subnetId: home.subnetId,
    destination: q.target,
    ...(q.targetVpcId !== undefined ? { destinationVpcId: q.targetVpcId } : {}),
    destinationSubnetId: q.targetSubnetId,
    path: 'private',
    afterEndpoint: endpointId,
  });
}

/** A Gateway Load Balancer endpoint's subnet (it has one: one Availability Zone per endpoint). */
function endpointSubnet(
  ctx: AnalysisContext,
  endpointId: string,
): { readonly subnetId: string; readonly routeTable: RouteTable | undefined } | undefined {
  const subnetId = ctx.index.inventory.vpcEndpoints.find((e) => e.VpcEndpointId === endpointId)
    ?.SubnetIds?.[0];
  return subnetId ? { subnetId, routeTable: ctx.index.routeTableForSubnet(subnetId) } : undefined;
}

/** Reply routes that do not go back through the endpoint the SYN came in by (`endpoint`; none: direct). */
function asymmetric(
  ctx: AnalysisContext,
  q: IngressQuestion,
  replyTable: RouteTable,
  endpoint: RouteTarget | undefined,
): Blocker[] {
  return ctx.memo.remember(
    'igw-ingress-symmetry',
    [replyTable, q.targetSubnetId, q.source, endpoint?.id],
    () => {
      const out: Blocker[] = [];
      const legs = lookupRoutes(ctx, replyTable, q.source.addresses);
      for (const leg of legs) {
        const r = leg.route;
        // No route, a blackhole, a NAT gateway …: the return route itself reports those.
        if (!r || r.blackhole || (r.target.kind !== 'igw' && r.target.kind !== 'vpce')) continue;
        if (r.target.id === endpoint?.id || (r.target.kind === 'igw' && endpoint === undefined)) continue;
        const part = legs.length === 1 ? q.source.label : describeAddresses(leg.addresses);
        const via = `route table ${replyTable.RouteTableId} of ${q.targetSubnetId} sends replies to ${part} via ${r.destination} → ${r.target.id}`;
        const why = endpoint
          ? `, not back through ${endpoint.id}, the endpoint the internet gateway's edge route table sends the SYN to`
          : `, an appliance the SYN never crossed (the internet gateway delivers it straight to ${q.targetSubnetId})`;
        out.push({
          code: 'NO_ROUTE',
          resourceId: replyTable.RouteTableId,
          detail: `${via}${why}: asymmetric routing, which AWS does not support ("the return traffic from the destination subnet must be routed through the same appliance"; Network Firewall "must be routed to the Network Firewall endpoint in both directions")${endpoint ? `; send ${r.destination} to ${endpoint.id} instead` : ''}`,
        });
      }
      return out;
    },
  );
}
