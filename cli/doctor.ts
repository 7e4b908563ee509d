/**
 * `port22 doctor --inventory <dir> --subnets subnet-…[,…] [--security-group sg-…] [--region r] [--json]`
 * `port22 doctor --region <r> --vpc vpc-… [--profile p] [--subnets …] [--security-group sg-…] [--json]`
 *
 * Before deploying: can the prober, in these subnets, reach every AWS API it calls (a NAT gateway route, a
 * gateway endpoint for DynamoDB, interface endpoints with private DNS whose groups admit 443)? One line per
 * service, with the fix for each missing path (core/reachability/api-paths.ts). Live, it makes only the
 * collector's read-only Describe/List calls. Exit 0 every path exists, 1 one is missing or unknown, 2 bad input.
 */
import { loadInventoryDir } from '../lambda/adapters/local/inventory-dir.ts';
import { evidenceSchema } from '../lambda/contract.ts';
import { type Inventory, type InventoryIndex, indexInventory } from '../lambda/core/inventory/model.ts';
import { InventoryError } from '../lambda/core/inventory/parse.ts';
import { resourceIdPattern } from '../lambda/core/inventory/resource-id.ts';
import {
  type ApiPath,
  type ApiPathStatus,
  type AwsService,
  evaluateApiPaths,
} from '../lambda/core/reachability/api-paths.ts';
import { vpcsRoutingToEndpoints } from '../lambda/core/reachability/firewall-endpoints.ts';
import { terminalSafe } from '../lambda/core/report/safe-text.ts';
import { proberServices } from '../lambda/prober-services.ts';
import type { CommandDefinition } from './command.ts';
import { UsageError } from './usage-error.ts';

interface DoctorFlags {
  inventory?: string;
  region?: string;
  profile?: string;
  vpc?: string;
  subnets?: string;
  securityGroup?: string;
  json?: boolean;
}

interface DoctorReport {
  readonly region: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly services: readonly AwsService[];
  /** One per (subnet, service). */
  readonly paths: readonly ApiPath[];
}

function ids(flag: string, text: string, prefix: 'subnet' | 'sg' | 'vpc'): string[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = list.find((s) => !resourceIdPattern(prefix).test(s));
  if (list.length === 0 || bad !== undefined)
    throw new UsageError(`bad ${flag} '${bad ?? text}' (expected ${prefix}-… ids, comma-separated)`);
  return list;
}

/** `eu-west-1` of `eu-west-1a` (and of a Local Zone's `us-west-2-lax-1a`). */
function regionOfZone(zone: string | undefined): string | undefined {
  return zone?.match(/^[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d+/)?.[0];
}

/** Without --subnets: the VPC's private subnets, those whose default route is not an internet gateway. */
function privateSubnets(index: InventoryIndex, vpcId: string): string[] {
  return index.inventory.subnets
    .filter((s) => s.VpcId === vpcId)
    .filter((s) => {
      const rtb = index.routeTableForSubnet(s.SubnetId);
      const main = rtb?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
      return !main?.GatewayId?.startsWith('igw-');
    })
    .map((s) => s.SubnetId);
}

async function loadInventory(flags: DoctorFlags, vpcId: string | undefined): Promise<Inventory> {
  if (flags.inventory !== undefined) {
    try {
      return await loadInventoryDir(flags.inventory);
    } catch (e) {
      if (e instanceof InventoryError) throw new UsageError(e.message);
      throw e;
    }
  }
  const { awsPorts } = await import('../lambda/wiring.ts');
  const ports = awsPorts({
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
    ...(vpcId ? { vpcIds: [vpcId] } : {}),
  });
  try {
    return (await ports.inventory.load()).inventory;
  } catch (e) {
    throw new UsageError(`reading ${flags.region}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function runDoctor(flags: DoctorFlags): Promise<DoctorReport> {
  if (flags.inventory === undefined && flags.region === undefined)
    throw new UsageError(
      'give --inventory <dir> (offline) or --region <region> --vpc <vpc-…> (live account)',
    );
  if (flags.inventory === undefined && flags.vpc === undefined)
    throw new UsageError('--region needs --vpc <vpc-…> (the VPC the prober will run in)');
  if (flags.profile !== undefined && flags.inventory !== undefined)
    throw new UsageError('--profile reads a live account: give --region and --vpc, not --inventory');
  const vpcId = flags.vpc === undefined ? undefined : ids('--vpc', flags.vpc, 'vpc')[0];
  const given = flags.subnets === undefined ? undefined : ids('--subnets', flags.subnets, 'subnet');
  const securityGroups =
    flags.securityGroup === undefined ? [] : ids('--security-group', flags.securityGroup, 'sg');
  if (given === undefined && vpcId === undefined)
    throw new UsageError('give --subnets subnet-…[,…] (the prober’s subnets) or --vpc vpc-…');

  const index = indexInventory(await loadInventory(flags, vpcId));
  // A VPC id the account does not have reads as an empty VPC (DescribeSubnets with a vpc-id filter answers
  // with no subnets, not an error): say so rather than report on nothing.
  if (
    vpcId !== undefined &&
    !index.vpcs.has(vpcId) &&
    !index.inventory.subnets.some((s) => s.VpcId === vpcId)
  )
    throw new UsageError(
      flags.inventory === undefined
        ? `${vpcId} is not in ${flags.region} (DescribeVpcs does not list it): check the id, the Region and the account of your credentials`
        : `${vpcId} is not in the inventory`,
    );
  for (const id of given ?? []) {
    const subnet = index.subnets.get(id);
    if (!subnet) throw new UsageError(`${id} is not in the inventory`);
    if (vpcId !== undefined && subnet.VpcId !== vpcId) throw new UsageError(`${id} is not in ${vpcId}`);
  }
  const subnets = given ?? privateSubnets(index, vpcId!);
  if (subnets.length === 0) throw new UsageError(`${vpcId} has no private subnet in the inventory`);
  const region = flags.region ?? regionOfZone(index.subnets.get(subnets[0]!)?.AvailabilityZone);
  if (region === undefined)
    throw new UsageError(`the Region of ${subnets[0]} is unknown (no AvailabilityZone): give --region`);
  const vpcs = new Set(subnets.map((s) => index.subnets.get(s)?.VpcId));
  const routed = vpcsRoutingToEndpoints(index.inventory.routeTables);
  // The stack's defaults: state and alerts on, the evidence sources its config turns on by default.
  const services = proberServices({ state: true, alerts: true, evidence: evidenceSchema.parse({}) }).filter(
    // Discovery reads Network Firewall only where a route leads to an endpoint by CIDR.
    (s) => s !== 'network-firewall' || routed.some((v) => vpcs.has(v)),
  );
  const paths = evaluateApiPaths(index, {
    region,
    subnetIds: subnets,
    securityGroupIds: securityGroups,
    services,
  });
  return { region, subnets, securityGroups, services, paths };
}

const RANK: Readonly<Record<ApiPathStatus, number>> = { ok: 0, unknown: 1, missing: 2 };

/** One line per service: its worst path over the subnets, the fix for it, and the other subnets it hits. */
function formatDoctorReport(report: DoctorReport): string {
  const t = (s: string) => terminalSafe(s);
  const width = Math.max(...report.services.map((s) => s.length));
  const lines = [
    `The prober's paths to ${report.services.length} AWS APIs from ${report.subnets.join(', ')} (${report.region}):`,
  ];
  for (const service of report.services) {
    const mine = report.paths.filter((p) => p.service === service);
    const worst = mine.reduce((a, b) => (RANK[b.status] > RANK[a.status] ? b : a));
    const also = mine.filter((p) => p !== worst && p.status === worst.status).map((p) => p.subnetId);
    const where = report.subnets.length > 1 || worst.status !== 'ok' ? `from ${worst.subnetId}: ` : '';
    const fix = worst.fix ? ` — fix: ${worst.fix}` : '';
    const more = worst.status !== 'ok' && also.length > 0 ? ` (also ${also.join(', ')})` : '';
    lines.push(
      `${service.padEnd(width)}  ${worst.status.padEnd(7)}  ${t(`${where}${worst.detail}${fix}${more}`)}`,
    );
  }
  const bad = report.services.filter((s) =>
    report.paths.some((p) => p.service === s && p.status !== 'ok'),
  ).length;
  lines.push(
    '',
    bad === 0 ? 'Every path exists.' : `${bad} of ${report.services.length} service(s) without a path.`,
  );
  return `${lines.join('\n')}\n`;
}

export const doctorCommand: CommandDefinition = (command, setExit) => {
  command
    .option('--inventory <dir>', 'directory of `aws ec2 describe-*` JSON files (offline)')
    .option('--region <region>', 'read a live account in this region (with --inventory: names the endpoints)')
    .option('--profile <profile>', 'AWS profile for --region')
    .option('--vpc <vpc-id>', 'the VPC the prober runs in (its private subnets, unless --subnets)')
    .option('--subnets <ids>', "the prober's subnets, comma-separated")
    .option(
      '--security-group <sg-id>',
      "the prober's security group (endpoint groups may admit it by reference)",
    )
    .option('--json', 'print the report as JSON')
    .action(async (flags: DoctorFlags) => {
      const report = await runDoctor(flags);
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report));
      setExit(report.paths.every((p) => p.status === 'ok') ? 0 : 1);
    });
};
