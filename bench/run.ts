/**
 * `npm run bench [-- --only probe-fanout,cost] [--nmap-full] [--no-nmap]`: runs each benchmark below as
 * its own child process, one after another, so no benchmark's servers, sockets or heap skew another's
 * figures; shows their output as it comes; and once all have run, prints one table of every headline
 * figure beside its peer, gathered from the `BENCH_RESULT` line each benchmark prints (bench/result.ts).
 * Add a benchmark by adding it to BENCHMARKS and having it call `emitBenchResult`. Benchmarks are never
 * part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BenchOutcome, type BenchResult, parseBenchResult, renderBenchTable } from './result.ts';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    'nmap-full': { type: 'boolean', default: false },
    'no-nmap': { type: 'boolean', default: false },
  },
});

/** Each benchmark and the arguments it gets; the nmap flags only concern the probe fan-out. */
const BENCHMARKS: ReadonlyArray<{ readonly name: string; readonly args: readonly string[] }> = [
  {
    name: 'probe-fanout',
    args: [...(args['nmap-full'] ? ['--nmap-full'] : []), ...(args['no-nmap'] ? ['--no-nmap'] : [])],
  },
  { name: 'probe-command', args: [] },
  { name: 'analyze-scale', args: [] },
  { name: 'cli-startup', args: [] },
  { name: 'bundle', args: [] },
  { name: 'cost', args: [] },
];

const here = fileURLToPath(new URL('.', import.meta.url));

function runOne(name: string, extraArgs: readonly string[]): Promise<BenchOutcome> {
  return new Promise((resolve) => {
    process.stdout.write(`\n━━ bench/${name}.ts ━━\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', `${here}${name}.ts`, ...extraArgs], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const results: BenchResult[] = [];
    // The result line is for this runner; every other line is the benchmark's own report, shown as is.
    createInterface({ input: child.stdout }).on('line', (line) => {
      const result = parseBenchResult(line);
      if (result) results.push(result);
      else process.stdout.write(`${line}\n`);
    });
    let settled = false;
    const finish = (exitCode: number) => {
      if (settled) return;
      settled = true;
      resolve({ bench: name, results, exitCode });
    };
    child.on('error', (error) => {
      process.stderr.write(`bench/${name}.ts: ${error.message}\n`);
      finish(1);
    });
    // 'close' rather than 'exit': it comes after stdout is drained, so no result line is lost.
    child.on('close', (code, signal) => finish(code ?? (signal ? 1 : 0)));
  });
}

const selected = args.only ? new Set(args.only.split(',').map((s) => s.trim())) : undefined;
const unknown = [...(selected ?? [])].filter((n) => !BENCHMARKS.some((b) => b.name === n));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}\n`,
  );
  process.exit(2);
}

const outcomes: BenchOutcome[] = [];
const startedAll = Date.now();
for (const { name, args: benchArgs } of BENCHMARKS) {
  if (selected && !selected.has(name)) continue;
  const started = Date.now();
  const outcome = await runOne(name, benchArgs);
  outcomes.push(outcome);
  process.stdout.write(
    `━━ bench/${name}.ts: ${outcome.exitCode === 0 ? 'done' : `exit ${outcome.exitCode}`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

const seconds = Math.round((Date.now() - startedAll) / 1000);
process.stdout.write(
  `\n━━ summary: ${outcomes.length} benchmarks in ${Math.floor(seconds / 60)} min ${seconds % 60} s ━━\n\n`,
);
process.stdout.write(`${renderBenchTable(outcomes)}\n`);
// A missed goal is a finding, shown as NO in the table; only a benchmark that failed to run fails the command.
process.exitCode = outcomes.some((o) => o.exitCode !== 0 || o.results.length === 0) ? 1 : 0;
