// The prebuilt CLI (scripts/build-cli.mjs, started by bin/port22.mjs) in a copy of the checkout whose
// node_modules has every package but tsx: a CLI that answered there cannot have compiled TypeScript at
// start-up. Then sources are edited in the copy, and the CLI must run the edited code at once.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const REPO = new URL('../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'port22-build-'));
let copy = join(work, 'checkout');
const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };

/** The test runner's `--import tsx` must not leak into the copy, which has no tsx. */
const { NODE_OPTIONS: _, ...env } = process.env;

function port22(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/port22.mjs', ...args], {
    cwd: copy,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const manifest = () =>
  JSON.parse(readFileSync(join(copy, 'dist/cli/manifest.json'), 'utf8')) as {
    entry: string;
    inputs: Record<string, [number, number, string] | null>;
  };

/** Replaces `from` by `to` in a file of the copy; returns the file's path. */
function edit(file: string, from: string, to: string): string {
  const path = join(copy, file);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.includes(from), `${file} contains ${from}`);
  writeFileSync(path, text.replace(from, to));
  return path;
}

describe('the prebuilt CLI', () => {
  before(() => {
    mkdirSync(copy);
    for (const entry of ['bin', 'cli', 'lambda', 'lab', 'scripts', 'package.json'])
      cpSync(join(REPO, entry), join(copy, entry), { recursive: true });
    mkdirSync(join(copy, 'node_modules'));
    for (const name of readdirSync(join(REPO, 'node_modules'))) {
      if (name === 'tsx' || name === '.bin') continue;
      symlinkSync(join(REPO, 'node_modules', name), join(copy, 'node_modules', name));
    }
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('without a build, the first run builds it and the next one reuses it (no tsx anywhere)', () => {
    assert.deepEqual(port22('--version'), { status: 0, stdout: `${version}\n`, stderr: '' });
    const first = manifest();
    assert.ok(first.inputs['cli/main.ts'], 'the build records the sources it read');
    assert.ok(first.inputs['lab/fleet.ts'], 'including those only a lazily loaded command imports');
    assert.equal(port22('-V').stdout, `${version}\n`);
    assert.equal(manifest().entry, first.entry, 'nothing changed, nothing rebuilt');
  });

  it('an edit of the same size (only the mtime differs) runs the new code', () => {
    const before = manifest().entry;
    edit('cli/main.ts', 'SSH health checker for AWS:', 'SSH HEALTH CHECKER FOR AWS:');
    const r = port22('--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^SSH HEALTH CHECKER FOR AWS: probe/m);
    assert.notEqual(manifest().entry, before);
  });

  it('an edit that keeps the recorded mtime but not the size runs the new code', () => {
    // A whole second, so that setting it again after the edit gives the exact mtime the build recorded.
    const path = join(copy, 'cli/arguments.ts');
    const second = Math.floor(statSync(path).mtimeMs / 1000) - 60;
    utimesSync(path, second, second);
    const build = spawnSync(process.execPath, ['scripts/build-cli.mjs'], {
      cwd: copy,
      env,
      encoding: 'utf8',
    });
    assert.equal(build.status, 0, build.stderr);
    assert.deepEqual(manifest().inputs['cli/arguments.ts']?.slice(0, 2), [
      second * 1000,
      statSync(path).size,
    ]);
    edit('cli/arguments.ts', "`bad number '", "`not a number here: '");
    utimesSync(path, second, second);
    assert.equal(statSync(path).mtimeMs, second * 1000);
    // A module only the analyze command loads: the edit reaches a lazily loaded chunk.
    const r = port22('analyze', '--inventory', 'lab/fleet', '--port', '0');
    assert.deepEqual(r, {
      status: 2,
      stdout: '',
      stderr: "port22: not a number here: '0' for --port (expected 1-65535)\n",
    });
  });

  it('a moved checkout runs its build as is: paths relative to a source (the lab fleet) still resolve', () => {
    assert.equal(port22('-V').status, 0);
    const built = manifest().entry;
    const moved = join(work, 'moved');
    renameSync(copy, moved);
    copy = moved;
    const r = port22('lab', '--fix', 'nope', '--dir', join(work, 'lab'));
    assert.deepEqual(r, {
      status: 2,
      stdout: '',
      stderr: "port22: no lab instance 'nope' (give an instance id or a Name, e.g. cache-1)\n",
    });
    assert.equal(manifest().entry, built, 'rename keeps mtimes: no rebuild');
  });

  it('the same bytes with other mtimes (as an npm tarball unpacks them) run the build as is', () => {
    assert.equal(port22('-V').status, 0);
    const built = manifest();
    const packed = new Date('1985-10-26T08:15:00Z');
    for (const file of Object.keys(built.inputs)) utimesSync(join(copy, file), packed, packed);
    assert.equal(port22('-V').stdout, `${version}\n`);
    assert.equal(manifest().entry, built.entry);
    // One byte more, the same size as nothing: still seen (the digest differs).
    edit('cli/main.ts', 'SSH HEALTH CHECKER FOR AWS:', 'SSH HEALTH CHECKER FOR AWS.');
    utimesSync(join(copy, 'cli/main.ts'), packed, packed);
    assert.match(port22('--help').stdout, /^SSH HEALTH CHECKER FOR AWS\. probe/m);
    assert.notEqual(manifest().entry, built.entry);
  });

  it('where dist/ cannot be written, the edited sources run through tsx', () => {
    symlinkSync(join(REPO, 'node_modules/tsx'), join(copy, 'node_modules/tsx'));
    rmSync(join(copy, 'dist'), { recursive: true });
    // A file where the build directory should be: no build can be written.
    writeFileSync(join(copy, 'dist'), '');
    edit('cli/main.ts', 'SSH HEALTH CHECKER FOR AWS.', 'from source:');
    const r = port22('--help');
    assert.equal(r.status, 0);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^from source: probe/m);
  });
});
