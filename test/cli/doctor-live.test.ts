/**
 * `port22 doctor --region … --vpc …` against a stubbed account: the CLI's own entry (cli/main.ts) in this
 * process, with every EC2 and Elastic Load Balancing client mocked at the class (aws-sdk-client-mock's
 * `mockClient(EC2Client)` stubs the clients the live wiring builds itself). The account answers as EC2 does:
 * the vpc-id filter applied, DescribeSubnets and DescribeRouteTables in pages of two with `NextToken`, and its
 * errors as the SDK raises them (EC2 API Reference, "Error codes": `UnauthorizedOperation`; "Common Error
 * Types": `ExpiredTokenException`). The data is test/fixtures/inventories/prober-paths (api-paths.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  DescribeInternetGatewaysCommand,
  DescribeManagedPrefixListsCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { main } from '../../cli/main.ts';
import { type AnyCommand, paged } from '../lambda/adapters/aws/ec2-stub.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/inventories/prober-paths');
const doc = (file: string) => JSON.parse(readFileSync(join(FIXTURE, file), 'utf8')) as Record<string, Item[]>;
type Item = { VpcId?: string; Attachments?: { VpcId?: string }[] };

const NAT_VPC = 'vpc-0a40000000000000a';
const NAT_SUBNET = 'subnet-0a40a00000000000a';
const NO_EGRESS_SUBNET = 'subnet-0a40b00000000000b';

let ec2: AwsClientStub<EC2Client>;
let elbv2: AwsClientStub<ElasticLoadBalancingV2Client>;
/** The NextToken each paginated call carried, by command name. */
let tokens: Record<string, (string | undefined)[]>;

/** Serves `file`'s `key` list as EC2 would: only the VPC a vpc-id filter names, `pageSize` items a page. */
function serve(command: AnyCommand, file: string, key: string, pageSize = 1000) {
  const vpcOf = (i: Item) => i.VpcId ?? i.Attachments?.[0]?.VpcId ?? '';
  tokens[(command as { name: string }).name] = paged(
    ec2,
    command,
    key,
    (request) => {
      const filter = [...(request.Filters ?? []), ...(request.Filter ?? [])].find((f) =>
        f.Name?.endsWith('vpc-id'),
      );
      return doc(file)[key]!.filter((i) => !filter || filter.Values?.includes(vpcOf(i)));
    },
    pageSize,
  );
}

function account() {
  ec2.onAnyCommand().resolves({});
  serve(DescribeSubnetsCommand, 'describe-subnets.json', 'Subnets', 2);
  serve(DescribeRouteTablesCommand, 'describe-route-tables.json', 'RouteTables', 2);
  serve(DescribeNetworkAclsCommand, 'describe-network-acls.json', 'NetworkAcls');
  serve(DescribeVpcsCommand, 'describe-vpcs.json', 'Vpcs');
  serve(DescribeSecurityGroupsCommand, 'describe-security-groups.json', 'SecurityGroups');
  serve(DescribeNatGatewaysCommand, 'describe-nat-gateways.json', 'NatGateways');
  serve(DescribeInternetGatewaysCommand, 'describe-internet-gateways.json', 'InternetGateways');
  serve(DescribeVpcEndpointsCommand, 'describe-vpc-endpoints.json', 'VpcEndpoints');
  serve(DescribeManagedPrefixListsCommand, 'describe-managed-prefix-lists.json', 'PrefixLists');
}

/**
 * `port22 <args>` in this process: its exit status and what it wrote. Only the CLI's text is captured: the
 * test runner's own reports (binary, on this process's stdout) and Node's warnings (`(node:<pid>) …`, such as
 * the SDK's notice about this Node version) pass through.
 */
async function port22(...args: string[]) {
  const captured = { stdout: [] as string[], stderr: [] as string[] };
  const original = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = process[name];
    const write = original[name];
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string' && !chunk.startsWith('(node:')) return captured[name].push(chunk) > 0;
      return (write as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
  }
  try {
    const status = await main(args);
    return { status, stdout: captured.stdout.join(''), stderr: captured.stderr.join('') };
  } finally {
    process.stdout.write = original.stdout;
    process.stderr.write = original.stderr;
  }
}

function ec2Error(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), {
    name,
    Code: name,
    $fault: 'client',
    $metadata: { httpStatusCode: status, attempts: 1 },
  });
}

describe('port22 doctor, live', () => {
  beforeEach(() => {
    tokens = {};
    ec2 = mockClient(EC2Client);
    elbv2 = mockClient(ElasticLoadBalancingV2Client);
    elbv2.onAnyCommand().resolves({});
  });
  afterEach(() => {
    ec2.restore();
    elbv2.restore();
  });

  it('every path present: one ok line per service, exit 0, the subnets and route tables read over two pages', async () => {
    account();
    const r = await port22('doctor', '--region', 'eu-west-1', '--vpc', NAT_VPC, '--subnets', NAT_SUBNET);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0, r.stdout);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], "The prober's paths to 7 AWS APIs from subnet-0a40a00000000000a (eu-west-1):");
    // One line per service the stack calls by default (their list and order: doctor.test.ts), every one ok.
    assert.deepEqual(
      lines.slice(1, 8).map((l) => l.split(/\s+/)[1]),
      Array(7).fill('ok'),
    );
    assert.match(lines[1]!, /rtb-0a40a00000000000a sends 0\.0\.0\.0\/0 to NAT gateway nat-0a40c00000000000c/);
    assert.equal(lines.at(-1), 'Every path exists.');
    // Three subnets and three route tables in the VPC, two a page: the second page was asked for.
    assert.deepEqual(tokens.DescribeSubnetsCommand, [undefined, 'token-2']);
    assert.deepEqual(tokens.DescribeRouteTablesCommand, [undefined, 'token-2']);
    // The vpc-id filter went with the scoped calls.
    const filters = ec2.commandCalls(DescribeSubnetsCommand)[0]!.args[0].input.Filters;
    assert.deepEqual(filters, [{ Name: 'vpc-id', Values: [NAT_VPC] }]);
  });

  it('a NAT-less private subnet: one missing line per service with its fix, exit 1', async () => {
    account();
    const r = await port22('doctor', '--region', 'eu-west-1', '--vpc', NAT_VPC);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 1);
    const lines = r.stdout.trim().split('\n');
    assert.equal(
      lines[0],
      "The prober's paths to 7 AWS APIs from subnet-0a40a00000000000a, subnet-0a40b00000000000b (eu-west-1):",
    );
    const services = lines.slice(1, 8);
    assert.equal(services.length, 7);
    for (const line of services) {
      assert.match(line, new RegExp(` missing {2}from ${NO_EGRESS_SUBNET}: `), line);
      assert.match(line, /rtb-0a40b00000000000b has no default route \(0\.0\.0\.0\/0\)/, line);
      assert.match(
        line,
        / — fix: .*add the route 0\.0\.0\.0\/0 → nat-0a40c00000000000c to rtb-0a40b00000000000b/,
        line,
      );
    }
    assert.match(
      services.find((l) => l.startsWith('dynamodb '))!,
      /fix: add a gateway endpoint for com\.amazonaws\.eu-west-1\.dynamodb to rtb-0a40b00000000000b \(free\)/,
    );
    assert.equal(lines.at(-1), '7 of 7 service(s) without a path.');
    assert.ok(!r.stdout.includes(NAT_SUBNET.concat(':')), 'the subnet behind the NAT gateway is fine');
  });

  const failures: [string, Error, RegExp][] = [
    [
      'no permission',
      ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403),
      /^port22: reading eu-west-1: Describe\w+ failed: UnauthorizedOperation: You are not authorized to perform this operation\.\n$/,
    ],
    [
      'expired credentials',
      ec2Error('ExpiredTokenException', 'The security token included in the request has expired', 403),
      /^port22: reading eu-west-1: Describe\w+ failed: ExpiredTokenException: The security token included in the request has expired\n$/,
    ],
  ];
  for (const [what, error, stderr] of failures) {
    it(`${what}: one line naming the call and the error, exit 2, no stack trace`, async () => {
      ec2.onAnyCommand().rejects(error);
      const r = await port22('doctor', '--region', 'eu-west-1', '--vpc', NAT_VPC);
      assert.equal(r.status, 2);
      assert.match(r.stderr, stderr);
      assert.equal(r.stdout, '');
    });
  }

  it('a VPC id the account does not have: one line, exit 2', async () => {
    account();
    const r = await port22('doctor', '--region', 'eu-west-1', '--vpc', 'vpc-0123456789abcdef0');
    assert.equal(r.status, 2);
    assert.equal(
      r.stderr,
      'port22: vpc-0123456789abcdef0 is not in eu-west-1 (DescribeVpcs does not list it): check the id, the Region and the account of your credentials\n',
    );
    assert.equal(r.stdout, '');
  });
});
