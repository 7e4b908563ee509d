/**
 * Configurations that would deploy broken, given to the CDK app the way `cdk synth` gives them: bin/app.ts
 * in its own process, the configuration in CDK_CONTEXT_JSON (the variable the CDK CLI passes `-c` and
 * cdk.json context through). Each must end the synth with exit 1, the header line and exactly the expected
 * lines — one per problem, naming the key — and never a stack trace. The expected lines are written here
 * from what AWS and the RFCs say, not read from lib/config.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outdir = mkdtempSync(join(tmpdir(), 'port22-bad-config-'));

const vpc = {
  vpcId: 'vpc-0123456789abcdef0',
  cidrs: ['10.0.0.0/16'],
  subnetIds: ['subnet-0123456789abcdef0'],
};
const good = { vpcs: [vpc], alertEmails: ['ops@example.com'] };
/** `count` distinct subnet ids. */
const subnets = (count: number) =>
  Array.from({ length: count }, (_, i) => `subnet-${i.toString(16).padStart(17, '0')}`);

interface Synth {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * bin/app.ts as `cdk synth` starts it (cdk.json "app"), with `port22` set to `config` and the rest of
 * `context` (flat `port22:…` keys) beside it, and no AWS credentials: no CDK_DEFAULT_ACCOUNT or REGION.
 */
function synth(config: unknown, context: Record<string, unknown> = {}): Promise<Synth> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ port22: config, ...context, 'aws:cdk:bundling-stacks': [] }),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const RETENTIONS =
  '1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653';

/** [what is wrong, the configuration, the lines synth must print after its header]. */
const table: Array<[string, unknown, string[]]> = [
  // RFC 4007 §11: a zone index names a link on one host; it is not part of any network block.
  [
    'IPv6 zone index in a VPC block',
    { vpcs: [{ ...vpc, cidrs: ['fe80::1%eth0/64'] }] },
    ['port22.vpcs[0].cidrs[0]: not a CIDR block (like 10.0.0.0/16 or 2001:db8::/56)'],
  ],
  [
    'IPv6 zone index in a source',
    { ...good, sources: ['fe80::1%eth0/64'] },
    ['port22.sources[0]: not a source spec (a CIDR, internet, i-…, eni-…)'],
  ],
  // A block with host bits set says two things (10.0.0.1/16: the /16, or the one address?); the parser
  // would quietly take the network, so synth asks instead.
  [
    'host bits set in a VPC block',
    { vpcs: [{ ...vpc, cidrs: ['10.0.0.1/16'] }] },
    ['port22.vpcs[0].cidrs[0]: host bits set (the block is 10.0.0.0/16)'],
  ],
  [
    'host bits set in an IPv6 VPC block',
    { vpcs: [{ ...vpc, cidrs: ['2001:db8:1234:5678::/56'] }] },
    ['port22.vpcs[0].cidrs[0]: host bits set (the block is 2001:db8:1234:5600::/56)'],
  ],
  [
    'host bits set in a source',
    { ...good, sources: ['203.0.113.7/24'] },
    ['port22.sources[0]: host bits set (the block is 203.0.113.0/24)'],
  ],
  // RFC 4291 §2.5.5.2: ::ffff:0:0/96 stands for IPv4 addresses inside an IPv6 socket API; VPC traffic never
  // carries one, so a security group rule or a source in that range matches nothing.
  [
    'IPv4-mapped VPC block',
    { vpcs: [{ ...vpc, cidrs: ['::ffff:10.0.0.0/104'] }] },
    ['port22.vpcs[0].cidrs[0]: an IPv4-mapped IPv6 block matches no VPC traffic (write 10.0.0.0/8)'],
  ],
  [
    'IPv4-mapped source in hexadecimal',
    { ...good, sources: ['::ffff:cb00:7107'] },
    ['port22.sources[0]: an IPv4-mapped IPv6 block matches no VPC traffic (write 203.0.113.7/32)'],
  ],
  // The same address twice: CDK stops on the second subscription's construct id; spelled with other
  // capitals, SNS makes two subscriptions and the mailbox gets every alert twice (RFC 5321 §2.4: mail
  // systems treat local parts without case, and the domain is without case by definition).
  [
    'the same e-mail twice',
    { ...good, alertEmails: ['ops@example.com', 'ops@example.com'] },
    ['port22.alertEmails[1]: duplicate of port22.alertEmails[0] (e-mail addresses compare without case)'],
  ],
  [
    'the same e-mail in other capitals',
    { ...good, alertEmails: ['ops@example.com', 'dev@example.com', 'Ops@Example.COM'] },
    ['port22.alertEmails[2]: duplicate of port22.alertEmails[0] (e-mail addresses compare without case)'],
  ],
  // Lambda's VpcConfig takes a set of subnets: a repeated id fails the deployment.
  [
    'the same subnet twice',
    { vpcs: [{ ...vpc, subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef0'] }] },
    ['port22.vpcs[0].subnetIds[1]: duplicate of port22.vpcs[0].subnetIds[0]'],
  ],
  [
    'one subnet in two VPCs',
    {
      vpcs: [
        vpc,
        { vpcId: 'vpc-0fedcba9876543210', cidrs: ['172.16.0.0/16'], subnetIds: ['subnet-0123456789abcdef0'] },
      ],
    },
    ['port22.vpcs[1].subnetIds[0]: already in port22.vpcs[0].subnetIds[0] (a subnet belongs to one VPC)'],
  ],
  [
    'the same VPC block twice, spelled differently',
    { vpcs: [{ ...vpc, cidrs: ['2001:db8::/56', '2001:DB8:0::/56'] }] },
    ['port22.vpcs[0].cidrs[1]: duplicate of port22.vpcs[0].cidrs[0]'],
  ],
  [
    'the same source twice, as an address and as a /32',
    { ...good, sources: ['203.0.113.7', 'internet', '203.0.113.7/32'] },
    ['port22.sources[2]: duplicate of port22.sources[0]'],
  ],
  [
    'malformed VPC id',
    { vpcs: [{ ...vpc, vpcId: 'vpc-12345' }] },
    ['port22.vpcs[0].vpcId: not a VPC id (vpc-…)'],
  ],
  [
    'a security group id where a subnet id belongs',
    { vpcs: [{ ...vpc, subnetIds: ['sg-0123456789abcdef0'] }] },
    ['port22.vpcs[0].subnetIds[0]: not a subnet id (subnet-…)'],
  ],
  [
    'malformed route table id',
    { vpcs: [{ ...vpc, routeTableIds: ['rtb-0123456789ABCDEF0'] }] },
    ['port22.vpcs[0].routeTableIds[0]: not a route table id (rtb-…)'],
  ],
  ['no VPC', { vpcs: [] }, ['port22.vpcs: at least one VPC to monitor is required']],
  [
    'a VPC without blocks',
    { vpcs: [{ ...vpc, cidrs: [] }] },
    ['port22.vpcs[0].cidrs: at least one VPC CIDR block is required'],
  ],
  [
    'a tag filter without values',
    { ...good, targets: { tagFilters: [{ key: 'env', values: [] }] } },
    ['port22.targets.tagFilters[0].values: at least one tag value is required'],
  ],
  // EventBridge: rate(value unit), value ≥ 1; the not-running alarm caps the interval at 12 hours.
  [
    'schedule one minute too long',
    { ...good, schedule: 'rate(721 minutes)' },
    [
      'port22.schedule: at most 12 hours (the prober-not-running alarm looks back two intervals, an alarm at most a day)',
    ],
  ],
  [
    'schedule of zero',
    { ...good, schedule: 'rate(0 hours)' },
    ['port22.schedule: the rate must be at least 1'],
  ],
  [
    'CPU threshold just over 100 percent',
    { ...good, thresholds: { cpuPercent: 100.5 } },
    ['port22.thresholds.cpuPercent: at most 100 (percent)'],
  ],
  [
    'a fraction of a failure',
    { ...good, thresholds: { failuresBeforeAlert: 1.5 } },
    ['port22.thresholds.failuresBeforeAlert: not a whole number'],
  ],
  [
    'memory just under Lambda’s minimum',
    { ...good, prober: { memoryMb: 127 } },
    ['port22.prober.memoryMb: between 128 and 10240 MB'],
  ],
  [
    'timeout just over Lambda’s maximum',
    { ...good, prober: { timeoutSeconds: 901 } },
    ['port22.prober.timeoutSeconds: between 10 and 900 seconds'],
  ],
  [
    'a retention CloudWatch Logs does not offer',
    { ...good, prober: { logRetentionDays: 0 } },
    [`port22.prober.logRetentionDays: not a CloudWatch Logs retention (${RETENTIONS})`],
  ],
  ['port 65536', { ...good, port: 65536 }, ['port22.port: not a TCP port (1-65535)']],
  // A misspelt key would otherwise be dropped without a word and its default used.
  [
    'a misspelt top-level key',
    { ...good, alertEmail: ['ops@example.com'] },
    ['port22.alertEmail: unknown key (did you mean alertEmails?)'],
  ],
  [
    'a misspelt threshold',
    { ...good, thresholds: { cpuPercnt: 80 } },
    ['port22.thresholds.cpuPercnt: unknown key (did you mean cpuPercent?)'],
  ],
  [
    'a misspelt VPC key',
    { vpcs: [{ ...vpc, subnetIDs: vpc.subnetIds, subnetIds: undefined }] },
    [
      'port22.vpcs[0].subnetIds: required with cidrs (leave both out to look the VPC up)',
      'port22.vpcs[0].subnetIDs: unknown key (did you mean subnetIds?)',
    ],
  ],
  ['a key like no other', { ...good, colour: 'blue' }, ['port22.colour: unknown key']],
  // A VPC without cidrs is looked up: its zones and route tables come from the lookup, and subnet groups
  // exist only there. Lambda's VpcConfig.SubnetIds takes at most 16 (CreateFunction API reference).
  [
    'a subnet group for a hand-typed VPC',
    { vpcs: [{ ...vpc, subnetGroupName: 'app', subnetGroupNameTag: 'tier' }] },
    [
      'port22.vpcs[0].subnetGroupName: only for a looked-up VPC (without cidrs)',
      'port22.vpcs[0].subnetGroupNameTag: only for a looked-up VPC (without cidrs)',
    ],
  ],
  [
    'route tables for a looked-up VPC',
    { vpcs: [{ vpcId: vpc.vpcId, routeTableIds: ['rtb-01234567'] }] },
    ['port22.vpcs[0].routeTableIds: only for a hand-typed VPC (with cidrs and subnetIds)'],
  ],
  [
    'subnets chosen twice over',
    { vpcs: [{ vpcId: vpc.vpcId, subnetIds: vpc.subnetIds, subnetGroupName: 'app' }] },
    ['port22.vpcs[0].subnetGroupName: give subnetIds or subnetGroupName, not both'],
  ],
  [
    'one subnet more than Lambda takes',
    { vpcs: [{ ...vpc, subnetIds: subnets(17) }] },
    ["port22.vpcs[0].subnetIds: at most 16 subnets (Lambda's limit)"],
  ],
  // cdk sets CDK_DEFAULT_ACCOUNT/REGION only from credentials; the CDK's own error here is a stack trace.
  [
    'a lookup without credentials',
    // The hand-typed VPC beside it needs no lookup, and the line names only the one that does.
    { vpcs: [{ vpcId: 'vpc-0fedcba9876543210' }, vpc] },
    [
      "port22: looking up vpc-0fedcba9876543210 needs the deployer's account and region: run cdk with AWS credentials " +
        "(it sets CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION from them), or give each VPC's cidrs and subnetIds " +
        'to synthesise without credentials',
    ],
  ],
  [
    'every problem at once',
    {
      vpcs: [{ ...vpc, cidrs: ['10.0.0.1/8'], subnetIds: ['subnet-01234567', 'subnet-01234567'] }],
      alertEmails: ['a@example.com', 'A@example.com'],
      sources: ['::ffff:10.1.0.0/112'],
    },
    [
      'port22.vpcs[0].cidrs[0]: host bits set (the block is 10.0.0.0/8)',
      'port22.vpcs[0].subnetIds[1]: duplicate of port22.vpcs[0].subnetIds[0]',
      'port22.alertEmails[1]: duplicate of port22.alertEmails[0] (e-mail addresses compare without case)',
      'port22.sources[0]: an IPv4-mapped IPv6 block matches no VPC traffic (write 10.1.0.0/16)',
    ],
  ],
];

/**
 * [what is wrong, the flat keys beside cdk.json's \`port22\` object (absent when not given), the lines]:
 * `-c port22:vpcIds=…` arrives as one comma-separated string, cdk.json gives a list.
 */
const flatTable: Array<[string, Record<string, unknown>, string[]]> = [
  ['a short VPC id', { 'port22:vpcIds': 'vpc-123' }, ['port22:vpcIds[0]: not a VPC id (vpc-…)']],
  [
    'the same VPC twice',
    { 'port22:vpcIds': `${vpc.vpcId}, ${vpc.vpcId}` },
    ['port22:vpcIds[1]: duplicate of port22:vpcIds[0]'],
  ],
  ['an empty list in cdk.json', { 'port22:vpcIds': [] }, ['port22:vpcIds: at least one VPC id is required']],
  [
    'an address that is not one',
    { 'port22:vpcIds': vpc.vpcId, 'port22:alertEmails': 'ops@example.com,ops' },
    ['port22:alertEmails[1]: not an e-mail address'],
  ],
  [
    'nothing to monitor',
    { 'port22:alertEmails': 'ops@example.com' },
    ['port22: required (give -c port22:vpcIds=vpc-…, or set "port22" in cdk.json "context")'],
  ],
  [
    'a VPC id alone, without credentials',
    { 'port22:vpcIds': vpc.vpcId },
    [
      `port22: looking up ${vpc.vpcId} needs the deployer's account and region: run cdk with AWS credentials ` +
        "(it sets CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION from them), or give each VPC's cidrs and subnetIds " +
        'to synthesise without credentials',
    ],
  ],
];

describe('cdk synth of flat port22:… keys that would deploy broken', { concurrency: 2 }, () => {
  for (const [name, context, expected] of flatTable) {
    it(`${name}: one line per problem, exit 1, no stack trace`, async () => {
      const result = await synth(undefined, context);
      assert.equal(result.status, 1, result.stderr);
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines[0], 'port22: invalid configuration', result.stderr);
      assert.deepEqual(lines.slice(1).sort(), [...expected].sort());
      assert.doesNotMatch(result.stderr, /^\s+at |Error:|«/m);
    });
  }
});

describe('cdk synth of a configuration that would deploy broken', { concurrency: 2 }, () => {
  after(() => rmSync(outdir, { recursive: true, force: true }));

  for (const [name, config, expected] of table) {
    it(`${name}: one line per problem, exit 1, no stack trace`, async () => {
      const result = await synth(config);
      assert.equal(result.status, 1, result.stderr);
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines[0], 'port22: invalid configuration', result.stderr);
      assert.deepEqual(lines.slice(1).sort(), [...expected].sort());
      assert.doesNotMatch(result.stderr, /^\s+at |Error:|«/m);
    });
  }

  // Every boundary the table crosses, on its allowed side: the same path synthesises them.
  it('synthesises the allowed edge of each rule', async () => {
    const result = await synth({
      vpcs: [
        {
          ...vpc,
          cidrs: ['10.0.0.0/16', '2001:db8:1200::/56'],
          subnetIds: ['subnet-0123456789abcdef0', 'subnet-01234567'],
          // Two subnets may share a route table and a zone: only subnets must be distinct.
          routeTableIds: ['rtb-01234567', 'rtb-01234567'],
        },
        { vpcId: 'vpc-0fedcba9876543210', cidrs: ['10.0.0.0/16'], subnetIds: ['subnet-0fedcba9876543210'] },
        { vpcId: 'vpc-0fedcba9876543211', cidrs: ['10.1.0.0/16'], subnetIds: subnets(16) },
      ],
      alertEmails: ['ops@example.com', 'ops@example.org', 'ops+pager@example.com'],
      sources: ['203.0.113.7', '203.0.113.0/24', '::/0', '::fffe:0:0/95', 'internet'],
      schedule: 'rate(720 minutes)',
      thresholds: { cpuPercent: 100, failuresBeforeAlert: 1 },
      prober: { memoryMb: 128, timeoutSeconds: 900, logRetentionDays: 1 },
      port: 65535,
    });
    assert.equal(result.status, 0, result.stderr);
  });
});
