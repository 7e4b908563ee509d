// The CLI supports the Node.js package.json's `engines` names (README, "Node.js versions"). AWS SDK v3
// releases after the first week of January 2027 require Node 22 (aws/aws-sdk-js-v3#7983), and AWS ships
// such a change as a minor version: only exact pins and the lockfile keep Node 20 working. This fails when
// an upgrade brings in a production package whose own `engines` leaves the floor out.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const read = (file: string) => JSON.parse(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8'));
const pkg = read('package.json') as { engines: { node: string }; dependencies: Record<string, string> };
const lock = read('package-lock.json') as {
  packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } }>;
};

type Version = [number, number, number];

/** The lowest version `engines.node` in package.json admits: it is written `>=X.Y`. */
function floor(range: string): Version {
  const m = /^>=(\d+)\.(\d+)(?:\.(\d+))?$/.exec(range);
  assert.ok(m, `package.json engines.node is written >=X.Y[.Z], not ${range}`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/**
 * Whether a package's `engines.node` range admits `v`. Covers the forms the lockfile holds: `*`, `>=X[.Y[.Z]]`,
 * a bare major `X`, `^X.Y.Z`, and `||` between them; anything else fails the test rather than guess.
 */
function admits(range: string, v: Version): boolean {
  return range.split('||').some((alternative) => {
    const a = alternative.trim().replace(/^(>=|\^)\s+/, '$1');
    if (a === '*' || a === '') return true;
    const m = /^(>=|\^)?(\d+)(?:\.(\d+|x))?(?:\.(\d+|x))?$/.exec(a);
    assert.ok(m, `unsupported engines.node form: ${range}`);
    const w: Version = [Number(m[2]), Number(m[3] ?? 0) || 0, Number(m[4] ?? 0) || 0];
    if (m[1] === '>=') return compare(v, w) >= 0;
    if (m[1] === '^') return v[0] === w[0] && compare(v, w) >= 0;
    return v[0] === w[0];
  });
}

describe('Node.js support: the engines floor holds for what npm ci installs', () => {
  const min = floor(pkg.engines.node);

  it('admits: boundaries of the forms the lockfile uses', () => {
    assert.equal(admits('>=20.0.0', [20, 0, 0]), true);
    assert.equal(admits('>=20.11.1', [20, 11, 0]), false);
    assert.equal(admits('>= 18', [20, 11, 0]), true);
    assert.equal(admits('>=22', [20, 11, 0]), false);
    assert.equal(admits('18 || 20 || >=22', [20, 11, 0]), true);
    assert.equal(admits('18 || >=22', [20, 11, 0]), false);
    assert.equal(admits('^10.6.0 || >=11.0.0', [10, 5, 9]), false);
    assert.equal(admits('^10.6.0 || >=11.0.0', [10, 6, 0]), true);
    assert.equal(admits('*', [20, 11, 0]), true);
  });

  it('every AWS SDK client the product uses is pinned to an exact version (a caret would float past 2027)', () => {
    const sdk = Object.entries(pkg.dependencies).filter(([name]) => name.startsWith('@aws-sdk/'));
    assert.ok(sdk.length > 0);
    for (const [name, range] of sdk) assert.match(range, /^\d+\.\d+\.\d+$/, name);
  });

  it(`every production package in package-lock.json admits Node ${min.join('.')}`, () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && !p.dev && p.engines?.node && !admits(p.engines.node, min))
      .map(
        ([path, p]) => `${path.replace(/^node_modules\//, '')}@${p.version}: engines.node ${p.engines!.node}`,
      );
    assert.deepEqual(refusing, []);
  });
});
