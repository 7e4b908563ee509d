/**
 * Change awareness: a canonical snapshot of the configuration on one instance's SSH path (its security
 * groups' rules, its subnet's ACL entries, its route table's routes), a stable digest of it, and the
 * human-readable difference between two snapshots ("sg-0ab: inbound rule tcp/22 from 10.0.0.0/16 removed").
 * Input is plain EC2 JSON (the inventory model's shapes), so state can keep the snapshot of the last healthy
 * check and name what changed when the instance fails.
 */
import { createHash } from 'node:crypto';
import type {
  IpPermission,
  NetworkAcl,
  NetworkAclEntry,
  Route,
  RouteTable,
  SecurityGroup,
} from '../inventory/model.ts';

export interface PathConfigInput {
  securityGroups: readonly SecurityGroup[];
  networkAcls: readonly NetworkAcl[];
  routeTables: readonly RouteTable[];
}

/** Resource id → its rules as sorted, self-describing lines. Key order and rule order do not matter. */
export interface PathSnapshot {
  resources: Record<string, string[]>;
}

const PROTOCOLS: Record<string, string> = {
  '-1': 'all',
  '6': 'tcp',
  '17': 'udp',
  '1': 'icmp',
  '58': 'icmpv6',
};

function protocolName(p: string): string {
  return PROTOCOLS[p] ?? p.toLowerCase();
}

function sgRuleLines(direction: 'inbound' | 'outbound', perm: IpPermission): string[] {
  const proto = protocolName(perm.IpProtocol);
  const from = perm.FromPort;
  const to = perm.ToPort;
  const what =
    proto === 'all'
      ? 'all traffic'
      : from === undefined || from === -1
        ? `${proto}/all`
        : from === to
          ? `${proto}/${from}`
          : `${proto}/${from}-${to}`;
  const word = direction === 'inbound' ? 'from' : 'to';
  const peers = [
    ...(perm.IpRanges ?? []).map((r) => r.CidrIp),
    ...(perm.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
    ...(perm.PrefixListIds ?? []).map((p) => p.PrefixListId),
    ...(perm.UserIdGroupPairs ?? []).map((g) => g.GroupId ?? g.GroupName ?? '?'),
  ];
  return peers.map((peer) => `${direction} rule ${what} ${word} ${peer}`);
}

function aclEntryLine(e: NetworkAclEntry): string {
  const direction = e.Egress ? 'outbound' : 'inbound';
  const proto = protocolName(e.Protocol);
  const ports =
    proto === 'all' || e.PortRange === undefined
      ? ''
      : e.PortRange.From === e.PortRange.To
        ? ` ${e.PortRange.From}`
        : ` ${e.PortRange.From}-${e.PortRange.To}`;
  const cidr = e.CidrBlock ?? e.Ipv6CidrBlock ?? '?';
  return `${direction} rule ${e.RuleNumber} ${e.RuleAction} ${proto}${ports} ${e.Egress ? 'to' : 'from'} ${cidr}`;
}

function routeLine(r: Route): string {
  const dest = r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock ?? r.DestinationPrefixListId ?? '?';
  const target =
    r.GatewayId ??
    r.NatGatewayId ??
    r.TransitGatewayId ??
    r.VpcPeeringConnectionId ??
    r.EgressOnlyInternetGatewayId ??
    r.NetworkInterfaceId ??
    r.InstanceId ??
    r.LocalGatewayId ??
    r.CarrierGatewayId ??
    r.CoreNetworkArn ??
    '?';
  return `route ${dest} → ${target}${r.State === 'blackhole' ? ' (blackhole)' : ''}`;
}

const sorted = (lines: string[]) => [...new Set(lines)].sort();

export function snapshotPathConfig(input: PathConfigInput): PathSnapshot {
  const resources: Record<string, string[]> = {};
  for (const sg of input.securityGroups) {
    resources[sg.GroupId] = sorted([
      ...(sg.IpPermissions ?? []).flatMap((p) => sgRuleLines('inbound', p)),
      ...(sg.IpPermissionsEgress ?? []).flatMap((p) => sgRuleLines('outbound', p)),
    ]);
  }
  for (const acl of input.networkAcls)
    resources[acl.NetworkAclId] = sorted((acl.Entries ?? []).map(aclEntryLine));
  for (const rtb of input.routeTables)
    resources[rtb.RouteTableId] = sorted((rtb.Routes ?? []).map(routeLine));
  return { resources };
}

/** JSON with object keys sorted, so equal snapshots serialise to equal bytes. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `sha256:` + hex of the canonical JSON: what state keeps as the last-healthy configuration digest. */
export function digestPathConfig(snapshot: PathSnapshot): string {
  return `sha256:${createHash('sha256').update(canonicalJson(snapshot)).digest('hex')}`;
}

/**
 * One change on the path: the resource it is on, and what happened — a rule or route `added` / `removed`, or
 * the resource itself `now on the path` / `no longer on the path` (a group attached or detached, another ACL
 * or route table associated). CloudTrail attribution looks the resource up by its id.
 */
export interface ConfigChange {
  readonly resourceId: string;
  readonly change: 'added' | 'removed' | 'joined' | 'left';
  /** The rule or route line (absent for `joined` / `left`). */
  readonly line?: string;
}

/** Changes in resource id order, removals before additions. */
export function diffPathConfig(before: PathSnapshot, after: PathSnapshot): ConfigChange[] {
  const ids = [...new Set([...Object.keys(before.resources), ...Object.keys(after.resources)])].sort();
  const out: ConfigChange[] = [];
  for (const resourceId of ids) {
    const was = before.resources[resourceId];
    const now = after.resources[resourceId];
    if (was === undefined) out.push({ resourceId, change: 'joined' });
    else if (now === undefined) out.push({ resourceId, change: 'left' });
    else {
      for (const line of was) if (!now.includes(line)) out.push({ resourceId, change: 'removed', line });
      for (const line of now) if (!was.includes(line)) out.push({ resourceId, change: 'added', line });
    }
  }
  return out;
}

/** A change as one line: "sg-0ab: inbound rule tcp/22 from 10.0.0.0/16 removed". */
export function describeConfigChange(c: ConfigChange): string {
  if (c.change === 'joined') return `${c.resourceId}: now on the path`;
  if (c.change === 'left') return `${c.resourceId}: no longer on the path`;
  return `${c.resourceId}: ${c.line} ${c.change}`;
}
