/**
 * The lab's flow logs and CloudTrail, made from what really happens in it.
 *
 * Flow logs: every namespace host's nft counts the SSH packets that reached it, per source address and port,
 * and the replies it sent (lab/netns.ts, readFlowCounters). Each count becomes one default-format (version 2)
 * flow-log record of the lab VPC's flow log, with the namespace addresses mapped back to the VPC addresses
 * the resolver mapped them from (the prober's ENI, the instance's address). Where the namespace's nft plays
 * the VPC's security group or ACL (`filter: "vpc"` in lab/fleet/backends.json) its drop is a REJECT record;
 * where it plays the host's firewall the VPC accepted the packets first, so the record is an ACCEPT.
 *
 * CloudTrail: the lab's configuration faults are the lab's own changes. Before a host's first check, the
 * state it would have had when last healthy (its path configuration with the fault repaired, as `--fix`
 * repairs it) is seeded, so "what changed" names the fault; and the `lookup-events` answer for each changed
 * resource records the call that made that change, as `aws cloudtrail lookup-events` prints it, so the
 * change is attributed to the lab's operator.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FlowLogBackend } from '../lambda/adapters/flow-log-evidence.ts';
import { CLOUDTRAIL_DIRECTORY } from '../lambda/adapters/local/evidence-files.ts';
import { loadInventoryDir } from '../lambda/adapters/local/inventory-dir.ts';
import { lookupFor } from '../lambda/core/changes/cloudtrail.ts';
import { type ConfigChange, diffPathConfig, digestPathConfig } from '../lambda/core/changes/path-config.ts';
import { snapshotPath } from '../lambda/core/changes/path-snapshot.ts';
import type { FlowLogDescription, ResultRow } from '../lambda/core/evidence/flow-log.ts';
import { type Inventory, type InventoryIndex, indexInventory } from '../lambda/core/inventory/model.ts';
import { expiryEpochSeconds, type InstanceState } from '../lambda/core/state/instance-state.ts';
import type { StateStore } from '../lambda/ports.ts';
import { applyFix, type Fleet, readFleetFiles } from './fleet.ts';
import type { FleetBackends } from './fleet-backends.ts';
import { readFlowCounters } from './netns.ts';

/** The lab's flow logs: to CloudWatch Logs, every packet, aggregated per minute. */
const LAB_FLOW_LOG_GROUP = '/port22-lab/vpc-flow-logs';
const AGGREGATION_SECONDS = 60;

/** The lab fleet's account (describe-instances.json's OwnerId). */
const LAB_ACCOUNT = '111122223333';

/** Who the lab's configuration changes are made by, and from where (TEST-NET-2, RFC 5737). */
const LAB_OPERATOR = 'lab-operator';
const LAB_OPERATOR_ADDRESS = '198.51.100.22';

export class LabFlowLogBackend implements FlowLogBackend {
  private readonly index: InventoryIndex;

  constructor(
    inventory: Inventory,
    private readonly fleet: Fleet,
    private readonly namespaces: FleetBackends['namespaces'],
    private readonly clock: () => number = Date.now,
  ) {
    this.index = indexInventory(inventory);
  }

  /** One flow log per namespace host's ENI: only there did real packets pass a real filter to count. */
  async describeFlowLogs(resourceIds: readonly string[]): Promise<FlowLogDescription[]> {
    return this.namespaces.flatMap(({ host }, i) => {
      const eni = this.index.primaryEniByInstance.get(host.instanceId)?.NetworkInterfaceId;
      if (eni === undefined || !resourceIds.includes(eni)) return [];
      return [
        {
          FlowLogId: `fl-0b22000000000${String(i + 1).padStart(4, '0')}`,
          FlowLogStatus: 'ACTIVE',
          ResourceId: eni,
          TrafficType: 'ALL',
          LogDestinationType: 'cloud-watch-logs',
          LogGroupName: LAB_FLOW_LOG_GROUP,
          MaxAggregationInterval: AGGREGATION_SECONDS,
        },
      ];
    });
  }

  async runQuery(): Promise<{ rows: ResultRow[]; complete: boolean }> {
    const prober = this.index.enis.get(this.fleet.prober)?.PrivateIpAddresses[0]?.PrivateIpAddress;
    const end = Math.floor(this.clock() / 1000);
    const start = end - AGGREGATION_SECONDS;
    const rows: ResultRow[] = [];
    for (const { host, ns } of this.namespaces) {
      const eni = this.index.primaryEniByInstance.get(host.instanceId);
      const address = eni?.PrivateIpAddresses[0]?.PrivateIpAddress;
      if (eni === undefined || address === undefined) continue;
      // The namespace host sees our side of its veth: the prober, as far as the VPC is concerned.
      const vpcAddress = (a: string) => (a === ns.peerAddress && prober ? prober : a);
      // The VPC's filter rejects in the direction the namespace's nft drops: the way in, or the replies.
      const vpcFilter = 'netns' in host.backend && host.backend.filter === 'vpc';
      const repliesDropped = 'netns' in host.backend && host.backend.netns === 'drop-replies';
      const inAction = vpcFilter && !repliesDropped ? 'REJECT' : 'ACCEPT';
      const outAction = vpcFilter && repliesDropped ? 'REJECT' : 'ACCEPT';
      const record = (
        src: string,
        dst: string,
        sport: number,
        dport: number,
        c: { packets: number; bytes: number },
        action: 'ACCEPT' | 'REJECT',
      ) =>
        `2 ${LAB_ACCOUNT} ${eni.NetworkInterfaceId} ${src} ${dst} ${sport} ${dport} 6 ${c.packets} ${c.bytes} ${start} ${end} ${action} OK`;
      const seen = readFlowCounters(ns.name);
      for (const c of seen.inbound)
        rows.push(message(record(vpcAddress(c.address), address, c.port, ns.port, c, inAction)));
      for (const c of seen.replies)
        rows.push(message(record(address, vpcAddress(c.address), ns.port, c.port, c, outAction)));
    }
    return { rows, complete: true };
  }
}

const message = (value: string): ResultRow => [{ field: '@message', value }];

/** The call that makes each kind of change (what a console or CLI user would have run). */
function eventNameOf(change: ConfigChange): string {
  const id = change.resourceId;
  if (change.change === 'joined' || change.change === 'left') return 'ModifyInstanceAttribute';
  if (id.startsWith('sg-'))
    return change.change === 'removed' ? 'RevokeSecurityGroupIngress' : 'AuthorizeSecurityGroupIngress';
  if (id.startsWith('acl-')) return 'ReplaceNetworkAclEntry';
  return change.change === 'removed' ? 'DeleteRoute' : 'CreateRoute';
}

export interface SeedOptions {
  readonly fleet: Fleet;
  /** The fleet as checked now. */
  readonly current: Inventory;
  /** Hosts already repaired with `--fix` (nothing to seed). */
  readonly fixed: ReadonlySet<string>;
  readonly store: StateStore;
  /** Where `cloudtrail-lookup-events/` is written (the run's inventory directory). */
  readonly inventoryDir: string;
  readonly now: Date;
}

/** Configuration faults the lab seeds a healthy past for: "what changed" and "who" have something to say. */
const SEEDED_FIXES = new Set(['security-group-rule', 'acl-return-path', 'drop-blackhole-route']);

/**
 * For each configuration fault never checked before: the last healthy state (two hours ago, the repaired
 * path's snapshot) and the CloudTrail events of the changes since (an hour ago). Returns the hosts seeded.
 */
export async function seedHealthyPast(opts: SeedOptions): Promise<string[]> {
  const hosts = opts.fleet.hosts.filter(
    (h) => h.fix !== undefined && SEEDED_FIXES.has(h.fix) && !opts.fixed.has(h.instanceId),
  );
  const known = await opts.store.get(hosts.map((h) => h.instanceId));
  if (hosts.every((h) => known.has(h.instanceId))) return [];
  const healthyAt = new Date(opts.now.getTime() - 2 * 3600_000).toISOString();
  const changedAt = new Date(opts.now.getTime() - 3600_000).toISOString();
  const before = indexInventory(await repairedInventory(opts.fleet));
  const after = indexInventory(opts.current);
  const events = new Map<string, object[]>();
  const seeded: string[] = [];
  for (const host of hosts) {
    if (known.has(host.instanceId)) continue;
    const healthy = snapshotPath(before, host.instanceId, opts.fleet.prober);
    const now = snapshotPath(after, host.instanceId, opts.fleet.prober);
    if (healthy === undefined || now === undefined) continue;
    const state: InstanceState = {
      instanceId: host.instanceId,
      diagnosis: 'HEALTHY',
      since: healthyAt,
      consecutiveFailures: 0,
      lastCheckedAt: healthyAt,
      pendingAlerts: [],
      lastHealthy: { at: healthyAt, configDigest: digestPathConfig(healthy), config: healthy },
      version: 0,
      ttl: expiryEpochSeconds(opts.now, 30 * 24 * 3600),
    };
    if ((await opts.store.put(state, 0)) !== 'ok') continue;
    seeded.push(host.instanceId);
    for (const change of diffPathConfig(healthy, now)) {
      const { resourceId } = lookupFor(change, host.instanceId);
      const eventName = eventNameOf(change);
      const list = events.get(resourceId) ?? [];
      if (list.some((e) => (e as { EventName: string }).EventName === eventName)) continue;
      list.push(lookupEvent(resourceId, eventName, changedAt, list.length));
      events.set(resourceId, list);
    }
  }
  const dir = join(opts.inventoryDir, CLOUDTRAIL_DIRECTORY);
  await mkdir(dir, { recursive: true });
  for (const [resourceId, list] of events) {
    const file = join(dir, `${resourceId}.json`);
    const had = await readFile(file, 'utf8').then(
      (text) => (JSON.parse(text) as { Events: object[] }).Events,
      () => [],
    );
    await writeFile(file, `${JSON.stringify({ Events: [...had, ...list] }, null, 2)}\n`);
  }
  return seeded;
}

/** The committed fleet with every seeded fault repaired as `--fix` repairs it: the healthy past. */
async function repairedInventory(fleet: Fleet): Promise<Inventory> {
  const files = await readFleetFiles();
  for (const host of fleet.hosts) if (host.fix && SEEDED_FIXES.has(host.fix)) applyFix(files, fleet, host);
  const dir = await mkdtemp(join(tmpdir(), 'port22-lab-repaired-'));
  try {
    for (const [file, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await writeFile(join(dir, file), JSON.stringify(content));
    }
    return await loadInventoryDir(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One event as `aws cloudtrail lookup-events --output json` prints it: the record is a JSON string. */
function lookupEvent(resourceId: string, eventName: string, at: string, n: number): object {
  const account = LAB_ACCOUNT;
  const eventId = `0b22lab0-0000-4000-8000-${String(n + 1).padStart(12, '0')}`;
  return {
    EventId: eventId,
    EventName: eventName,
    ReadOnly: 'false',
    AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    EventTime: at,
    EventSource: 'ec2.amazonaws.com',
    Username: LAB_OPERATOR,
    Resources: [{ ResourceType: resourceType(resourceId), ResourceName: resourceId }],
    CloudTrailEvent: JSON.stringify({
      eventVersion: '1.08',
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDAEXAMPLELABOPERATOR',
        arn: `arn:aws:iam::${account}:user/${LAB_OPERATOR}`,
        accountId: account,
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        userName: LAB_OPERATOR,
      },
      eventTime: at.replace(/\.\d{3}Z$/, 'Z'),
      eventSource: 'ec2.amazonaws.com',
      eventName,
      awsRegion: 'eu-west-1',
      sourceIPAddress: LAB_OPERATOR_ADDRESS,
      userAgent: 'aws-cli/2.22.0',
      eventID: eventId,
      eventType: 'AwsApiCall',
      recipientAccountId: account,
    }),
  };
}

function resourceType(id: string): string {
  if (id.startsWith('sg-')) return 'AWS::EC2::SecurityGroup';
  if (id.startsWith('acl-')) return 'AWS::EC2::NetworkAcl';
  if (id.startsWith('rtb-')) return 'AWS::EC2::RouteTable';
  return 'AWS::EC2::Instance';
}
