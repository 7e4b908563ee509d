#!/usr/bin/env node
// The one test command: type-check, lint, then every test file under test/ with node's test runner, then
// the Lambda's side again on the Lambda's Node (see NODE24_TESTS).
// Ends with the line CI reads: "N passed, N failed, N skipped" (type-check and lint count as one test each).
//   --no-static   skip type-check and lint
//   --no-skip     count every skipped test as failed (CI, where .ci/run installed what they need)
//   <substring>   only the test files whose path contains it
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const quick = args.includes('--no-static');
const noSkip = args.includes('--no-skip');
/** Set on the run this script starts under Node 24: only NODE24_TESTS, no static checks. */
const node24Pass = args.includes('--node24-pass');

/**
 * The prober runs on Lambda's nodejs24.x, the CLI and the rest of the suite on whatever Node the user has
 * (engines: >=20.11). These also run on Node 24: the handler tests (the synthesized bundle among them), and
 * test/node24 (runtime, AWS SDK clients, CLI smoke), which only means something there.
 */
const NODE24_TESTS = ['test/lambda/handlers/', 'test/node24/'];
const NODE24_ONLY = 'test/node24/';
/** Where .ci/run installs the pinned Node 24 (npm's node-linux-<arch> package); PORT22_NODE24 overrides it. */
const node24 = process.env.PORT22_NODE24 || join(root, '.node24/node_modules/.bin/node');
const onNode24 = process.versions.node.split('.')[0] === '24';
const parentEnv = { ...process.env };

let passed = 0;
let failed = 0;
let skipped = 0;

function step(name, cmd, cmdArgs) {
  process.stdout.write(`\n▶ ${name}: ${cmd} ${cmdArgs.join(' ')}\n`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.status === 0) {
    passed += 1;
    process.stdout.write(`✔ ${name}\n`);
  } else {
    failed += 1;
    process.stdout.write(`✖ ${name} failed (exit ${r.status})\n`);
  }
}

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'fixtures' || name === 'node_modules') continue;
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

if (!quick) {
  step('typecheck', join(root, 'node_modules/.bin/tsc'), ['--noEmit', '-p', 'tsconfig.json']);
  step('lint', join(root, 'node_modules/.bin/biome'), ['check', '.']);
}

const selected = collect(join(root, 'test')).filter(
  (f) => only.length === 0 || only.some((o) => relative(root, f).includes(o)),
);
const inside = (prefixes) => (f) => prefixes.some((p) => relative(root, f).startsWith(p));
// On a binary that is not Node 24 after all, the pass runs (and test/node24 says so) but never recurses.
const node24Files = onNode24 || node24Pass ? [] : selected.filter(inside(NODE24_TESTS));
const files = node24Pass
  ? selected.filter(inside(NODE24_TESTS))
  : selected.filter((f) => onNode24 || !inside([NODE24_ONLY])(f));
process.stdout.write(`\n▶ ${files.length} test files on Node ${process.versions.node}\n`);

// Safety net: no test may reach the EC2 instance metadata service (an address we do not own) through an
// SDK's default credential chain, and the CDK CLI must not phone home.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.CDK_DISABLE_CLI_TELEMETRY = '1';
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import tsx`.trim();
const unwanted = [];
const stream = run({ files, concurrency: 2, timeout: 5 * 60_000 });
stream.on('test:pass', (d) => {
  if (d.details?.type === 'suite') return;
  if (!(d.skip || d.todo)) passed += 1;
  else if (!noSkip) skipped += 1;
  else {
    failed += 1;
    unwanted.push(`${d.name}: ${d.skip || d.todo}`);
  }
});
stream.on('test:fail', (d) => {
  // A suite fails when a child fails (already counted); count it only when its own hook or body failed.
  if (d.details?.error?.failureType === 'subtestsFailed') return;
  // A failing `todo` test is a known gap waiting on a fix, counted as a skip is (failed under --no-skip).
  if (d.todo && !noSkip) skipped += 1;
  else {
    failed += 1;
    if (d.todo) unwanted.push(`${d.name}: ${d.todo}`);
  }
});
const out = stream.compose(spec);
out.pipe(process.stdout, { end: false });
out.on('end', async () => {
  if (unwanted.length > 0)
    process.stdout.write(`\n✖ skipped under --no-skip:\n${unwanted.map((u) => `  ${u}\n`).join('')}`);
  if (node24Files.length > 0) await runOnNode24();
  process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  process.exitCode = failed > 0 ? 1 : 0;
});

/** This script again under Node 24 on NODE24_TESTS; its summary line adds to this one. */
async function runOnNode24() {
  const what = `Node 24 checks (${node24Files.length} files)`;
  if (!existsSync(node24)) {
    const reason = 'Node 24 not installed: bash .ci/run installs it';
    process.stdout.write(`\n﹣ ${what} # ${reason}\n`);
    if (noSkip) failed += 1;
    else skipped += 1;
    return;
  }
  const childArgs = [join(root, 'scripts/test.mjs'), '--no-static', '--node24-pass'];
  if (noSkip) childArgs.push('--no-skip');
  process.stdout.write(`\n▶ ${what}: ${node24} ${childArgs.join(' ')}\n`);
  const child = spawn(node24, [...childArgs, ...node24Files.map((f) => relative(root, f))], {
    cwd: root,
    env: parentEnv,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let tail = '';
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    tail = (tail + chunk).slice(-400);
  });
  const code = await new Promise((resolve) => child.on('close', resolve));
  const counts = /(\d+) passed, (\d+) failed, (\d+) skipped\n*$/.exec(tail);
  if (!counts) {
    failed += 1;
    process.stdout.write(`✖ ${what}: ended (exit ${code}) without a summary line\n`);
    return;
  }
  passed += Number(counts[1]);
  failed += Number(counts[2]);
  skipped += Number(counts[3]);
}
