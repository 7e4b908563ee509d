/** `port22 doctor` as a user runs it, on test/fixtures/inventories/prober-paths (see api-paths.test.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { port22, REPO } from './port22.ts';

const DIR = `${REPO}test/fixtures/inventories/prober-paths`;
const doctor = (...args: string[]) => port22('doctor', ...args);

describe('port22 doctor', () => {
  it('NAT subnet: one ok line per service, exit 0', () => {
    const r = doctor('--inventory', DIR, '--subnets', 'subnet-0a40a00000000000a');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], "The prober's paths to 7 AWS APIs from subnet-0a40a00000000000a (eu-west-1):");
    // The stack's defaults: EC2 and Elastic Load Balancing (discovery), CloudWatch, DynamoDB, SNS, and the
    // evidence on by default (Logs, CloudTrail); no Network Firewall (no route to a firewall endpoint), no SSM
    // (off by default).
    assert.deepEqual(
      lines.slice(1, 8).map((l) => l.split(/\s+/).slice(0, 2)),
      [
        ['ec2', 'ok'],
        ['elasticloadbalancing', 'ok'],
        ['cloudwatch', 'ok'],
        ['dynamodb', 'ok'],
        ['sns', 'ok'],
        ['cloudwatch-logs', 'ok'],
        ['cloudtrail', 'ok'],
      ],
    );
    assert.equal(lines.at(-1), 'Every path exists.');
  });

  it('the endpoints-without-NAT VPC with faults: the missing lines carry their fixes, exit 1', () => {
    const r = doctor(
      '--inventory',
      DIR,
      '--vpc',
      'vpc-0a42000000000000c',
      '--security-group',
      'sg-0a4200000000000a1',
    );
    assert.equal(r.status, 1, r.stderr);
    const line = (service: string) => r.stdout.split('\n').find((l) => l.startsWith(`${service} `)) ?? '';
    assert.match(line('ec2'), /^ec2 +ok +interface endpoint vpce-0a42000000000000a with private DNS/);
    assert.match(line('sns'), / missing .* — fix: enable private DNS on vpce-0a42000000000000b/);
    assert.match(
      line('cloudwatch'),
      / missing .* — fix: allow TCP 443 from sg-0a4200000000000a1 in sg-0a4200000000000e2$/,
    );
    assert.match(
      line('dynamodb'),
      / missing .* — fix: associate gateway endpoint vpce-0a42000000000000d with rtb-0a42000000000000a/,
    );
    assert.match(r.stdout, /\n6 of 7 service\(s\) without a path\.\n$/);
  });

  it('--vpc alone takes its private subnets (not the one routed to the internet gateway)', () => {
    const r = doctor('--inventory', DIR, '--vpc', 'vpc-0a40000000000000a', '--json');
    assert.equal(r.status, 1);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.subnets, ['subnet-0a40a00000000000a', 'subnet-0a40b00000000000b']);
    assert.equal(report.region, 'eu-west-1');
    assert.deepEqual(
      report.paths
        .filter((p: { service: string }) => p.service === 'ec2')
        .map((p: { status: string }) => p.status),
      ['ok', 'missing'],
    );
  });

  const bad: [string, string[], string][] = [
    [
      'nothing to read',
      [],
      'port22: give --inventory <dir> (offline) or --region <region> --vpc <vpc-…> (live account)\n',
    ],
    [
      'neither subnets nor VPC',
      ['--inventory', DIR],
      'port22: give --subnets subnet-…[,…] (the prober’s subnets) or --vpc vpc-…\n',
    ],
    [
      'a malformed subnet id',
      ['--inventory', DIR, '--subnets', 'subnet-0a40a00000000000a,subnet-xyz'],
      "port22: bad --subnets 'subnet-xyz' (expected subnet-… ids, comma-separated)\n",
    ],
    [
      'a subnet the inventory lacks',
      ['--inventory', DIR, '--subnets', 'subnet-0123456789abcdef0'],
      'port22: subnet-0123456789abcdef0 is not in the inventory\n',
    ],
    [
      'a subnet of another VPC',
      ['--inventory', DIR, '--vpc', 'vpc-0a41000000000000b', '--subnets', 'subnet-0a40a00000000000a'],
      'port22: subnet-0a40a00000000000a is not in vpc-0a41000000000000b\n',
    ],
    [
      'a VPC the inventory lacks',
      ['--inventory', DIR, '--vpc', 'vpc-0123456789abcdef0'],
      'port22: vpc-0123456789abcdef0 is not in the inventory\n',
    ],
    [
      'live without a VPC',
      ['--region', 'eu-west-1'],
      'port22: --region needs --vpc <vpc-…> (the VPC the prober will run in)\n',
    ],
  ];
  for (const [what, args, stderr] of bad) {
    it(`${what}: one line, exit 2`, () => {
      const r = doctor(...args);
      assert.equal(r.status, 2);
      assert.equal(r.stderr, stderr);
      assert.equal(r.stdout, '');
    });
  }
});
