/**
 * `node --import tsx bench/analyze-scale.ts [--sizes 1000,10000,50000] [--runs 3] [--fleets landing-zone,transit]`
 *
 * The static analyzer over synthetic fleets of 1,000, 10,000 and 50,000 instances (bench/synthetic-fleet.ts),
 * each analysed from three sources (the internet, an office CIDR, a bastion instance), in two shapes: the
 * landing zone (a VPC per 5,000 instances) and the transit fleet (20 VPCs joined by a transit gateway,
 * with peering and gateway endpoints).
 *
 * Each size runs in its own child process (a fresh heap), so peak RSS is that size's own. The time is
 * `analyze()` itself — indexing, every evaluator, the exposure audit — not building the inventory.
 *
 * The peer: AWS VPC Reachability Analyzer answers one path per analysis, asynchronously, IPv4 only, at
 * a published $0.10 per analysis; it cannot run here, so its cost for the same paths is printed instead.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { analyze } from '../lambda/core/reachability/analyze.ts';
import { type BenchRow, emitBenchResult } from './result.ts';
import {
  FLEET_SHAPES,
  type FleetShape,
  OFFICE,
  syntheticInventory,
  syntheticSources,
} from './synthetic-fleet.ts';

/** VPC Reachability Analyzer pricing: $0.10 per analysis, one source–destination path each. */
const REACHABILITY_ANALYZER_USD_PER_ANALYSIS = 0.1;

interface ChildResult {
  readonly fleet: FleetShape;
  readonly instances: number;
  readonly sources: number;
  readonly verdicts: number;
  readonly unreachable: number;
  readonly partial: number;
  readonly exposure: number;
  readonly buildMs: number;
  /** The first analysis (cold: JIT and caches empty). */
  readonly firstMs: number;
  /**
   * The process's CPU time (user + system, every thread: the garbage collector's included) during the
   * first analysis: on a machine shared with other jobs, wall time waits for a core, this does not.
   */
  readonly firstCpuMs: number;
  /** The best of the following runs. */
  readonly bestMs: number;
  readonly peakRssKiB: number;
}

function runChild(fleet: FleetShape, count: number, runs: number): ChildResult {
  const t0 = performance.now();
  const inventory = syntheticInventory(count, fleet);
  const buildMs = performance.now() - t0;
  const sources = syntheticSources(inventory);
  // The first analysis is what one Lambda invocation or one CLI run pays: cold JIT, empty caches.
  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  const report = analyze(inventory, { sources });
  const firstMs = performance.now() - t1;
  const cpu = process.cpuUsage(cpu0);
  const firstCpuMs = (cpu.user + cpu.system) / 1000;
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    analyze(inventory, { sources });
    times.push(performance.now() - start);
  }
  return {
    fleet,
    instances: count,
    sources: sources.length,
    verdicts: report.verdicts.length,
    unreachable: report.verdicts.filter((v) => !v.reachable).length,
    partial: report.verdicts.filter((v) => v.partial).length,
    exposure: report.exposure.length,
    buildMs,
    firstMs,
    firstCpuMs,
    bestMs: times.length > 0 ? Math.min(...times) : firstMs,
    peakRssKiB: process.resourceUsage().maxRSS,
  };
}

function spawnSize(
  fleet: FleetShape,
  count: number,
  runs: number,
  extraNodeArgs: readonly string[],
): Promise<ChildResult> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...extraNodeArgs,
        '--import',
        'tsx',
        self,
        '--child',
        String(count),
        '--fleets',
        fleet,
        '--runs',
        String(runs),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`child for ${count} instances exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,50000' },
    runs: { type: 'string', default: '3' },
    fleets: { type: 'string', default: FLEET_SHAPES.join(',') },
    child: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});

const fleets = args.fleets.split(',').map((f) => {
  if (!(FLEET_SHAPES as readonly string[]).includes(f)) {
    process.stderr.write(`analyze-scale: --fleets takes ${FLEET_SHAPES.join(', ')}; got ${f}\n`);
    process.exit(2);
  }
  return f as FleetShape;
});

if (args.child) {
  process.stdout.write(`${JSON.stringify(runChild(fleets[0]!, Number(args.child), Number(args.runs)))}\n`);
} else {
  const sizes = args.sizes.split(',').map(Number);
  const runs = Number(args.runs);
  const ms = (n: number) => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
  const n = (x: number) => x.toLocaleString('en-US');
  process.stdout.write(
    `analyze() over synthetic fleets, 3 sources (internet, ${OFFICE}, a bastion instance); each size in a fresh process\n`,
  );
  const rows: BenchRow[] = [];
  for (const fleet of fleets) {
    process.stdout.write(`\nfleet: ${fleet}\n`);
    process.stdout.write(
      `${'instances'.padStart(9)} ${'verdicts'.padStart(9)} ${'unreach'.padStart(8)} ${'partial'.padStart(8)} ${'exposure'.padStart(8)} ${'first'.padStart(9)} ${'first CPU'.padStart(9)} ${`best/${runs}`.padStart(9)} ${'peak RSS'.padStart(9)}  Reachability Analyzer\n`,
    );
    const results = new Map<number, ChildResult>();
    for (const size of sizes) {
      const r = await spawnSize(
        fleet,
        size,
        runs,
        args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir=.cpuprofile'] : [],
      );
      results.set(size, r);
      const usd = r.verdicts * REACHABILITY_ANALYZER_USD_PER_ANALYSIS;
      process.stdout.write(
        `${n(r.instances).padStart(9)} ${n(r.verdicts).padStart(9)} ${n(r.unreachable).padStart(8)} ${n(r.partial).padStart(8)} ${n(r.exposure).padStart(8)} ${ms(r.firstMs).padStart(9)} ${ms(r.firstCpuMs).padStart(9)} ${ms(r.bestMs).padStart(9)} ${`${Math.round(r.peakRssKiB / 1024)} MB`.padStart(9)}  ${n(r.verdicts)} analyses ≈ $${n(Math.round(usd))}\n`,
      );
    }
    const k10 = results.get(10_000);
    const k50 = results.get(50_000);
    if (k10) {
      const goal = k10.firstMs < 1000 ? 'met' : 'MISSED';
      process.stdout.write(
        `goal 10,000 instances × 3 sources < 1 s: ${goal} (first run ${ms(k10.firstMs)})\n`,
      );
    }
    if (k10 && k50) {
      const ratio = k50.firstMs / k10.firstMs;
      const ratioBest = k50.bestMs / k10.bestMs;
      process.stdout.write(
        `growth 50k/10k: ${ratio.toFixed(2)}× first run, ${ratioBest.toFixed(2)}× best (5× is linear; goal ≤ 6×: ${ratio <= 6 ? 'met' : 'MISSED'})\n`,
      );
    }
    // The headline figures for the table `npm run bench` prints (bench/result.ts).
    for (const r of results.values()) {
      rows.push({
        metric: `analyze ${n(r.instances)} instances × ${r.sources} sources (${fleet}), first run (best)`,
        value: `${ms(r.firstMs)} (${ms(r.bestMs)}), ${Math.round(r.peakRssKiB / 1024)} MB`,
        peer: 'VPC Reachability Analyzer',
        peerValue: `${n(r.verdicts)} analyses ≈ $${n(Math.round(r.verdicts * REACHABILITY_ANALYZER_USD_PER_ANALYSIS))}`,
        ...(r.instances === 10_000 ? { goal: '< 1 s', met: r.firstMs < 1000 } : {}),
      });
    }
    if (k10 && k50) {
      rows.push({
        metric: `growth 50k / 10k (${fleet}), first run (best)`,
        value: `${(k50.firstMs / k10.firstMs).toFixed(2)}× (${(k50.bestMs / k10.bestMs).toFixed(2)}×)`,
        goal: '≤ 6× (5× is linear)',
        met: k50.firstMs / k10.firstMs <= 6,
      });
    }
  }
  process.stdout.write(
    '\npeer: AWS VPC Reachability Analyzer cannot run here; it analyses one source–destination path per analysis,\n' +
      `asynchronously, IPv4 only, at $${REACHABILITY_ANALYZER_USD_PER_ANALYSIS.toFixed(2)} per analysis — the figure above is that price × the paths port22 analysed.\n`,
  );
  emitBenchResult({ bench: 'analyze-scale', rows });
}
