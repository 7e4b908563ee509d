/**
 * One line for an SSH target group, the answer users ask for: "2 of 3 SSH targets unhealthy: i-… failing
 * the NLB's health check (Target.FailedHealthChecks), port22 says SSHD_NOT_LISTENING". Each target's
 * TargetHealth beside port22's own diagnosis of it, and the security groups between the load balancer
 * and its targets:
 *
 * - Health checks come from the load balancer's private addresses ("Target security groups", Network Load
 *   Balancer guide: allow "the private IP address of the load balancer" on the health check port, or its
 *   security group where it has one), so a target's groups must admit each of them.
 * - A Network Load Balancer with security groups sends to its targets only what its own groups' outbound
 *   rules allow ("Security groups for your Network Load Balancer").
 * - Then the group as clients meet it: each node of the load balancer's listener as this run's probe found it
 *   (listeners.ts), explained by the prober's static path to it (listener-paths.ts) or by its zone having
 *   no healthy target without cross-zone load balancing (cross-zone.ts); the zones at that risk even when
 *   unprobed; and the load balancer's own groups for each client (listener-security-groups.ts).
 */
import type { DiagnosisCode } from '../diagnose/types.ts';
import type { LoadBalancer } from '../inventory/model.ts';
import { AddressSet, parseAddress } from '../net/cidr.ts';
import type { AnalysisContext, Peer } from '../reachability/evaluation.ts';
import { evaluateSecurityGroups } from '../reachability/security-group-evaluator.ts';
import { type CrossZoneReport, crossZoneReport, zoneGap } from './cross-zone.ts';
import { proberPathToNode } from './listener-paths.ts';
import {
  type ListenerBlocker,
  type ListenerClient,
  listenerClientBlockers,
  noGroupsNote,
} from './listener-security-groups.ts';
import {
  type ListenerNodeReport,
  type ListenerProbe,
  type ListenerReport,
  listenerClauses,
  listenerReport,
  sshListeners,
} from './listeners.ts';
import {
  balancerEni,
  healthCheckPort,
  loadBalancerPrivateAddresses,
  type SshTarget,
  type SshTargetGroup,
} from './target-groups.ts';

/** What port22 itself concluded about a member this run (absent: not checked in this run). */
export interface MemberVerdict {
  readonly name?: string;
  readonly diagnosis: DiagnosisCode;
  readonly healthy: boolean;
}

export interface TargetReport {
  readonly instanceId: string;
  readonly name?: string;
  readonly port: number;
  /** The load balancer's view (DescribeTargetHealth); `State` absent when it said nothing. */
  readonly targetHealth: SshTarget['health'];
  /** port22's diagnosis; absent when the member was not checked in this run. */
  readonly diagnosis?: DiagnosisCode;
  /** Security group rules missing between the load balancer and this target, one line each. */
  readonly blockers: readonly {
    readonly code: string;
    readonly resourceId: string;
    readonly detail: string;
  }[];
  readonly healthy: boolean;
}

/** The `check --json` `groups[]` entry of a target group. */
export interface TargetGroupReport {
  readonly group: string;
  readonly kind: 'target-group';
  readonly targetGroupArn: string;
  readonly port?: number;
  readonly loadBalancers: readonly {
    readonly name?: string;
    readonly arn: string;
    readonly dnsName?: string;
    readonly scheme?: string;
    readonly securityGroups: readonly string[];
  }[];
  readonly members: number;
  readonly unhealthy: number;
  readonly summary: string;
  readonly targets: readonly TargetReport[];
  /**
   * The load balancers' listeners that carry SSH to the group, each node's answer to the prober
   * (docs/load-balancers.md, "The listener").
   */
  readonly listeners: readonly ListenerReport[];
  /**
   * Per load balancer: cross-zone load balancing (on, off, unknown) and, per enabled zone, its node and the
   * group's targets there, healthy or not (docs/load-balancers.md, "Cross-zone load balancing").
   */
  readonly crossZone: readonly CrossZoneReport[];
  /**
   * Rules missing on the load balancers' own security groups for the prober and the configured sources, and
   * whatever blocks the prober's static path to a listener node (routes, network ACLs, its own groups).
   */
  readonly blockers: readonly ListenerBlocker[];
  /** What could not be judged (the load balancer's addresses unknown, …). */
  readonly notes: readonly string[];
}

/** What the listener checks read: this run's probes of the listeners, and the clients to admit. */
export interface ListenerContext {
  /** By `listenerProbeKey`. @default none: every listener node `not-probed` */
  readonly probes?: ReadonlyMap<string, ListenerProbe>;
  /** The prober and the configured sources. @default none: the NLB's groups are not judged */
  readonly clients?: readonly ListenerClient[];
  /** The prober's source spec. @default none: its static path to the listener's nodes is not analysed */
  readonly prober?: string;
}

/** DescribeTargetHealth's states in a user's words; the reason code follows in parentheses. */
const STATE_WORDS: Readonly<Record<string, string>> = {
  healthy: "healthy at the NLB's health check",
  unhealthy: "failing the NLB's health check",
  'unhealthy.draining': "failing the NLB's health check while draining",
  initial: "still in the NLB's first health checks",
  draining: 'draining from the NLB',
  unused: 'not used by the NLB',
  unavailable: "without the NLB's health checks",
};

function nlbWords(health: SshTarget['health']): string {
  const words = health.State
    ? (STATE_WORDS[health.State] ?? `in NLB state ${health.State}`)
    : 'not known to the NLB';
  return health.Reason ? `${words} (${health.Reason})` : words;
}

/** The load balancer as the far end of a target's inbound rule: one private address, its groups. */
function balancerPeer(lb: LoadBalancer, address: string): Peer | undefined {
  const a = parseAddress(address);
  if (!a) return undefined;
  return {
    family: a.family,
    addresses: AddressSet.single(a),
    label: `the NLB ${lb.LoadBalancerName ?? lb.LoadBalancerArn}'s private address ${address}`,
    eni: balancerEni(lb, address),
  };
}

function pathBlockers(
  ctx: AnalysisContext,
  group: SshTargetGroup,
  target: SshTarget,
  notes: string[],
): TargetReport['blockers'] {
  const eni = ctx.index.primaryEniByInstance.get(target.instanceId);
  if (!eni) return [];
  const port = healthCheckPort(group.targetGroup, target.port);
  const blockers: { code: string; resourceId: string; detail: string }[] = [];
  for (const lb of group.loadBalancers) {
    const addresses = loadBalancerPrivateAddresses(ctx.index, lb);
    if (addresses.length === 0) {
      const note = `${lb.LoadBalancerName ?? lb.LoadBalancerArn}: its private addresses are not in the inventory (describe-network-interfaces.json, Description "ELB net/…"), so the targets' rules for them are not checked`;
      if (!notes.includes(note)) notes.push(note);
      continue;
    }
    for (const address of addresses) {
      const peer = balancerPeer(lb, address);
      if (!peer) continue;
      const inbound = evaluateSecurityGroups(ctx, { eni, direction: 'inbound', peer, port });
      for (const b of inbound.blockers)
        blockers.push({
          code: b.code,
          resourceId: b.resourceId,
          detail: `${b.detail} (the NLB's health checks and traffic come from it)`,
        });
      if ((lb.SecurityGroups ?? []).length === 0 || !peer.eni) continue;
      // The NLB's own groups: their outbound rules must let it open the target's port.
      const target4 = eni.PrivateIpAddress && parseAddress(eni.PrivateIpAddress);
      if (!target4) continue;
      const outbound = evaluateSecurityGroups(ctx, {
        eni: peer.eni,
        direction: 'outbound',
        peer: {
          family: target4.family,
          addresses: AddressSet.single(target4),
          label: `${target.instanceId} (${eni.PrivateIpAddress})`,
          eni,
        },
        port: target.port,
      });
      for (const b of outbound.blockers)
        blockers.push({ code: b.code, resourceId: b.resourceId, detail: b.detail });
    }
  }
  // One line per rule: every address of the NLB misses the same rule.
  return [
    ...new Map(
      blockers.map((b) => [`${b.code} ${b.resourceId} ${b.detail.replace(/private address \S+/, '')}`, b]),
    ).values(),
  ];
}

/** The group's report: its members as the NLB and port22 see them, and the line that sums them up. */
export function diagnoseTargetGroup(
  ctx: AnalysisContext,
  group: SshTargetGroup,
  verdicts: ReadonlyMap<string, MemberVerdict>,
  listenerContext: ListenerContext = {},
): TargetGroupReport {
  const notes: string[] = [];
  const targets: TargetReport[] = group.targets.map((t) => {
    const v = verdicts.get(t.instanceId);
    const blockers = pathBlockers(ctx, group, t, notes);
    const healthy = t.health.State === 'healthy' && (v?.healthy ?? true) && blockers.length === 0;
    return {
      instanceId: t.instanceId,
      ...(v?.name ? { name: v.name } : {}),
      port: t.port,
      targetHealth: t.health,
      ...(v ? { diagnosis: v.diagnosis } : {}),
      blockers,
      healthy,
    };
  });
  const unhealthy = targets.filter((t) => !t.healthy);
  const clause = (t: TargetReport) => {
    const port22 = t.diagnosis === undefined ? 'not checked by port22' : `port22 says ${t.diagnosis}`;
    const rules = t.blockers.length > 0 ? `; ${t.blockers.map((b) => b.detail).join('; ')}` : '';
    return `${t.instanceId}${t.name ? ` (${t.name})` : ''} ${nlbWords(t.targetHealth)}, ${port22}${rules}`;
  };
  const selection = sshListeners(ctx.index, group);
  notes.push(...selection.notes);
  const listeners = selection.listeners.map((l) => listenerReport(l, listenerContext.probes ?? new Map()));
  const crossZone = group.loadBalancers.map((lb) => crossZoneReport(ctx.index, group, lb));
  const blockers = new Map<string, ListenerBlocker>();
  // The prober's path to each node, by `address:port`: what explains a node that timed out.
  const pathBlockersByNode = new Map<string, { blocker: ListenerBlocker; why: string }[]>();
  for (const l of selection.listeners) {
    const note = noGroupsNote(l.loadBalancer);
    if (note && !notes.includes(note)) notes.push(note);
    for (const b of listenerClientBlockers(
      ctx,
      l.loadBalancer,
      l.listener.Port,
      listenerContext.clients ?? [],
    ))
      blockers.set(b.detail, b);
    if (listenerContext.prober === undefined || l.notProbed) continue;
    for (const node of l.nodes) {
      const path = proberPathToNode(ctx, listenerContext.prober, l.loadBalancer, node, l.listener.Port);
      if (!path || path.blockers.length === 0) continue;
      const where = `the prober's path to the NLB's listener ${node.address}:${l.listener.Port}${node.zone ? ` in ${node.zone}` : ''}`;
      const found = path.blockers.map((b) => ({
        blocker: { code: b.code, resourceId: b.resourceId, detail: `${where}: ${b.detail}` },
        why: b.detail,
      }));
      pathBlockersByNode.set(`${node.address}:${l.listener.Port}`, found);
      for (const { blocker } of found) blockers.set(blocker.detail, blocker);
    }
  }
  const crossZoneOf = (name: string) => crossZone.find((c) => c.loadBalancer === name);
  // Explained in a node's clause: not repeated after it.
  const explained = new Set<string>();
  const explain = (l: ListenerReport, a: ListenerNodeReport) => {
    const path = pathBlockersByNode.get(`${a.address}:${l.port}`);
    // A blocked path drops the SYN or the reply: what the prober sees is a timeout (or no route at all).
    if (path && (a.answer === 'timeout' || a.answer === 'unreachable')) {
      for (const { blocker } of path) explained.add(blocker.detail);
      return path.map((p) => p.why).join('; ');
    }
    const report = crossZoneOf(l.loadBalancer);
    return report ? zoneGap(report, a.zone) : undefined;
  };
  const nodeClauses = listenerClauses(listeners, explain);
  // Zones whose node has nothing to forward to, said even when no probe of it failed this run.
  const risks: string[] = [];
  for (const report of crossZone)
    for (const z of report.zones) {
      const gap = zoneGap(report, z.zone);
      if (!gap) continue;
      const probed = listeners
        .filter((l) => l.loadBalancer === report.loadBalancer)
        .flatMap((l) => l.addresses.filter((a) => a.zone === z.zone && a.answer !== 'not-probed'));
      if (probed.length > 0) continue;
      const node = z.nodes.length > 0 ? ` (${z.nodes.join(', ')})` : '';
      const risk = `${report.loadBalancer}'s node in ${z.zone}${node} has no SSH target to forward to: ${gap}`;
      if (report.state === 'off') risks.push(risk);
      else notes.push(risk);
    }
  const members =
    unhealthy.length === 0
      ? `${targets.length} of ${targets.length} SSH targets healthy`
      : `${unhealthy.length} of ${targets.length} SSH targets unhealthy: ${unhealthy.map(clause).join('; ')}`;
  const summary = [
    members,
    ...nodeClauses,
    ...risks,
    ...[...blockers.values()].filter((b) => !explained.has(b.detail)).map((b) => b.detail),
  ].join('; ');
  return {
    group: group.name,
    kind: 'target-group',
    targetGroupArn: group.arn,
    ...(group.targetGroup.Port !== undefined ? { port: group.targetGroup.Port } : {}),
    loadBalancers: group.loadBalancers.map((lb) => ({
      ...(lb.LoadBalancerName ? { name: lb.LoadBalancerName } : {}),
      arn: lb.LoadBalancerArn,
      ...(lb.DNSName ? { dnsName: lb.DNSName } : {}),
      ...(lb.Scheme ? { scheme: lb.Scheme } : {}),
      securityGroups: lb.SecurityGroups ?? [],
    })),
    members: targets.length,
    unhealthy: unhealthy.length,
    summary,
    targets,
    listeners,
    crossZone,
    blockers: [...blockers.values()],
    notes,
  };
}
