/**
 * `cdk synth` as a user runs it: the real CDK CLI, the real app entry, real esbuild bundling, cdk-nag in
 * the synth — inside a network namespace with no interfaces up, which proves the synth is offline.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exampleConfig } from '../lib/stack-fixtures.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cdk = join(root, 'node_modules/.bin/cdk');

// unshare -n needs root (CAP_SYS_ADMIN); without it the synth would still work, but nothing would prove
// it made no network call, so these tests skip visibly instead.
const offline = spawnSync('unshare', ['-n', 'true']).status === 0;
const skip = offline ? false : 'needs `unshare -n` (root) to prove the synth is offline';

function synth(context: unknown, outdir: string) {
  const started = Date.now();
  const result = spawnSync(
    'unshare',
    ['-n', cdk, 'synth', '--no-notices', '-q', '-o', outdir, '-c', `port22=${JSON.stringify(context)}`],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CDK_DISABLE_CLI_TELEMETRY: '1',
        // No credentials and no instance metadata: nothing to resolve an account with, so nothing tries.
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    },
  );
  return { ...result, ms: Date.now() - started };
}

describe('cdk synth (CLI, offline)', { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'port22-synth-'));
  const twoVpcs = {
    ...exampleConfig,
    vpcs: [
      ...exampleConfig.vpcs,
      { vpcId: 'vpc-0fedcba9876543210', cidrs: ['172.16.0.0/16'], subnetIds: ['subnet-01234567'] },
    ],
  };
  let good: ReturnType<typeof synth>;

  before(() => {
    good = synth(twoVpcs, join(work, 'two-vpcs'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('synthesises two probers with cdk-nag passing, without a network', () => {
    assert.equal(good.status, 0, good.stderr);
    assert.doesNotMatch(good.stderr, /AwsSolutions|ERROR|Error:/);
    const template = JSON.parse(readFileSync(join(work, 'two-vpcs/Port22.template.json'), 'utf8'));
    const functions = Object.values(template.Resources as Record<string, { Type: string }>).filter(
      (r) => r.Type === 'AWS::Lambda::Function',
    );
    assert.equal(functions.length, 2);
  });

  it('bundles a handler that loads in plain Node, under 1 MB', () => {
    const outdir = join(work, 'two-vpcs');
    const bundles = readdirSync(outdir)
      .filter((d) => d.startsWith('asset.'))
      .map((d) => join(outdir, d, 'index.js'))
      .filter((f) => existsSync(f));
    assert.equal(bundles.length, 1, 'both probers share one asset');
    const bundle = bundles[0]!;
    assert.ok(statSync(bundle).size < 1_048_576, `${statSync(bundle).size} bytes`);
    // The Lambda runtime provides @aws-sdk/*; NODE_PATH stands in for it. ssh2's add-ons stay absent.
    const load = spawnSync(
      process.execPath,
      ['-e', `const m = require(${JSON.stringify(bundle)}); console.log(typeof m.handler)`],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, NODE_PATH: join(root, 'node_modules') },
        timeout: 30_000,
      },
    );
    assert.equal(load.status, 0, load.stderr);
    assert.equal(load.stdout.trim(), 'function');
  });

  it('fails with one line per problem, naming the key, and no stack trace', () => {
    const bad = synth(
      {
        vpcs: [{ vpcId: 'vpc-0123456789abcdef0', cidrs: ['10.0.0.0/33'], subnetIds: [] }],
        alertEmails: ['ops@example.com', 'not-an-address'],
        schedule: 'every 5 minutes',
        sources: ['fe80::1%eth0/64'],
        ports: [22],
      },
      join(work, 'bad'),
    );
    assert.notEqual(bad.status, 0);
    for (const line of [
      'port22.vpcs[0].cidrs[0]: not a CIDR block (like 10.0.0.0/16 or 2001:db8::/56)',
      'port22.vpcs[0].subnetIds: at least one private subnet id is required',
      'port22.alertEmails[1]: not an e-mail address',
      'port22.schedule: not a rate expression like rate(5 minutes)',
      'port22.sources[0]: not a source spec (a CIDR, internet, i-…, eni-…)',
      'port22.ports: no longer read: write "port": 22 (the SSH port of instances without a port22:port tag) ' +
        'and list the other ports your port22:port tags name in "taggedPorts", e.g. [2222]',
    ]) {
      assert.ok(bad.stderr.split('\n').includes(line), `missing line: ${line}\n${bad.stderr}`);
    }
    assert.doesNotMatch(bad.stderr, /^\s+at /m);
  });
});

/**
 * The README's deploy command, `cdk deploy -c port22:vpcIds=… -c port22:alertEmails=…`, up to its synth:
 * the real CLI in a project directory whose cdk.context.json is the recorded lookup
 * (test/fixtures/cdk-context/vpc-lookups.json) and whose cdk.json is this one's with the app's absolute
 * path. The account comes from CDK_DEFAULT_ACCOUNT (which the CLI passes through when it has no
 * credentials) and the region from AWS_REGION, as credentials would give them.
 */
describe('cdk synth of a VPC id alone (CLI, offline, recorded lookup)', { skip }, () => {
  const project = mkdtempSync(join(tmpdir(), 'port22-lookup-'));
  const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8'));
  const tsx = join(root, 'node_modules/tsx/dist/esm/index.mjs');
  writeFileSync(
    join(project, 'cdk.json'),
    JSON.stringify({ ...cdkJson, app: `node --import ${tsx} ${join(root, 'bin/app.ts')}` }),
  );
  copyFileSync(join(root, 'test/fixtures/cdk-context/vpc-lookups.json'), join(project, 'cdk.context.json'));
  after(() => rmSync(project, { recursive: true, force: true }));

  const run = (env: Record<string, string>) =>
    spawnSync(
      'unshare',
      [
        '-n',
        cdk,
        'synth',
        '--no-notices',
        '-q',
        '-o',
        'out',
        '-c',
        'port22:vpcIds=vpc-0a1b2c3d4e5f60718',
        '-c',
        'port22:alertEmails=ops@example.com',
      ],
      {
        cwd: project,
        encoding: 'utf8',
        timeout: 120_000,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          CDK_DISABLE_CLI_TELEMETRY: '1',
          AWS_EC2_METADATA_DISABLED: 'true',
          ...env,
        },
      },
    );

  it('attaches the prober to the recorded private subnets, with nothing left to look up', () => {
    const result = run({ CDK_DEFAULT_ACCOUNT: '111122223333', AWS_REGION: 'eu-west-1' });
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /AwsSolutions|ERROR|Error:/);
    const manifest = JSON.parse(readFileSync(join(project, 'out/manifest.json'), 'utf8'));
    assert.equal(manifest.missing, undefined);
    const template = JSON.parse(readFileSync(join(project, 'out/Port22.template.json'), 'utf8'));
    const fn = Object.values(
      template.Resources as Record<
        string,
        { Type: string; Properties: { VpcConfig: { SubnetIds: string[] } } }
      >,
    ).find((r) => r.Type === 'AWS::Lambda::Function');
    // The fixture's "Application" group: private, one subnet per zone.
    assert.deepEqual(fn?.Properties.VpcConfig.SubnetIds, [
      'subnet-0b000000000000000',
      'subnet-0b000000000000001',
      'subnet-0b000000000000002',
    ]);
  });

  it('without credentials: the one line saying what the lookup needs, no stack trace', () => {
    const result = run({});
    assert.notEqual(result.status, 0);
    assert.ok(
      result.stderr
        .split('\n')
        .includes(
          "port22: looking up vpc-0a1b2c3d4e5f60718 needs the deployer's account and region: run cdk with AWS " +
            "credentials (it sets CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION from them), or give each VPC's " +
            'cidrs and subnetIds to synthesise without credentials',
        ),
      result.stderr,
    );
    assert.doesNotMatch(result.stderr, /^\s+at /m);
  });
});
