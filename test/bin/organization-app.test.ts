/**
 * The CDK app with a `port22:organization` section, started the way `cdk synth` starts it (bin/app.ts in
 * its own process, the context in CDK_CONTEXT_JSON): one nested cloud assembly per Stage, a monitoring
 * Stage and one per member environment, and a bad section ends the synth with one line per problem.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outdirs: string[] = [];

const vpc = (n: number) => ({
  vpcId: `vpc-0${n}23456789abcdef0`,
  cidrs: [`10.${n}.0.0/16`],
  subnetIds: [`subnet-0${n}23456789abcdef0`],
});
const organization = {
  monitoring: { account: '444455556666', region: 'eu-west-1' },
  members: [
    { account: '111111111111', region: 'eu-west-1', vpcs: [vpc(1)] },
    { account: '222222222222', region: 'us-east-1', vpcs: [vpc(2)] },
    { account: '333333333333', region: 'eu-west-1', vpcs: [vpc(3)] },
  ],
};

function synth(section: unknown): Promise<{ status: number | null; stderr: string; outdir: string }> {
  const outdir = mkdtempSync(join(tmpdir(), 'port22-org-app-'));
  outdirs.push(outdir);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({
          port22: { alertEmails: ['ops@example.com'] },
          'port22:organization': section,
          'aws:cdk:bundling-stacks': [],
        }),
      },
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr, outdir });
    });
  });
}

after(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('bin/app.ts with port22:organization', () => {
  it('synthesises a monitoring Stage and one Stage per member environment', async () => {
    const { status, stderr, outdir } = await synth(organization);
    assert.equal(status, 0, stderr);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string }>;
    };
    const stages = Object.entries(manifest.artifacts)
      .filter(([, a]) => a.type === 'cdk:cloud-assembly')
      .map(([id]) => id)
      .sort();
    assert.deepEqual(stages, [
      'assembly-Member-111111111111-eu-west-1',
      'assembly-Member-222222222222-us-east-1',
      'assembly-Member-333333333333-eu-west-1',
      'assembly-Monitoring',
    ]);
    const inner = JSON.parse(readFileSync(join(outdir, 'assembly-Monitoring', 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; environment?: string }>;
    };
    const environments = Object.values(inner.artifacts)
      .filter((a) => a.type === 'aws:cloudformation:stack')
      .map((a) => a.environment)
      .sort();
    assert.deepEqual(environments, ['aws://444455556666/eu-west-1', 'aws://444455556666/us-east-1']);
  });

  it('a bad section ends the synth with exit 1 and one line per problem', async () => {
    const { status, stderr } = await synth({
      ...organization,
      members: [
        { ...organization.members[0], account: '1111' },
        { region: 'us-east-1', vpcs: [vpc(2)] },
      ],
    });
    assert.equal(status, 1);
    assert.equal(
      stderr,
      [
        'port22: invalid configuration',
        'port22:organization.members[0].account: not an AWS account id (12 digits)',
        'port22:organization.members[1].account: required',
        '',
      ].join('\n'),
    );
  });
});
