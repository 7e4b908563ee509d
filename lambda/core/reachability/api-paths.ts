/**
 * The prober's own paths to the AWS APIs it calls (issue 14, "The prober proves its own path"): from each
 * of its subnets, is there a way to each service's HTTPS endpoint? A Lambda function attached to a VPC
 * sends everything through its network interface in the VPC, which never has a public IP address (Lambda
 * Developer Guide, "Giving Lambda functions access to resources in an Amazon VPC": "Connecting a function
 * to a public subnet doesn't give it internet access or a public IP address"). So an API is reachable only
 *
 * - through an interface endpoint of the service in the VPC with private DNS on: the service's default
 *   hostname then resolves, inside the VPC, to the endpoint's network interfaces (EC2 API Reference,
 *   CreateVpcEndpoint `PrivateDnsEnabled`), and the endpoint's security groups must admit TCP 443 from the
 *   prober. Its interfaces serve the whole VPC, other Availability Zones included (AWS PrivateLink Guide,
 *   "Access an AWS service using an interface VPC endpoint"); a zone of its own only saves cross-zone
 *   traffic. Private DNS decides, so with it a NAT gateway is never used for that service;
 * - for DynamoDB, through a gateway endpoint: a route in the subnet's table to the service's prefix list
 *   `com.amazonaws.<region>.dynamodb` whose target is the endpoint (AWS PrivateLink Guide, "Gateway
 *   endpoints"); gateway endpoints cost nothing;
 * - otherwise through the subnet's default route to a NAT gateway (in this VPC, or behind a transit
 *   gateway in an egress VPC). A default route to an internet gateway does not do: it needs a public IP.
 *
 * Whichever way, the network ACLs of every subnet boundary on it must pass the request and the reply
 * (api-path-acls.ts), and private DNS needs the VPC's DNS attributes (dnsAttributes below).
 *
 * Pure: the inventory in, one verdict per (subnet, service) out.
 */
import type { Eni, InventoryIndex, RouteTable, VpcEndpoint } from '../inventory/model.ts';
import { VPC_DNS_ATTRIBUTES } from '../inventory/parse.ts';
import { AddressSet, type Cidr, formatCidr, parseCidr, publicAddresses } from '../net/cidr.ts';
import { type AclHop, type AclOutcome, evaluateAclHops } from './api-path-acls.ts';
import { AnalysisContext, type Peer } from './evaluation.ts';
import { egressThroughTransitGateway } from './route-evaluator.ts';
import { evaluateSecurityGroups } from './security-group-evaluator.ts';

/**
 * The AWS services port22 calls, each with the name its endpoints carry (`com.amazonaws.<region>.<name>`):
 * the one home of both the client names (lambda/adapters/aws/client-options.ts) and the endpoint names.
 */
export const AWS_SERVICE_ENDPOINT_NAMES = {
  ec2: 'ec2',
  cloudwatch: 'monitoring',
  'network-firewall': 'network-firewall',
  elasticloadbalancing: 'elasticloadbalancing',
  dynamodb: 'dynamodb',
  sns: 'sns',
  ssm: 'ssm',
  'cloudwatch-logs': 'logs',
  cloudtrail: 'cloudtrail',
} as const;

export type AwsService = keyof typeof AWS_SERVICE_ENDPOINT_NAMES;

/** Services with a gateway endpoint (free, by route); the others have interface endpoints only. */
const GATEWAY_SERVICES: ReadonlySet<AwsService> = new Set(['dynamodb']);

/** The API port: every AWS SDK call is HTTPS. */
export const AWS_API_PORT = 443;

/** `com.amazonaws.eu-west-1.monitoring`: the endpoint service name of `service` in `region`. */
export function endpointServiceName(region: string, service: AwsService): string {
  return `com.amazonaws.${region}.${AWS_SERVICE_ENDPOINT_NAMES[service]}`;
}

export interface ApiPathQuestion {
  readonly region: string;
  /** The prober's subnets (a Lambda function uses any of them, so every one must have every path). */
  readonly subnetIds: readonly string[];
  /**
   * The prober's security groups: an endpoint's group may admit it by reference. @default none: only a
   * rule covering the whole subnet's CIDR admits it
   */
  readonly securityGroupIds?: readonly string[];
  readonly services: readonly AwsService[];
}

export type ApiPathStatus = 'ok' | 'missing' | 'unknown';

export interface ApiPath {
  readonly service: AwsService;
  /** `com.amazonaws.<region>.<name>`. */
  readonly endpointService: string;
  readonly subnetId: string;
  readonly status: ApiPathStatus;
  /** ok: the way; missing: what is missing; unknown: what the inventory lacks. */
  readonly detail: string;
  /** What to change, for a missing path. */
  readonly fix?: string;
}

/** One verdict per (subnet, service), subnets in the order given, services in the order given. */
export function evaluateApiPaths(index: InventoryIndex, q: ApiPathQuestion): ApiPath[] {
  const ctx = new AnalysisContext(index);
  return q.subnetIds.flatMap((subnetId) => q.services.map((service) => pathOf(ctx, q, subnetId, service)));
}

/** The first missing or unknown path, worded as one run error (undefined: every path exists). */
export function apiPathProblem(paths: readonly ApiPath[]): string | undefined {
  const bad = paths.find((p) => p.status === 'missing') ?? paths.find((p) => p.status === 'unknown');
  if (!bad) return undefined;
  const more = paths.filter((p) => p.status !== 'ok').length - 1;
  return `prober path: ${formatApiPath(bad)}${more > 0 ? ` (and ${more} more)` : ''}`;
}

/** `dynamodb from subnet-…: missing: …; fix: …`. */
function formatApiPath(p: ApiPath): string {
  const fix = p.fix ? `; fix: ${p.fix}` : '';
  return `${p.service} from ${p.subnetId}: ${p.status}: ${p.detail}${fix}`;
}

function pathOf(ctx: AnalysisContext, q: ApiPathQuestion, subnetId: string, service: AwsService): ApiPath {
  const endpointService = endpointServiceName(q.region, service);
  const verdict = (status: ApiPathStatus, detail: string, fix?: string): ApiPath => ({
    service,
    endpointService,
    subnetId,
    status,
    detail,
    ...(fix ? { fix } : {}),
  });
  const subnet = ctx.index.subnets.get(subnetId);
  if (!subnet) return verdict('unknown', `${subnetId} is not in describe-subnets.json`);
  const vpcId = subnet.VpcId;
  const endpoints = ctx.index.inventory.vpcEndpoints.filter(
    (e) => e.ServiceName === endpointService && e.VpcId === vpcId && usable(e),
  );
  const interfaces = endpoints.filter((e) => e.VpcEndpointType === 'Interface');
  const withDns = interfaces.find((e) => e.PrivateDnsEnabled === true);
  if (withDns) {
    const dns = dnsAttributes(ctx, vpcId, withDns);
    if (dns.fix) return verdict('missing', dns.text, dns.fix);
    const admitted = admits(ctx, q, subnetId, withDns);
    if (admitted.status === 'ok')
      return withAcls(
        verdict,
        `interface endpoint ${withDns.VpcEndpointId} with private DNS (${admitted.detail})${dns.text}`,
        aclsTo(ctx, endpointHops(ctx, subnetId, withDns)),
      );
    if (admitted.status === 'unknown') return verdict('unknown', admitted.detail);
    // Private DNS sends every call to the endpoint: a NAT gateway cannot make up for its group.
    return verdict(
      'missing',
      `interface endpoint ${withDns.VpcEndpointId} answers for ${endpointService} (private DNS), but ${admitted.detail}`,
      `allow TCP ${AWS_API_PORT} from ${proberPeerName(ctx, q, subnetId)} in ${groupsOf(withDns).join(', ') || 'its security group'}`,
    );
  }
  const rtb = ctx.index.routeTableForSubnet(subnetId);
  if (!rtb) return verdict('unknown', `the route table of ${subnetId} is not in describe-route-tables.json`);
  if (GATEWAY_SERVICES.has(service)) {
    const gateway = gatewayRoute(ctx, rtb, endpoints, endpointService);
    if (gateway)
      return withAcls(
        verdict,
        gateway.detail,
        aclsTo(ctx, prefixListHops(ctx, subnetId, gateway.prefixListId)),
      );
  }
  const egress = natEgress(ctx, rtb, vpcId, subnetId);
  if (egress.status === 'ok')
    return withAcls(
      verdict,
      egress.detail,
      aclsTo(ctx, natHops(ctx, subnetId, egress.natGatewayId, endpointService)),
    );
  if (egress.status === 'unknown') return verdict('unknown', egress.detail);
  const withoutDns = interfaces[0];
  const unrouted = endpoints.find((e) => e.VpcEndpointType === 'Gateway');
  const fix = withoutDns
    ? `enable private DNS on ${withoutDns.VpcEndpointId} (the VPC needs enableDnsSupport and enableDnsHostnames)`
    : unrouted
      ? `associate gateway endpoint ${unrouted.VpcEndpointId} with ${rtb.RouteTableId} (aws ec2 modify-vpc-endpoint --add-route-table-ids), or ${natFix(ctx, rtb, vpcId)}`
      : GATEWAY_SERVICES.has(service)
        ? `add a gateway endpoint for ${endpointService} to ${rtb.RouteTableId} (free), or ${natFix(ctx, rtb, vpcId)}`
        : `create an interface endpoint for ${endpointService} with private DNS in ${vpcId ?? 'the VPC'} admitting TCP ${AWS_API_PORT} from ${proberPeerName(ctx, q, subnetId)}, or ${natFix(ctx, rtb, vpcId)}`;
  const why = withoutDns
    ? `interface endpoint ${withoutDns.VpcEndpointId} has private DNS off, so the SDK resolves the public name, and ${egress.detail}`
    : unrouted
      ? `gateway endpoint ${unrouted.VpcEndpointId} is not associated with ${rtb.RouteTableId}, and ${egress.detail}`
      : `no endpoint for ${endpointService} in ${vpcId ?? 'the VPC'}, and ${egress.detail}`;
  const shared = endpoints.length === 0 ? sharedServices(ctx, q, rtb, vpcId, subnetId, service) : undefined;
  if (shared) return verdict('unknown', `${why}; ${shared}`, fix);
  return verdict('missing', why, fix);
}

/**
 * Private DNS needs the VPC's two DNS attributes: "To use a private hosted zone, you must set the following
 * VPC attributes to true: enableDnsHostnames and enableDnsSupport" (EC2 API Reference, CreateVpcEndpoint,
 * `PrivateDnsEnabled`). One off: missing, with the call that sets it (one attribute per call). Not read
 * (an inventory without describe-vpc-attribute/): a note, so that existing inventories keep their verdicts.
 */
function dnsAttributes(
  ctx: AnalysisContext,
  vpcId: string | undefined,
  endpoint: VpcEndpoint,
): { text: string; fix?: string } {
  const read = vpcId === undefined ? undefined : ctx.index.inventory.vpcDnsAttributes?.get(vpcId);
  const vpc = vpcId ?? 'the VPC';
  const off = VPC_DNS_ATTRIBUTES.filter((a) => read?.[a] === false);
  if (off.length > 0)
    return {
      text: `interface endpoint ${endpoint.VpcEndpointId} has private DNS on, but ${vpc} has ${off.join(' and ')} off, and private DNS works only with enableDnsSupport and enableDnsHostnames both on`,
      fix: off
        .map(
          (a) =>
            `aws ec2 modify-vpc-attribute --vpc-id ${vpc} --${a.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
        )
        .join('; then '),
    };
  const unread = VPC_DNS_ATTRIBUTES.filter((a) => read?.[a] === undefined);
  if (unread.length === 0) return { text: '' };
  return {
    text: `; the ${unread.join(' and ')} attribute${unread.length > 1 ? 's' : ''} of ${vpc} ${unread.length > 1 ? 'were' : 'was'} not read (describe-vpc-attribute/${vpc}-<attribute>.json), which private DNS needs on`,
  };
}

/**
 * The shared-services pattern: interface endpoints in a central VPC reached through a transit gateway, their
 * private DNS off there and a Route 53 private hosted zone for the service's hostname, pointing at them,
 * associated with each spoke VPC (AWS Whitepaper "Building a Scalable and Secure Multi-VPC AWS Network
 * Infrastructure", "Centralized access to VPC private endpoints"). The inventory holds no Route 53 data, so a
 * subnet that routes to a transit gateway and has no endpoint of its own is undecided, not missing: what to
 * check. Undefined where the subnet has no route to a transit gateway.
 */
function sharedServices(
  ctx: AnalysisContext,
  q: ApiPathQuestion,
  rtb: RouteTable,
  vpcId: string | undefined,
  subnetId: string,
  service: AwsService,
): string | undefined {
  const tgw = (rtb.Routes ?? []).find((r) => r.TransitGatewayId && r.State !== 'blackhole')?.TransitGatewayId;
  if (!tgw) return undefined;
  const endpointService = endpointServiceName(q.region, service);
  const hostname = `${AWS_SERVICE_ENDPOINT_NAMES[service]}.${q.region}.amazonaws.com`;
  const vpc = vpcId ?? 'the VPC';
  const elsewhere = ctx.index.inventory.vpcEndpoints.find(
    (e) =>
      e.ServiceName === endpointService &&
      e.VpcEndpointType === 'Interface' &&
      e.VpcId !== vpcId &&
      usable(e),
  );
  const candidate = elsewhere ? ` (${elsewhere.VpcEndpointId} in ${elsewhere.VpcId} is one)` : '';
  return (
    `${rtb.RouteTableId} routes to transit gateway ${tgw}, so ${endpointService} may be served by a shared-services VPC's interface endpoint${candidate}: ` +
    `check that a Route 53 private hosted zone for ${hostname} is associated with ${vpc} (aws route53 list-hosted-zones-by-vpc --vpc-id ${vpc} --vpc-region ${q.region}) ` +
    `and points at that endpoint, that ${rtb.RouteTableId} routes the endpoint's subnets to ${tgw}, and that the endpoint's security group and the network ACLs on the way admit TCP ${AWS_API_PORT} from ${ctx.index.subnets.get(subnetId)?.CidrBlock ?? subnetId}`
  );
}

/** Pending, rejected, deleted or failed endpoints carry nothing; a record without a state is taken as it is. */
function usable(e: VpcEndpoint): boolean {
  return e.State === undefined || e.State.toLowerCase() === 'available';
}

function groupsOf(e: VpcEndpoint): string[] {
  return (e.Groups ?? []).map((g) => g.GroupId);
}

/** The prober as a peer: its subnet's addresses, and its groups for a rule that references them. */
function proberPeer(ctx: AnalysisContext, q: ApiPathQuestion, subnetId: string): Peer | undefined {
  const cidr = cidrOfSubnet(ctx, subnetId);
  if (!cidr) return undefined;
  const eni: Eni = {
    NetworkInterfaceId: `prober in ${subnetId}`,
    SubnetId: subnetId,
    VpcId: ctx.index.subnets.get(subnetId)?.VpcId,
    PrivateIpAddresses: [],
    Ipv6Addresses: [],
    GroupIds: q.securityGroupIds ?? [],
  };
  return {
    family: 'ipv4',
    addresses: AddressSet.fromCidrs('ipv4', [cidr]),
    label: proberPeerName(ctx, q, subnetId),
    eni,
  };
}

function proberPeerName(ctx: AnalysisContext, q: ApiPathQuestion, subnetId: string): string {
  const groups = q.securityGroupIds ?? [];
  if (groups.length > 0) return groups.join(', ');
  return ctx.index.subnets.get(subnetId)?.CidrBlock ?? subnetId;
}

function cidrOfSubnet(ctx: AnalysisContext, subnetId: string): Cidr | undefined {
  const text = ctx.index.subnets.get(subnetId)?.CidrBlock;
  return text === undefined ? undefined : parseCidr(text);
}

/** Whether the endpoint's groups admit TCP 443 from the prober (security groups are stateful: one direction). */
function admits(
  ctx: AnalysisContext,
  q: ApiPathQuestion,
  subnetId: string,
  endpoint: VpcEndpoint,
): { status: ApiPathStatus; detail: string } {
  const peer = proberPeer(ctx, q, subnetId);
  if (!peer) return { status: 'unknown', detail: `the CIDR of ${subnetId} is not in describe-subnets.json` };
  const eni: Eni = {
    NetworkInterfaceId: endpoint.VpcEndpointId,
    VpcId: endpoint.VpcId,
    PrivateIpAddresses: [],
    Ipv6Addresses: [],
    GroupIds: groupsOf(endpoint),
  };
  const v = evaluateSecurityGroups(ctx, { eni, direction: 'inbound', peer, port: AWS_API_PORT });
  if (v.passed) return { status: 'ok', detail: v.evidence[0] ?? `its groups admit TCP ${AWS_API_PORT}` };
  if ((v.missing ?? []).length > 0)
    return { status: 'unknown', detail: v.missing!.map((m) => m.detail).join('; ') };
  return { status: 'missing', detail: v.blockers.map((b) => b.detail).join('; ') };
}

/** A route to the service's prefix list through one of its gateway endpoints, described; else undefined. */
function gatewayRoute(
  ctx: AnalysisContext,
  rtb: RouteTable,
  endpoints: readonly VpcEndpoint[],
  endpointService: string,
): { detail: string; prefixListId: string | undefined } | undefined {
  const gateways = endpoints.filter((e) => e.VpcEndpointType === 'Gateway');
  const ids = new Set(gateways.map((e) => e.VpcEndpointId));
  const prefixLists = new Set(
    ctx.index.inventory.managedPrefixLists
      .filter((p) => p.PrefixListName === endpointService)
      .map((p) => p.PrefixListId),
  );
  for (const r of rtb.Routes ?? []) {
    const target = r.GatewayId ?? r.VpcEndpointId;
    if (!r.DestinationPrefixListId || !target || r.State === 'blackhole') continue;
    // The prefix list's name says which service it is; without the list's record, the endpoint's does.
    if (prefixLists.has(r.DestinationPrefixListId) || ids.has(target))
      return {
        detail: `gateway endpoint ${target}: ${rtb.RouteTableId} routes ${r.DestinationPrefixListId} to it`,
        prefixListId: r.DestinationPrefixListId,
      };
  }
  // DescribeVpcEndpoints lists the tables a gateway endpoint adds its route to.
  const listed = gateways.find((e) => e.RouteTableIds?.includes(rtb.RouteTableId));
  return (
    listed && {
      detail: `gateway endpoint ${listed.VpcEndpointId} is associated with ${rtb.RouteTableId}`,
      prefixListId: [...prefixLists][0],
    }
  );
}

/** The subnet's way to public addresses: its default route to a NAT gateway, here or behind a transit gateway. */
function natEgress(
  ctx: AnalysisContext,
  rtb: RouteTable,
  vpcId: string | undefined,
  subnetId: string,
): { status: ApiPathStatus; detail: string; natGatewayId?: string } {
  const route = (rtb.Routes ?? []).find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
  const table = rtb.RouteTableId;
  if (!route) return { status: 'missing', detail: `${table} has no default route (0.0.0.0/0)` };
  if (route.State === 'blackhole')
    return { status: 'missing', detail: `${table}'s default route is a blackhole (its target is gone)` };
  if (route.NatGatewayId) {
    const nat = ctx.index.inventory.natGateways.find((n) => n.NatGatewayId === route.NatGatewayId);
    if (nat?.ConnectivityType === 'private')
      return {
        status: 'missing',
        detail: `${table} sends 0.0.0.0/0 to ${route.NatGatewayId}, a private NAT gateway, which does not reach public addresses`,
      };
    if (nat?.State !== undefined && nat.State !== 'available')
      return {
        status: 'missing',
        detail: `${table} sends 0.0.0.0/0 to ${route.NatGatewayId}, which is ${nat.State}`,
      };
    return {
      status: 'ok',
      detail: `${table} sends 0.0.0.0/0 to NAT gateway ${route.NatGatewayId}`,
      natGatewayId: route.NatGatewayId,
    };
  }
  if (route.TransitGatewayId) {
    const out = egressThroughTransitGateway(
      ctx,
      route.TransitGatewayId,
      vpcId,
      subnetId,
      AddressSet.all('ipv4'),
    );
    if (out.kind === 'nat') return { status: 'ok', detail: `${table} sends 0.0.0.0/0 on: ${out.evidence}` };
    if (out.kind === 'missing') return { status: 'unknown', detail: out.missing.detail };
    return { status: 'missing', detail: `${table} sends 0.0.0.0/0 to ${route.TransitGatewayId}: ${out.why}` };
  }
  if (route.GatewayId?.startsWith('igw-'))
    return {
      status: 'missing',
      detail: `${table} sends 0.0.0.0/0 to internet gateway ${route.GatewayId}, which carries only addresses with a public IP, and a Lambda function's network interface never has one`,
    };
  const target =
    route.GatewayId ?? route.VpcEndpointId ?? route.NetworkInterfaceId ?? route.VpcPeeringConnectionId;
  return {
    status: 'unknown',
    detail: `${table} sends 0.0.0.0/0 to ${target ?? 'a target'} port22 does not follow to the internet (an appliance or firewall): check it passes HTTPS`,
  };
}

function natFix(ctx: AnalysisContext, rtb: RouteTable, vpcId: string | undefined): string {
  const nat = ctx.index.inventory.natGateways.find(
    (n) => n.VpcId === vpcId && n.State === 'available' && n.ConnectivityType !== 'private',
  );
  return `add the route 0.0.0.0/0 → ${nat?.NatGatewayId ?? 'a NAT gateway'} to ${rtb.RouteTableId}`;
}

/** A path whose route exists, and the network ACLs on it: both must let it through. */
function withAcls(
  verdict: (status: ApiPathStatus, detail: string, fix?: string) => ApiPath,
  route: string,
  acls: AclOutcome,
): ApiPath {
  if (acls.status === 'ok') return verdict('ok', acls.detail === '' ? route : `${route}; ${acls.detail}`);
  return verdict(acls.status, `${route}, but ${acls.detail}`, acls.fix);
}

/**
 * The boundaries a path crosses; a string when the inventory lacks what says which (the path is then
 * unknown); with a note when some were left out for want of data AWS need not have.
 */
type HopList = readonly AclHop[] | string | { readonly hops: readonly AclHop[]; readonly note: string };

function aclsTo(ctx: AnalysisContext, list: HopList): AclOutcome {
  if (typeof list === 'string') return { status: 'unknown', detail: list };
  if (!('note' in list)) return evaluateAclHops(ctx, list, AWS_API_PORT);
  const outcome = evaluateAclHops(ctx, list.hops, AWS_API_PORT);
  return { ...outcome, detail: outcome.detail === '' ? list.note : `${outcome.detail} (${list.note})` };
}

/** A subnet's addresses as a peer of the far end's boundary, worded by its CIDR. */
function subnetPeer(ctx: AnalysisContext, subnetId: string): { peer: Peer; cidr: string } | undefined {
  const cidr = cidrOfSubnet(ctx, subnetId);
  if (!cidr) return undefined;
  const text = formatCidr(cidr);
  return {
    peer: { family: 'ipv4', addresses: AddressSet.fromCidrs('ipv4', [cidr]), label: text },
    cidr: text,
  };
}

/** The public addresses of an AWS service: not in the inventory, so any public address is a candidate. */
function publicService(endpointService: string): Pick<AclHop, 'peer' | 'peerCidrs' | 'candidates'> {
  return {
    peer: { family: 'ipv4', addresses: publicAddresses('ipv4'), label: 'the internet' },
    peerCidrs: ['0.0.0.0/0'],
    candidates: `the public addresses of ${endpointService} are not in the inventory`,
  };
}

/**
 * To an interface endpoint: private DNS answers with the addresses of its network interfaces in every
 * subnet it has, so the prober may connect to any of them, and each boundary between the two is crossed.
 */
function endpointHops(ctx: AnalysisContext, subnetId: string, endpoint: VpcEndpoint): HopList {
  const prober = subnetPeer(ctx, subnetId);
  if (!prober) return `the CIDR of ${subnetId} is not in describe-subnets.json`;
  const subnets = endpoint.SubnetIds ?? [];
  if (subnets.length === 0)
    return `the subnets of ${endpoint.VpcEndpointId} are not in describe-vpc-endpoints.json, so the network ACLs on the way are unknown`;
  const hops: AclHop[] = [];
  for (const s of subnets) {
    if (s === subnetId) continue;
    const far = endpointPeer(ctx, endpoint, s);
    if (!far)
      return `the CIDR of ${s}, a subnet of ${endpoint.VpcEndpointId}, is not in describe-subnets.json`;
    hops.push({ subnetId, side: 'client', peer: far.peer, peerCidrs: [far.cidr] });
    hops.push({ subnetId: s, side: 'server', peer: prober.peer, peerCidrs: [prober.cidr] });
  }
  return hops;
}

/** The endpoint's interface in `subnetId` (its address where the inventory lists it, else the subnet's CIDR). */
function endpointPeer(
  ctx: AnalysisContext,
  endpoint: VpcEndpoint,
  subnetId: string,
): { peer: Peer; cidr: string } | undefined {
  const address = (endpoint.NetworkInterfaceIds ?? [])
    .map((id) => ctx.index.enis.get(id))
    .find((e) => e?.SubnetId === subnetId)?.PrivateIpAddress;
  const host = address === undefined ? undefined : parseCidr(`${address}/32`);
  if (!host) return subnetPeer(ctx, subnetId);
  return {
    peer: { family: 'ipv4', addresses: AddressSet.fromCidrs('ipv4', [host]), label: address! },
    cidr: formatCidr(host),
  };
}

/**
 * To DynamoDB through its gateway endpoint: the packets keep the service's public addresses, those of its
 * prefix list, and cross only the prober's own boundary. With the list's entries in the inventory they are
 * exact; without them a rule must treat every public address alike to decide.
 */
function prefixListHops(ctx: AnalysisContext, subnetId: string, prefixListId: string | undefined): AclHop[] {
  const entries = prefixListId === undefined ? undefined : ctx.index.inventory.prefixLists.get(prefixListId);
  const cidrs = (entries ?? []).flatMap((e) => {
    const c = parseCidr(e.Cidr);
    return c?.family === 'ipv4' ? [c] : [];
  });
  if (cidrs.length === 0) {
    const service = publicService(prefixListId ?? 'the prefix list');
    return [
      {
        subnetId,
        side: 'client',
        ...service,
        candidates: `the CIDRs of ${prefixListId ?? 'the prefix list'} are not in the inventory (prefix-list-entries/${prefixListId ?? '<pl-id>'}.json, from aws ec2 get-managed-prefix-list-entries)`,
      },
    ];
  }
  const texts = cidrs.map(formatCidr);
  return [
    {
      subnetId,
      side: 'client',
      peer: {
        family: 'ipv4',
        addresses: AddressSet.fromCidrs('ipv4', cidrs),
        label: `${prefixListId} (${texts.join(', ')})`,
      },
      peerCidrs: texts,
    },
  ];
}

/**
 * Out through a NAT gateway: the prober's boundary (to the service's public address, which the NAT
 * gateway does not change), the NAT gateway's subnet taking the request in and the reply out, and the
 * same subnet again on the way to the internet and back (the NAT gateway as the client). Behind a transit
 * gateway (no NAT gateway in this VPC) only the prober's own boundary is evaluated.
 */
function natHops(
  ctx: AnalysisContext,
  subnetId: string,
  natGatewayId: string | undefined,
  endpointService: string,
): HopList {
  const internet = publicService(endpointService);
  const hops: AclHop[] = [{ subnetId, side: 'client', ...internet }];
  if (natGatewayId === undefined) return hops;
  const natSubnet = ctx.index.inventory.natGateways.find((n) => n.NatGatewayId === natGatewayId)?.SubnetId;
  // A route to a NAT gateway the inventory does not describe (describe-nat-gateways.json is optional) is
  // followed as far as the prober's own boundary, and says so.
  if (natSubnet === undefined)
    return {
      hops,
      note: `${natGatewayId} is not in describe-nat-gateways.json: the network ACL of its subnet was not read`,
    };
  if (natSubnet === subnetId) return hops;
  const prober = subnetPeer(ctx, subnetId);
  if (!prober) return `the CIDR of ${subnetId} is not in describe-subnets.json`;
  hops.push({ subnetId: natSubnet, side: 'server', peer: prober.peer, peerCidrs: [prober.cidr] });
  hops.push({ subnetId: natSubnet, side: 'client', ...internet });
  return hops;
}
