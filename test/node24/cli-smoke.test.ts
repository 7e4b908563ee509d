// Run by scripts/test.mjs on the pinned Node 24 only (test/cli covers the CLI on the suite's own Node): the
// CLI as a user starts it, `node bin/port22.mjs`, with no NODE_OPTIONS from the test runner.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const REPO = new URL('../../', import.meta.url).pathname;
const INVENTORY = join(REPO, 'test/fixtures/inventories/pipeline-lab');
/** The pipeline-lab fixture's prober ENI and the instance its security group sg-0b22000000000a004 blocks. */
const PROBER_ENI = 'eni-0b22000000000f0a0';
const API_1 = 'i-0b220000000000003';

function port22(args: string[]) {
  const { NODE_OPTIONS: _, ...env } = process.env;
  return spawnSync(process.execPath, [join(REPO, 'bin/port22.mjs'), ...args], {
    cwd: REPO,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe(`Node ${process.versions.node}: the CLI`, () => {
  it('--help: exit 0 and the four commands', () => {
    const r = port22(['--help']);
    assert.equal(r.status, 0, r.stderr);
    for (const command of ['analyze', 'probe', 'check', 'lab'])
      assert.match(r.stdout, new RegExp(`^ {2}${command} `, 'm'));
    assert.equal(r.stderr, '');
  });

  it('analyze --json on an inventory: exit 1 (findings) and every blocker named', () => {
    const r = port22(['analyze', '--inventory', INVENTORY, '--source', PROBER_ENI, '--json']);
    assert.equal(r.status, 1, r.stderr);
    const { verdicts } = JSON.parse(r.stdout) as {
      verdicts: {
        instanceId: string;
        source: string;
        reachable: boolean;
        blockers: { resourceId: string }[];
      }[];
    };
    const api = verdicts.find((v) => v.instanceId === API_1);
    assert.equal(api?.source, PROBER_ENI);
    assert.equal(api?.reachable, false);
    assert.deepEqual(
      api?.blockers.map((b) => b.resourceId),
      ['sg-0b22000000000a004'],
    );
  });

  it('bad input: one line on stderr and exit 2', () => {
    const r = port22(['analyze', '--inventory', join(REPO, 'no-such-inventory')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^port22: .+\n$/);
  });
});
