/**
 * The exposure audit (DESIGN.md, "Exposure findings").
 *
 * SSH_OPEN_TO_INTERNET: a security group whose inbound rules, taken together and with prefix lists
 * expanded, admit EVERY public address on the SSH port. "Public" is exact and per family (see
 * net/cidr.ts): IPv4 is 0.0.0.0/0 minus the IANA special-purpose ranges that are not globally reachable
 * (RFC 1918, CGNAT, loopback, link-local, documentation, benchmarking, multicast, reserved); IPv6 is
 * 2000::/3 minus 2001:db8::/32. So 0.0.0.0/0, or 0.0.0.0/1 + 128.0.0.0/1, or "everything except
 * 10.0.0.0/8" are open; a /24 office range, or everything but one public /24, is not. Group references
 * never count: they stand for private ENI addresses.
 *
 * The finding says it "exposes" only the instances the internet can reach through it: an ENI in the group
 * with a public address of the family, a subnet route table sending 0.0.0.0/0 (::/0) to an internet
 * gateway, and a subnet ACL that lets the port in from some public address. Others are "attached to"; those
 * whose route table or ACL the inventory lacks "may" be exposed.
 *
 * NACL_SSH_OPEN_TO_INTERNET: a custom (non-default) network ACL whose inbound rules, in rule order,
 * allow the port from every public address. The default ACL allows everything by design and says
 * nothing about intent, so it is not reported.
 */
import type { Eni } from '../inventory/model.ts';
import { sshPortOf } from '../inventory/tags.ts';
import { type IpFamily, publicAddresses } from '../net/cidr.ts';
import type { AnalysisContext } from './evaluation.ts';
import { aclAllowedAddresses } from './network-acl-evaluator.ts';
import { addressesAllowedByGroup } from './security-group-evaluator.ts';
import type { ExposureFinding } from './types.ts';

const FAMILY_NAME: Record<IpFamily, string> = { ipv4: 'IPv4', ipv6: 'IPv6' };

export function auditExposure(ctx: AnalysisContext, defaultPort: number): ExposureFinding[] {
  const { index } = ctx;
  // Which instances (and SSH ports) each group and each subnet concerns. The instance lists are only
  // sorted and printed for a finding; every group needs its ports.
  const instancesByGroup = new Map<string, string[]>();
  const instancesBySubnet = new Map<string, string[]>();
  const portsByGroup = new Map<string, Set<number>>();
  const portsBySubnet = new Map<string, Set<number>>();
  const portsOf = new Map<string, number>();
  for (const i of index.inventory.instances) {
    if (i.State?.Name !== 'terminated') portsOf.set(i.InstanceId, sshPortOf(i, defaultPort));
  }
  const note = (lists: Map<string, string[]>, ports: Map<string, Set<number>>, key: string, id: string) => {
    const port = portsOf.get(id) ?? defaultPort;
    const list = lists.get(key);
    if (list) list.push(id);
    else lists.set(key, [id]);
    const set = ports.get(key);
    if (set) set.add(port);
    else ports.set(key, new Set([port]));
  };
  for (const eni of index.enis.values()) {
    const id = eni.InstanceId;
    if (!id || !portsOf.has(id)) continue;
    for (const g of eni.GroupIds) note(instancesByGroup, portsByGroup, g, id);
    if (eni.SubnetId) note(instancesBySubnet, portsBySubnet, eni.SubnetId, id);
  }
  const sortedPorts = (sets: readonly (Set<number> | undefined)[]): number[] => {
    const ports = new Set<number>();
    for (const set of sets) for (const p of set ?? []) ports.add(p);
    return ports.size > 0 ? [...ports].sort((a, b) => a - b) : [defaultPort];
  };
  /** Sorted, each once (an instance with two ENIs in one group or subnet is still one instance). */
  const sortedInstances = (lists: readonly (string[] | undefined)[]): string[] =>
    [...new Set(lists.flatMap((l) => l ?? []))].sort();

  const findings: ExposureFinding[] = [];
  for (const sg of index.inventory.securityGroups) {
    for (const port of sortedPorts([portsByGroup.get(sg.GroupId)])) {
      for (const family of ['ipv4', 'ipv6'] as const) {
        const allowed = addressesAllowedByGroup(ctx, sg.GroupId, family, port);
        if (!allowed.addresses.covers(publicAddresses(family))) continue;
        const instances = sortedInstances([instancesByGroup.get(sg.GroupId)]);
        const name = sg.GroupName ? ` (${sg.GroupName})` : '';
        const who = exposureWording(ctx, sg.GroupId, instances, family, port);
        findings.push({
          code: 'SSH_OPEN_TO_INTERNET',
          resourceId: sg.GroupId,
          detail: `security group ${sg.GroupId}${name} lets every public ${FAMILY_NAME[family]} address reach TCP ${port} (${allowed.rules().join('; ')}); ${who}`,
          instanceIds: instances,
        });
      }
    }
  }

  for (const acl of index.inventory.networkAcls) {
    if (acl.IsDefault) continue;
    const subnets = (acl.Associations ?? []).flatMap((a) => (a.SubnetId ? [a.SubnetId] : [])).sort();
    for (const port of sortedPorts(subnets.map((s) => portsBySubnet.get(s)))) {
      for (const family of ['ipv4', 'ipv6'] as const) {
        if (!aclAllowedAddresses(ctx, acl, family, port).covers(publicAddresses(family))) continue;
        const instances = sortedInstances(subnets.map((s) => instancesBySubnet.get(s)));
        findings.push({
          code: 'NACL_SSH_OPEN_TO_INTERNET',
          resourceId: acl.NetworkAclId,
          detail: `custom network ACL ${acl.NetworkAclId} allows TCP ${port} inbound from every public ${FAMILY_NAME[family]} address to ${subnets.length > 0 ? subnets.join(', ') : 'no subnet'}${instances.length > 0 ? ` (${instances.join(', ')})` : ''}`,
          instanceIds: instances,
        });
      }
    }
  }
  return findings;
}

type InternetReach = 'reachable' | 'unreachable' | 'unknown';

/** Whether an internet client can reach `port` on the ENI at all, past routes and the subnet's ACL. */
function internetReach(ctx: AnalysisContext, eni: Eni, family: IpFamily, port: number): InternetReach {
  const addressed = family === 'ipv4' ? eni.PublicIp !== undefined : eni.Ipv6Addresses.length > 0;
  if (!addressed || !eni.SubnetId) return 'unreachable';
  const rtb = ctx.index.routeTableForSubnet(eni.SubnetId);
  const acl = ctx.index.networkAclForSubnet(eni.SubnetId);
  if (!rtb || !acl) return 'unknown';
  // Without a default route to an internet gateway, neither the SYN arrives nor the reply leaves.
  const igw = (rtb.Routes ?? []).some(
    (r) =>
      r.State !== 'blackhole' &&
      r.GatewayId?.startsWith('igw-') === true &&
      (family === 'ipv4' ? r.DestinationCidrBlock === '0.0.0.0/0' : r.DestinationIpv6CidrBlock === '::/0'),
  );
  if (!igw) return 'unreachable';
  return aclAllowedAddresses(ctx, acl, family, port).overlaps(publicAddresses(family))
    ? 'reachable'
    : 'unreachable';
}

/** `exposes i-1; also attached to i-2`: the verb says whether the internet can reach each instance. */
function exposureWording(
  ctx: AnalysisContext,
  groupId: string,
  instances: readonly string[],
  family: IpFamily,
  port: number,
): string {
  if (instances.length === 0) return 'attached to no instance';
  const reach = new Map<string, InternetReach>();
  for (const eni of ctx.index.enisByGroup.get(groupId) ?? []) {
    const id = eni.InstanceId;
    if (!id || reach.get(id) === 'reachable') continue;
    const r = internetReach(ctx, eni, family, port);
    if (r === 'reachable' || !reach.has(id) || (r === 'unknown' && reach.get(id) === 'unreachable'))
      reach.set(id, r);
  }
  const of = (r: InternetReach) => instances.filter((i) => (reach.get(i) ?? 'unreachable') === r);
  const parts: string[] = [];
  const exposed = of('reachable');
  const maybe = of('unknown');
  const attached = of('unreachable');
  if (exposed.length > 0) parts.push(`exposes ${exposed.join(', ')}`);
  if (maybe.length > 0)
    parts.push(`may expose ${maybe.join(', ')} (route table or network ACL not in the inventory)`);
  if (attached.length > 0)
    parts.push(
      `${parts.length > 0 ? 'also ' : ''}attached to ${attached.join(', ')} (not reachable from the internet: no public address, internet-gateway route or ACL allowing it)`,
    );
  return parts.join('; ');
}
