import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startZooServer } from '../../../../lab/zoo.ts';
import { netProber } from '../../../../lambda/adapters/net/prober.ts';
import { hostKey, probeMany } from '../../../../lambda/core/probe/fan-out.ts';
import type { ProbeResult, ProbeTarget, ProbeTimeouts } from '../../../../lambda/core/probe/types.ts';
import type { Prober } from '../../../../lambda/ports.ts';

/** A prober that takes `delay(target)` ms and records what ran at once. */
function fakeProber(delay: (t: ProbeTarget) => number) {
  const inFlight = new Map<string, number>();
  const stats = {
    running: 0,
    peak: 0,
    peakPerHost: 0,
    started: [] as ProbeTarget[],
    /** performance.now() at each start, in start order. */
    startedAt: [] as number[],
    budgets: [] as number[],
  };
  const prober: Prober = {
    async probe(target: ProbeTarget, timeouts?: Partial<ProbeTimeouts>): Promise<ProbeResult> {
      stats.started.push(target);
      stats.startedAt.push(performance.now());
      stats.budgets.push(timeouts?.totalMs ?? Number.NaN);
      stats.running += 1;
      stats.peak = Math.max(stats.peak, stats.running);
      const h = hostKey(target);
      inFlight.set(h, (inFlight.get(h) ?? 0) + 1);
      stats.peakPerHost = Math.max(stats.peakPerHost, inFlight.get(h)!);
      await sleep(Math.min(delay(target), timeouts?.totalMs ?? Number.POSITIVE_INFINITY));
      inFlight.set(h, inFlight.get(h)! - 1);
      stats.running -= 1;
      return { target, outcome: 'ok', phases: { totalMs: delay(target) } };
    },
  };
  return { prober, stats };
}

const hosts = (n: number, port = 22): ProbeTarget[] =>
  Array.from({ length: n }, (_, i) => ({ host: `10.0.0.${i + 1}`, port }));

describe('probeMany with an injected prober', () => {
  it('returns results in input order, whatever order they finish in', async () => {
    const targets = hosts(8);
    const { prober } = fakeProber((t) => 80 - Number(t.host.split('.')[3]) * 10);
    const finished: number[] = [];
    const results = await probeMany(prober, targets, { onResult: (_r, i) => finished.push(i) });
    assert.deepEqual(
      results.map((r) => r.target),
      targets,
    );
    assert.deepEqual(
      finished,
      [7, 6, 5, 4, 3, 2, 1, 0],
      'onResult reports completion order with input indexes',
    );
  });

  it('never runs more than `concurrency` probes at once, and does use them all', async () => {
    const { prober, stats } = fakeProber(() => 20);
    await probeMany(prober, hosts(30), { concurrency: 5 });
    assert.equal(stats.peak, 5);
  });

  it('never runs two probes on one host at once, while other hosts proceed', async () => {
    const sameHost = Array.from({ length: 6 }, (_, i) => ({ host: '10.9.9.9', port: 2200 + i }));
    const { prober, stats } = fakeProber(() => 20);
    const started = performance.now();
    await probeMany(prober, [...sameHost, ...hosts(6)], { concurrency: 12 });
    const elapsed = performance.now() - started;
    assert.equal(stats.peakPerHost, 1);
    assert.ok(stats.peak >= 7, `other hosts ran alongside (peak ${stats.peak})`);
    assert.ok(elapsed >= 6 * 20 - 5, `same-host probes ran one after another (${elapsed.toFixed(0)} ms)`);
  });

  it('treats [::1] and ::1, and letter case, as the same host', () => {
    assert.equal(hostKey({ host: '[::1]', port: 22 }), hostKey({ host: '::1', port: 2222 }));
    assert.equal(hostKey({ host: 'Bastion.Example', port: 22 }), 'bastion.example');
  });

  it('an overall deadline: started probes get what is left, the rest are not probed', async () => {
    // Asserted against the times the probes really started, not a count of them: on a loaded machine the
    // timers run late, and 100 ms sleeps may fit three or only two times into 250 ms.
    const { prober, stats } = fakeProber(() => 100);
    const started = performance.now();
    const results = await probeMany(prober, hosts(10), { concurrency: 1, deadlineMs: 250 });
    const elapsed = performance.now() - started;
    const probed = results.filter((r) => !r.neverStarted);
    const skipped = results.filter((r) => r.neverStarted);
    assert.equal(probed.length, stats.startedAt.length, 'a result is probed exactly when the prober ran');
    assert.ok(probed.length >= 1 && probed.length <= 3, `${probed.length} probes started: at most 3 fit`);
    assert.equal(probed.length + skipped.length, 10);
    stats.startedAt.forEach((at, i) => {
      const offset = at - started;
      assert.ok(offset < 250, `probe ${i} started before the deadline (${offset.toFixed(0)} ms)`);
      // Its budget is what was left of the 250 ms when it started (1 ms of slack for the clock reads).
      assert.ok(stats.budgets[i]! <= 250 - offset + 1, `probe ${i}: budget ${stats.budgets[i]} ms`);
    });
    for (const r of skipped) {
      assert.equal(r.outcome, 'timeout');
      assert.equal(r.detail, 'not probed: overall deadline reached');
      assert.equal(r.phases.totalMs, 0);
    }
    assert.ok(elapsed < 250 + 100, `finished by the deadline (${elapsed.toFixed(0)} ms)`);
  });

  it('turns a prober that breaks its contract into a result', async () => {
    const prober: Prober = {
      probe: async () => {
        throw new Error('boom');
      },
    };
    const [r] = await probeMany(prober, [{ host: '10.0.0.1', port: 22 }]);
    assert.equal(r?.outcome, 'unreachable');
    assert.match(r?.detail ?? '', /prober error: boom/);
  });

  it('an empty list is an empty answer', async () => {
    assert.deepEqual(await probeMany(fakeProber(() => 0).prober, []), []);
  });
});

// The network prober through the fan-out: what a real server sees of the scheduling.
describe('probeMany with the network prober, against zoo servers', () => {
  const FAST: Partial<ProbeTimeouts> = {
    connectMs: 1000,
    identMs: 500,
    kexMs: 1000,
    authMs: 1000,
    totalMs: 2000,
  };

  it('a server sees at most one probe connection at a time', async () => {
    const zoo = await startZooServer('healthy');
    try {
      const targets = Array.from({ length: 8 }, () => ({ host: zoo.host, port: zoo.port }));
      const results = await probeMany(netProber, targets, { concurrency: 8, timeouts: FAST });
      assert.ok(results.every((r) => r.outcome === 'ok'));
      assert.equal(zoo.stats.accepted, 8);
      assert.equal(zoo.stats.peakOpen, 1);
    } finally {
      await zoo.close();
    }
  });

  it('a silent target does not delay the others', async () => {
    // Two loopback addresses, so per-host serialisation does not put one behind the other.
    const silent = await startZooServer('silent', { host: '127.0.0.2' });
    const healthy = await startZooServer('healthy');
    try {
      const targets = [
        { host: silent.host, port: silent.port },
        { host: healthy.host, port: healthy.port },
      ];
      const arrived: number[] = [];
      const started = performance.now();
      await probeMany(netProber, targets, {
        concurrency: 2,
        timeouts: FAST,
        onResult: (_r, i) => {
          arrived[i] = performance.now() - started;
        },
      });
      assert.ok(arrived[1]! < 400, `healthy answered after ${arrived[1]!.toFixed(0)} ms`);
      assert.ok(
        arrived[0]! >= 490 && arrived[0]! < 600,
        `silent timed out after ${arrived[0]!.toFixed(0)} ms`,
      );
    } finally {
      await silent.close();
      await healthy.close();
    }
  });

  it('50 ident-timeouts at concurrency 50 cost about one deadline, not fifty', async () => {
    // 50 silent servers on 50 loopback addresses (127.0.0.0/8 is all ours): 50 distinct hosts.
    const servers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => startZooServer('silent', { host: `127.0.1.${i + 1}` })),
    );
    try {
      const started = performance.now();
      const results = await probeMany(
        netProber,
        servers.map((s) => ({ host: s.host, port: s.port })),
        { concurrency: 50, timeouts: { ...FAST, identMs: 500 } },
      );
      const elapsed = performance.now() - started;
      assert.ok(results.every((r) => r.outcome === 'ident-timeout'));
      assert.ok(elapsed < 500 + 250, `50 timeouts took ${elapsed.toFixed(0)} ms`);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});
