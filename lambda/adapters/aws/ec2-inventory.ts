/**
 * The live inventory: the same documents as the inventory directory (DESIGN.md, "Inventory directory"),
 * read from the EC2 API with the SDK's paginators and handed to the same pure parser, so the directory
 * and the API produce one model, validated the same way.
 *
 * Throttling is handled twice, on purpose. The production client uses the SDK's adaptive retry mode
 * (client-side rate limiting on top of exponential backoff), which EC2's per-account request-rate
 * throttling (`RequestLimitExceeded`) calls for. Should a page still fail throttled after those attempts,
 * the collector waits and resumes the paginator from that page's token (`startingToken`), so a
 * 40-page DescribeInstances does not start over. Any other error, or throttling past the last attempt,
 * rejects the whole collection: a half-read region presented as whole would prove reachability wrong.
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
import { backoffDelayMs, isThrottling } from './throttling.ts';

/** One EC2 call failed for good: names the call, so the user knows which permission or limit to look at. */
export class InventoryCollectionError extends Error {
  override name = 'InventoryCollectionError';
  constructor(
    readonly operation: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    const e = cause as { name?: string; message?: string };
    super(
      `${operation} failed${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${e?.name ?? 'Error'}: ${e?.message ?? String(cause)}`,
      { cause },
    );
  }
}

export interface CollectInventoryOptions {
  /** @default an EC2Client with `retryMode: 'adaptive'` and `maxAttempts` {@link DEFAULT_SDK_MAX_ATTEMPTS} */
  readonly client?: EC2Client;
  /** Only these VPCs (the `vpc-id` filter on every VPC-scoped call). @default every VPC in the region */
  readonly vpcIds?: readonly string[];
  /** Aborts the collection (passed to every request and checked between pages). */
  readonly signal?: AbortSignal;
  /** Rounds per page when throttling outlasts the SDK's own retries. @default 3 */
  readonly maxAttempts?: number;
  /** Backoff base between rounds: round n waits base·2^(n-1) plus up to 50 % jitter. @default 1000 */
  readonly backoffMs?: number;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_SDK_MAX_ATTEMPTS = 8;

/** The production client: adaptive retry, which rate-limits the client itself once EC2 starts throttling. */
export function defaultEc2Client(region?: string): EC2Client {
  return new EC2Client({
    ...(region ? { region } : {}),
    retryMode: 'adaptive',
    maxAttempts: DEFAULT_SDK_MAX_ATTEMPTS,
  });
}

type PageOf<P> = P extends AsyncIterable<infer T> ? T : never;

interface Paging {
  readonly client: EC2Client;
  readonly signal?: AbortSignal;
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Every page of one paginated call. `start(token)` opens the paginator at `token` (undefined: the first
 * page); a throttled page is retried by reopening at its own token.
 */
async function allPages<P extends AsyncIterable<{ NextToken?: string }>>(
  paging: Paging,
  operation: string,
  start: (startingToken: string | undefined) => P,
): Promise<PageOf<P>[]> {
  const pages: PageOf<P>[] = [];
  let token: string | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      for await (const page of start(token)) {
        pages.push(page as PageOf<P>);
        token = page.NextToken;
        attempt = 1;
        paging.signal?.throwIfAborted();
      }
      return pages;
    } catch (err) {
      if (paging.signal?.aborted) throw paging.signal.reason;
      if (!isThrottling(err) || attempt >= paging.maxAttempts)
        throw new InventoryCollectionError(operation, attempt, err);
      await paging.sleep(backoffDelayMs(paging.backoffMs, attempt));
    }
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
  // Once one call has failed for good the collection is lost: stop the others' pages and retries too.
  const giveUp = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, giveUp.signal]) : giveUp.signal;
  const paging: Paging = {
    client: options.client ?? defaultEc2Client(),
    signal,
    maxAttempts: options.maxAttempts ?? 3,
    backoffMs: options.backoffMs ?? 1000,
    sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
  };
  const { client } = paging;
  const extra = [{ abortSignal: signal }];
  const cfg = (startingToken: string | undefined) => ({
    client,
    ...(startingToken ? { startingToken } : {}),
  });
  const filters = (): Filter[] | undefined =>
    options.vpcIds ? [{ Name: 'vpc-id', Values: [...options.vpcIds] }] : undefined;
  const scoped = () => (options.vpcIds ? { Filters: filters() } : {});

  // The describe calls are independent; Promise.all rejects on the first failure, so no partial model.
  const [instances, securityGroups, subnets, networkAcls, routeTables, vpcs, enis, prefixLists, statuses] =
    await Promise.all([
      allPages(paging, 'DescribeInstances', (t) => paginateDescribeInstances(cfg(t), scoped(), ...extra)),
      allPages(paging, 'DescribeSecurityGroups', (t) =>
        paginateDescribeSecurityGroups(cfg(t), scoped(), ...extra),
      ),
      allPages(paging, 'DescribeSubnets', (t) => paginateDescribeSubnets(cfg(t), scoped(), ...extra)),
      allPages(paging, 'DescribeNetworkAcls', (t) => paginateDescribeNetworkAcls(cfg(t), scoped(), ...extra)),
      allPages(paging, 'DescribeRouteTables', (t) => paginateDescribeRouteTables(cfg(t), scoped(), ...extra)),
      allPages(paging, 'DescribeVpcs', (t) => paginateDescribeVpcs(cfg(t), scoped(), ...extra)),
      allPages(paging, 'DescribeNetworkInterfaces', (t) =>
        paginateDescribeNetworkInterfaces(cfg(t), scoped(), ...extra),
      ),
      // Prefix lists are regional, not per VPC: AWS-managed ones (S3, CloudFront) are shared by all.
      allPages(paging, 'DescribeManagedPrefixLists', (t) =>
        paginateDescribeManagedPrefixLists(cfg(t), {}, ...extra),
      ),
      // DescribeInstanceStatus has no vpc-id filter; it is narrowed to the collected instances below.
      allPages(paging, 'DescribeInstanceStatus', (t) =>
        paginateDescribeInstanceStatus(cfg(t), { IncludeAllInstances: true }, ...extra),
      ),
    ]).catch((error: unknown) => {
      giveUp.abort();
      throw error;
    });

  const groupList = securityGroups.flatMap((p) => p.SecurityGroups ?? []);
  const routeTableList = routeTables.flatMap((p) => p.RouteTables ?? []);
  const prefixListEntries = new Map<string, unknown>();
  for (const id of referencedPrefixLists(groupList, routeTableList)) {
    const pages = await allPages(paging, `GetManagedPrefixListEntries ${id}`, (t) =>
      paginateGetManagedPrefixListEntries(cfg(t), { PrefixListId: id }, ...extra),
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
