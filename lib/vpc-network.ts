/**
 * Where each monitored VPC's prober runs and what it may probe (docs/stack.md, "The VPC: looked up or typed
 * by hand"). A VPC configured with `cidrs` is taken as typed; any other is looked up the CDK way
 * (`Vpc.fromLookup`): at synth time, by the CDK CLI with the deployer's credentials through the bootstrap
 * lookup role, recorded in cdk.context.json — never by the prober, whose role has no part in it.
 */
import { type Stack, Token } from 'aws-cdk-lib';
import { type ISubnet, Vpc } from 'aws-cdk-lib/aws-ec2';
import { keyPath } from '../lambda/contract.ts';
import { AddressSet, formatCidr, parseCidr } from '../lambda/core/net/cidr.ts';
import { CONFIG_CONTEXT_KEY, ConfigError, MAX_PROBER_SUBNETS, type VpcConfig } from './config.ts';

/** What the prober of one VPC is built from. */
export interface VpcNetwork {
  /** The blocks the prober may probe inside (its security group's egress). */
  readonly cidrs: readonly string[];
  /** The subnets the prober is attached to. */
  readonly subnetIds: readonly string[];
  /** Each subnet's availability zone, by position, when known. */
  readonly availabilityZones?: readonly string[];
  /** Each subnet's route table, by position, when known. */
  readonly routeTableIds?: readonly string[];
}

/**
 * The network of every configured VPC, in order. Throws a `ConfigError` of one line per problem: a lookup
 * without an account and region to look in, a subnet choice the looked-up VPC does not offer.
 */
export function resolveNetworks(stack: Stack, vpcs: readonly VpcConfig[]): VpcNetwork[] {
  const lookups = vpcs.filter((vpc) => !vpc.cidrs).map((vpc) => vpc.vpcId);
  // The CDK would throw its own error with a stack trace; cdk sets both from the deployer's credentials.
  if (lookups.length && (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region))) {
    throw new ConfigError([
      `${CONFIG_CONTEXT_KEY}: looking up ${lookups.join(', ')} needs the deployer's account and region: run cdk ` +
        'with AWS credentials (it sets CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION from them), or give each ' +
        "VPC's cidrs and subnetIds to synthesise without credentials",
    ]);
  }
  const problems: string[] = [];
  const networks = vpcs.map((vpc, i) => {
    if (!vpc.cidrs || !vpc.subnetIds) return lookUp(stack, vpc, i, problems);
    return {
      cidrs: vpc.cidrs,
      subnetIds: vpc.subnetIds,
      availabilityZones: vpc.availabilityZones,
      routeTableIds: vpc.routeTableIds,
    };
  });
  if (problems.length) throw new ConfigError(problems);
  return networks;
}

/**
 * What a VPC not yet looked up is built on. That synth only tells the CLI which lookups to make (the
 * manifest's missing context) and is never deployed: the CLI looks up and synthesises again, or with
 * --no-lookups stops. The CDK's own stand-in subnets (p-12345) fail its CloudFormation validation and
 * would end that synth before the CLI learns what to look up; these pass it: an old-format subnet id and
 * TEST-NET-1 (RFC 5737), a block no network uses.
 */
const AWAITING_LOOKUP: VpcNetwork = {
  cidrs: ['192.0.2.0/24'],
  subnetIds: ['subnet-00000000'],
  // Without one the CDK warns about the stand-in, beside the CLI's own line on the lookup.
  routeTableIds: ['rtb-00000000'],
};

function lookUp(stack: Stack, vpc: VpcConfig, index: number, problems: string[]): VpcNetwork {
  const key = (...path: PropertyKey[]) => keyPath(['vpcs', index, ...path], CONFIG_CONTEXT_KEY);
  const found = Vpc.fromLookup(stack, `${vpc.vpcId}Lookup`, {
    vpcId: vpc.vpcId,
    subnetGroupNameTag: vpc.subnetGroupNameTag,
  });
  const publicSubnets = new Set(found.publicSubnets);
  const all = [...found.publicSubnets, ...found.privateSubnets, ...found.isolatedSubnets];
  // Until the CLI has made the lookup and run the app again, the CDK hands out a stand-in VPC (vpc-12345).
  if (found.vpcId !== vpc.vpcId) return AWAITING_LOOKUP;

  let chosen: ISubnet[] = [];
  if (vpc.subnetIds) {
    vpc.subnetIds.forEach((subnetId, j) => {
      const subnet = all.find((s) => s.subnetId === subnetId);
      if (!subnet) problems.push(`${key('subnetIds', j)}: not a subnet of ${vpc.vpcId}`);
      else if (publicSubnets.has(subnet)) problems.push(`${key('subnetIds', j)}: ${publicOnly(vpc.vpcId)}`);
      else chosen.push(subnet);
    });
  } else if (vpc.subnetGroupName !== undefined) {
    try {
      chosen = found.selectSubnets({ subnetGroupName: vpc.subnetGroupName }).subnets;
    } catch (error) {
      // The CDK's own line, naming the groups the VPC has.
      problems.push(`${key('subnetGroupName')}: ${(error as Error).message}`);
    }
    if (chosen.some((s) => publicSubnets.has(s))) {
      problems.push(`${key('subnetGroupName')}: ${publicOnly(vpc.vpcId)}`);
    }
  } else {
    // SubnetType.PRIVATE_WITH_EGRESS first (a NAT route to the AWS APIs), else PRIVATE_ISOLATED (endpoints).
    chosen = found.privateSubnets.length ? found.privateSubnets : found.isolatedSubnets;
    if (!chosen.length) {
      problems.push(
        `${key('vpcId')}: ${vpc.vpcId} has no private or isolated subnet for the prober (${publicOnly(vpc.vpcId)}); ` +
          'name one with subnetIds or subnetGroupName',
      );
    }
  }
  if (chosen.length > MAX_PROBER_SUBNETS) {
    problems.push(
      `${key('vpcId')}: ${chosen.length} subnets chosen, Lambda takes at most ${MAX_PROBER_SUBNETS}: ` +
        'name some with subnetIds or subnetGroupName',
    );
  }
  return {
    cidrs: probedBlocks(found.vpcCidrBlock, all, key('vpcId'), problems),
    subnetIds: chosen.map((s) => s.subnetId),
    availabilityZones: chosen.map((s) => s.availabilityZone),
    routeTableIds: chosen.map((s) => s.routeTable.routeTableId),
  };
}

function publicOnly(vpcId: string): string {
  return `a public subnet of ${vpcId}: a Lambda function there gets no public address, so no way to the AWS APIs`;
}

/**
 * The blocks instances of the VPC can have addresses in: its primary block, and every subnet outside it
 * (a subnet in a secondary block — the lookup reports only the primary block, but every subnet's own).
 */
function probedBlocks(
  primary: string,
  subnets: readonly ISubnet[],
  key: string,
  problems: string[],
): string[] {
  try {
    const blocks = [primary];
    let covered = AddressSet.fromCidrs('ipv4', [parseCidr(primary)!]);
    for (const subnet of subnets) {
      const block = parseCidr(subnet.ipv4CidrBlock)!;
      if (covered.has(block.first) && covered.has(block.last)) continue;
      blocks.push(formatCidr(block));
      covered = AddressSet.fromCidrs(
        'ipv4',
        blocks.map((b) => parseCidr(b)!),
      );
    }
    return blocks;
  } catch {
    // A lookup recorded by an older CDK CLI has no subnet blocks; the CDK throws when one is read.
    problems.push(
      `${key}: the lookup recorded in cdk.context.json has no subnet CIDR blocks (an older CDK CLI recorded ` +
        'it): run `npx cdk context --clear` and synthesise again',
    );
    return [];
  }
}
