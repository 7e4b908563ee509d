/**
 * The load balancer's own listener, the path SSH clients take (docs/load-balancers.md): which listeners
 * carry SSH to an SSH target group, where the prober knocks (each node of an internal NLB, one per
 * Availability Zone, on the listener port), and what each knock said. Pure: the probes come in as data.
 *
 * Per zone, because an NLB's nodes do not answer alike: each node routes only to the healthy targets in its
 * own zone unless cross-zone load balancing is on (off by default for an NLB), and "if there is no healthy
 * target in an enabled Availability Zone … we remove the IP address for the corresponding subnet from DNS
 * so that requests cannot be routed to targets in that Availability Zone" (Network Load Balancer guide,
 * "Health checks for Network Load Balancer target groups"). A client that resolved that zone's address
 * earlier, or uses it directly, is the one who cannot log in.
 */
import type { InventoryIndex, Listener, LoadBalancer } from '../inventory/model.ts';
import type { ProbeOutcome, ProbeResult, ProbeTarget } from '../probe/types.ts';
import { type LoadBalancerNode, loadBalancerNodes, type SshTargetGroup } from './target-groups.ts';

/**
 * Listener protocols that hand the client's TCP stream to the target as it is, so SSH passes: `TCP`, and
 * `TCP_UDP` (TCP and UDP on one port). A `TLS` listener terminates TLS, which no SSH client speaks; `UDP`
 * and `QUIC` carry no TCP stream.
 */
export const SSH_LISTENER_PROTOCOLS: ReadonlySet<string> = new Set(['TCP', 'TCP_UDP']);

/**
 * Whether the listener's default action forwards to `targetGroupArn`. A forward action names its group in
 * `TargetGroupArn`, in `ForwardConfig.TargetGroups` (weighted; "for Network Load Balancers, you can specify a
 * single target group"), or in both, the same group; a weight of 0 sends it nothing.
 */
export function forwardsTo(listener: Listener, targetGroupArn: string): boolean {
  return (listener.DefaultActions ?? []).some((action) => {
    if (action.Type !== 'forward') return false;
    const weighted = action.ForwardConfig?.TargetGroups ?? [];
    if (weighted.length > 0)
      return weighted.some((t) => t.TargetGroupArn === targetGroupArn && (t.Weight ?? 1) > 0);
    return action.TargetGroupArn === targetGroupArn;
  });
}

/** A listener that carries SSH to the group, and the nodes the prober knocks on. */
export interface SshListener {
  readonly loadBalancer: LoadBalancer;
  readonly listener: Listener & { readonly Port: number };
  readonly nodes: readonly LoadBalancerNode[];
  /** Present: why none of its nodes is probed (internet-facing, addresses unknown). */
  readonly notProbed?: string;
}

export interface ListenerSelection {
  readonly listeners: readonly SshListener[];
  /** What could not be judged: a load balancer without its listeners file, a TLS listener, … */
  readonly notes: readonly string[];
}

/** The listeners of the group's load balancers that forward SSH to it. */
export function sshListeners(index: InventoryIndex, group: SshTargetGroup): ListenerSelection {
  const listeners: SshListener[] = [];
  const notes: string[] = [];
  for (const lb of group.loadBalancers) {
    const name = lb.LoadBalancerName ?? lb.LoadBalancerArn;
    const known = lb.LoadBalancerName
      ? index.inventory.loadBalancing?.listeners?.get(lb.LoadBalancerName)
      : undefined;
    if (!known) {
      notes.push(
        `${name}: no elbv2-describe-listeners/${name}.json, so its listener is not probed and its security groups are not judged for clients`,
      );
      continue;
    }
    for (const l of known) {
      if (l.Port === undefined || !forwardsTo(l, group.arn)) continue;
      const listener = { ...l, Port: l.Port };
      if (!SSH_LISTENER_PROTOCOLS.has(l.Protocol ?? '')) {
        notes.push(
          `${name}'s ${l.Protocol ?? 'unknown-protocol'} listener on port ${l.Port} is not probed: SSH passes only a TCP or TCP_UDP listener`,
        );
        continue;
      }
      const nodes = loadBalancerNodes(index, lb);
      const notProbed =
        lb.Scheme !== 'internal'
          ? `${lb.Scheme ?? 'not internal'}: the prober knocks only on an internal NLB's listener, from inside the VPC (it has no public path)`
          : nodes.length === 0
            ? `its private addresses are not in the inventory (AvailabilityZones[].LoadBalancerAddresses, or describe-network-interfaces.json with Description "ELB net/…")`
            : undefined;
      if (notProbed)
        notes.push(`${name}'s ${l.Protocol} listener on port ${l.Port} is not probed: ${notProbed}`);
      listeners.push({ loadBalancer: lb, listener, nodes, ...(notProbed ? { notProbed } : {}) });
    }
  }
  return { listeners, notes };
}

/** Where the prober knocks for one node of a listener; also the key of its probe. */
export function listenerTarget(node: LoadBalancerNode, listener: SshListener): ProbeTarget {
  return { host: node.address, port: listener.listener.Port };
}

export function listenerProbeKey(target: ProbeTarget): string {
  return `${target.host}:${target.port}`;
}

/** What became of one knock: the probe, or why there was none. */
export type ListenerProbe = { readonly result: ProbeResult } | { readonly notProbed: string };

/**
 * One node's answer in a user's words: `ssh` (it sent an SSH ident), `tcp-only` (it accepted the
 * connection and sent no ident: an NLB with no target to give it closes or resets it), `refused`,
 * `timeout`, `unreachable`, or `not-probed`.
 */
export type ListenerAnswer = 'ssh' | 'tcp-only' | 'refused' | 'timeout' | 'unreachable' | 'not-probed';

export function listenerAnswer(result: ProbeResult): Exclude<ListenerAnswer, 'not-probed'> {
  if (result.ident !== undefined) return 'ssh';
  if (result.outcome === 'refused' || result.outcome === 'timeout' || result.outcome === 'unreachable')
    return result.outcome;
  return 'tcp-only';
}

export interface ListenerNodeReport {
  readonly address: string;
  readonly zone?: string;
  readonly answer: ListenerAnswer;
  /** The probe's own outcome (`ok`, `closed-before-ident`, …), when it was probed. */
  readonly outcome?: ProbeOutcome;
  /** The SSH identification line it sent. */
  readonly ident?: string;
  /** Why it was not probed, or the probe's own detail. */
  readonly detail?: string;
}

/** The `check --json` `groups[].listeners[]` entry. */
export interface ListenerReport {
  readonly loadBalancer: string;
  readonly listenerArn: string;
  readonly protocol: string;
  readonly port: number;
  readonly addresses: readonly ListenerNodeReport[];
}

export function listenerReport(l: SshListener, probes: ReadonlyMap<string, ListenerProbe>): ListenerReport {
  const addresses = l.nodes.map((node): ListenerNodeReport => {
    const where = { address: node.address, ...(node.zone ? { zone: node.zone } : {}) };
    const probe = l.notProbed
      ? { notProbed: l.notProbed }
      : (probes.get(listenerProbeKey(listenerTarget(node, l))) ??
        ({ notProbed: 'not probed this run' } as const));
    if ('notProbed' in probe) return { ...where, answer: 'not-probed', detail: probe.notProbed };
    const r = probe.result;
    return {
      ...where,
      answer: listenerAnswer(r),
      outcome: r.outcome,
      ...(r.ident !== undefined ? { ident: r.ident } : {}),
      ...(r.detail !== undefined ? { detail: r.detail } : {}),
    };
  });
  return {
    loadBalancer: l.loadBalancer.LoadBalancerName ?? l.loadBalancer.LoadBalancerArn,
    listenerArn: l.listener.ListenerArn,
    protocol: l.listener.Protocol ?? '',
    port: l.listener.Port,
    addresses,
  };
}

const ANSWER_WORDS: Readonly<Record<Exclude<ListenerAnswer, 'ssh' | 'not-probed'>, string>> = {
  'tcp-only': 'accepted the connection but sent no SSH ident',
  refused: 'refused the connection',
  timeout: 'timed out',
  unreachable: 'was unreachable',
};

/** One node's answer in words: `answered SSH-2.0-OpenSSH_9.6`, `timed out`, `not probed: …`. */
export function answerWords(a: ListenerNodeReport): string {
  if (a.answer === 'ssh') return `answered ${a.ident ?? 'SSH'}`;
  if (a.answer === 'not-probed') return `not probed: ${a.detail ?? 'no reason given'}`;
  return a.answer === 'tcp-only' ? `${ANSWER_WORDS[a.answer]} (${a.outcome})` : ANSWER_WORDS[a.answer];
}

/** "the NLB's listener 10.0.2.40:22 in eu-west-1b" */
function nodeName(l: ListenerReport, a: ListenerNodeReport): string {
  return `the NLB's listener ${a.address}:${l.port}${a.zone ? ` in ${a.zone}` : ''}`;
}

/**
 * One clause per node that was probed and did not answer SSH: "the NLB's listener 10.0.2.40:22 in
 * eu-west-1b timed out", followed by `explain`'s reason when it has one (": no healthy target in …").
 */
export function listenerClauses(
  reports: readonly ListenerReport[],
  explain: (l: ListenerReport, a: ListenerNodeReport) => string | undefined = () => undefined,
): string[] {
  return reports.flatMap((l) =>
    l.addresses.flatMap((a) => {
      if (a.answer === 'ssh' || a.answer === 'not-probed') return [];
      const why = explain(l, a);
      return [`${nodeName(l, a)} ${answerWords(a)}${why ? `: ${why}` : ''}`];
    }),
  );
}
