#!/usr/bin/env node
// The one test command: type-check, lint, then every test file under test/ with node's test runner.
// Ends with the line CI reads: "N passed, N failed, N skipped" (type-check and lint count as one test each).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const quick = args.includes('--no-static');

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

let files = collect(join(root, 'test'));
if (only.length > 0) files = files.filter((f) => only.some((o) => relative(root, f).includes(o)));
process.stdout.write(`\n▶ ${files.length} test files\n`);

// Safety net: no test may reach the EC2 instance metadata service (an address we do not own) through an
// SDK's default credential chain, and the CDK CLI must not phone home.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.CDK_DISABLE_CLI_TELEMETRY = '1';
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import tsx`.trim();
const stream = run({ files, concurrency: 2, timeout: 5 * 60_000 });
stream.on('test:pass', (d) => {
  if (d.details?.type === 'suite') return;
  if (d.skip || d.todo) skipped += 1;
  else passed += 1;
});
stream.on('test:fail', (d) => {
  // A suite fails when a child fails (already counted); count it only when its own hook or body failed.
  if (d.details?.error?.failureType === 'subtestsFailed') return;
  failed += 1;
});
const out = stream.compose(spec);
out.pipe(process.stdout, { end: false });
out.on('end', () => {
  process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  process.exitCode = failed > 0 ? 1 : 0;
});
