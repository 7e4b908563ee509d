/**
 * Route tables: the most specific route that matches the destination wins (longest prefix match), the
 * `local` route covers the VPC's own CIDRs, and a subnet without an explicit association uses its VPC's
 * main route table — which DescribeRouteTables lists only under the VPC, not under the subnet (VPC User
 * Guide, "Route priority", "Main route table"). A route whose target is gone has state `blackhole` and
 * drops what it matches.
 *
 * A TCP handshake needs both directions: the source subnet's table must carry the SYN toward the target,
 * and the target subnet's table must carry the SYN-ACK back the way the SYN came. Replies to an internet
 * client must leave through the internet gateway (for IPv4 the instance needs a public IPv4 or Elastic
 * IP, which the gateway translates); a NAT gateway or an egress-only internet gateway only carries
 * connections the instance itself opens, so replies sent to one never reach the client.
 */
import type {
  Route,
  RouteTable,
  VpcPeeringConnection,
  VpcPeeringConnectionVpcInfo,
} from '../inventory/model.ts';
import {
  type AddressInterval,
  AddressSet,
  type Cidr,
  cellOf,
  formatCidr,
  type IpFamily,
  parseCidr,
  ruleBoundaries,
  singleAddress,
} from '../net/cidr.ts';
import {
  type AnalysisContext,
  describeAddresses,
  type EvaluatorVerdict,
  type Peer,
  verdictOf,
} from './evaluation.ts';
import { firewallSubnetRouteTable, isFirewallEndpoint } from './firewall-endpoints.ts';
import { missingSubnetData } from './missing-data.ts';
import { evaluateTransitGatewayHop, nextVpcAttachment } from './transit-gateway-evaluator.ts';
import type { Assumption, Blocker, BlockerCode, MissingData, ShadowedAddresses } from './types.ts';

export type RouteTargetKind =
  | 'local'
  | 'igw'
  | 'eigw'
  | 'nat'
  | 'pcx'
  | 'tgw'
  /** A prefix-list route to a gateway endpoint (S3, DynamoDB): it reaches only the service. */
  | 'gateway-endpoint'
  /** A CIDR route to an endpoint ENI (Gateway Load Balancer, Network Firewall): a next hop to pass. */
  | 'vpce'
  | 'vgw'
  | 'eni'
  | 'instance'
  | 'other';

export interface RouteTarget {
  readonly kind: RouteTargetKind;
  readonly id: string;
}

interface CompiledRoute {
  readonly destination: string;
  readonly first: bigint;
  readonly last: bigint;
  readonly prefix: number;
  readonly target: RouteTarget;
  readonly blackhole: boolean;
  /** Static CIDR routes win over prefix-list routes of the same length. */
  readonly fromPrefixList: boolean;
}

function routeTarget(r: Route): RouteTarget {
  if (r.GatewayId === 'local') return { kind: 'local', id: 'local' };
  if (r.GatewayId?.startsWith('igw-')) return { kind: 'igw', id: r.GatewayId };
  if (r.GatewayId?.startsWith('vgw-')) return { kind: 'vgw', id: r.GatewayId };
  // A gateway endpoint is a route target only with its service's prefix list as destination (AWS
  // PrivateLink Guide, "Gateway endpoints"); a CIDR route to a `vpce-` is a Gateway Load Balancer or
  // Network Firewall endpoint, whose own decision is evaluated elsewhere. DescribeRouteTables names the
  // latter in `VpcEndpointId` (EC2 API Reference, "Route": "Supported for Gateway Load Balancer endpoints
  // only"); hand-written inventories and older output put it in `GatewayId`.
  const endpoint = r.GatewayId?.startsWith('vpce-') ? r.GatewayId : r.VpcEndpointId;
  if (endpoint) return { kind: r.DestinationPrefixListId ? 'gateway-endpoint' : 'vpce', id: endpoint };
  if (r.EgressOnlyInternetGatewayId) return { kind: 'eigw', id: r.EgressOnlyInternetGatewayId };
  if (r.NatGatewayId) return { kind: 'nat', id: r.NatGatewayId };
  if (r.VpcPeeringConnectionId) return { kind: 'pcx', id: r.VpcPeeringConnectionId };
  if (r.TransitGatewayId) return { kind: 'tgw', id: r.TransitGatewayId };
  if (r.NetworkInterfaceId) return { kind: 'eni', id: r.NetworkInterfaceId };
  if (r.InstanceId) return { kind: 'instance', id: r.InstanceId };
  const other = r.GatewayId ?? r.LocalGatewayId ?? r.CarrierGatewayId ?? r.CoreNetworkArn ?? 'unknown target';
  return { kind: 'other', id: other };
}

/** One family of a route table: its routes, and their boundaries. */
interface CompiledRoutes {
  readonly routes: readonly CompiledRoute[];
  readonly cuts: readonly bigint[];
}

function compile(ctx: AnalysisContext, rtb: RouteTable, family: IpFamily): CompiledRoutes {
  return ctx.memo.remember('routes', [family, rtb], () => {
    const out: CompiledRoute[] = [];
    for (const r of rtb.Routes ?? []) {
      const target = routeTarget(r);
      const blackhole = r.State === 'blackhole';
      const dest = family === 'ipv4' ? r.DestinationCidrBlock : r.DestinationIpv6CidrBlock;
      const cidrs: Cidr[] = [];
      if (dest) {
        const c = parseCidr(dest);
        if (c && c.family === family) cidrs.push(c);
      }
      if (r.DestinationPrefixListId) {
        for (const e of ctx.index.inventory.prefixLists.get(r.DestinationPrefixListId) ?? []) {
          const c = parseCidr(e.Cidr);
          if (c && c.family === family) cidrs.push(c);
        }
      }
      for (const c of cidrs) {
        out.push({
          destination: r.DestinationPrefixListId
            ? `${r.DestinationPrefixListId} (${formatCidr(c)})`
            : formatCidr(c),
          first: c.first,
          last: c.last,
          prefix: c.prefix,
          target,
          blackhole,
          fromPrefixList: r.DestinationPrefixListId !== undefined,
        });
      }
    }
    return { routes: out, cuts: ruleBoundaries(out) };
  });
}

/** The route chosen for one part of a destination set (undefined: no route matches). */
export interface RouteLeg {
  readonly addresses: AddressSet;
  readonly route?: {
    readonly destination: string;
    readonly target: RouteTarget;
    readonly blackhole: boolean;
  };
}

/** The most specific route containing the whole of `cell` (static routes win ties with prefix lists). */
function bestRoute(routes: readonly CompiledRoute[], cell: AddressInterval): CompiledRoute | undefined {
  let best: CompiledRoute | undefined;
  for (const r of routes) {
    if (r.first > cell.first || r.last < cell.last) continue;
    if (
      !best ||
      r.prefix > best.prefix ||
      (r.prefix === best.prefix && best.fromPrefixList && !r.fromPrefixList)
    )
      best = r;
  }
  return best;
}

/** Longest-prefix match of every address in `dest`, grouped by the route chosen. */
export function lookupRoutes(ctx: AnalysisContext, rtb: RouteTable, dest: AddressSet): readonly RouteLeg[] {
  const compiled = compile(ctx, rtb, dest.family);
  const { routes, cuts } = compiled;
  // One address among thousands (a target seen from the source's subnet) takes the route of its cell:
  // the lookup is remembered per cell, and answered with the address itself.
  const single = singleAddress(dest);
  if (single !== undefined) {
    const route = routeOfAddress(ctx, compiled, single, dest.family);
    return [{ addresses: dest, ...(route ? { route } : {}) }];
  }
  return ctx.memo.remember('route-lookup', [compiled, dest], () => {
    const groups = new Map<CompiledRoute | undefined, AddressInterval[]>();
    const add = (cell: AddressInterval) => {
      const best = bestRoute(routes, cell);
      const l = groups.get(best);
      if (l) l.push(cell);
      else groups.set(best, [cell]);
    };
    for (const iv of dest.intervals) {
      let first = iv.first;
      for (const c of cuts) {
        if (c <= first) continue;
        if (c > iv.last) break;
        add({ first, last: c - 1n });
        first = c;
      }
      add({ first, last: iv.last });
    }
    return [...groups.entries()].map(([r, ivs]) => ({
      addresses: AddressSet.of(dest.family, ivs),
      ...(r ? { route: routeOf(r) } : {}),
    }));
  });
}

/** The route of one address: the route of its cell, looked up once per cell. */
function routeOfAddress(
  ctx: AnalysisContext,
  compiled: CompiledRoutes,
  address: bigint,
  family: IpFamily,
): RouteLeg['route'] {
  const home = cellOf(compiled.cuts, address, family);
  return ctx.memo.remember('route-of-cell', [compiled, home.index], () => {
    const best = bestRoute(compiled.routes, home.interval);
    return best && routeOf(best);
  });
}

function routeOf(r: CompiledRoute): NonNullable<RouteLeg['route']> {
  return { destination: r.destination, target: r.target, blackhole: r.blackhole };
}

/** Which kind of path the packets take, which decides the route targets that can carry them. */
export type PathKind =
  /** Private addresses end to end: the same VPC, peering, transit gateway, VPN / Direct Connect. */
  | 'private'
  /** The internet, through the target VPC's internet gateway. */
  | 'internet';

export interface RouteQuestion {
  /** `forward`: the source subnet sends the SYN; `return`: the target subnet sends the SYN-ACK. */
  readonly leg: 'forward' | 'return';
  readonly routeTable: RouteTable | undefined;
  readonly subnetId: string;
  /** Where the packets of this leg go. */
  readonly destination: Peer;
  /** The VPC the destination is in, when known (an ENI, or a CIDR inside a known subnet). */
  readonly destinationVpcId?: string;
  /** The subnet the destination is in, when known (a transit gateway delivers only into its zones). */
  readonly destinationSubnetId?: string;
  readonly path: PathKind;
  /** The Network Firewall endpoint the packets just came out of: this is its subnet's route table. */
  readonly afterEndpoint?: string;
}

/** Route targets that can carry each kind of path. */
function carries(kind: RouteTargetKind, path: PathKind, leg: 'forward' | 'return'): boolean {
  // A Gateway Load Balancer / Network Firewall endpoint is a next hop on either kind of path: the
  // appliance's verdict is its own evaluator's, not the route table's.
  if (kind === 'vpce') return true;
  if (path === 'internet') {
    // A client on the internet reaches the instance through the internet gateway and the reply must go
    // back through it; a NAT gateway or an egress-only internet gateway may carry a SYN the source opens
    // (forward), never a reply: an egress-only internet gateway "is used to enable outbound communication
    // over IPv6 from instances in your VPC to the internet, and prevents hosts outside of your VPC from
    // initiating an IPv6 connection with your instance" (AWS::EC2::EgressOnlyInternetGateway).
    if (kind === 'igw') return true;
    if (kind === 'nat' || kind === 'eigw') return leg === 'forward';
    return false;
  }
  return (
    kind === 'local' ||
    kind === 'pcx' ||
    kind === 'tgw' ||
    kind === 'vgw' ||
    kind === 'eni' ||
    kind === 'instance'
  );
}

export function evaluateRoutes(ctx: AnalysisContext, q: RouteQuestion): EvaluatorVerdict {
  // A transient destination (one target among thousands) is named even in the evidence of a route
  // that carries it, so its verdict is worded per target; the route lookup itself is shared per cell.
  if (q.destination.transient) return decideRoutes(ctx, q);
  const { routeTable, leg, subnetId, destination, path, destinationVpcId } = q;
  return ctx.memo.remember(
    'route-verdict',
    [leg, path, destination, routeTable, subnetId, destinationVpcId, q.destinationSubnetId, q.afterEndpoint],
    () => decideRoutes(ctx, q),
  );
}

function decideRoutes(ctx: AnalysisContext, q: RouteQuestion): EvaluatorVerdict {
  const { destination } = q;
  const what = q.leg === 'forward' ? 'SYN' : 'replies';
  // Every subnet has a route table in AWS (the main one by default): one the inventory lacks is unknown.
  if (!q.routeTable) return verdictOf([], [], [missingSubnetData(ctx, 'route-table', q.subnetId)]);
  const rtbId = q.routeTable.RouteTableId;
  const legs = lookupRoutes(ctx, q.routeTable, destination.addresses);
  const evidence: string[] = [];
  const blockers: Blocker[] = [];
  const missing: MissingData[] = [];
  const assumed: Assumption[] = [];
  const shadows = new Map<string, { prefixListId: string; endpointId: string; cidrs: string[] }>();
  for (const leg of legs) {
    const part = legs.length === 1 ? destination.label : describeAddresses(leg.addresses);
    if (!leg.route) {
      blockers.push({
        code: 'NO_ROUTE',
        resourceId: rtbId,
        detail: `route table ${rtbId} of ${q.subnetId} has no route for ${what} to ${part}`,
      });
      continue;
    }
    const { target, destination: dest } = leg.route;
    const via = `route table ${rtbId} of ${q.subnetId} sends ${what} to ${part} via ${dest} → ${target.id}`;
    if (leg.route.blackhole) {
      blockers.push({
        code: 'BLACKHOLE_ROUTE',
        resourceId: rtbId,
        detail: `${via}, which is a blackhole (the target no longer exists)`,
      });
      continue;
    }
    // A Network Firewall endpoint carries any path on to the firewall's subnet, whose own route table
    // takes it from there; what the firewall does to the connection is judged once per path
    // (firewall-on-path.ts).
    if (target.kind === 'vpce' && isFirewallEndpoint(ctx, target.id)) {
      if (q.afterEndpoint !== undefined) {
        blockers.push({
          code: 'NO_ROUTE',
          resourceId: rtbId,
          detail: `${via}: the firewall subnet's route table sends what ${q.afterEndpoint} passed on back to Network Firewall endpoint ${target.id}, a loop`,
        });
        continue;
      }
      evidence.push(
        `route table ${rtbId}: ${what} to ${part} via ${dest} → Network Firewall endpoint ${target.id}`,
      );
      const onward = firewallSubnetRouteTable(ctx, target.id);
      if (onward) {
        const next = evaluateRoutes(ctx, {
          ...q,
          routeTable: onward.routeTable,
          subnetId: onward.subnetId,
          destination:
            legs.length === 1 ? destination : { ...destination, addresses: leg.addresses, label: part },
          afterEndpoint: target.id,
        });
        blockers.push(...next.blockers);
        evidence.push(...next.evidence);
        for (const m of next.missing ?? []) if (!missing.includes(m)) missing.push(m);
        for (const a of next.assumed ?? []) if (!assumed.includes(a)) assumed.push(a);
        for (const sh of next.shadowed ?? []) {
          const known = shadows.get(`${sh.prefixListId} ${sh.endpointId}`);
          if (known) known.cidrs.push(...sh.cidrs);
          else shadows.set(`${sh.prefixListId} ${sh.endpointId}`, { ...sh, cidrs: [...sh.cidrs] });
        }
      }
      continue;
    }
    // Any other Gateway Load Balancer endpoint hands the packets to a third-party appliance whose rules
    // AWS does not describe: the path holds only if the appliance passes SSH, which the verdict says.
    if (target.kind === 'vpce') {
      evidence.push(`route table ${rtbId}: ${what} to ${part} via ${dest} → endpoint ${target.id}`);
      const a = applianceAssumption(ctx, target.id);
      if (!assumed.includes(a)) assumed.push(a);
      continue;
    }
    if (target.kind === 'gateway-endpoint' && destination.internetAtLarge) {
      // The prefix list holds the AWS service's own addresses (AWS PrivateLink Guide, "Gateway
      // endpoints": the route's destination is the service's prefix list and it is more specific than
      // 0.0.0.0/0). They never open SSH connections: the internet at large is unaffected.
      const prefixListId = dest.split(' ')[0] ?? dest;
      const key = `${prefixListId} ${target.id}`;
      const cidrs = leg.addresses.toCidrs().map(formatCidr);
      const known = shadows.get(key);
      if (known) known.cidrs.push(...cidrs);
      else shadows.set(key, { prefixListId, endpointId: target.id, cidrs });
      continue;
    }
    // Centralised egress: a spoke's internet-bound SYN crosses the transit gateway to an egress VPC, whose
    // NAT gateway gives it a public source address.
    if (target.kind === 'tgw' && q.path === 'internet' && q.leg === 'forward') {
      const egress = egressThroughTransitGateway(
        ctx,
        target.id,
        q.routeTable.VpcId,
        q.subnetId,
        leg.addresses,
      );
      if (egress.kind === 'nat') evidence.push(`${via}: ${egress.evidence}`);
      else if (egress.kind === 'missing') {
        if (!missing.includes(egress.missing)) missing.push(egress.missing);
      } else
        blockers.push({ code: egress.code, resourceId: egress.resourceId, detail: `${via}: ${egress.why}` });
      continue;
    }
    if (!carries(target.kind, q.path, q.leg)) {
      const why =
        target.kind === 'eigw'
          ? 'an egress-only internet gateway carries only connections the instance opens'
          : target.kind === 'nat'
            ? 'a NAT gateway carries only connections the instance opens, so replies never reach the client'
            : target.kind === 'gateway-endpoint'
              ? 'a gateway endpoint delivers only to its AWS service'
              : target.kind === 'igw' && q.path === 'private'
                ? 'an internet gateway sends packets out of the VPC, never to its private addresses'
                : q.path === 'internet'
                  ? 'not the internet gateway the connection arrives through'
                  : 'that target cannot reach private addresses of this path';
      blockers.push({ code: 'NO_ROUTE', resourceId: rtbId, detail: `${via}: ${why}` });
      continue;
    }
    const wrongVpc = deliversElsewhere(ctx, q, target, leg.addresses);
    if (wrongVpc?.kind === 'blocked') {
      blockers.push({
        code: wrongVpc.code ?? 'NO_ROUTE',
        resourceId: wrongVpc.resourceId ?? rtbId,
        detail: `${via}: ${wrongVpc.why}`,
      });
      continue;
    }
    if (wrongVpc?.kind === 'missing') {
      if (!missing.includes(wrongVpc.missing)) missing.push(wrongVpc.missing);
      continue;
    }
    evidence.push(`route table ${rtbId}: ${what} to ${part} via ${dest} → ${target.id}`);
  }
  const verdict = verdictOf(blockers, evidence, missing, assumed);
  if (shadows.size === 0) return verdict;
  const shadowed: ShadowedAddresses[] = [...shadows.values()].map(({ prefixListId, endpointId, cidrs }) => ({
    routeTableId: rtbId,
    prefixListId,
    endpointId,
    cidrs,
    detail: `route table ${rtbId} of ${q.subnetId} sends ${what} to ${prefixListId} (${cidrs.join(', ')}: an AWS service's addresses) to gateway endpoint ${endpointId}, not the internet gateway; the verdict is for the rest of the internet`,
  }));
  return { ...verdict, shadowed };
}

/** A Gateway Load Balancer endpoint whose appliance the inventory cannot describe: one object per endpoint. */
function applianceAssumption(ctx: AnalysisContext, endpointId: string): Assumption {
  return ctx.memo.remember('appliance-assumption', [endpointId], () => ({
    kind: 'gateway-load-balancer-endpoint' as const,
    resourceId: endpointId,
    detail: `Gateway Load Balancer endpoint ${endpointId} is on the path and is no Network Firewall endpoint in the inventory: the appliance behind it is assumed to pass the connection`,
  }));
}

type Elsewhere =
  | {
      readonly kind: 'blocked';
      readonly why: string;
      /** @default NO_ROUTE, decided by the route table */
      readonly code?: BlockerCode;
      readonly resourceId?: string;
    }
  | { readonly kind: 'missing'; readonly missing: MissingData };

/**
 * Whether a private next hop delivers to the VPC the destination is in. `local` covers only the route
 * table's own VPC (VPC User Guide, "Route table concepts": the local route is for communication within
 * the VPC), so two VPCs with the same CIDR never reach each other through it. A peering connection
 * carries traffic only once `active`, only between its two VPCs and only to the CIDRs it covers, and
 * never onward: peering is not transitive (VPC Peering Guide, "Unsupported VPC peering configurations").
 */
function deliversElsewhere(
  ctx: AnalysisContext,
  q: RouteQuestion,
  target: RouteTarget,
  addresses: AddressSet,
): Elsewhere | undefined {
  const here = q.routeTable?.VpcId;
  const there = q.destinationVpcId;
  if (target.kind === 'local') {
    if (here && there && here !== there)
      return {
        kind: 'blocked',
        why: `the local route delivers only within ${here}, and the destination is in ${there}`,
      };
    return undefined;
  }
  if (target.kind === 'tgw') {
    return evaluateTransitGatewayHop(ctx, {
      tgwId: target.id,
      fromVpcId: here,
      fromSubnetId: q.subnetId,
      addresses,
      destinationVpcId: there,
      destinationSubnetId: q.destinationSubnetId,
    });
  }
  if (target.kind !== 'pcx') return undefined;
  const pcx = peeringConnection(ctx, target.id);
  if (!pcx) return { kind: 'missing', missing: missingPeering(ctx, target.id) };
  const status = pcx.Status?.Code;
  if (status !== undefined && status !== 'active')
    return {
      kind: 'blocked',
      why: `peering connection ${target.id} is ${status}, and only an active connection carries traffic`,
    };
  const sides = [pcx.RequesterVpcInfo, pcx.AccepterVpcInfo];
  const near = sides.findIndex((v) => v?.VpcId !== undefined && v.VpcId === here);
  const far = near === -1 ? undefined : sides[1 - near];
  if (here && near === -1)
    return { kind: 'blocked', why: `peering connection ${target.id} does not connect ${here}` };
  if (there && far?.VpcId && far.VpcId !== there)
    return {
      kind: 'blocked',
      why: `peering connection ${target.id} leads to ${far.VpcId}, and the destination is in ${there}: peering is not transitive`,
    };
  const covered = far && peeredCidrs(ctx, far, addresses.family);
  if (covered && !covered.covers(addresses))
    return {
      kind: 'blocked',
      why: `peering connection ${target.id} covers only ${covered.describe()} of ${far?.VpcId ?? 'the peer VPC'}`,
    };
  return undefined;
}

function peeringConnection(ctx: AnalysisContext, id: string): VpcPeeringConnection | undefined {
  const all = ctx.memo.remember('peering-connections', ['all'], () => {
    const m = new Map<string, VpcPeeringConnection>();
    for (const p of ctx.index.inventory.vpcPeeringConnections) m.set(p.VpcPeeringConnectionId, p);
    return m;
  });
  return all.get(id);
}

/** The CIDRs of one side a peering connection covers (undefined when the record lists none). */
function peeredCidrs(
  ctx: AnalysisContext,
  side: VpcPeeringConnectionVpcInfo,
  family: IpFamily,
): AddressSet | undefined {
  return ctx.memo.remember('peered-cidrs', [side, family], () => {
    const texts =
      family === 'ipv4'
        ? [side.CidrBlock, ...(side.CidrBlockSet ?? []).map((c) => c.CidrBlock)]
        : (side.Ipv6CidrBlockSet ?? []).map((c) => c.Ipv6CidrBlock);
    const cidrs = texts.flatMap((t) => {
      const c = t ? ctx.cidr(t) : undefined;
      return c && c.cidr.family === family ? [c.cidr] : [];
    });
    return cidrs.length > 0 ? AddressSet.fromCidrs(family, cidrs) : undefined;
  });
}

const PEERING_FILE = 'describe-vpc-peering-connections.json';

function missingPeering(ctx: AnalysisContext, id: string): MissingData {
  return ctx.memo.remember('missing-peering', [id], () => ({
    kind: 'vpc-peering-connection' as const,
    resourceId: id,
    file: PEERING_FILE,
    detail: ctx.index.inventory.absentFiles?.includes(PEERING_FILE)
      ? `peering connection ${id} is unknown: ${PEERING_FILE} is not in the inventory`
      : `peering connection ${id} is a route target but not in ${PEERING_FILE}: whether it is active, and which VPCs it joins, is unknown`,
  }));
}

/** Where a VPC's internet-bound traffic sent to a transit gateway leaves for the internet, if it does. */
export type TransitEgress =
  | { readonly kind: 'nat'; readonly natId: string; readonly evidence: string }
  | {
      readonly kind: 'blocked';
      readonly code: BlockerCode;
      readonly resourceId: string;
      readonly why: string;
    }
  | { readonly kind: 'missing'; readonly missing: MissingData };

/**
 * Centralised egress (VPC User Guide, "NAT gateways": a public NAT gateway can serve other VPCs through a
 * transit gateway; AMS "Egress VPC": the spokes' internet traffic arrives over the TGW in the egress VPC's
 * attachment subnet and is routed there to a NAT gateway). The transit gateway's table sends the
 * addresses to a VPC attachment; the attachment's subnet in the sender's Availability Zone (else its
 * first) must route them to a NAT gateway — an internet gateway alone does not translate another VPC's
 * private addresses — and the NAT gateway's own subnet must route them on to an internet gateway (taken
 * as given when the NAT gateway's record is not in the inventory).
 */
export function egressThroughTransitGateway(
  ctx: AnalysisContext,
  tgwId: string,
  fromVpcId: string | undefined,
  fromSubnetId: string,
  addresses: AddressSet,
): TransitEgress {
  return ctx.memo.remember('tgw-egress', [tgwId, fromSubnetId, addresses], (): TransitEgress => {
    const hop = { tgwId, fromVpcId, fromSubnetId, addresses, destinationVpcId: undefined };
    const out = evaluateTransitGatewayHop(ctx, hop);
    if (out) return out;
    const next = nextVpcAttachment(ctx, hop);
    const what = describeAddresses(addresses);
    if (!next) {
      return {
        kind: 'blocked',
        code: 'NO_ROUTE',
        resourceId: tgwId,
        why: `transit gateway ${tgwId} sends ${what} to no VPC, so no NAT gateway gives it a public address`,
      };
    }
    const zone = ctx.index.subnets.get(fromSubnetId)?.AvailabilityZone;
    const ids = next.SubnetIds ?? [];
    const subnetId = ids.find((id) => ctx.index.subnets.get(id)?.AvailabilityZone === zone) ?? ids[0] ?? '';
    const rtb = ctx.index.routeTableForSubnet(subnetId);
    if (!rtb) return { kind: 'missing', missing: missingSubnetData(ctx, 'route-table', subnetId) };
    const r = routeFor(ctx, rtb, addresses);
    const arrives = `transit gateway ${tgwId} sends it to ${next.VpcId ?? 'a VPC'} (attachment ${next.TransitGatewayAttachmentId}, ${subnetId})`;
    if (r?.kind === 'nat') {
      // "You route traffic from the NAT gateway to the internet gateway for the VPC" ("NAT gateways").
      const natSubnet = ctx.index.inventory.natGateways.find((n) => n.NatGatewayId === r.id)?.SubnetId;
      const natRtb = natSubnet === undefined ? undefined : ctx.index.routeTableForSubnet(natSubnet);
      if (natSubnet !== undefined && !natRtb)
        return { kind: 'missing', missing: missingSubnetData(ctx, 'route-table', natSubnet) };
      const onward = natRtb && routeFor(ctx, natRtb, addresses);
      if (natRtb && onward?.kind !== 'igw') {
        return {
          kind: 'blocked',
          code: 'NO_ROUTE',
          resourceId: natRtb.RouteTableId,
          why: `${arrives} and on to NAT gateway ${r.id}, whose subnet's route table ${natRtb.RouteTableId} sends ${what} ${onward ? `to ${onward.id}` : 'nowhere'}, not to an internet gateway`,
        };
      }
      return {
        kind: 'nat',
        natId: r.id,
        evidence: `${arrives}, whose route table ${rtb.RouteTableId} sends it to NAT gateway ${r.id}`,
      };
    }
    return {
      kind: 'blocked',
      code: 'NO_ROUTE',
      resourceId: rtb.RouteTableId,
      why: `${arrives}, whose route table ${rtb.RouteTableId} sends ${what} ${r ? `to ${r.id}` : 'nowhere'}, not to a NAT gateway: another VPC's private addresses reach the internet only through a NAT gateway`,
    };
  });
}

/** The route target chosen for one address (for choosing the path kind). */
export function routeFor(
  ctx: AnalysisContext,
  rtb: RouteTable | undefined,
  dest: AddressSet,
): RouteTarget | undefined {
  if (!rtb) return undefined;
  const single = singleAddress(dest);
  const route =
    single === undefined
      ? lookupRoutes(ctx, rtb, dest)[0]?.route
      : routeOfAddress(ctx, compile(ctx, rtb, dest.family), single, dest.family);
  return route && !route.blackhole ? route.target : undefined;
}
