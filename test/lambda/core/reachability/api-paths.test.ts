/**
 * The prober's own API paths on test/fixtures/inventories/prober-paths (describe-* output of three VPCs):
 * vpc-0a40… has a private subnet behind a NAT gateway, one with no default route and a public one;
 * vpc-0a41… has interface endpoints with private DNS in zone a only, admitting the prober's group, and a
 * DynamoDB gateway endpoint; vpc-0a42… has an EC2 endpoint admitting the VPC, an SNS endpoint without
 * private DNS, a CloudWatch endpoint whose group admits only 10.99.0.0/16, and a DynamoDB gateway
 * endpoint associated with no route table.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadInventoryDir } from '../../../../lambda/adapters/local/inventory-dir.ts';
import { type InventoryIndex, indexInventory } from '../../../../lambda/core/inventory/model.ts';
import {
  type ApiPath,
  type ApiPathQuestion,
  type AwsService,
  apiPathProblem,
  endpointServiceName,
  evaluateApiPaths,
} from '../../../../lambda/core/reachability/api-paths.ts';

const FIXTURE = new URL('../../../fixtures/inventories/prober-paths/', import.meta.url).pathname;
const REGION = 'eu-west-1';
const NAT_SUBNET = 'subnet-0a40a00000000000a';
const NO_EGRESS_SUBNET = 'subnet-0a40b00000000000b';
const PUBLIC_SUBNET = 'subnet-0a40c00000000000c';
const ENDPOINTS_SUBNET_A = 'subnet-0a41a00000000000a';
const ENDPOINTS_SUBNET_B = 'subnet-0a41b00000000000b';
const BROKEN_SUBNET = 'subnet-0a42a00000000000a';
const PROBER_SG = {
  nat: 'sg-0a4000000000000a1',
  endpoints: 'sg-0a4100000000000a1',
  broken: 'sg-0a4200000000000a1',
};

let index: InventoryIndex;
before(async () => {
  index = indexInventory(await loadInventoryDir(FIXTURE));
});

function one(subnetId: string, service: AwsService, groups: readonly string[] = []): ApiPath {
  const q: ApiPathQuestion = {
    region: REGION,
    subnetIds: [subnetId],
    securityGroupIds: groups,
    services: [service],
  };
  const [path] = evaluateApiPaths(index, q);
  assert.ok(path);
  return path;
}

describe('evaluateApiPaths', () => {
  it('names endpoint services as AWS does (CloudWatch is monitoring, CloudWatch Logs is logs)', () => {
    assert.equal(endpointServiceName('eu-west-1', 'cloudwatch'), 'com.amazonaws.eu-west-1.monitoring');
    assert.equal(endpointServiceName('us-east-2', 'cloudwatch-logs'), 'com.amazonaws.us-east-2.logs');
    assert.equal(endpointServiceName('eu-west-1', 'dynamodb'), 'com.amazonaws.eu-west-1.dynamodb');
  });

  // [what, subnet, service, prober groups, status, words the detail holds, words the fix holds]
  const cases: [string, string, AwsService, string[], ApiPath['status'], string, string?][] = [
    ['NAT: EC2', NAT_SUBNET, 'ec2', [PROBER_SG.nat], 'ok', 'to NAT gateway nat-0a40c00000000000c'],
    [
      'NAT: DynamoDB without an endpoint',
      NAT_SUBNET,
      'dynamodb',
      [PROBER_SG.nat],
      'ok',
      'nat-0a40c00000000000c',
    ],
    [
      'neither: EC2',
      NO_EGRESS_SUBNET,
      'ec2',
      [PROBER_SG.nat],
      'missing',
      'no endpoint for com.amazonaws.eu-west-1.ec2 in vpc-0a40000000000000a, and rtb-0a40b00000000000b has no default route',
      'create an interface endpoint for com.amazonaws.eu-west-1.ec2 with private DNS in vpc-0a40000000000000a admitting TCP 443 from sg-0a4000000000000a1, or add the route 0.0.0.0/0 → nat-0a40c00000000000c to rtb-0a40b00000000000b',
    ],
    [
      'neither: DynamoDB gets the free gateway endpoint first',
      NO_EGRESS_SUBNET,
      'dynamodb',
      [PROBER_SG.nat],
      'missing',
      'no endpoint for com.amazonaws.eu-west-1.dynamodb',
      'add a gateway endpoint for com.amazonaws.eu-west-1.dynamodb to rtb-0a40b00000000000b (free)',
    ],
    [
      'internet gateway only: a Lambda ENI has no public IP',
      PUBLIC_SUBNET,
      'sns',
      [],
      'missing',
      "internet gateway igw-0a40000000000000a, which carries only addresses with a public IP, and a Lambda function's network interface never has one",
      'add the route 0.0.0.0/0 → nat-0a40c00000000000c to rtb-0a40c00000000000c',
    ],
    [
      'endpoints: EC2 in the endpoint’s zone',
      ENDPOINTS_SUBNET_A,
      'ec2',
      [PROBER_SG.endpoints],
      'ok',
      'interface endpoint vpce-0a410000000000000 with private DNS',
    ],
    [
      'endpoints: Logs from another zone (endpoints serve the whole VPC)',
      ENDPOINTS_SUBNET_B,
      'cloudwatch-logs',
      [PROBER_SG.endpoints],
      'ok',
      'interface endpoint vpce-0a410000000000003 with private DNS',
    ],
    [
      'endpoints: DynamoDB by its prefix list route',
      ENDPOINTS_SUBNET_B,
      'dynamodb',
      [PROBER_SG.endpoints],
      'ok',
      'gateway endpoint vpce-0a41d00000000000d: rtb-0a41000000000000a routes pl-6da54004 to it',
    ],
    [
      'endpoints: a prober outside the admitted group is refused',
      ENDPOINTS_SUBNET_A,
      'sns',
      [PROBER_SG.nat],
      'missing',
      'interface endpoint vpce-0a410000000000002 answers for com.amazonaws.eu-west-1.sns (private DNS), but security group sg-0a4100000000000e1 allows no TCP 443',
      'allow TCP 443 from sg-0a4000000000000a1 in sg-0a4100000000000e1',
    ],
    [
      'endpoint admitting the VPC CIDR',
      BROKEN_SUBNET,
      'ec2',
      [PROBER_SG.broken],
      'ok',
      'sg-0a4200000000000e1 allows TCP 443 from 10.42.0.0/16',
    ],
    [
      'endpoint without private DNS and no NAT',
      BROKEN_SUBNET,
      'sns',
      [PROBER_SG.broken],
      'missing',
      'interface endpoint vpce-0a42000000000000b has private DNS off, so the SDK resolves the public name',
      'enable private DNS on vpce-0a42000000000000b',
    ],
    [
      'endpoint whose group blocks 443 from the prober',
      BROKEN_SUBNET,
      'cloudwatch',
      [PROBER_SG.broken],
      'missing',
      'security group sg-0a4200000000000e2 allows no TCP 443 from sg-0a4200000000000a1',
      'allow TCP 443 from sg-0a4200000000000a1 in sg-0a4200000000000e2',
    ],
    [
      'gateway endpoint associated with no route table',
      BROKEN_SUBNET,
      'dynamodb',
      [PROBER_SG.broken],
      'missing',
      'gateway endpoint vpce-0a42000000000000d is not associated with rtb-0a42000000000000a',
      'associate gateway endpoint vpce-0a42000000000000d with rtb-0a42000000000000a',
    ],
    [
      'a subnet the inventory lacks is unknown, never ok',
      'subnet-0ffffffffffffffff',
      'ec2',
      [],
      'unknown',
      'subnet-0ffffffffffffffff is not in describe-subnets.json',
    ],
  ];
  for (const [what, subnet, service, groups, status, detail, fix] of cases) {
    it(what, () => {
      const p = one(subnet, service, groups);
      assert.equal(p.status, status, p.detail);
      assert.ok(p.detail.includes(detail), p.detail);
      if (fix === undefined) assert.equal(p.fix, undefined);
      else assert.ok(p.fix?.includes(fix), p.fix);
    });
  }

  it('a NAT gateway does not make up for an endpoint whose group refuses the prober (private DNS decides)', () => {
    // The third VPC given a default route to a NAT gateway: the CloudWatch hostname still resolves to the
    // endpoint whose group refuses the prober, while SNS (private DNS off) now goes out through the NAT gateway.
    const inventory = index.inventory;
    const withNat = indexInventory({
      ...inventory,
      routeTables: inventory.routeTables.map((t) =>
        t.RouteTableId === 'rtb-0a42000000000000a'
          ? {
              ...t,
              Routes: [
                ...(t.Routes ?? []),
                { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0a41000000000000f' },
              ],
            }
          : t,
      ),
    });
    const q = { region: REGION, subnetIds: [BROKEN_SUBNET], securityGroupIds: [PROBER_SG.broken] };
    assert.equal(evaluateApiPaths(withNat, { ...q, services: ['cloudwatch'] })[0]?.status, 'missing');
    const sns = evaluateApiPaths(withNat, { ...q, services: ['sns'] })[0];
    assert.equal(sns?.status, 'ok');
    // The NAT gateway is not in describe-nat-gateways.json: its subnet's ACL is not read, and the detail says so.
    assert.equal(
      sns?.detail,
      'rtb-0a42000000000000a sends 0.0.0.0/0 to NAT gateway nat-0a41000000000000f; network ACL acl-0a42000000000000d allows TCP 443 and the replies to 1024-65535 (nat-0a41000000000000f is not in describe-nat-gateways.json: the network ACL of its subnet was not read)',
    );
  });

  it('a private NAT gateway, one not yet available, and an endpoint group the inventory lacks: never ok', () => {
    const inventory = index.inventory;
    const nat = (change: object) =>
      indexInventory({
        ...inventory,
        natGateways: inventory.natGateways.map((n) => ({ ...n, ...change })),
      });
    const q = { region: REGION, subnetIds: [NAT_SUBNET], services: ['sns' as const] };
    const privateNat = evaluateApiPaths(nat({ ConnectivityType: 'private' }), q)[0];
    assert.equal(privateNat?.status, 'missing');
    assert.ok(privateNat?.detail.includes('a private NAT gateway, which does not reach public addresses'));
    assert.equal(evaluateApiPaths(nat({ State: 'pending' }), q)[0]?.status, 'missing');
    assert.equal(evaluateApiPaths(nat({ State: 'available' }), q)[0]?.status, 'ok');
    const withoutGroup = indexInventory({
      ...inventory,
      securityGroups: inventory.securityGroups.filter((g) => g.GroupId !== 'sg-0a4100000000000e1'),
    });
    const p = evaluateApiPaths(withoutGroup, {
      region: REGION,
      subnetIds: [ENDPOINTS_SUBNET_A],
      securityGroupIds: [PROBER_SG.endpoints],
      services: ['ec2'],
    })[0];
    assert.equal(p?.status, 'unknown');
    assert.ok(p?.detail.includes('sg-0a4100000000000e1'), p?.detail);
  });

  it('one verdict per subnet and service, in the order given', () => {
    const paths = evaluateApiPaths(index, {
      region: REGION,
      subnetIds: [NAT_SUBNET, NO_EGRESS_SUBNET],
      services: ['ec2', 'sns'],
    });
    assert.deepEqual(
      paths.map((p) => [p.subnetId, p.service, p.status]),
      [
        [NAT_SUBNET, 'ec2', 'ok'],
        [NAT_SUBNET, 'sns', 'ok'],
        [NO_EGRESS_SUBNET, 'ec2', 'missing'],
        [NO_EGRESS_SUBNET, 'sns', 'missing'],
      ],
    );
  });

  it('apiPathProblem: undefined when all exist, else the first missing path and how many more', () => {
    const ok = evaluateApiPaths(index, { region: REGION, subnetIds: [NAT_SUBNET], services: ['ec2', 'sns'] });
    assert.equal(apiPathProblem(ok), undefined);
    const bad = evaluateApiPaths(index, {
      region: REGION,
      subnetIds: [BROKEN_SUBNET],
      securityGroupIds: [PROBER_SG.broken],
      services: ['ec2', 'dynamodb', 'sns'],
    });
    const problem = apiPathProblem(bad);
    assert.ok(
      problem?.startsWith(
        'prober path: dynamodb from subnet-0a42a00000000000a: missing: gateway endpoint vpce-0a42000000000000d is not associated',
      ),
      problem,
    );
    assert.ok(problem?.endsWith('(and 1 more)'), problem);
  });

  describe('the VPC’s DNS attributes (private DNS needs enableDnsSupport and enableDnsHostnames both true: EC2 API Reference, CreateVpcEndpoint PrivateDnsEnabled)', () => {
    const dns = (attributes: object) =>
      indexInventory({
        ...index.inventory,
        vpcDnsAttributes: new Map([['vpc-0a41000000000000b', attributes]]),
      });
    const ec2 = (i: InventoryIndex) =>
      evaluateApiPaths(i, {
        region: REGION,
        subnetIds: [ENDPOINTS_SUBNET_A],
        securityGroupIds: [PROBER_SG.endpoints],
        services: ['ec2'],
      })[0]!;
    // [attributes, status, detail, fix]
    const cases: [object, ApiPath['status'], string, string?][] = [
      [
        { enableDnsSupport: true, enableDnsHostnames: true },
        'ok',
        'interface endpoint vpce-0a410000000000000 with private DNS (sg-0a4100000000000e1 allows TCP 443 from sg-0a4100000000000a1)',
      ],
      [
        { enableDnsSupport: true, enableDnsHostnames: false },
        'missing',
        'interface endpoint vpce-0a410000000000000 has private DNS on, but vpc-0a41000000000000b has enableDnsHostnames off',
        'aws ec2 modify-vpc-attribute --vpc-id vpc-0a41000000000000b --enable-dns-hostnames',
      ],
      [
        { enableDnsSupport: false, enableDnsHostnames: false },
        'missing',
        'vpc-0a41000000000000b has enableDnsSupport and enableDnsHostnames off',
        'aws ec2 modify-vpc-attribute --vpc-id vpc-0a41000000000000b --enable-dns-support; then aws ec2 modify-vpc-attribute --vpc-id vpc-0a41000000000000b --enable-dns-hostnames',
      ],
      [
        { enableDnsSupport: true },
        'ok',
        'the enableDnsHostnames attribute of vpc-0a41000000000000b was not read (describe-vpc-attribute/vpc-0a41000000000000b-<attribute>.json)',
      ],
    ];
    for (const [attributes, status, detail, fix] of cases) {
      it(`${JSON.stringify(attributes)}: ${status}`, () => {
        const p = ec2(dns(attributes));
        assert.equal(p.status, status, p.detail);
        assert.ok(p.detail.includes(detail), p.detail);
        assert.equal(p.fix, fix);
        if (status === 'ok' && !detail.includes('not read'))
          assert.ok(!p.detail.includes('not read'), p.detail);
      });
    }

    it('the fixture reads both for vpc-0a41…; vpc-0a42… has no files: its endpoint path stays ok, with a note', () => {
      assert.ok(!ec2(index).detail.includes('not read'), ec2(index).detail);
      const p = one(BROKEN_SUBNET, 'ec2', [PROBER_SG.broken]);
      assert.equal(p.status, 'ok');
      assert.ok(
        p.detail.includes(
          'the enableDnsSupport and enableDnsHostnames attributes of vpc-0a42000000000000c were not read',
        ),
        p.detail,
      );
    });
  });

  describe('shared-services endpoints behind a transit gateway (Route 53 data is not in the inventory)', () => {
    const routes = (extra: object[]) =>
      indexInventory({
        ...index.inventory,
        routeTables: index.inventory.routeTables.map((t) =>
          t.RouteTableId === 'rtb-0a40b00000000000b' ? { ...t, Routes: [...(t.Routes ?? []), ...extra] } : t,
        ),
      });
    const path = (i: InventoryIndex, service: AwsService) =>
      evaluateApiPaths(i, { region: REGION, subnetIds: [NO_EGRESS_SUBNET], services: [service] })[0]!;

    it('a subnet routing to a transit gateway with no endpoint of its own: unknown, saying what to check', () => {
      const p = path(
        routes([
          { DestinationCidrBlock: '10.0.0.0/8', TransitGatewayId: 'tgw-0a4f0000000000000', State: 'active' },
        ]),
        'ec2',
      );
      assert.equal(p.status, 'unknown', p.detail);
      for (const words of [
        'no endpoint for com.amazonaws.eu-west-1.ec2 in vpc-0a40000000000000a',
        'rtb-0a40b00000000000b routes to transit gateway tgw-0a4f0000000000000',
        // Interface endpoints of EC2 in the other VPCs of the inventory are candidates.
        '(vpce-0a410000000000000 in vpc-0a41000000000000b is one)',
        'a Route 53 private hosted zone for ec2.eu-west-1.amazonaws.com is associated with vpc-0a40000000000000a',
        'aws route53 list-hosted-zones-by-vpc --vpc-id vpc-0a40000000000000a --vpc-region eu-west-1',
        'admit TCP 443 from 10.40.2.0/24',
      ])
        assert.ok(p.detail.includes(words), `${words} in ${p.detail}`);
      // The CloudWatch Logs hostname is logs.<region>.amazonaws.com (the endpoint name, not the SDK's).
      assert.ok(
        path(
          routes([{ DestinationCidrBlock: '10.0.0.0/8', TransitGatewayId: 'tgw-0a4f0000000000000' }]),
          'cloudwatch-logs',
        ).detail.includes('for logs.eu-west-1.amazonaws.com'),
      );
    });

    it('a blackholed transit gateway route, or none: still missing', () => {
      const blackhole = routes([
        { DestinationCidrBlock: '10.0.0.0/8', TransitGatewayId: 'tgw-0a4f0000000000000', State: 'blackhole' },
      ]);
      assert.equal(path(blackhole, 'ec2').status, 'missing');
      assert.equal(path(index, 'ec2').status, 'missing');
    });
  });
});
