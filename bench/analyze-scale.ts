/**
 * `node --import tsx bench/analyze-scale.ts [--sizes 1000,10000,50000] [--runs 3]`
 *
 * The static analyzer over synthetic fleets of 1,000, 10,000 and 50,000 instances, each analysed from
 * three sources (the internet, an office CIDR, a bastion instance). Proportions follow a typical
 * landing-zone VPC: subnets of ~250 instances with one network ACL each, ~1 security group per 10
 * instances with several rules (office SSH, a bastion group reference, a prefix list, HTTPS from
 * anywhere, and now and then SSH open to the world), public subnets routed to an internet gateway and
 * private ones to a NAT gateway, ~5,000 instances per VPC.
 *
 * Each size runs in its own child process (a fresh heap), so peak RSS is that size's own. The time is
 * `analyze()` itself — indexing, every evaluator, the exposure audit — not building the inventory.
 *
 * The peer: AWS VPC Reachability Analyzer answers one path per analysis, asynchronously, IPv4 only, at
 * a published $0.10 per analysis; it cannot run here, so its cost for the same paths is printed instead.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
// The lab's seeded PRNG, so every run builds the same fleet.
import { prng } from '../lab/vpc-compiler.ts';
import type {
  Instance,
  Inventory,
  IpPermission,
  NetworkAcl,
  NetworkAclEntry,
  RouteTable,
  RouteTableAssociation,
  SecurityGroup,
  Subnet,
  Vpc,
} from '../lambda/core/inventory/model.ts';
import { emptyInventory } from '../lambda/core/inventory/model.ts';
import { analyze } from '../lambda/core/reachability/analyze.ts';
import { type BenchRow, emitBenchResult } from './result.ts';

const INSTANCES_PER_SUBNET = 250;
const SUBNETS_PER_VPC = 20;
const INSTANCES_PER_GROUP = 10;
const OFFICE = '203.0.113.0/24';
const PREFIX_LIST = 'pl-0bench0000000001';
/** VPC Reachability Analyzer pricing: $0.10 per analysis, one source–destination path each. */
const REACHABILITY_ANALYZER_USD_PER_ANALYSIS = 0.1;

/**
 * A subnet's ACL: SSH from the office and the private range, HTTPS from anywhere, replies in on the
 * ephemeral range. With `guideReplies`, replies OUT are allowed only on 32768-65535, as in the VPC
 * User Guide's example ACL — so a client using 1024-65535 gets a partial verdict.
 */
function aclEntries(guideReplies: boolean): NetworkAclEntry[] {
  const tcp = (n: number, action: 'allow' | 'deny', cidr: string, from: number, to: number) => ({
    RuleNumber: n,
    Protocol: '6',
    RuleAction: action,
    Egress: false,
    CidrBlock: cidr,
    PortRange: { From: from, To: to },
  });
  return [
    tcp(100, 'allow', OFFICE, 22, 22),
    tcp(110, 'allow', '10.0.0.0/8', 22, 22),
    tcp(120, 'deny', '0.0.0.0/0', 22, 22),
    tcp(130, 'allow', '0.0.0.0/0', 443, 443),
    tcp(140, 'allow', '0.0.0.0/0', 1024, 65535),
    { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
    guideReplies
      ? { ...tcp(100, 'allow', '0.0.0.0/0', 32768, 65535), Egress: true }
      : { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: true, CidrBlock: '0.0.0.0/0' },
    { ...tcp(110, 'allow', '0.0.0.0/0', 443, 443), Egress: true },
    { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' },
  ];
}

/** A fleet of `count` instances; instance 0 is the bastion (public subnet, its own group). */
export function syntheticInventory(count: number): Inventory {
  const random = prng(count);
  const vpcCount = Math.ceil(count / (INSTANCES_PER_SUBNET * SUBNETS_PER_VPC));
  const vpcs: Vpc[] = [];
  const subnets: Subnet[] = [];
  const networkAcls: NetworkAcl[] = [];
  const routeTables: RouteTable[] = [];
  /** Per VPC: the private subnets' explicit associations (public subnets use the main table). */
  const privateAssociations: RouteTableAssociation[][] = [];
  const securityGroups: SecurityGroup[] = [];
  const instances: Instance[] = [];

  const bastionGroup = 'sg-0bastion';
  securityGroups.push({
    GroupId: bastionGroup,
    VpcId: 'vpc-b0',
    IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: OFFICE }] }],
    IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
  });

  for (let v = 0; v < vpcCount; v++) {
    const vpcId = `vpc-b${v}`;
    vpcs.push({ VpcId: vpcId, CidrBlock: `10.${v}.0.0/16` });
    privateAssociations.push([]);
    routeTables.push(
      {
        RouteTableId: `rtb-b${v}pub`,
        VpcId: vpcId,
        Routes: [
          { DestinationCidrBlock: `10.${v}.0.0/16`, GatewayId: 'local', State: 'active' },
          { DestinationCidrBlock: '0.0.0.0/0', GatewayId: `igw-b${v}`, State: 'active' },
        ],
        Associations: [{ Main: true, RouteTableId: `rtb-b${v}pub` }],
      },
      {
        RouteTableId: `rtb-b${v}priv`,
        VpcId: vpcId,
        Routes: [
          { DestinationCidrBlock: `10.${v}.0.0/16`, GatewayId: 'local', State: 'active' },
          { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: `nat-b${v}`, State: 'active' },
          { DestinationCidrBlock: '192.168.0.0/16', TransitGatewayId: `tgw-b${v}`, State: 'active' },
        ],
        Associations: privateAssociations[v]!,
      },
    );
    networkAcls.push({
      NetworkAclId: `acl-b${v}default`,
      VpcId: vpcId,
      IsDefault: true,
      Entries: [
        { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0' },
        { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: true, CidrBlock: '0.0.0.0/0' },
      ],
    });
  }

  const subnetCount = Math.ceil(count / INSTANCES_PER_SUBNET);
  for (let s = 0; s < subnetCount; s++) {
    const v = Math.floor(s / SUBNETS_PER_VPC);
    const k = s % SUBNETS_PER_VPC;
    const subnetId = `subnet-b${s}`;
    const isPublic = k < 4;
    subnets.push({ SubnetId: subnetId, VpcId: `vpc-b${v}`, CidrBlock: `10.${v}.${k}.0/24` });
    // One ACL per subnet; one in five lets replies out only on 32768-65535 (the guide's example), which
    // makes SSH from 1024-65535 clients partial — the analysis must work that out per subnet.
    networkAcls.push({
      NetworkAclId: `acl-b${s}`,
      VpcId: `vpc-b${v}`,
      IsDefault: false,
      Entries: aclEntries(s % 5 === 4),
      Associations: [{ SubnetId: subnetId, NetworkAclId: `acl-b${s}` }],
    });
    if (!isPublic) privateAssociations[v]!.push({ SubnetId: subnetId, RouteTableId: `rtb-b${v}priv` });
  }

  const groupCount = Math.ceil(count / INSTANCES_PER_GROUP);
  for (let g = 0; g < groupCount; g++) {
    const v = Math.floor((g * INSTANCES_PER_GROUP) / (INSTANCES_PER_SUBNET * SUBNETS_PER_VPC));
    const rules: IpPermission[] = [
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: OFFICE, Description: 'office' }] },
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [{ GroupId: bastionGroup }] },
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8090, PrefixListIds: [{ PrefixListId: PREFIX_LIST }] },
      { IpProtocol: '-1', IpRanges: [{ CidrIp: `10.${v}.0.0/16` }] },
    ];
    if (g % 50 === 7)
      rules.push({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] });
    if (g % 50 === 8)
      rules.push({
        IpProtocol: 'tcp',
        FromPort: 0,
        ToPort: 1023,
        IpRanges: [{ CidrIp: '0.0.0.0/1' }, { CidrIp: '128.0.0.0/1' }],
      });
    securityGroups.push({
      GroupId: `sg-b${g}`,
      VpcId: `vpc-b${v}`,
      IpPermissions: rules,
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
  }

  for (let n = 0; n < count; n++) {
    const s = Math.floor(n / INSTANCES_PER_SUBNET);
    const v = Math.floor(s / SUBNETS_PER_VPC);
    const k = s % SUBNETS_PER_VPC;
    const host = (n % INSTANCES_PER_SUBNET) + 4;
    const address = `10.${v}.${k}.${host}`;
    const isPublic = k < 4;
    const groups =
      n === 0
        ? [bastionGroup]
        : [
            `sg-b${Math.floor(random() * groupCount)}`,
            ...(random() < 0.3 ? [`sg-b${Math.floor(random() * groupCount)}`] : []),
          ];
    const publicIp = isPublic ? `198.51.${Math.floor(n / 250) % 256}.${n % 250}` : undefined;
    instances.push({
      InstanceId: `i-${n.toString(16).padStart(17, '0')}`,
      InstanceType: 't3.micro',
      State: random() < 0.03 ? { Code: 80, Name: 'stopped' } : { Code: 16, Name: 'running' },
      SubnetId: `subnet-b${s}`,
      VpcId: `vpc-b${v}`,
      PrivateIpAddress: address,
      ...(publicIp ? { PublicIpAddress: publicIp } : {}),
      SecurityGroups: groups.map((GroupId) => ({ GroupId })),
      NetworkInterfaces: [
        {
          NetworkInterfaceId: `eni-${n.toString(16).padStart(17, '0')}`,
          SubnetId: `subnet-b${s}`,
          VpcId: `vpc-b${v}`,
          PrivateIpAddress: address,
          PrivateIpAddresses: [{ PrivateIpAddress: address, Primary: true }],
          ...(publicIp ? { Association: { PublicIp: publicIp } } : {}),
          Groups: groups.map((GroupId) => ({ GroupId })),
          Attachment: { DeviceIndex: 0, Status: 'attached' },
        },
      ],
    });
  }

  return {
    ...emptyInventory(),
    instances,
    securityGroups,
    subnets,
    networkAcls,
    routeTables,
    vpcs,
    managedPrefixLists: [{ PrefixListId: PREFIX_LIST, PrefixListName: 'monitoring', AddressFamily: 'IPv4' }],
    prefixLists: new Map([[PREFIX_LIST, [{ Cidr: '192.0.2.0/28' }, { Cidr: '198.51.100.64/26' }]]]),
  };
}

interface ChildResult {
  readonly instances: number;
  readonly sources: number;
  readonly verdicts: number;
  readonly unreachable: number;
  readonly partial: number;
  readonly exposure: number;
  readonly buildMs: number;
  /** The first analysis (cold: JIT and caches empty). */
  readonly firstMs: number;
  /** The best of the following runs. */
  readonly bestMs: number;
  readonly peakRssKiB: number;
}

function runChild(count: number, runs: number): ChildResult {
  const t0 = performance.now();
  const inventory = syntheticInventory(count);
  const buildMs = performance.now() - t0;
  const sources = ['internet', OFFICE, inventory.instances[0]!.InstanceId];
  // The first analysis is what one Lambda invocation or one CLI run pays: cold JIT, empty caches.
  const t1 = performance.now();
  const report = analyze(inventory, { sources });
  const firstMs = performance.now() - t1;
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    analyze(inventory, { sources });
    times.push(performance.now() - start);
  }
  return {
    instances: count,
    sources: sources.length,
    verdicts: report.verdicts.length,
    unreachable: report.verdicts.filter((v) => !v.reachable).length,
    partial: report.verdicts.filter((v) => v.partial).length,
    exposure: report.exposure.length,
    buildMs,
    firstMs,
    bestMs: times.length > 0 ? Math.min(...times) : firstMs,
    peakRssKiB: process.resourceUsage().maxRSS,
  };
}

function spawnSize(count: number, runs: number, extraNodeArgs: readonly string[]): Promise<ChildResult> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...extraNodeArgs, '--import', 'tsx', self, '--child', String(count), '--runs', String(runs)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`child for ${count} instances exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,50000' },
    runs: { type: 'string', default: '3' },
    child: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});

if (args.child) {
  process.stdout.write(`${JSON.stringify(runChild(Number(args.child), Number(args.runs)))}\n`);
} else {
  const sizes = args.sizes.split(',').map(Number);
  const runs = Number(args.runs);
  const ms = (n: number) => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
  const n = (x: number) => x.toLocaleString('en-US');
  process.stdout.write(
    `analyze() over synthetic fleets, 3 sources (internet, ${OFFICE}, a bastion instance); each size in a fresh process\n\n`,
  );
  process.stdout.write(
    `${'instances'.padStart(9)} ${'verdicts'.padStart(9)} ${'unreach'.padStart(8)} ${'partial'.padStart(8)} ${'exposure'.padStart(8)} ${'first'.padStart(9)} ${`best/${runs}`.padStart(9)} ${'peak RSS'.padStart(9)}  Reachability Analyzer\n`,
  );
  const results = new Map<number, ChildResult>();
  for (const size of sizes) {
    const r = await spawnSize(
      size,
      runs,
      args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir=.cpuprofile'] : [],
    );
    results.set(size, r);
    const usd = r.verdicts * REACHABILITY_ANALYZER_USD_PER_ANALYSIS;
    process.stdout.write(
      `${n(r.instances).padStart(9)} ${n(r.verdicts).padStart(9)} ${n(r.unreachable).padStart(8)} ${n(r.partial).padStart(8)} ${n(r.exposure).padStart(8)} ${ms(r.firstMs).padStart(9)} ${ms(r.bestMs).padStart(9)} ${`${Math.round(r.peakRssKiB / 1024)} MB`.padStart(9)}  ${n(r.verdicts)} analyses ≈ $${n(Math.round(usd))}\n`,
    );
  }
  const k10 = results.get(10_000);
  const k50 = results.get(50_000);
  process.stdout.write('\n');
  if (k10) {
    const goal = k10.firstMs < 1000 ? 'met' : 'MISSED';
    process.stdout.write(`goal 10,000 instances × 3 sources < 1 s: ${goal} (first run ${ms(k10.firstMs)})\n`);
  }
  if (k10 && k50) {
    const ratio = k50.firstMs / k10.firstMs;
    const ratioBest = k50.bestMs / k10.bestMs;
    process.stdout.write(
      `growth 50k/10k: ${ratio.toFixed(2)}× first run, ${ratioBest.toFixed(2)}× best (5× is linear; goal ≤ 6×: ${ratio <= 6 ? 'met' : 'MISSED'})\n`,
    );
  }
  process.stdout.write(
    'peer: AWS VPC Reachability Analyzer cannot run here; it analyses one source–destination path per analysis,\n' +
      `asynchronously, IPv4 only, at $${REACHABILITY_ANALYZER_USD_PER_ANALYSIS.toFixed(2)} per analysis — the figure above is that price × the paths port22 analysed.\n`,
  );
  // The headline figures for the table `npm run bench` prints (bench/result.ts).
  const rows: BenchRow[] = [...results.values()].map((r) => ({
    metric: `analyze ${n(r.instances)} instances × ${r.sources} sources, first run (best)`,
    value: `${ms(r.firstMs)} (${ms(r.bestMs)}), ${Math.round(r.peakRssKiB / 1024)} MB`,
    peer: 'VPC Reachability Analyzer',
    peerValue: `${n(r.verdicts)} analyses ≈ $${n(Math.round(r.verdicts * REACHABILITY_ANALYZER_USD_PER_ANALYSIS))}`,
    ...(r.instances === 10_000 ? { goal: '< 1 s', met: r.firstMs < 1000 } : {}),
  }));
  if (k10 && k50) {
    rows.push({
      metric: 'growth 50k / 10k, first run (best)',
      value: `${(k50.firstMs / k10.firstMs).toFixed(2)}× (${(k50.bestMs / k10.bestMs).toFixed(2)}×)`,
      goal: '≤ 6× (5× is linear)',
      met: k50.firstMs / k10.firstMs <= 6,
    });
  }
  emitBenchResult({ bench: 'analyze-scale', rows });
}
