/**
 * `node --import tsx bench/bundle.ts [runs] [entry]`: bundles the prober handler with the esbuild settings the
 * CDK stack deploys (lib/prober-bundling.ts), prints the bundle size, its largest inputs, and the time
 * to load the module in a fresh `node` process (median and min of several), split into the AWS SDK clients
 * it leaves to the runtime and its own code, side by side with loading the same handler unbundled from source
 * through tsx. Then the first and second invocation of a cold module in a fresh process against the local
 * stand-ins (bench/bundle-invoke.ts), so what the module defers to first use is counted too.
 * Goals: under 1 MB, under 300 ms to load; a missed goal shows as NO in `npm run bench`'s table, it does not
 * fail the run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import {
  PROBER_ENTRY,
  PROBER_ESBUILD_TARGET,
  PROBER_EXTERNALS,
  PROJECT_ROOT,
} from '../lib/prober-bundling.ts';
import { emitBenchResult } from './result.ts';

const runs = Number(process.argv[2] ?? 7);
// Another entry (e.g. a stand-in importing every adapter) can be measured with the same settings.
const entry = process.argv[3] ? resolve(process.argv[3]) : PROBER_ENTRY;
const out = mkdtempSync(join(tmpdir(), 'port22-bundle-'));
const bundle = join(out, 'index.js');

try {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: PROBER_ESBUILD_TARGET,
    format: 'cjs',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: [...PROBER_EXTERNALS],
    outfile: bundle,
    metafile: true,
    logLevel: 'warning',
  });
  const bytes = statSync(bundle).size;
  const gzipped = gzipSync(readFileSync(bundle)).length;

  const inputs = Object.entries(
    result.metafile.outputs[Object.keys(result.metafile.outputs).find((o) => o.endsWith('index.js'))!]!
      .inputs,
  )
    .map(([path, { bytesInOutput }]) => ({ path, bytesInOutput }))
    .sort((a, b) => b.bytesInOutput - a.bytesInOutput);
  const byPackage = new Map<string, number>();
  for (const { path, bytesInOutput } of inputs) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = m ? m[1]! : '(port22 source)';
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
  }

  // Load time measured inside a fresh process, so process start-up is not counted, only the module.
  // NODE_PATH stands in for the AWS SDK the Lambda runtime provides.
  const env = { PATH: process.env.PATH, NODE_PATH: join(PROJECT_ROOT, 'node_modules') };
  const timeLoad = (args: string[]): number => {
    const r = spawnSync(process.execPath, args, {
      encoding: 'utf8',
      env,
      cwd: PROJECT_ROOT,
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`load failed: ${r.stderr}`);
    return Number(r.stdout.trim().split('\n').at(-1));
  };
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const min = (values: number[]) => Math.min(...values);
  const clock = 'const t = process.hrtime.bigint();';
  const report = 'console.log(Number(process.hrtime.bigint() - t) / 1e6)';
  // What dominates: the AWS SDK clients the bundle leaves external (each runs its own module graph on
  // first require), and the bundle's own code with the SDK already loaded.
  const sdk = ['client-ec2', 'client-cloudwatch', 'client-dynamodb', 'client-sns']
    .map((c) => `require('@aws-sdk/${c}');`)
    .join(' ');
  const bundled: number[] = [];
  const sdkOnly: number[] = [];
  const ownCode: number[] = [];
  const source: number[] = [];
  const firstCall: number[] = [];
  const warmCall: number[] = [];
  for (let i = 0; i < runs; i++) {
    bundled.push(timeLoad(['-e', `${clock} require(${JSON.stringify(bundle)}); ${report}`]));
    sdkOnly.push(timeLoad(['-e', `${clock} ${sdk} ${report}`]));
    ownCode.push(timeLoad(['-e', `${sdk} ${clock} require(${JSON.stringify(bundle)}); ${report}`]));
    const invoked = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'bundle-invoke.ts'), bundle],
      {
        encoding: 'utf8',
        env: { ...env, AWS_EC2_METADATA_DISABLED: 'true' },
        cwd: PROJECT_ROOT,
        timeout: 60_000,
      },
    );
    if (invoked.status !== 0) throw new Error(`invocation failed: ${invoked.stderr}`);
    const { firstMs, secondMs } = JSON.parse(invoked.stdout.trim().split('\n').at(-1)!) as {
      firstMs: number;
      secondMs: number;
    };
    firstCall.push(firstMs);
    warmCall.push(secondMs);
    source.push(
      timeLoad([
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `${clock} await import(${JSON.stringify(entry)}); ${report}`,
      ]),
    );
  }

  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const rows: Array<[string, string]> = [
    [
      'bundle (minified, CJS, node24)',
      `${kib(bytes)} (${bytes} bytes; goal < 1 MB) ${bytes < 1_048_576 ? 'ok' : 'OVER'}`,
    ],
    ['bundle gzipped (≈ deployment zip)', kib(gzipped)],
    [
      `cold load, bundled (median of ${runs})`,
      `${median(bundled).toFixed(1)} ms, min ${min(bundled).toFixed(1)} ms (goal < 300 ms) ${median(bundled) < 300 ? 'ok' : 'OVER'}`,
    ],
    [
      '  of which: the 4 AWS SDK clients',
      `${median(sdkOnly).toFixed(1)} ms, min ${min(sdkOnly).toFixed(1)} ms`,
    ],
    [
      '  of which: the bundle with the SDK loaded',
      `${median(ownCode).toFixed(1)} ms, min ${min(ownCode).toFixed(1)} ms`,
    ],
    [
      'first invocation, 2 instances on stand-ins',
      `${median(firstCall).toFixed(1)} ms, min ${min(firstCall).toFixed(1)} ms`,
    ],
    [
      'second invocation, same process (warm)',
      `${median(warmCall).toFixed(1)} ms, min ${min(warmCall).toFixed(1)} ms`,
    ],
    [
      'first-invocation overhead (median difference)',
      `${(median(firstCall) - median(warmCall)).toFixed(1)} ms`,
    ],
    [`cold load, source via tsx (median of ${runs})`, `${median(source).toFixed(1)} ms`],
    ['ratio source / bundled', `${(median(source) / median(bundled)).toFixed(1)}×`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
  process.stdout.write('\nlargest contributors:\n');
  for (const [name, size] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 6)) {
    process.stdout.write(`  ${name.padEnd(40)} ${kib(size)}\n`);
  }
  const loadMs = median(bundled);
  emitBenchResult({
    bench: 'bundle',
    rows: [
      {
        metric: 'prober bundle size (minified; gzipped)',
        value: `${kib(bytes)} (${kib(gzipped)})`,
        goal: '< 1 MB',
        met: bytes < 1_048_576,
      },
      {
        metric: `cold load in a fresh node, median of ${runs}`,
        value: `${loadMs.toFixed(0)} ms`,
        peer: 'same handler unbundled via tsx',
        peerValue: `${median(source).toFixed(0)} ms`,
        ratio: `${(median(source) / loadMs).toFixed(1)}×`,
        goal: '< 300 ms',
        met: loadMs < 300,
      },
      {
        metric: 'first invocation on stand-ins (warm second)',
        value: `${median(firstCall).toFixed(0)} ms (${median(warmCall).toFixed(0)} ms)`,
      },
    ],
  });
} finally {
  rmSync(out, { recursive: true, force: true });
}
