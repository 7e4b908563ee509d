// The linter keeps lambda/core pure (DESIGN.md, "Layout"): the repository's own biome.json, applied to small
// files laid out like the repository, must reject I/O imports under lambda/core and allow them elsewhere.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const biome = join(root, 'node_modules/.bin/biome');
const work = mkdtempSync(join(tmpdir(), 'port22-lint-'));
copyFileSync(join(root, 'biome.json'), join(work, 'biome.json'));
after(() => rmSync(work, { recursive: true, force: true }));

function lint(path: string, source: string): { status: number | null; output: string } {
  const file = join(work, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, source);
  // biome's launcher is a node script: the runner's `--import tsx` would not resolve from the temp dir.
  const env = { ...process.env, NODE_OPTIONS: '' };
  const r = spawnSync(biome, ['lint', '--vcs-enabled=false', path], { cwd: work, encoding: 'utf8', env });
  return { status: r.status, output: r.stdout + r.stderr };
}

const CASES: Array<[string, string, string, boolean]> = [
  [
    'lambda/core/probe/a.ts',
    'node:net',
    "import { connect } from 'node:net';\nexport const x = connect;\n",
    false,
  ],
  [
    'lambda/core/probe/b.ts',
    'node:fs',
    "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
    false,
  ],
  ['lambda/core/alerts/c.ts', 'ssh2', "import { Client } from 'ssh2';\nexport const x = Client;\n", false],
  [
    'lambda/core/inventory/d.ts',
    '@aws-sdk/client-ec2',
    "import { EC2Client } from '@aws-sdk/client-ec2';\nexport const x = EC2Client;\n",
    false,
  ],
  [
    'lambda/core/diagnose/e.ts',
    'an adapter',
    "import { probe } from '../../adapters/net/prober.ts';\nexport const x = probe;\n",
    false,
  ],
  [
    'lambda/core/probe/f.ts',
    'node:crypto',
    "import { createHash } from 'node:crypto';\nexport const x = createHash;\n",
    true,
  ],
  [
    'lambda/adapters/net/g.ts',
    'node:net outside core',
    "import { connect } from 'node:net';\nexport const x = connect;\n",
    true,
  ],
];

describe('lint: lambda/core imports no I/O', () => {
  for (const [path, what, source, allowed] of CASES) {
    it(`${path} importing ${what} is ${allowed ? 'allowed' : 'rejected'}`, () => {
      const r = lint(path, source);
      if (allowed) assert.equal(r.status, 0, r.output);
      else {
        assert.notEqual(r.status, 0, r.output);
        assert.match(r.output, /noRestrictedImports/);
        assert.match(r.output, /lambda\/core is pure/);
      }
    });
  }
});
