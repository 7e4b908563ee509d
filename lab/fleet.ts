/**
 * The lab's fleet: a fictional VPC (lab/fleet/*.json, exactly what `aws ec2 describe-*` prints), its host
 * signals (lab/fleet/signals.json, the DescribeInstanceStatus and GetMetricData answers side by side) and the
 * backend map (lab/fleet/backends.json: which real peer answers for each instance, what is broken, what
 * diagnosis that must produce, and how `port22 lab --fix` repairs it).
 *
 * Fixes are edits of the AWS CLI JSON, the same change an operator would make with the AWS CLI, applied to
 * a copy: the committed fleet never changes.
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CONSOLE_OUTPUT_DIRECTORY } from '../lambda/adapters/local/console-output-files.ts';
import type { DiagnosisCode } from '../lambda/core/diagnose/types.ts';
import type { HostPolicy } from './netns.ts';
import type { SshdMode } from './sshd.ts';
import type { ZooKind } from './zoo.ts';

const FLEET_DIR = new URL('./fleet/', import.meta.url).pathname;
export const SIGNALS_FILE = 'signals.json';
const BACKENDS_FILE = 'backends.json';

export type Backend =
  /** Real OpenSSH in `mode` when sshd can run here, else the zoo kind `standIn`. */
  | { readonly sshd: SshdMode; readonly standIn: ZooKind }
  | { readonly zoo: ZooKind; readonly delayMs?: number }
  /**
   * A network-namespace host behind nft. Without root: `config-only` hosts are checked on configuration and
   * signals alone (not probed); `leave-out` hosts, whose diagnosis only the packet filter can show, are left out.
   */
  | {
      readonly netns: HostPolicy;
      readonly withoutRoot: 'config-only' | 'leave-out';
      /**
       * Whose filter the namespace's nft plays: the host's own firewall, or the VPC's security group or ACL
       * (the instance's configuration blocks it). It decides the flow-log action of the packets nft counted:
       * a VPC filter's drop is a flow-log REJECT; a host firewall's drop comes after the VPC's ACCEPT.
       * @default 'host'
       */
      readonly filter?: 'host' | 'vpc';
    }
  /** Broken in configuration only: nothing answers, so nothing is probed (the reason says why). */
  | { readonly none: string };

const FIX_KINDS = [
  /** Only the host itself was broken: it now answers as a healthy sshd. */
  'backend',
  'restrict-internet-group',
  'security-group-rule',
  'acl-return-path',
  'drop-blackhole-route',
  'start-instance',
  'status-checks-pass',
  'cpu-relieved',
] as const;
export type FixKind = (typeof FIX_KINDS)[number];

export interface FleetHost {
  readonly instanceId: string;
  /** The Name tag, from describe-instances.json. */
  readonly name: string;
  readonly broken: string;
  readonly backend: Backend;
  readonly expect: DiagnosisCode;
  /** Absent for a host with nothing to repair. */
  readonly fix?: FixKind;
}

export interface Fleet {
  /** The prober's ENI: its path is analysed for every target. */
  readonly prober: string;
  readonly hosts: readonly FleetHost[];
}

interface Tag {
  Key: string;
  Value: string;
}

// The slices of the AWS CLI JSON a fix edits (the rest of each file is carried through untouched).
interface InstanceJson {
  InstanceId: string;
  SubnetId?: string;
  State?: { Code: number; Name: string };
  SecurityGroups?: { GroupId: string }[];
  Tags?: Tag[];
}
interface CidrRange {
  CidrIp?: string;
  CidrIpv6?: string;
  Description?: string;
}
interface PermissionJson {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: CidrRange[];
  Ipv6Ranges?: CidrRange[];
  PrefixListIds?: unknown[];
  UserIdGroupPairs?: { GroupId?: string; Description?: string }[];
}
interface AclEntryJson {
  CidrBlock?: string;
  Egress: boolean;
  Protocol: string;
  RuleAction: string;
  RuleNumber: number;
  PortRange?: { From: number; To: number };
}
interface StatusJson {
  InstanceId: string;
  InstanceState?: { Code: number; Name: string };
  InstanceStatus?: unknown;
  SystemStatus?: unknown;
}

/** The fleet's AWS CLI JSON, by file name (signals.json included), as plain data a fix can edit. */
export interface FleetFiles {
  'describe-instances.json': { Reservations: { Instances: InstanceJson[] }[] };
  'describe-security-groups.json': {
    SecurityGroups: { GroupId: string; IpPermissions?: PermissionJson[] }[];
  };
  'describe-network-acls.json': {
    NetworkAcls: { NetworkAclId: string; Associations?: { SubnetId: string }[]; Entries: AclEntryJson[] }[];
  };
  'describe-route-tables.json': {
    RouteTables: {
      RouteTableId: string;
      Associations?: { SubnetId?: string }[];
      Routes: { DestinationCidrBlock?: string; State?: string }[];
    }[];
  };
  'describe-subnets.json': { Subnets: { SubnetId: string; CidrBlock: string }[] };
  'describe-network-interfaces.json'?: {
    NetworkInterfaces: { NetworkInterfaceId: string; SubnetId: string; Groups?: { GroupId: string }[] }[];
  };
  'signals.json': {
    InstanceStatuses: StatusJson[];
    MetricDataResults: { Label?: string; Values?: number[] }[];
  };
  [file: string]: unknown;
}

export function loadFleet(dir = FLEET_DIR): Fleet {
  const map = JSON.parse(readFileSync(join(dir, BACKENDS_FILE), 'utf8')) as {
    prober: string;
    hosts: Omit<FleetHost, 'name'>[];
  };
  const instances = JSON.parse(readFileSync(join(dir, 'describe-instances.json'), 'utf8'));
  const names = new Map<string, string>();
  for (const r of instances.Reservations ?? [])
    for (const i of r.Instances ?? [])
      names.set(i.InstanceId, (i.Tags as Tag[] | undefined)?.find((t) => t.Key === 'Name')?.Value ?? '');
  const hosts = map.hosts.map((h) => {
    const name = names.get(h.instanceId);
    if (name === undefined)
      throw new Error(`${BACKENDS_FILE}: ${h.instanceId} is not in describe-instances.json`);
    if (h.fix !== undefined && !(FIX_KINDS as readonly string[]).includes(h.fix))
      throw new Error(`${BACKENDS_FILE}: ${h.instanceId}: unknown fix ${h.fix}`);
    return { ...h, name };
  });
  return { prober: map.prober, hosts };
}

/** The host an operator means by an instance id, a full Name tag, or its first word (`cache-1`). */
export function findHost(fleet: Fleet, ref: string): FleetHost | undefined {
  const wanted = ref.trim();
  return (
    fleet.hosts.find((h) => h.instanceId === wanted || h.name === wanted) ??
    fleet.hosts.find((h) => h.name.split(' ')[0] === wanted)
  );
}

export async function readFleetFiles(dir = FLEET_DIR): Promise<FleetFiles> {
  const files: Record<string, unknown> = {};
  // Per-resource documents live in subdirectories (`network-firewall/firewalls/<name>.json`): keyed by
  // their path relative to the fleet directory, as the inventory directory has them.
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = relative(dir, join(entry.parentPath, entry.name));
    if (!file.endsWith('.json') || file === BACKENDS_FILE) continue;
    files[file] = JSON.parse(await readFile(join(dir, file), 'utf8'));
  }
  return files as FleetFiles;
}

/** Office range for a bastion taken off the internet (RFC 5737 TEST-NET-2: never a real network). */
const OFFICE_CIDR = '198.51.100.0/24';

/** Applies one host's fix to the fleet's files, in place. Returns what changed, in an operator's words. */
export function applyFix(files: FleetFiles, fleet: Fleet, host: FleetHost): string {
  if (host.fix === undefined) throw new Error(`${host.name} has nothing to fix`);
  const instance = findInstance(files, host.instanceId);
  const prober = (files['describe-network-interfaces.json']?.NetworkInterfaces ?? []).find(
    (n) => n.NetworkInterfaceId === fleet.prober,
  );
  switch (host.fix) {
    case 'backend':
      return 'the host answers as a healthy sshd again';
    case 'restrict-internet-group': {
      const groups: string[] = [];
      for (const g of securityGroups(files, instance)) {
        for (const rule of g.IpPermissions ?? []) {
          const before = (rule.IpRanges ?? []).length;
          rule.IpRanges = (rule.IpRanges ?? []).filter((r) => r.CidrIp !== '0.0.0.0/0');
          rule.Ipv6Ranges = (rule.Ipv6Ranges ?? []).filter((r) => r.CidrIpv6 !== '::/0');
          if (rule.IpRanges.length !== before) {
            rule.IpRanges.push({ CidrIp: OFFICE_CIDR, Description: 'office' });
            groups.push(g.GroupId);
          }
        }
      }
      return `${groups.join(', ')}: tcp/22 from ${OFFICE_CIDR} (office) instead of 0.0.0.0/0`;
    }
    case 'security-group-rule': {
      const group = securityGroups(files, instance)[0];
      if (!group) throw new Error(`${host.instanceId} has no security group`);
      const proberGroup = prober?.Groups?.[0]?.GroupId;
      group.IpPermissions = [
        ...(group.IpPermissions ?? []),
        {
          IpProtocol: 'tcp',
          FromPort: 22,
          ToPort: 22,
          IpRanges: [],
          Ipv6Ranges: [],
          PrefixListIds: [],
          UserIdGroupPairs: [
            { ...(proberGroup ? { GroupId: proberGroup } : {}), Description: 'port22 prober' },
          ],
        },
      ];
      return `${group.GroupId}: tcp/22 from ${proberGroup} (the prober's group) added`;
    }
    case 'acl-return-path': {
      const acl = files['describe-network-acls.json'].NetworkAcls.find((a) =>
        (a.Associations ?? []).some((s) => s.SubnetId === instance.SubnetId),
      );
      const proberSubnet = files['describe-subnets.json'].Subnets.find(
        (s) => s.SubnetId === prober?.SubnetId,
      );
      if (!acl || !proberSubnet) throw new Error(`no ACL or prober subnet for ${host.instanceId}`);
      // NACLs are stateless: replies to the prober leave through an outbound rule for its ephemeral ports.
      const taken = new Set(acl.Entries.filter((e) => e.Egress).map((e) => e.RuleNumber));
      let ruleNumber = 120;
      while (taken.has(ruleNumber)) ruleNumber += 10;
      acl.Entries.push({
        CidrBlock: proberSubnet.CidrBlock,
        Egress: true,
        Protocol: '6',
        RuleAction: 'allow',
        RuleNumber: ruleNumber,
        PortRange: { From: 1024, To: 65535 },
      });
      return `${acl.NetworkAclId}: outbound rule ${ruleNumber} allows TCP 1024-65535 to ${proberSubnet.CidrBlock}`;
    }
    case 'drop-blackhole-route': {
      const table = files['describe-route-tables.json'].RouteTables.find((t) =>
        (t.Associations ?? []).some((a) => a.SubnetId === instance.SubnetId),
      );
      if (!table) throw new Error(`no route table for ${host.instanceId}`);
      const dropped = table.Routes.filter((r) => r.State === 'blackhole');
      table.Routes = table.Routes.filter((r) => r.State !== 'blackhole');
      return `${table.RouteTableId}: blackhole route ${dropped.map((r) => r.DestinationCidrBlock).join(', ')} deleted`;
    }
    case 'start-instance': {
      instance.State = { Code: 16, Name: 'running' };
      setStatus(files, host.instanceId, 'ok');
      return `${host.instanceId} started`;
    }
    case 'status-checks-pass': {
      setStatus(files, host.instanceId, 'ok');
      rebootConsole(files, host.instanceId);
      return `${host.instanceId} rebooted: status checks pass`;
    }
    case 'cpu-relieved': {
      for (const series of files[SIGNALS_FILE].MetricDataResults) {
        if (series.Label === `${host.instanceId} CPUUtilization`) series.Values = [12.4, 11.8];
        if (series.Label === `${host.instanceId} CPUCreditBalance`) series.Values = [96, 90];
      }
      return `${host.instanceId} resized: CPU 12.4 %, credits 96`;
    }
  }
}

function findInstance(files: FleetFiles, instanceId: string): InstanceJson {
  for (const r of files['describe-instances.json'].Reservations)
    for (const i of r.Instances) if (i.InstanceId === instanceId) return i;
  throw new Error(`${instanceId} is not in describe-instances.json`);
}

function securityGroups(files: FleetFiles, instance: InstanceJson) {
  const ids = new Set((instance.SecurityGroups ?? []).map((g) => g.GroupId));
  return files['describe-security-groups.json'].SecurityGroups.filter((g) => ids.has(g.GroupId));
}

/**
 * A reboot as the console shows it: the kernel's banner starts a new boot, so what the old one printed (a
 * panic) no longer counts, and sshd starts.
 */
const REBOOT_CONSOLE = [
  '',
  '[    0.000000] Linux version 6.1.115-126.197.amzn2023.x86_64 (mockbuild@ip-10-0-50-41) (gcc (GCC) 11.4.1 20230605 (Red Hat 11.4.1-2), GNU ld version 2.39-6.amzn2023.0.10) #1 SMP PREEMPT_DYNAMIC Tue Nov  5 17:34:19 UTC 2024',
  '[  OK  ] Started sshd.service - OpenSSH server daemon.',
  '',
].join('\r\n');

function rebootConsole(files: FleetFiles, instanceId: string): void {
  const doc = files[`${CONSOLE_OUTPUT_DIRECTORY}/${instanceId}.json`] as { Output?: string } | undefined;
  if (doc?.Output !== undefined) doc.Output += REBOOT_CONSOLE;
}

function setStatus(files: FleetFiles, instanceId: string, status: 'ok'): void {
  const record = files[SIGNALS_FILE].InstanceStatuses.find((s) => s.InstanceId === instanceId);
  if (!record) throw new Error(`${SIGNALS_FILE} has no status for ${instanceId}`);
  const passed = { Details: [{ Name: 'reachability', Status: 'passed' }], Status: status };
  record.InstanceState = { Code: 16, Name: 'running' };
  record.InstanceStatus = passed;
  record.SystemStatus = structuredClone(passed);
}
