/**
 * The live inventory: the same documents as the inventory directory (DESIGN.md, "Inventory directory"),
 * read from the EC2 API with the SDK's paginators and handed to the same pure parser, so the directory
 * and the API produce one model, validated the same way.
 *
 * Throttling is the client's business (./retry.ts): each page request is retried by the SDK. A call that
 * still fails rejects the whole collection: a half-read region presented as whole would prove reachability
 * wrong.
 */
import {
  EC2Client,
  type Filter,
  paginateDescribeInstanceStatus,
  paginateDescribeInstances,
  paginateDescribeManagedPrefixLists,
  paginateDescribeNetworkAcls,
  paginateDescribeNetworkInterfaces,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcs,
  paginateGetManagedPrefixListEntries,
} from '@aws-sdk/client-ec2';
import type { Inventory } from '../../core/inventory/model.ts';
import { parseInventory, type RawInventory } from '../../core/inventory/parse.ts';
import { attemptsOf, SDK_RETRY } from './retry.ts';

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
  /** Only these VPCs (the `vpc-id` filter on every VPC-scoped call). @default every VPC in the region */
  readonly vpcIds?: readonly string[];
  /** Aborts the collection (passed to every request and checked between pages). */
  readonly signal?: AbortSignal;
}

/** The production client: the SDK's adaptive retry, which rate-limits the client once EC2 throttles. */
export function defaultEc2Client(region?: string): EC2Client {
  return new EC2Client({ ...(region ? { region } : {}), ...SDK_RETRY });
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
  const filters = (): Filter[] | undefined =>
    options.vpcIds ? [{ Name: 'vpc-id', Values: [...options.vpcIds] }] : undefined;
  const scoped = () => (options.vpcIds ? { Filters: filters() } : {});

  // The describe calls are independent; Promise.all rejects on the first failure, so no partial model.
  const [instances, securityGroups, subnets, networkAcls, routeTables, vpcs, enis, prefixLists, statuses] =
    await Promise.all([
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

  const reservations = instances.flatMap((p) => p.Reservations ?? []);
  const instanceIds = new Set(reservations.flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId)));
  const statusList = statuses
    .flatMap((p) => p.InstanceStatuses ?? [])
    .filter((s) => !options.vpcIds || instanceIds.has(s.InstanceId));

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
    },
    prefixListEntries,
  };
  return parseInventory(raw);
}
