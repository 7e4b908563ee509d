/**
 * The live inventory: the same documents as the inventory directory (DESIGN.md, "Inventory directory"),
 * read from the EC2 API with the SDK's paginators and handed to the same pure parser, so the directory
 * and the API produce one model, validated the same way.
 *
 * AWS Network Firewall is read only for VPCs whose route tables send traffic to a VPC endpoint by CIDR,
 * IPv4 or IPv6, named in `VpcEndpointId` or `GatewayId` (a
 * firewall endpoint is a Gateway Load Balancer endpoint in the firewall's own VPC, and only a route to it puts
 * a firewall on a path; gateway endpoints for S3/DynamoDB are routed to by prefix list and never inspect).
 *
 * Throttling is the client's business (./client-options.ts): each page request is retried by the SDK. A call that
 * still fails rejects the whole collection: a half-read region presented as whole would prove reachability
 * wrong.
 */
import {
  DescribeAddressesCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcBlockPublicAccessExclusionsCommand,
  DescribeVpcBlockPublicAccessOptionsCommand,
  EC2Client,
  type Filter,
  paginateDescribeInstanceStatus,
  paginateDescribeInstances,
  paginateDescribeInternetGateways,
  paginateDescribeManagedPrefixLists,
  paginateDescribeNatGateways,
  paginateDescribeNetworkAcls,
  paginateDescribeNetworkInterfaces,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeTransitGatewayAttachments,
  paginateDescribeTransitGatewayPeeringAttachments,
  paginateDescribeTransitGatewayRouteTables,
  paginateDescribeTransitGateways,
  paginateDescribeTransitGatewayVpcAttachments,
  paginateDescribeVpcEndpoints,
  paginateDescribeVpcPeeringConnections,
  paginateDescribeVpcs,
  paginateGetManagedPrefixListEntries,
  paginateGetTransitGatewayRouteTablePropagations,
  paginateSearchTransitGatewayRoutes,
} from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeFirewallCommand,
  DescribeFirewallPolicyCommand,
  DescribeRuleGroupCommand,
  NetworkFirewallClient,
  paginateListFirewalls,
} from '@aws-sdk/client-network-firewall';
import type { Inventory } from '../../core/inventory/model.ts';
import { parseInventory, type RawInventory, VPC_DNS_ATTRIBUTES } from '../../core/inventory/parse.ts';
import { vpcsRoutingToEndpoints } from '../../core/reachability/firewall-endpoints.ts';
import { attemptsOf, clientOptions } from './client-options.ts';
import { collectLoadBalancing } from './elbv2-inventory.ts';

/** One EC2 call failed for good: names the call, so the user knows which permission or limit to look at. */
export class InventoryCollectionError extends Error {
  override name = 'InventoryCollectionError';
  readonly attempts: number;
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    const e = cause as { name?: string; message?: string };
    const attempts = attemptsOf(cause);
    super(
      `${operation} failed${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${e?.name ?? 'Error'}: ${e?.message ?? String(cause)}`,
      { cause },
    );
    this.attempts = attempts;
  }
}

export interface CollectInventoryOptions {
  /** @default {@link defaultEc2Client} */
  readonly client?: EC2Client;
  /** @default {@link defaultNetworkFirewallClient} in the EC2 client's Region */
  readonly networkFirewallClient?: NetworkFirewallClient;
  /**
   * Reads the load balancers (docs/load-balancers.md) with this client. Opt-in: it needs the
   * `elasticloadbalancing:Describe*` reads the deployed prober is not granted yet.
   * @default none: no load balancers
   */
  readonly elbv2Client?: ElasticLoadBalancingV2Client;
  /** Only these VPCs (the `vpc-id` filter on every VPC-scoped call). @default every VPC in the region */
  readonly vpcIds?: readonly string[];
  /** Aborts the collection (passed to every request and checked between pages). */
  readonly signal?: AbortSignal;
  /**
   * Told of a part that could not be read while the rest was: the load balancers, which only add HA groups
   * and whose API a VPC reaching AWS through endpoints may not have a way to; the VPCs' DNS attributes,
   * which only refine the prober's own paths. @default that part fails the whole collection
   */
  readonly onPartialFailure?: (line: string) => void;
}

/** The production client: timeouts, and the SDK's adaptive retry, which rate-limits the client once EC2 throttles. */
export function defaultEc2Client(region?: string): EC2Client {
  return new EC2Client(clientOptions('ec2', region ? { region } : {}));
}

/** The production Network Firewall client, with the same timeouts and retry behaviour as the EC2 one. */
export function defaultNetworkFirewallClient(region?: string): NetworkFirewallClient {
  return new NetworkFirewallClient(clientOptions('network-firewall', region ? { region } : {}));
}

/** The pages of a call that has `NextToken` but no paginator in the SDK. */
async function* byNextToken<T extends { NextToken?: string | undefined }>(
  send: (token: string | undefined) => Promise<T>,
): AsyncGenerator<T> {
  let token: string | undefined;
  do {
    const page = await send(token);
    yield page;
    token = page.NextToken;
  } while (token);
}

/** A call that answers in one response. */
async function* once<T>(send: () => Promise<T>): AsyncGenerator<T> {
  yield await send();
}

/** Every page of one paginated call; a failure, once the SDK has given up on it, names the call. */
async function allPages<T>(operation: string, signal: AbortSignal, pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  try {
    for await (const page of pages) {
      out.push(page);
      signal.throwIfAborted();
    }
    return out;
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw new InventoryCollectionError(operation, err);
  }
}

/** Prefix lists that decide something: referenced by a security group rule or as a route destination. */
function referencedPrefixLists(
  securityGroups: readonly { IpPermissions?: PlRefs[]; IpPermissionsEgress?: PlRefs[] }[],
  routeTables: readonly { Routes?: { DestinationPrefixListId?: string }[] }[],
): string[] {
  const ids = new Set<string>();
  for (const sg of securityGroups)
    for (const p of [...(sg.IpPermissions ?? []), ...(sg.IpPermissionsEgress ?? [])])
      for (const pl of p.PrefixListIds ?? []) if (pl.PrefixListId) ids.add(pl.PrefixListId);
  for (const rt of routeTables)
    for (const r of rt.Routes ?? []) if (r.DestinationPrefixListId) ids.add(r.DestinationPrefixListId);
  return [...ids].sort();
}
interface PlRefs {
  PrefixListIds?: { PrefixListId?: string }[];
}

/**
 * Reads a region's network configuration (optionally only some VPCs) and returns the inventory model.
 * Rejects with {@link InventoryCollectionError} naming the call when any call fails for good, and with
 * the parser's `InventoryError` when the API returns something the model cannot hold.
 */
export async function collectInventory(options: CollectInventoryOptions = {}): Promise<Inventory> {
  options.signal?.throwIfAborted();
  // Once one call has failed for good the collection is lost: stop the others' pages and retries too (the
  // SDK's HTTP handler sends nothing once the signal is aborted, so a pending retry ends there).
  const giveUp = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, giveUp.signal]) : giveUp.signal;
  const client = options.client ?? defaultEc2Client();
  const cfg = { client };
  const extra = [{ abortSignal: signal }];
  const filters = (name = 'vpc-id'): Filter[] | undefined =>
    options.vpcIds ? [{ Name: name, Values: [...options.vpcIds] }] : undefined;
  const scoped = () => (options.vpcIds ? { Filters: filters() } : {});
  const regionWide = {};

  // The describe calls are independent; Promise.all rejects on the first failure, so no partial model.
  const [
    [instances, securityGroups, subnets, networkAcls, routeTables, vpcs, enis, prefixLists, statuses],
    [internetGateways, natGateways, addresses, endpoints, peerings],
    [tgws, tgwAttachments, tgwVpcAttachments, tgwPeeringAttachments, tgwRouteTables],
    [bpaOptions, bpaExclusions],
  ] = await Promise.all([
    Promise.all([
      allPages('DescribeInstances', signal, paginateDescribeInstances(cfg, scoped(), ...extra)),
      allPages('DescribeSecurityGroups', signal, paginateDescribeSecurityGroups(cfg, scoped(), ...extra)),
      allPages('DescribeSubnets', signal, paginateDescribeSubnets(cfg, scoped(), ...extra)),
      allPages('DescribeNetworkAcls', signal, paginateDescribeNetworkAcls(cfg, scoped(), ...extra)),
      allPages('DescribeRouteTables', signal, paginateDescribeRouteTables(cfg, scoped(), ...extra)),
      allPages('DescribeVpcs', signal, paginateDescribeVpcs(cfg, scoped(), ...extra)),
      allPages(
        'DescribeNetworkInterfaces',
        signal,
        paginateDescribeNetworkInterfaces(cfg, scoped(), ...extra),
      ),
      // Prefix lists are regional, not per VPC: AWS-managed ones (S3, CloudFront) are shared by all.
      allPages('DescribeManagedPrefixLists', signal, paginateDescribeManagedPrefixLists(cfg, {}, ...extra)),
      // DescribeInstanceStatus has no vpc-id filter; it is narrowed to the collected instances below.
      allPages(
        'DescribeInstanceStatus',
        signal,
        paginateDescribeInstanceStatus(cfg, { IncludeAllInstances: true }, ...extra),
      ),
    ]),
    Promise.all([
      allPages(
        'DescribeInternetGateways',
        signal,
        paginateDescribeInternetGateways(
          cfg,
          options.vpcIds ? { Filters: filters('attachment.vpc-id') } : regionWide,
          ...extra,
        ),
      ),
      // DescribeNatGateways names its filter list `Filter`, not `Filters`.
      allPages(
        'DescribeNatGateways',
        signal,
        paginateDescribeNatGateways(cfg, options.vpcIds ? { Filter: filters() } : regionWide, ...extra),
      ),
      // Elastic IPs have no VPC filter and no pagination: one answer for the Region.
      allPages(
        'DescribeAddresses',
        signal,
        once(() => client.send(new DescribeAddressesCommand({}), { abortSignal: signal })),
      ),
      allPages('DescribeVpcEndpoints', signal, paginateDescribeVpcEndpoints(cfg, scoped(), ...extra)),
      // A peering connection names the VPC on either side (two filters would be ANDed): Region-wide.
      allPages(
        'DescribeVpcPeeringConnections',
        signal,
        paginateDescribeVpcPeeringConnections(cfg, regionWide, ...extra),
      ),
    ]),
    // Transit gateways join VPCs: their attachments and route tables are read for the whole Region, since
    // a path leaves the monitored VPC through them.
    Promise.all([
      allPages('DescribeTransitGateways', signal, paginateDescribeTransitGateways(cfg, regionWide, ...extra)),
      allPages(
        'DescribeTransitGatewayAttachments',
        signal,
        paginateDescribeTransitGatewayAttachments(cfg, regionWide, ...extra),
      ),
      allPages(
        'DescribeTransitGatewayVpcAttachments',
        signal,
        paginateDescribeTransitGatewayVpcAttachments(cfg, regionWide, ...extra),
      ),
      allPages(
        'DescribeTransitGatewayPeeringAttachments',
        signal,
        paginateDescribeTransitGatewayPeeringAttachments(cfg, regionWide, ...extra),
      ),
      allPages(
        'DescribeTransitGatewayRouteTables',
        signal,
        paginateDescribeTransitGatewayRouteTables(cfg, regionWide, ...extra),
      ),
    ]),
    Promise.all([
      allPages(
        'DescribeVpcBlockPublicAccessOptions',
        signal,
        once(() => client.send(new DescribeVpcBlockPublicAccessOptionsCommand({}), { abortSignal: signal })),
      ),
      allPages(
        'DescribeVpcBlockPublicAccessExclusions',
        signal,
        byNextToken((NextToken) =>
          client.send(new DescribeVpcBlockPublicAccessExclusionsCommand(NextToken ? { NextToken } : {}), {
            abortSignal: signal,
          }),
        ),
      ),
    ]),
  ]).catch((error: unknown) => {
    giveUp.abort();
    throw error;
  });

  const groupList = securityGroups.flatMap((p) => p.SecurityGroups ?? []);
  const routeTableList = routeTables.flatMap((p) => p.RouteTables ?? []);
  const prefixListEntries = new Map<string, unknown>();
  for (const id of referencedPrefixLists(groupList, routeTableList)) {
    const pages = await allPages(
      `GetManagedPrefixListEntries ${id}`,
      signal,
      paginateGetManagedPrefixListEntries(cfg, { PrefixListId: id }, ...extra),
    );
    prefixListEntries.set(id, { Entries: pages.flatMap((p) => p.Entries ?? []) });
  }

  /** A part whose failure leaves the rest whole: told to onPartialFailure, read as `fallback`. */
  const partly =
    <T>(what: string, fallback: T) =>
    (error: unknown): T => {
      if (options.onPartialFailure === undefined || signal.aborted) throw error;
      options.onPartialFailure(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      return fallback;
    };

  // The DNS attributes only refine the prober's own paths (unread, those carry a note): a role or user
  // without ec2:DescribeVpcAttribute still gets the rest, as with the load balancers below.
  const vpcAttributes = await collectDnsAttributes(
    client,
    endpoints.flatMap((p) => p.VpcEndpoints ?? []),
    signal,
  ).catch(partly("VPC DNS attributes not read (the prober's paths note it)", new Map<string, unknown>()));

  const tgwRouteTableList = tgwRouteTables.flatMap((p) => p.TransitGatewayRouteTables ?? []);
  const propagations = new Map<string, unknown>();
  const staticRoutes = new Map<string, unknown>();
  for (const { TransitGatewayRouteTableId: id } of tgwRouteTableList) {
    if (!id) continue;
    const pages = await allPages(
      `GetTransitGatewayRouteTablePropagations ${id}`,
      signal,
      paginateGetTransitGatewayRouteTablePropagations(cfg, { TransitGatewayRouteTableId: id }, ...extra),
    );
    propagations.set(id, {
      TransitGatewayRouteTablePropagations: pages.flatMap(
        (p) => p.TransitGatewayRouteTablePropagations ?? [],
      ),
    });
    // Static routes only: propagated ones follow from the propagations and the attached VPCs' CIDRs.
    const routes = await allPages(
      `SearchTransitGatewayRoutes ${id}`,
      signal,
      paginateSearchTransitGatewayRoutes(
        cfg,
        { TransitGatewayRouteTableId: id, Filters: [{ Name: 'type', Values: ['static'] }] },
        ...extra,
      ),
    );
    staticRoutes.set(id, { Routes: routes.flatMap((p) => p.Routes ?? []) });
  }

  const firewalls = await collectNetworkFirewalls(
    vpcsRoutingToEndpoints(routeTableList),
    options.networkFirewallClient ?? defaultNetworkFirewallClient(await client.config.region()),
    signal,
  );

  const balancing = options.elbv2Client
    ? await collectLoadBalancing(options.elbv2Client, options.vpcIds, signal, (operation, pages) =>
        allPages(operation, signal, pages),
      ).catch(partly('load balancers not read (no load-balanced groups this run)', undefined))
    : undefined;

  const reservations = instances.flatMap((p) => p.Reservations ?? []);
  const instanceIds = new Set(reservations.flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId)));
  const statusList = statuses
    .flatMap((p) => p.InstanceStatuses ?? [])
    .filter((s) => !options.vpcIds || instanceIds.has(s.InstanceId));
  const bpa = bpaOptions[0]?.VpcBlockPublicAccessOptions;

  const raw: RawInventory = {
    documents: {
      'describe-instances.json': { Reservations: reservations },
      'describe-security-groups.json': { SecurityGroups: groupList },
      'describe-subnets.json': { Subnets: subnets.flatMap((p) => p.Subnets ?? []) },
      'describe-network-acls.json': { NetworkAcls: networkAcls.flatMap((p) => p.NetworkAcls ?? []) },
      'describe-route-tables.json': { RouteTables: routeTableList },
      'describe-vpcs.json': { Vpcs: vpcs.flatMap((p) => p.Vpcs ?? []) },
      'describe-network-interfaces.json': {
        NetworkInterfaces: enis.flatMap((p) => p.NetworkInterfaces ?? []),
      },
      'describe-managed-prefix-lists.json': { PrefixLists: prefixLists.flatMap((p) => p.PrefixLists ?? []) },
      'describe-instance-status.json': { InstanceStatuses: statusList },
      'describe-internet-gateways.json': {
        InternetGateways: internetGateways.flatMap((p) => p.InternetGateways ?? []),
      },
      'describe-nat-gateways.json': { NatGateways: natGateways.flatMap((p) => p.NatGateways ?? []) },
      'describe-addresses.json': { Addresses: addresses.flatMap((p) => p.Addresses ?? []) },
      'describe-vpc-endpoints.json': { VpcEndpoints: endpoints.flatMap((p) => p.VpcEndpoints ?? []) },
      'describe-vpc-peering-connections.json': {
        VpcPeeringConnections: peerings.flatMap((p) => p.VpcPeeringConnections ?? []),
      },
      'describe-transit-gateways.json': { TransitGateways: tgws.flatMap((p) => p.TransitGateways ?? []) },
      'describe-transit-gateway-attachments.json': {
        TransitGatewayAttachments: tgwAttachments.flatMap((p) => p.TransitGatewayAttachments ?? []),
      },
      'describe-transit-gateway-vpc-attachments.json': {
        TransitGatewayVpcAttachments: tgwVpcAttachments.flatMap((p) => p.TransitGatewayVpcAttachments ?? []),
      },
      'describe-transit-gateway-peering-attachments.json': {
        TransitGatewayPeeringAttachments: tgwPeeringAttachments.flatMap(
          (p) => p.TransitGatewayPeeringAttachments ?? [],
        ),
      },
      'describe-transit-gateway-route-tables.json': { TransitGatewayRouteTables: tgwRouteTableList },
      // An answer without the setting leaves it unknown, as a missing file does.
      ...(bpa
        ? { 'describe-vpc-block-public-access-options.json': { VpcBlockPublicAccessOptions: bpa } }
        : {}),
      'describe-vpc-block-public-access-exclusions.json': {
        VpcBlockPublicAccessExclusions: bpaExclusions.flatMap((p) => p.VpcBlockPublicAccessExclusions ?? []),
      },
    },
    prefixListEntries,
    vpcAttributes,
    transitGatewayRouteTablePropagations: propagations,
    transitGatewayStaticRoutes: staticRoutes,
    ...firewalls,
    ...(balancing
      ? {
          targetHealth: balancing.targetHealth,
          listeners: balancing.listeners,
          loadBalancerAttributes: balancing.loadBalancerAttributes,
          targetGroupAttributes: balancing.targetGroupAttributes,
        }
      : {}),
  };
  return parseInventory(
    balancing ? { ...raw, documents: { ...raw.documents, ...balancing.documents } } : raw,
  );
}

/**
 * The DNS attributes of the VPCs with an interface endpoint whose private DNS is on, the only ones whose
 * paths they decide (core/reachability/api-paths.ts), keyed as the inventory directory names their files:
 * DescribeVpcAttribute takes one attribute a call.
 */
async function collectDnsAttributes(
  client: EC2Client,
  endpoints: readonly { VpcId?: string; VpcEndpointType?: string; PrivateDnsEnabled?: boolean }[],
  signal: AbortSignal,
): Promise<Map<string, unknown>> {
  const vpcIds = [
    ...new Set(
      endpoints.flatMap((e) =>
        e.VpcId && e.VpcEndpointType === 'Interface' && e.PrivateDnsEnabled ? [e.VpcId] : [],
      ),
    ),
  ].sort();
  const out = new Map<string, unknown>();
  for (const vpcId of vpcIds)
    for (const attribute of VPC_DNS_ATTRIBUTES) {
      const [answer] = await allPages(
        `DescribeVpcAttribute ${vpcId} ${attribute}`,
        signal,
        once(() =>
          client.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: attribute }), {
            abortSignal: signal,
          }),
        ),
      );
      out.set(`${vpcId}-${attribute}`, answer);
    }
  return out;
}

/**
 * The Network Firewalls in `vpcIds`, their policies and the rule groups those reference, keyed by name as
 * the inventory directory names their files. Shared policies and rule groups are read once.
 */
async function collectNetworkFirewalls(
  vpcIds: readonly string[],
  client: NetworkFirewallClient,
  signal: AbortSignal,
): Promise<Pick<RawInventory, 'networkFirewalls' | 'networkFirewallPolicies' | 'networkFirewallRuleGroups'>> {
  const networkFirewalls = new Map<string, unknown>();
  const networkFirewallPolicies = new Map<string, unknown>();
  const networkFirewallRuleGroups = new Map<string, unknown>();
  if (vpcIds.length === 0) return { networkFirewalls, networkFirewallPolicies, networkFirewallRuleGroups };
  const one = async <T>(operation: string, send: () => Promise<T>): Promise<T> =>
    (await allPages(operation, signal, once(send)))[0]!;

  const listed = await allPages(
    'ListFirewalls',
    signal,
    paginateListFirewalls({ client }, { VpcIds: [...vpcIds] }, { abortSignal: signal }),
  );
  const policyArns = new Set<string>();
  for (const { FirewallArn, FirewallName } of listed.flatMap((p) => p.Firewalls ?? [])) {
    const described = await one(`DescribeFirewall ${FirewallName ?? FirewallArn}`, () =>
      client.send(new DescribeFirewallCommand({ FirewallArn }), { abortSignal: signal }),
    );
    const { $metadata: _, ...doc } = described;
    networkFirewalls.set(described.Firewall?.FirewallName ?? FirewallName ?? String(FirewallArn), doc);
    if (described.Firewall?.FirewallPolicyArn) policyArns.add(described.Firewall.FirewallPolicyArn);
  }
  const ruleGroupArns = new Set<string>();
  for (const arn of [...policyArns].sort()) {
    const { $metadata: _, ...doc } = await one(`DescribeFirewallPolicy ${arn}`, () =>
      client.send(new DescribeFirewallPolicyCommand({ FirewallPolicyArn: arn }), { abortSignal: signal }),
    );
    networkFirewallPolicies.set(doc.FirewallPolicyResponse?.FirewallPolicyName ?? arn, doc);
    for (const ref of [
      ...(doc.FirewallPolicy?.StatelessRuleGroupReferences ?? []),
      ...(doc.FirewallPolicy?.StatefulRuleGroupReferences ?? []),
    ])
      if (ref.ResourceArn) ruleGroupArns.add(ref.ResourceArn);
  }
  for (const arn of [...ruleGroupArns].sort()) {
    const { $metadata: _, ...doc } = await one(`DescribeRuleGroup ${arn}`, () =>
      client.send(new DescribeRuleGroupCommand({ RuleGroupArn: arn }), { abortSignal: signal }),
    );
    networkFirewallRuleGroups.set(doc.RuleGroupResponse?.RuleGroupName ?? arn, doc);
  }
  return { networkFirewalls, networkFirewallPolicies, networkFirewallRuleGroups };
}
