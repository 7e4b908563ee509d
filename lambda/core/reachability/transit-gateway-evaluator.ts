/**
 * A hop through a transit gateway, as the Transit Gateway Guide describes it:
 * - "Amazon VPC attachments in AWS Transit Gateway": a VPC attachment has one subnet per Availability
 *   Zone it serves; resources in an Availability Zone without one cannot reach the transit gateway, and
 *   one subnet in a zone lets traffic reach every subnet of that zone.
 * - "How AWS Transit Gateway works": the route table associated with the attachment the packet arrives
 *   on decides its next attachment; the most specific route wins, a static route wins over a propagated
 *   one for the same destination, a blackhole route drops; a VPC attachment that propagates into a table
 *   contributes its VPC's CIDRs as routes to itself.
 * - "Transit gateway peering attachments": a route to a peering attachment crosses to the peer transit
 *   gateway, where the table associated with the peer's side of the attachment decides the next hop. Only
 *   static routes lead over a peering ("add a static route … that points to the transit gateway peering
 *   attachment"): nothing propagates across it. The peer must have accepted (state `available`).
 * - More than one peering: the guide puts no limit on it. "A transit gateway attachment is both a source
 *   and a destination of packets" ("How AWS Transit Gateway works"), a peering attachment among them, and
 *   the table associated with the attachment a packet arrives on routes it — so what arrives over one
 *   peering may leave over another when that table has a static route to it (A → B → C with static routes
 *   on B). Nothing propagates, so each crossing needs its own static route. A path that comes back to a
 *   transit gateway it already crossed is a routing loop: the same table routes it the same way again,
 *   and it never arrives. Paths over more than MAX_TRANSIT_GATEWAYS transit gateways are not followed
 *   (port22's bound, not AWS's): unknown.
 * The return path is the same hop from the other side: the target VPC's attachment, its association.
 * What the inventory does not hold (the attachment, its association, the table's routes) is missing
 * data — the hop is unknown, never trusted.
 */
import type {
  TransitGatewayAttachment,
  TransitGatewayPeeringAttachment,
  TransitGatewayVpcAttachment,
} from '../inventory/model.ts';
import { type AddressInterval, type AddressSet, type IpFamily, ruleBoundaries } from '../net/cidr.ts';
import type { AnalysisContext } from './evaluation.ts';
import type { BlockerCode, MissingData } from './types.ts';
import { vpcAddresses } from './vpc-addresses.ts';

export interface TransitGatewayHop {
  readonly tgwId: string;
  /** The VPC and subnet the packet leaves through the VPC route table's `tgw-` route. */
  readonly fromVpcId: string | undefined;
  readonly fromSubnetId: string;
  /** The destination addresses of this route leg. */
  readonly addresses: AddressSet;
  /** The VPC the destination is in, when known. */
  readonly destinationVpcId: string | undefined;
  /** The subnet the destination is in, when known: the delivering attachment needs a subnet in its zone. */
  readonly destinationSubnetId?: string | undefined;
}

/** Why the hop does not carry the packet, or what it would need to know; undefined: it carries it. */
export type HopOutcome =
  | {
      readonly kind: 'blocked';
      readonly code: BlockerCode;
      readonly resourceId: string;
      readonly why: string;
    }
  | { readonly kind: 'missing'; readonly missing: MissingData }
  | undefined;

interface TgwRoute {
  readonly first: bigint;
  readonly last: bigint;
  readonly prefix: number;
  readonly destination: string;
  readonly static: boolean;
  readonly blackhole: boolean;
  /** The next attachment (undefined for a blackhole). */
  readonly attachmentId?: string;
}

const VPC_ATTACHMENTS_FILE = 'describe-transit-gateway-vpc-attachments.json';
const ATTACHMENTS_FILE = 'describe-transit-gateway-attachments.json';

/** The most transit gateways one path is followed through (the first one and its peers). */
const MAX_TRANSIT_GATEWAYS = 8;

export function evaluateTransitGatewayHop(ctx: AnalysisContext, hop: TransitGatewayHop): HopOutcome {
  return ctx.memo.remember(
    'tgw-hop',
    [hop.tgwId, hop.fromSubnetId, hop.destinationVpcId, hop.destinationSubnetId, hop.addresses],
    () => decideHop(ctx, hop),
  );
}

function missing(
  kind: 'transit-gateway-attachment' | 'transit-gateway-route-table',
  resourceId: string,
  file: string,
  detail: string,
): HopOutcome {
  return { kind: 'missing', missing: { kind, resourceId, file, detail } };
}

function vpcAttachment(
  ctx: AnalysisContext,
  tgwId: string,
  vpcId: string | undefined,
): TransitGatewayVpcAttachment | undefined {
  return ctx.memo.remember('tgw-vpc-attachment', [tgwId, vpcId], () =>
    ctx.index.inventory.transitGatewayVpcAttachments.find(
      (a) =>
        a.TransitGatewayId === tgwId &&
        a.VpcId === vpcId &&
        a.State !== 'deleted' &&
        a.State !== 'deleting' &&
        a.State !== 'failed',
    ),
  );
}

function vpcAttachmentById(ctx: AnalysisContext): ReadonlyMap<string, TransitGatewayVpcAttachment> {
  return ctx.memo.remember(
    'tgw-vpc-attachments-by-id',
    ['all'],
    () =>
      new Map(ctx.index.inventory.transitGatewayVpcAttachments.map((a) => [a.TransitGatewayAttachmentId, a])),
  );
}

function decideHop(ctx: AnalysisContext, hop: TransitGatewayHop): HopOutcome {
  const { tgwId, fromVpcId, fromSubnetId } = hop;
  const att = vpcAttachment(ctx, tgwId, fromVpcId);
  if (!att) {
    return missing(
      'transit-gateway-attachment',
      tgwId,
      VPC_ATTACHMENTS_FILE,
      `the attachment of ${fromVpcId ?? 'the VPC'} to transit gateway ${tgwId} is not in ${VPC_ATTACHMENTS_FILE}: which Availability Zones reach ${tgwId}, and its route table, are unknown`,
    );
  }
  const attId = att.TransitGatewayAttachmentId;
  if (att.State !== undefined && att.State !== 'available') {
    return {
      kind: 'blocked',
      code: 'NO_ROUTE',
      resourceId: attId,
      why: `transit gateway attachment ${attId} is ${att.State}, and only an available attachment carries traffic`,
    };
  }
  // The Availability Zone rule: the attachment must have a subnet in the sending subnet's zone.
  const zone = ctx.index.subnets.get(fromSubnetId)?.AvailabilityZone;
  const zones = (att.SubnetIds ?? []).map((id) => ctx.index.subnets.get(id)?.AvailabilityZone);
  if (zone === undefined || zones.includes(undefined)) {
    return missing(
      'transit-gateway-attachment',
      attId,
      'describe-subnets.json',
      `the Availability Zone of ${zone === undefined ? fromSubnetId : 'a subnet of attachment ' + attId} is not in describe-subnets.json: whether ${fromSubnetId} can reach transit gateway ${tgwId} is unknown`,
    );
  }
  if (!zones.includes(zone)) {
    return {
      kind: 'blocked',
      code: 'NO_ROUTE',
      resourceId: attId,
      why: `transit gateway attachment ${attId} has no subnet in ${zone} (only ${[...new Set(zones)].join(', ') || 'none'}), so nothing in ${fromSubnetId} reaches ${tgwId}`,
    };
  }
  return routeArrival(ctx, hop, attId, [tgwId]);
}

/** `attId` as `tgwId` lists it: a peering attachment is listed once per transit gateway it joins. */
function attachmentRecord(
  ctx: AnalysisContext,
  tgwId: string,
  attId: string,
): TransitGatewayAttachment | undefined {
  return ctx.memo.remember('tgw-attachment-record', [tgwId, attId], () => {
    const all = ctx.index.inventory.transitGatewayAttachments;
    return (
      all.find((a) => a.TransitGatewayAttachmentId === attId && a.TransitGatewayId === tgwId) ??
      all.find((a) => a.TransitGatewayAttachmentId === attId && a.TransitGatewayId === undefined)
    );
  });
}

/**
 * The VPC attachment `hop.tgwId` sends `hop.addresses` to from the source VPC's attachment (its associated
 * table's most specific route for the first address), when the hop carries them to a VPC at all: where
 * a centralised egress VPC takes the spokes' internet traffic.
 */
export function nextVpcAttachment(
  ctx: AnalysisContext,
  hop: TransitGatewayHop,
): TransitGatewayVpcAttachment | undefined {
  if (evaluateTransitGatewayHop(ctx, hop) !== undefined) return undefined;
  const from = vpcAttachment(ctx, hop.tgwId, hop.fromVpcId);
  const tableId =
    from &&
    attachmentRecord(ctx, hop.tgwId, from.TransitGatewayAttachmentId)?.Association
      ?.TransitGatewayRouteTableId;
  const first = hop.addresses.intervals[0];
  if (!tableId || !first) return undefined;
  const routes = tableRoutes(ctx, tableId, hop.addresses.family);
  if (!('routes' in routes)) return undefined;
  const r = bestOf(routes.routes, { first: first.first, last: first.first });
  return r?.attachmentId ? vpcAttachmentById(ctx).get(r.attachmentId) : undefined;
}

/**
 * What the last transit gateway of `path` (those the packet has crossed so far) does with the packet
 * arriving on attachment `attId`: the association decides the table that routes it.
 */
function routeArrival(
  ctx: AnalysisContext,
  hop: TransitGatewayHop,
  attId: string,
  path: readonly string[],
): HopOutcome {
  const tgwId = path[path.length - 1]!;
  const record = attachmentRecord(ctx, tgwId, attId);
  if (!record) {
    return missing(
      'transit-gateway-route-table',
      attId,
      ATTACHMENTS_FILE,
      path.length > 1
        ? `${tgwId}'s side of peering attachment ${attId} is not in ${ATTACHMENTS_FILE} (the peer transit gateway's Region or account was not collected): the route table that routes what arrives over the peering is unknown`
        : `attachment ${attId} is not in ${ATTACHMENTS_FILE}: the transit gateway route table associated with it is unknown`,
    );
  }
  const tableId =
    record.Association?.State === undefined || record.Association.State === 'associated'
      ? record.Association?.TransitGatewayRouteTableId
      : undefined;
  if (!tableId) {
    return {
      kind: 'blocked',
      code: 'NO_ROUTE',
      resourceId: attId,
      why: `transit gateway attachment ${attId} is associated with no route table on ${tgwId}, so ${tgwId} has no route for what arrives on it`,
    };
  }
  const routes = tableRoutes(ctx, tableId, hop.addresses.family);
  if ('routes' in routes) return chooseNext(ctx, hop, tableId, routes.routes, path);
  return routes;
}

/** The table's static routes and the routes its VPC propagations derive, for one family. */
function tableRoutes(
  ctx: AnalysisContext,
  tableId: string,
  family: IpFamily,
): { readonly routes: readonly TgwRoute[] } | NonNullable<HopOutcome> {
  return ctx.memo.remember('tgw-table-routes', [tableId, family], () => {
    const inv = ctx.index.inventory;
    const statics = inv.transitGatewayStaticRoutes.get(tableId);
    if (!statics) {
      return missing(
        'transit-gateway-route-table',
        tableId,
        `search-transit-gateway-routes/${tableId}.json`,
        `the static routes of transit gateway route table ${tableId} are not in the inventory`,
      ) as NonNullable<HopOutcome>;
    }
    const propagations = inv.transitGatewayRouteTablePropagations.get(tableId);
    if (!propagations) {
      return missing(
        'transit-gateway-route-table',
        tableId,
        `get-transit-gateway-route-table-propagations/${tableId}.json`,
        `the propagations of transit gateway route table ${tableId} are not in the inventory`,
      ) as NonNullable<HopOutcome>;
    }
    const out: TgwRoute[] = [];
    for (const r of statics) {
      if (r.State === 'deleted' || r.State === 'deleting') continue;
      const cidrs = r.DestinationCidrBlock
        ? [r.DestinationCidrBlock]
        : r.PrefixListId
          ? (inv.prefixLists.get(r.PrefixListId) ?? []).map((e) => e.Cidr)
          : [];
      const attachmentId = r.TransitGatewayAttachments?.[0]?.TransitGatewayAttachmentId;
      for (const text of cidrs) {
        const c = ctx.cidr(text)?.cidr;
        if (!c || c.family !== family) continue;
        out.push({
          first: c.first,
          last: c.last,
          prefix: c.prefix,
          destination: text,
          static: true,
          blackhole: r.State === 'blackhole' || attachmentId === undefined,
          ...(attachmentId ? { attachmentId } : {}),
        });
      }
    }
    for (const p of propagations) {
      if (p.State !== 'enabled' || p.ResourceType !== 'vpc' || !p.TransitGatewayAttachmentId) continue;
      for (const c of vpcAddresses(ctx, p.ResourceId, family).toCidrs()) {
        out.push({
          first: c.first,
          last: c.last,
          prefix: c.prefix,
          destination: `${p.ResourceId} CIDR (propagated)`,
          static: false,
          blackhole: false,
          attachmentId: p.TransitGatewayAttachmentId,
        });
      }
    }
    return { routes: out };
  });
}

/** Longest prefix; a static route beats a propagated one of the same length. */
function bestOf(routes: readonly TgwRoute[], cell: AddressInterval): TgwRoute | undefined {
  let best: TgwRoute | undefined;
  for (const r of routes) {
    if (r.first > cell.first || r.last < cell.last) continue;
    if (!best || r.prefix > best.prefix || (r.prefix === best.prefix && r.static && !best.static)) best = r;
  }
  return best;
}

function chooseNext(
  ctx: AnalysisContext,
  hop: TransitGatewayHop,
  tableId: string,
  routes: readonly TgwRoute[],
  path: readonly string[],
): HopOutcome {
  const cuts = ctx.memo.remember('tgw-table-cuts', [routes], () => ruleBoundaries(routes));
  const chosen = new Set<TgwRoute | undefined>();
  for (const iv of hop.addresses.intervals) {
    let first = iv.first;
    for (const c of cuts) {
      if (c <= first) continue;
      if (c > iv.last) break;
      chosen.add(bestOf(routes, { first, last: c - 1n }));
      first = c;
    }
    chosen.add(bestOf(routes, { first, last: iv.last }));
  }
  // Worded only when a message needs it: one target's hop is decided for each of thousands of targets.
  const what = () => hop.addresses.describe();
  for (const r of chosen) {
    if (!r) {
      return {
        kind: 'blocked',
        code: 'NO_ROUTE',
        resourceId: tableId,
        why: `transit gateway route table ${tableId} has no route to ${what()}`,
      };
    }
    if (r.blackhole) {
      return {
        kind: 'blocked',
        code: 'BLACKHOLE_ROUTE',
        resourceId: tableId,
        why: `transit gateway route table ${tableId} drops ${what()}: ${r.destination} is a blackhole route`,
      };
    }
    const next = r.attachmentId ? vpcAttachmentById(ctx).get(r.attachmentId) : undefined;
    if (next) {
      if (hop.destinationVpcId && next.VpcId !== hop.destinationVpcId) {
        return {
          kind: 'blocked',
          code: 'NO_ROUTE',
          resourceId: tableId,
          why: `transit gateway route table ${tableId} sends ${what()} via ${r.destination} to ${r.attachmentId} (${next.VpcId ?? 'another VPC'}), and the destination is in ${hop.destinationVpcId}`,
        };
      }
      // Delivery: the attachment reaches the subnets of the zones it has a subnet in, only those.
      const toZone = hop.destinationSubnetId
        ? ctx.index.subnets.get(hop.destinationSubnetId)?.AvailabilityZone
        : undefined;
      const zones = (next.SubnetIds ?? []).map((id) => ctx.index.subnets.get(id)?.AvailabilityZone);
      if (toZone !== undefined && !zones.includes(undefined) && !zones.includes(toZone)) {
        return {
          kind: 'blocked',
          code: 'NO_ROUTE',
          resourceId: next.TransitGatewayAttachmentId,
          why: `transit gateway attachment ${next.TransitGatewayAttachmentId} has no subnet in ${toZone} (only ${[...new Set(zones)].join(', ') || 'none'}), so ${path[path.length - 1]} cannot deliver to ${hop.destinationSubnetId}`,
        };
      }
      continue;
    }
    const peering = ctx.index.inventory.transitGatewayPeeringAttachments.find(
      (a) =>
        a.TransitGatewayAttachmentId === r.attachmentId ||
        a.AccepterTransitGatewayAttachmentId === r.attachmentId,
    );
    if (peering) {
      const crossed = crossPeering(ctx, hop, tableId, r, peering, path);
      if (crossed) return crossed;
      continue;
    }
    if (hop.destinationVpcId) {
      return missing(
        'transit-gateway-route-table',
        r.attachmentId ?? tableId,
        ATTACHMENTS_FILE,
        `transit gateway route table ${tableId} sends ${what()} via ${r.destination} to ${r.attachmentId}, an attachment that is not a VPC attachment in the inventory`,
      );
    }
  }
  return undefined;
}

/** The packet crosses peering attachment `r.attachmentId` from the last transit gateway of `path` to its peer. */
function crossPeering(
  ctx: AnalysisContext,
  hop: TransitGatewayHop,
  tableId: string,
  r: TgwRoute,
  peering: TransitGatewayPeeringAttachment,
  path: readonly string[],
): HopOutcome {
  const attId = r.attachmentId!;
  const tgwId = path[path.length - 1]!;
  const state = peering.State ?? peering.Status?.Code;
  if (state !== undefined && state !== 'available') {
    return {
      kind: 'blocked',
      code: 'NO_ROUTE',
      resourceId: attId,
      why: `transit gateway peering attachment ${attId} is ${state}, and only an available (accepted) peering carries traffic`,
    };
  }
  const requester = peering.RequesterTgwInfo?.TransitGatewayId;
  const accepter = peering.AccepterTgwInfo?.TransitGatewayId;
  const peerTgw = requester === tgwId ? accepter : accepter === tgwId ? requester : undefined;
  if (!peerTgw) {
    return missing(
      'transit-gateway-route-table',
      attId,
      ATTACHMENTS_FILE,
      `peering attachment ${attId} does not name ${tgwId} as either side: the peer transit gateway is unknown`,
    );
  }
  if (path.includes(peerTgw)) {
    return {
      kind: 'blocked',
      code: 'NO_ROUTE',
      resourceId: tableId,
      why: `transit gateway route table ${tableId} sends ${hop.addresses.describe()} via ${r.destination} over peering attachment ${attId} back to ${peerTgw}, a routing loop (${[...path, peerTgw].join(' → ')}): ${peerTgw} routes it the same way again and it never arrives`,
    };
  }
  if (path.length >= MAX_TRANSIT_GATEWAYS) {
    return missing(
      'transit-gateway-route-table',
      attId,
      ATTACHMENTS_FILE,
      `transit gateway route table ${tableId} sends ${hop.addresses.describe()} via ${r.destination} over peering attachment ${attId} to a transit gateway beyond the ${MAX_TRANSIT_GATEWAYS} this path already crossed (${path.join(' → ')}): port22 follows no longer path`,
    );
  }
  // Each side may name the attachment by its own id (AccepterTransitGatewayAttachmentId), else both share one.
  const peerAttId =
    requester === tgwId
      ? (peering.AccepterTransitGatewayAttachmentId ?? peering.TransitGatewayAttachmentId)
      : peering.TransitGatewayAttachmentId;
  return routeArrival(ctx, hop, peerAttId, [...path, peerTgw]);
}
