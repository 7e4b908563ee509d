/**
 * `npm run bench`: runs each benchmark below as its own child process, one after another, so no
 * benchmark's servers, sockets or heap skew another's figures, and prints their output as it comes.
 * Add a benchmark by adding its file to BENCHMARKS. Benchmarks are never part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHMARKS: readonly string[] = ['probe-fanout.ts', 'cost.ts', 'analyze-scale.ts', 'bundle.ts'];

const here = fileURLToPath(new URL('.', import.meta.url));

function runOne(file: string): Promise<number> {
  return new Promise((resolve) => {
    process.stdout.write(`\n━━ bench/${file} ━━\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', `${here}${file}`, ...process.argv.slice(2)], {
      stdio: 'inherit',
    });
    child.on('error', (error) => {
      process.stderr.write(`bench/${file}: ${error.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

let failures = 0;
for (const file of BENCHMARKS) {
  const started = Date.now();
  const code = await runOne(file);
  process.stdout.write(
    `━━ bench/${file}: ${code === 0 ? 'done' : `exit ${code}`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  if (code !== 0) failures += 1;
}
process.exitCode = failures > 0 ? 1 : 0;
