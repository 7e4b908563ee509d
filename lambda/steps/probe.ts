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

/**
 * What becomes of one target: diagnosed (with its probe or the reason it has none), unchecked (`error` is the
 * `errors` line when it is also a prober error), or routed and waiting for the fan-out.
 */
type Outcome =
  | { readonly checked: ProbedTarget }
  | { readonly unchecked: UncheckedInstance; readonly error?: string }
  | { readonly target: SelectedTarget; readonly to: ProbeTarget };

export async function probeTargets(
  ports: { readonly prober: Prober; readonly resolver: TargetResolver },
  targets: readonly SelectedTarget[],
  options: ProbeOptions,
  clock: () => number,
): Promise<Probes> {
  if (options.probe === false) {
    return { checked: targets.map((target) => ({ target })), unchecked: [], proberErrors: 0, errors: [] };
  }
  const routed = targets.map((target) => route(ports.resolver, target));
  const budget =
    options.deadlineAt === undefined
      ? undefined
      : options.deadlineAt - (options.reserveMs ?? DEFAULT_RESERVE_MS) - clock();
  const waiting = routed.filter((o) => 'to' in o);
  const { outcomes, errors } =
    budget !== undefined && budget <= 0
      ? {
          outcomes: waiting.map((w) => unchecked(w.target, 'deadline: no time left to start the probe')),
          errors: [],
        }
      : await fanOut(ports.prober, waiting, options, budget);
  const probed = new Map(waiting.map((w, i) => [w, outcomes[i]!]));
  const done = routed.map((o) => ('to' in o ? probed.get(o)! : o));

  const lost = done.flatMap((o) => ('unchecked' in o && o.error !== undefined ? [o.error] : []));
  return {
    checked: done.flatMap((o) => ('checked' in o ? [o.checked] : [])),
    unchecked: done.flatMap((o) => ('unchecked' in o ? [o.unchecked] : [])),
    // A fan-out that fails as a whole loses every target it held, with one line for all of them.
    proberErrors: lost.length + (errors.length > 0 ? waiting.length : 0),
    errors: [...lost, ...errors],
  };
}

/** Where the probe of one target goes, or why it does not go anywhere. */
function route(resolver: TargetResolver, target: SelectedTarget): Outcome {
  if (target.address === undefined) {
    return { checked: { target, noProbeReason: 'not probed: the instance has no private address' } };
  }
  const wanted: ProbeTarget = { host: target.address, port: target.port };
  try {
    const to = resolver.resolve(wanted);
    if (to !== undefined) return { target, to };
    const noProbeReason = `not probed: the target resolver has no route to ${wanted.host}:${wanted.port} from this prober`;
    return { checked: { target, noProbeReason } };
  } catch (error) {
    return unchecked(
      target,
      `target resolver failed: ${errorMessage(error)}`,
      `probe: ${target.instanceId}: target resolver: ${errorMessage(error)}`,
    );
  }
}

/** Every routed target through the fan-out: one outcome each, in order, and the fan-out's own failure. */
async function fanOut(
  prober: Prober,
  waiting: readonly { readonly target: SelectedTarget; readonly to: ProbeTarget }[],
  options: ProbeOptions,
  budget: number | undefined,
): Promise<{ outcomes: Outcome[]; errors: string[] }> {
  if (waiting.length === 0) return { outcomes: [], errors: [] };
  // A prober that throws breaks its contract; the target is unchecked and the error counted, the run goes on.
  const { guarded, failures } = guardProber(prober);
  try {
    const results = await probeMany(
      guarded,
      waiting.map((w) => w.to),
      {
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        ...(options.timeouts ? { timeouts: options.timeouts } : {}),
        ...(budget !== undefined ? { deadlineMs: budget } : {}),
      },
    );
    const outcomes = results.map((result, i): Outcome => {
      const { target } = waiting[i]!;
      const failure = failures.get(result);
      if (failure !== undefined) {
        return unchecked(
          target,
          `prober error: ${failure}`,
          `probe: ${target.instanceId}: prober error: ${failure}`,
        );
      }
      if (result.neverStarted) {
        return unchecked(target, 'deadline: the run stopped starting probes to save state in time');
      }
      // Report the VPC address, not where the lab's resolver sent the probe.
      return {
        checked: { target, probe: { ...result, target: { host: target.address!, port: target.port } } },
      };
    });
    return { outcomes, errors: [] };
  } catch (error) {
    const reason = `prober failed: ${errorMessage(error)}`;
    return {
      outcomes: waiting.map((w) => unchecked(w.target, reason)),
      errors: [`probe: ${errorMessage(error)}`],
    };
  }
}

/**
 * The prober with its throws caught: each becomes a placeholder result whose error `failures` holds, so the
 * caller can tell "the prober broke" from a probe outcome (the fan-out alone would call it `unreachable`).
 */
export function guardProber(prober: Prober): {
  guarded: Prober;
  failures: WeakMap<ProbeResult, string>;
} {
  const failures = new WeakMap<ProbeResult, string>();
  const guarded: Prober = {
    probe: async (target, timeouts) => {
      try {
        return await prober.probe(target, timeouts);
      } catch (error) {
        const failed: ProbeResult = { target, outcome: 'timeout', phases: { totalMs: 0 } };
        failures.set(failed, errorMessage(error));
        return failed;
      }
    },
  };
  return { guarded, failures };
}

function unchecked(target: SelectedTarget, reason: string, error?: string): Outcome {
  const { instanceId, name } = target;
  return {
    unchecked: { instanceId, ...(name ? { name } : {}), reason },
    ...(error === undefined ? {} : { error }),
  };
}
