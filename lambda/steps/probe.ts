/**
 * Probe: the active TCP + SSH probe of every selected target, through the resolver (DESIGN.md,
 * "Addresses") and the fan-out (bounded concurrency, one probe per host, an overall deadline).
 *
 * The deadline (`deadlineAt`, the Lambda's remaining time) stops new probes early enough to leave
 * `reserveMs` for signals, state and metrics. A target splits three ways: probed; not probed for a reason
 * the diagnosis can state (no address, no route from this prober), so diagnosed on configuration and
 * signals alone; or unchecked (deadline, prober error): not diagnosed, its state left as it was, because
 * a skipped check neither counts as a failure nor resets one.
 */
import { probeMany } from '../core/probe/fan-out.ts';
import type { ProbeResult, ProbeTarget, ProbeTimeouts } from '../core/probe/types.ts';
import type { SelectedTarget } from '../core/targets/select.ts';
import type { Prober, TargetResolver } from '../ports.ts';
import { errorMessage } from './error-message.ts';

/** Kept back from the deadline for signals, state, alerts and metrics when the caller names no reserve. */
export const DEFAULT_RESERVE_MS = 3000;

export interface ProbeOptions {
  /** `false`: static analysis and host signals only. @default true */
  readonly probe?: boolean;
  /** Epoch ms by which state must be saved and metrics flushed. @default no deadline */
  readonly deadlineAt?: number;
  /** Kept back from `deadlineAt`. @default 3000 */
  readonly reserveMs?: number;
  readonly concurrency?: number;
  readonly timeouts?: Partial<ProbeTimeouts>;
}

/** A target to diagnose: its probe, or why it has none. */
export interface ProbedTarget {
  readonly target: SelectedTarget;
  /** Targets the VPC address (what the inventory says), whatever the resolver mapped it to. */
  readonly probe?: ProbeResult;
  /** Why there is no probe when probing was on: stated in the diagnosis's evidence. */
  readonly noProbeReason?: string;
}

/** A target not checked at all this run. */
export interface UncheckedInstance {
  instanceId: string;
  name?: string;
  reason: string;
}

export interface Probes {
  /** The targets to diagnose, in selection order. */
  readonly checked: readonly ProbedTarget[];
  readonly unchecked: readonly UncheckedInstance[];
  /** Targets lost to a failing resolver or prober (the ProberErrors metric). */
  readonly proberErrors: number;
  readonly errors: readonly string[];
}

type Attempt = ProbedTarget | { readonly target: SelectedTarget; readonly unchecked: string };

export async function probeTargets(
  ports: { readonly prober: Prober; readonly resolver: TargetResolver },
  targets: readonly SelectedTarget[],
  options: ProbeOptions,
  clock: () => number,
): Promise<Probes> {
  if (options.probe === false)
    return { checked: targets.map((target) => ({ target })), unchecked: [], proberErrors: 0, errors: [] };
  const errors: string[] = [];
  let proberErrors = 0;
  const attempts: Attempt[] = [];
  const jobs: { index: number; target: ProbeTarget }[] = [];
  for (const target of targets) {
    if (target.address === undefined) {
      attempts.push({ target, noProbeReason: 'not probed: the instance has no private address' });
      continue;
    }
    const wanted: ProbeTarget = { host: target.address, port: target.port };
    let resolved: ProbeTarget | undefined;
    try {
      resolved = ports.resolver.resolve(wanted);
    } catch (error) {
      errors.push(`probe: ${target.instanceId}: target resolver: ${errorMessage(error)}`);
      proberErrors += 1;
      attempts.push({ target, unchecked: `target resolver failed: ${errorMessage(error)}` });
      continue;
    }
    if (resolved === undefined) {
      const noProbeReason = `not probed: the target resolver has no route to ${wanted.host}:${wanted.port} from this prober`;
      attempts.push({ target, noProbeReason });
      continue;
    }
    jobs.push({ index: attempts.length, target: resolved });
    attempts.push({ target });
  }

  const budget =
    options.deadlineAt === undefined
      ? undefined
      : options.deadlineAt - (options.reserveMs ?? DEFAULT_RESERVE_MS) - clock();
  if (jobs.length > 0 && budget !== undefined && budget <= 0) {
    for (const { index } of jobs)
      attempts[index] = unchecked(attempts[index]!, 'deadline: no time left to start the probe');
  } else if (jobs.length > 0) {
    // A prober that throws breaks its contract; the target is unchecked and the error counted, the run goes on.
    const failures = new WeakMap<ProbeResult, string>();
    const guarded: Prober = {
      probe: async (target, timeouts) => {
        try {
          return await ports.prober.probe(target, timeouts);
        } catch (error) {
          const failed: ProbeResult = { target, outcome: 'timeout', phases: { totalMs: 0 } };
          failures.set(failed, errorMessage(error));
          return failed;
        }
      },
    };
    try {
      const results = await probeMany(
        guarded,
        jobs.map((j) => j.target),
        {
          ...(options.concurrency ? { concurrency: options.concurrency } : {}),
          ...(options.timeouts ? { timeouts: options.timeouts } : {}),
          ...(budget !== undefined ? { deadlineMs: budget } : {}),
        },
      );
      results.forEach((result, i) => {
        const { index } = jobs[i]!;
        const { target } = attempts[index]!;
        const failure = failures.get(result);
        if (failure !== undefined) {
          errors.push(`probe: ${target.instanceId}: prober error: ${failure}`);
          proberErrors += 1;
          attempts[index] = unchecked(attempts[index]!, `prober error: ${failure}`);
        } else if (result.neverStarted) {
          attempts[index] = unchecked(
            attempts[index]!,
            'deadline: the run stopped starting probes to save state in time',
          );
        } else {
          // Report the VPC address, not where the lab's resolver sent the probe.
          attempts[index] = {
            target,
            probe: { ...result, target: { host: target.address!, port: target.port } },
          };
        }
      });
    } catch (error) {
      errors.push(`probe: ${errorMessage(error)}`);
      proberErrors += jobs.length;
      for (const { index } of jobs)
        attempts[index] = unchecked(attempts[index]!, `prober failed: ${errorMessage(error)}`);
    }
  }

  return {
    checked: attempts.filter((a): a is ProbedTarget => !('unchecked' in a)),
    unchecked: attempts.flatMap((a) =>
      'unchecked' in a
        ? [
            {
              instanceId: a.target.instanceId,
              ...(a.target.name ? { name: a.target.name } : {}),
              reason: a.unchecked,
            },
          ]
        : [],
    ),
    proberErrors,
    errors,
  };
}

function unchecked(attempt: Attempt, reason: string): Attempt {
  return { target: attempt.target, unchecked: reason };
}
