/**
 * Probing many targets at once: bounded concurrency, at most one probe per host at a time (so the prober
 * itself never fills sshd's MaxStartups queue of unauthenticated connections), an overall deadline, and
 * results in input order. Timeouts overlap instead of adding up: a slow target only holds its own slot.
 *
 * Scheduling only: the probe itself is the caller's (the network prober in AWS and the CLI, a fake in
 * tests), so the pipeline and its tests never reach for sockets through here.
 */
import { DEFAULT_TIMEOUTS, type ProbeResult, type ProbeTarget, type ProbeTimeouts } from './types.ts';

export const DEFAULT_CONCURRENCY = 64;

export interface ProbeManyOptions {
  /** Probes in flight at once. @default 64 */
  concurrency?: number;
  /** Per-probe deadlines. @default DEFAULT_TIMEOUTS */
  timeouts?: Partial<ProbeTimeouts>;
  /**
   * Overall deadline for the whole fan-out, in ms from the call. A probe started late gets only what is
   * left (its totalMs is cut to fit); targets not started by then are not probed and get outcome
   * `timeout`, `neverStarted: true` and a detail saying so. @default no overall deadline
   */
  deadlineMs?: number;
  /** Called as each result arrives, with the target's index in the input. */
  onResult?: (r: ProbeResult, index: number) => void;
}

/** The key under which probes are serialised: the host, whatever the port (`[::1]` and `::1` alike). */
export function hostKey(target: ProbeTarget): string {
  return target.host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

/** What the fan-out needs of a prober (the `Prober` port in lambda/ports.ts has this shape). */
export interface ProbeOne {
  probe(target: ProbeTarget, timeouts?: Partial<ProbeTimeouts>): Promise<ProbeResult>;
}

export async function probeMany(
  prober: ProbeOne,
  targets: readonly ProbeTarget[],
  opts: ProbeManyOptions = {},
): Promise<ProbeResult[]> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? DEFAULT_CONCURRENCY));
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const started = performance.now();
  const deadlineAt = opts.deadlineMs === undefined ? Number.POSITIVE_INFINITY : started + opts.deadlineMs;

  const results: ProbeResult[] = new Array(targets.length);
  const pending: number[] = targets.map((_, i) => i);
  const busyHosts = new Set<string>();
  let running = 0;
  let remaining = targets.length;
  if (remaining === 0) return results;

  return new Promise<ProbeResult[]>((resolve) => {
    let deadlineTimer: NodeJS.Timeout | undefined;

    const deliver = (index: number, result: ProbeResult) => {
      results[index] = result;
      remaining -= 1;
      opts.onResult?.(result, index);
      if (remaining === 0) {
        clearTimeout(deadlineTimer);
        resolve(results);
      }
    };

    const skipRest = () => {
      for (const index of pending.splice(0)) {
        deliver(index, {
          target: targets[index]!,
          outcome: 'timeout',
          phases: { totalMs: 0 },
          neverStarted: true,
          detail: 'not probed: overall deadline reached',
        });
      }
    };

    const launch = (index: number) => {
      const target = targets[index]!;
      const host = hostKey(target);
      busyHosts.add(host);
      running += 1;
      const left = deadlineAt - performance.now();
      const perProbe = { ...timeouts, totalMs: Math.min(timeouts.totalMs, left) };
      let settle: Promise<ProbeResult>;
      try {
        settle = prober.probe(target, perProbe);
      } catch (e) {
        settle = Promise.reject(e);
      }
      settle
        .catch(
          (e: unknown): ProbeResult => ({
            // The Prober contract forbids throwing; a broken prober must still not lose a result.
            target,
            outcome: 'unreachable',
            phases: { totalMs: 0 },
            detail: `prober error: ${e instanceof Error ? e.message : String(e)}`,
          }),
        )
        .then((result) => {
          busyHosts.delete(host);
          running -= 1;
          deliver(index, result);
          pump();
        });
    };

    /** Starts queued targets, in input order, while slots are free and their host is idle. */
    const pump = () => {
      if (pending.length === 0) return;
      if (performance.now() >= deadlineAt) {
        skipRest();
        return;
      }
      for (let i = 0; i < pending.length && running < concurrency; ) {
        const index = pending[i]!;
        if (busyHosts.has(hostKey(targets[index]!))) {
          i += 1;
          continue;
        }
        pending.splice(i, 1);
        launch(index);
      }
    };

    if (Number.isFinite(deadlineAt)) {
      deadlineTimer = setTimeout(skipRest, Math.max(0, deadlineAt - performance.now()));
    }
    pump();
  });
}
