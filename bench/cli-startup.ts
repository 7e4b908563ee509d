/**
 * `node --import tsx bench/cli-startup.ts [--runs 7] [--instances 10000]`
 *
 * The `port22` command as a user starts it (`node bin/port22.mjs`, the prebuilt CLI of scripts/build-cli.mjs),
 * side by side with `node -e 0` (Node.js starting and doing nothing: the floor no Node.js CLI goes under)
 * and with the same CLI run from source through tsx (how it started before it was prebuilt):
 *
 * - `port22 --help`;
 * - `port22 analyze` on the lab fleet (lab/fleet/, 19 instances);
 * - `port22 analyze` as a whole command on a synthetic fleet of 10,000 instances from 3 sources
 *   (bench/synthetic-fleet.ts), written as an inventory directory to a temp dir: start-up, reading and
 *   validating 13 MB of JSON, the analysis and the report, all in one process.
 *
 * Each figure is the median wall time of `--runs` runs, and beside it the median CPU time (user + system)
 * of the same runs: on a shared machine, waiting for a core inflates wall time but hardly CPU time. The
 * commands take turns, so load falls on all of them alike. Output goes to /dev/null.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freshCliEntry } from '../scripts/build-cli.mjs';
import { type Command, medians, type Timing, timeOnce } from './command-timing.ts';
import { type BenchRow, emitBenchResult } from './result.ts';
import { syntheticInventory, syntheticSources, writeInventoryDir } from './synthetic-fleet.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HELP_GOAL_MS = 200;
const ANALYZE_GOAL_MS = 1500;

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    instances: { type: 'string', default: '10000' },
  },
});
const runs = Number(args.runs);
const instances = Number(args.instances);

const node = (args: readonly string[]): Command => ({ file: process.execPath, args });
const timeNode = (args: readonly string[]) => timeOnce(node(args), { cwd: ROOT });
function nodeMedians<K extends string>(commands: Record<K, readonly string[]>): Promise<Record<K, Timing>> {
  const asCommands = Object.fromEntries(Object.entries(commands).map(([k, a]) => [k, node(a as string[])]));
  return medians(asCommands as Record<K, Command>, runs, { cwd: ROOT });
}

const PREBUILT = ['bin/port22.mjs'];
const FROM_SOURCE = ['--import', 'tsx', 'bin/port22.ts'];

// The first run rebuilds the CLI if a source changed since the last build; it is not measured.
await timeNode([...PREBUILT, '--version']);
if (!freshCliEntry())
  throw new Error('dist/cli/ is not a fresh build (cannot write it?): nothing prebuilt to measure');

const inventoryDir = mkdtempSync(join(tmpdir(), 'port22-cli-bench-'));
try {
  const fleet = syntheticInventory(instances);
  writeInventoryDir(fleet, inventoryDir);
  const sources = syntheticSources(fleet).flatMap((s) => ['--source', s]);
  const labAnalyze = ['analyze', '--inventory', 'lab/fleet'];
  const bigAnalyze = ['analyze', '--inventory', inventoryDir, ...sources];

  const small = await nodeMedians({
    node: ['-e', '0'],
    help: [...PREBUILT, '--help'],
    helpSource: [...FROM_SOURCE, '--help'],
    lab: [...PREBUILT, ...labAnalyze],
  });
  const big = await nodeMedians({
    analyze: [...PREBUILT, ...bigAnalyze],
    analyzeSource: [...FROM_SOURCE, ...bigAnalyze],
  });

  const ms = (t: Timing) => `${Math.round(t.wallMs)} ms (CPU ${Math.round(t.cpuMs)} ms)`;
  const n = instances.toLocaleString('en-US');
  process.stdout.write(
    `median of ${runs} runs each: wall time (CPU time, user + system); output to /dev/null\n\n` +
      `  node -e 0                                     ${ms(small.node!)}\n` +
      `  port22 --help                                 ${ms(small.help!)}; from source through tsx: ${ms(small.helpSource!)}\n` +
      `  port22 analyze, lab fleet                     ${ms(small.lab!)}\n` +
      `  port22 analyze, ${n} instances × 3 sources   ${ms(big.analyze!)}; from source through tsx: ${ms(big.analyzeSource!)}\n`,
  );

  const timesNode = (t: Timing) => `${(t.wallMs / small.node!.wallMs).toFixed(1)}×`;
  const faster = (t: Timing, peer: Timing) => `${(peer.wallMs / t.wallMs).toFixed(1)}× faster`;
  const rows: BenchRow[] = [
    {
      metric: `port22 --help, median of ${runs}`,
      value: ms(small.help!),
      peer: 'node -e 0',
      peerValue: ms(small.node!),
      ratio: timesNode(small.help!),
      goal: `< ${HELP_GOAL_MS} ms`,
      met: small.help!.wallMs < HELP_GOAL_MS,
    },
    {
      metric: `port22 --help, median of ${runs}`,
      value: ms(small.help!),
      peer: 'the same from source through tsx',
      peerValue: ms(small.helpSource!),
      ratio: faster(small.help!, small.helpSource!),
    },
    {
      metric: `port22 analyze, lab fleet, median of ${runs}`,
      value: ms(small.lab!),
      peer: 'node -e 0',
      peerValue: ms(small.node!),
      ratio: timesNode(small.lab!),
    },
    {
      metric: `port22 analyze, ${n} instances × 3 sources, whole command, median of ${runs}`,
      value: ms(big.analyze!),
      peer: 'the same from source through tsx',
      peerValue: ms(big.analyzeSource!),
      ratio: faster(big.analyze!, big.analyzeSource!),
      goal: `< ${(ANALYZE_GOAL_MS / 1000).toFixed(1)} s`,
      met: big.analyze!.wallMs < ANALYZE_GOAL_MS,
    },
  ];
  emitBenchResult({ bench: 'cli-startup', rows });
} finally {
  rmSync(inventoryDir, { recursive: true, force: true });
}
