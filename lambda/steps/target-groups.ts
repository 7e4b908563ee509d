/**
 * The target-groups step: each SSH target group of the inventory's load balancers, its members as the
 * load balancer and port22 see them, in one line (lambda/core/load-balancing/target-group-diagnosis.ts).
 *
 * It also knocks on each internal NLB's listener, at each node (one per zone), through the same resolver
 * and prober as the instances (lambda/core/load-balancing/listeners.ts): at most MAX_LISTENER_PROBES
 * addresses a run, concurrently, with the probe step's timeouts, and never past the run's deadline.
 */
import type { InventoryIndex } from '../core/inventory/model.ts';
import { DEFAULT_SSH_PORT } from '../core/inventory/tags.ts';
import type { ListenerClient } from '../core/load-balancing/listener-security-groups.ts';
import {
  type ListenerProbe,
  listenerProbeKey,
  listenerTarget,
  sshListeners,
} from '../core/load-balancing/listeners.ts';
import {
  diagnoseTargetGroup,
  type MemberVerdict,
  type TargetGroupReport,
} from '../core/load-balancing/target-group-diagnosis.ts';
import { sshTargetGroups } from '../core/load-balancing/target-groups.ts';
import { probeMany } from '../core/probe/fan-out.ts';
import type { ProbeTarget } from '../core/probe/types.ts';
import { AnalysisContext } from '../core/reachability/evaluation.ts';
import type { InstanceReport } from '../core/report/instance-report.ts';
import type { Prober, TargetResolver } from '../ports.ts';
import type { AnalyseOptions } from './analyse.ts';
import { errorMessage } from './error-message.ts';
import { DEFAULT_RESERVE_MS, guardProber, type ProbeOptions } from './probe.ts';

/**
 * Listener addresses probed per run at most. An NLB has one node per enabled zone and an SSH group is
 * usually behind one or two listeners, so this covers several load balancers; beyond it, a run spends its
 * time on instances, not on the same NLBs again.
 */
export const MAX_LISTENER_PROBES = 16;

/** `sources`: the NLB's own groups must admit each of them on the listener port. */
export interface TargetGroupsOptions extends ProbeOptions, Pick<AnalyseOptions, 'sources'> {
  /** The SSH port when no `port22:port` tag names one. @default 22 */
  readonly port?: number;
}

export async function diagnoseTargetGroups(
  ports: { readonly prober: Prober; readonly resolver: TargetResolver },
  index: InventoryIndex,
  instances: readonly InstanceReport[],
  options: TargetGroupsOptions & { readonly proberSpec?: string },
  clock: () => number,
): Promise<{ groups: TargetGroupReport[]; errors: string[] }> {
  const groups = sshTargetGroups(index, options.port ?? DEFAULT_SSH_PORT);
  if (groups.length === 0) return { groups: [], errors: [] };
  const verdicts = new Map<string, MemberVerdict>(
    instances.map((i) => [
      i.instanceId,
      { diagnosis: i.diagnosis, healthy: i.healthy, ...(i.name ? { name: i.name } : {}) },
    ]),
  );
  const wanted = new Map<string, ProbeTarget>();
  for (const g of groups)
    for (const l of sshListeners(index, g).listeners) {
      if (l.notProbed) continue;
      for (const node of l.nodes) {
        const target = listenerTarget(node, l);
        wanted.set(listenerProbeKey(target), target);
      }
    }
  const { probes, errors } = await probeListeners(ports, [...wanted.values()], options, clock);
  const clients: ListenerClient[] = [
    ...(options.proberSpec ? [{ spec: options.proberSpec, role: 'the prober' }] : []),
    ...(options.sources ?? []).filter((s) => s !== options.proberSpec).map((spec) => ({ spec })),
  ];
  const ctx = new AnalysisContext(index);
  return {
    groups: groups.map((g) =>
      diagnoseTargetGroup(ctx, g, verdicts, {
        probes,
        clients,
        ...(options.proberSpec ? { prober: options.proberSpec } : {}),
      }),
    ),
    errors,
  };
}

/** Each listener address through the resolver and the fan-out, or the reason it was not probed. */
async function probeListeners(
  ports: { readonly prober: Prober; readonly resolver: TargetResolver },
  targets: readonly ProbeTarget[],
  options: ProbeOptions,
  clock: () => number,
): Promise<{ probes: Map<string, ListenerProbe>; errors: string[] }> {
  const probes = new Map<string, ListenerProbe>();
  const errors: string[] = [];
  const routed: { wanted: ProbeTarget; to: ProbeTarget }[] = [];
  for (const [i, wanted] of targets.entries()) {
    const key = listenerProbeKey(wanted);
    if (options.probe === false) {
      probes.set(key, { notProbed: 'probing is off this run' });
      continue;
    }
    if (i >= MAX_LISTENER_PROBES) {
      probes.set(key, {
        notProbed: `port22 probes at most ${MAX_LISTENER_PROBES} listener addresses a run`,
      });
      continue;
    }
    let to: ProbeTarget | undefined;
    try {
      to = ports.resolver.resolve(wanted);
    } catch (error) {
      errors.push(`target-groups: listener ${key}: target resolver: ${errorMessage(error)}`);
      probes.set(key, { notProbed: `target resolver failed: ${errorMessage(error)}` });
      continue;
    }
    if (to === undefined) {
      probes.set(key, { notProbed: `the target resolver has no route to ${key} from this prober` });
      continue;
    }
    routed.push({ wanted, to });
  }
  if (routed.length === 0) return { probes, errors };
  const budget =
    options.deadlineAt === undefined
      ? undefined
      : options.deadlineAt - (options.reserveMs ?? DEFAULT_RESERVE_MS) - clock();
  const notProbed = (reason: string) => {
    for (const r of routed) probes.set(listenerProbeKey(r.wanted), { notProbed: reason });
  };
  if (budget !== undefined && budget <= 0) {
    notProbed('deadline: no time left to probe the listener');
    return { probes, errors };
  }
  // A prober that throws breaks its contract: that listener goes unprobed (not "unreachable") and is named.
  const { guarded, failures } = guardProber(ports.prober);
  try {
    const results = await probeMany(
      guarded,
      routed.map((r) => r.to),
      {
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        ...(options.timeouts ? { timeouts: options.timeouts } : {}),
        ...(budget !== undefined ? { deadlineMs: budget } : {}),
      },
    );
    results.forEach((result, i) => {
      const { wanted } = routed[i]!;
      const key = listenerProbeKey(wanted);
      const failure = failures.get(result);
      if (failure !== undefined) {
        errors.push(`target-groups: listener ${key}: prober error: ${failure}`);
        probes.set(key, { notProbed: `prober error: ${failure}` });
        return;
      }
      probes.set(
        key,
        result.neverStarted
          ? { notProbed: 'deadline: the run stopped starting probes' }
          : // The VPC address, not where the lab's resolver sent the probe.
            { result: { ...result, target: wanted } },
      );
    });
  } catch (error) {
    // The fan-out itself failed: every listener goes unprobed and the run goes on.
    errors.push(`target-groups: listener probes: ${errorMessage(error)}`);
    notProbed(`prober failed: ${errorMessage(error)}`);
  }
  return { probes, errors };
}
