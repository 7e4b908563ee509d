/**
 * A VPC given by id alone, looked up the CDK way and synthesised offline from a recorded lookup
 * (test/fixtures/cdk-context/vpc-lookups.json: what the CDK CLI writes into cdk.context.json for a
 * `vpc-provider` lookup, for a three-zone VPC with public, private and isolated subnet groups, the isolated
 * ones in a secondary block, and for a default VPC with public subnets only). Expected values are read off
 * the recorded VPC by hand, not from the code under test.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConfigError, type Port22ConfigInput } from '../../lib/config.ts';
import { Port22Stack } from '../../lib/port22-stack.ts';
import { resolveNetworks } from '../../lib/vpc-network.ts';
import { exampleConfig, synthStack, TEST_ENV } from './stack-fixtures.ts';

const lookups = JSON.parse(
  readFileSync(new URL('../fixtures/cdk-context/vpc-lookups.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

const VPC = 'vpc-0a1b2c3d4e5f60718';
const DEFAULT_VPC = 'vpc-0d0d0d0d0d0d0d0d0';
const APPLICATION = ['subnet-0b000000000000000', 'subnet-0b000000000000001', 'subnet-0b000000000000002'];
const DATA = ['subnet-0c000000000000000', 'subnet-0c000000000000001', 'subnet-0c000000000000002'];
const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
// The primary block covers the public and private subnets; the isolated ones sit in 100.64.0.0/16.
const BLOCKS = ['10.20.0.0/16', '100.64.0.0/24', '100.64.1.0/24', '100.64.2.0/24'];

function template(config: Port22ConfigInput | undefined, context: Record<string, unknown> = {}) {
  return Template.fromStack(synthStack(config, { context: { ...lookups, ...context } }).stack);
}

function only(t: Template, type: string): Record<string, unknown> {
  const all = Object.values(t.findResources(type));
  assert.equal(all.length, 1, type);
  return all[0]!.Properties as Record<string, unknown>;
}

const subnetsOf = (t: Template) =>
  (only(t, 'AWS::Lambda::Function').VpcConfig as { SubnetIds: string[] }).SubnetIds;
const probedBlocks = (t: Template) =>
  (only(t, 'AWS::EC2::SecurityGroup').SecurityGroupEgress as Array<{ CidrIp: string; FromPort: number }>)
    .filter((rule) => rule.FromPort === 22)
    .map((rule) => rule.CidrIp);

/** The lines of the ConfigError `build` throws. */
function problems(build: () => unknown): readonly string[] {
  try {
    build();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('a VPC given by id: looked up, synthesised from the recorded lookup', () => {
  it('attaches the prober to the private subnets and probes every block holding a subnet', () => {
    const t = template({ vpcs: [{ vpcId: VPC }] });
    assert.deepEqual(subnetsOf(t), APPLICATION);
    assert.deepEqual(probedBlocks(t), BLOCKS);
  });

  it('derives each chosen subnet’s zone and route table', () => {
    const app = new App({ context: lookups });
    const stack = new Stack(app, 'S', { env: TEST_ENV });
    const [network] = resolveNetworks(stack, [{ vpcId: VPC, expectedInstances: 1, shards: 1 }]);
    assert.deepEqual(network, {
      cidrs: BLOCKS,
      subnetIds: APPLICATION,
      availabilityZones: ZONES,
      routeTableIds: ['rtb-0b000000000000000', 'rtb-0b000000000000001', 'rtb-0b000000000000002'],
    });
  });

  it('takes a subnet group by name (isolated: endpoints instead of a NAT)', () => {
    assert.deepEqual(subnetsOf(template({ vpcs: [{ vpcId: VPC, subnetGroupName: 'Data' }] })), DATA);
  });

  it('takes subnets by id, in the order given', () => {
    const ids = [DATA[2]!, APPLICATION[0]!];
    assert.deepEqual(subnetsOf(template({ vpcs: [{ vpcId: VPC, subnetIds: ids }] })), ids);
  });

  it('reads port22:vpcIds and port22:alertEmails as -c gives them, without a port22 object', () => {
    const t = template(undefined, {
      'port22:vpcIds': VPC,
      'port22:alertEmails': 'ops@example.com, pager@example.com',
    });
    assert.deepEqual(subnetsOf(t), APPLICATION);
    const mails = Object.values(t.findResources('AWS::SNS::Subscription')).map(
      (r) => (r.Properties as { Endpoint: string }).Endpoint,
    );
    assert.deepEqual(mails.sort(), ['ops@example.com', 'pager@example.com']);
  });

  it('lets the flat keys replace the port22 object’s vpcs and alertEmails, and keeps the rest', () => {
    const t = template(undefined, {
      port22: { ...exampleConfig, port: 2222 },
      'port22:vpcIds': [VPC],
      'port22:alertEmails': ['pager@example.com'],
    });
    assert.deepEqual(subnetsOf(t), APPLICATION);
    const rules = only(t, 'AWS::EC2::SecurityGroup').SecurityGroupEgress as Array<{ FromPort: number }>;
    assert.ok(rules.some((rule) => rule.FromPort === 2222));
    const mails = Object.values(t.findResources('AWS::SNS::Subscription'));
    assert.deepEqual(
      mails.map((r) => (r.Properties as { Endpoint: string }).Endpoint),
      ['pager@example.com'],
    );
  });

  it('says in one line per problem what the looked-up VPC does not offer', () => {
    const build = (config: Port22ConfigInput) => () => synthStack(config, { context: lookups });
    assert.deepEqual(problems(build({ vpcs: [{ vpcId: DEFAULT_VPC }] })), [
      `port22.vpcs[0].vpcId: ${DEFAULT_VPC} has no private or isolated subnet for the prober (a public subnet of ` +
        `${DEFAULT_VPC}: a Lambda function there gets no public address, so no way to the AWS APIs); name one ` +
        'with subnetIds or subnetGroupName',
    ]);
    assert.deepEqual(
      problems(
        build({
          vpcs: [{ vpcId: VPC, subnetIds: ['subnet-0a000000000000001', 'subnet-0f000000000000000'] }],
        }),
      ),
      [
        `port22.vpcs[0].subnetIds[0]: a public subnet of ${VPC}: a Lambda function there gets no public address, ` +
          'so no way to the AWS APIs',
        `port22.vpcs[0].subnetIds[1]: not a subnet of ${VPC}`,
      ],
    );
    assert.deepEqual(problems(build({ vpcs: [{ vpcId: VPC, subnetGroupName: 'Database' }] })), [
      "port22.vpcs[0].subnetGroupName: There are no subnet groups with name 'Database' in this VPC. Available " +
        'names: Ingress,Application,Data',
    ]);
  });

  // Lambda's VpcConfig.SubnetIds takes at most 16 (CreateFunction API reference).
  it('takes 16 private subnets, and says so at 17', () => {
    const wide = 'vpc-0e0e0e0e0e0e0e0e0';
    const networks = (count: number) => {
      const key = Object.keys(lookups)[0]!.replace(VPC, wide);
      const subnet = (i: number) => ({
        subnetId: `subnet-${i.toString(16).padStart(17, '0')}`,
        cidr: `10.30.${i}.0/24`,
        availabilityZone: ZONES[i % 3],
        routeTableId: 'rtb-0e000000000000001',
      });
      const recorded = {
        vpcId: wide,
        vpcCidrBlock: '10.30.0.0/16',
        ownerAccountId: TEST_ENV.account,
        availabilityZones: [],
        subnetGroups: [
          { name: 'Private', type: 'Private', subnets: Array.from({ length: count }, (_, i) => subnet(i)) },
        ],
      };
      const stack = new Stack(new App({ context: { [key]: recorded } }), 'S', { env: TEST_ENV });
      return () => resolveNetworks(stack, [{ vpcId: wide, expectedInstances: 1, shards: 1 }]);
    };
    assert.equal(networks(16)()[0]!.subnetIds.length, 16);
    assert.deepEqual(problems(networks(17)), [
      `port22.vpcs[0].vpcId: 17 subnets chosen, Lambda takes at most 16: name some with subnetIds or subnetGroupName`,
    ]);
  });

  it('without a recorded lookup, asks the CLI for exactly the recorded key, on a stand-in that validates', () => {
    const { app } = synthStack({ vpcs: [{ vpcId: VPC }] });
    const assembly = app.synth();
    const missing = assembly.manifest.missing ?? [];
    assert.deepEqual(
      missing.map((m) => m.key),
      Object.keys(lookups).filter((key) => key.includes(VPC)),
    );
    assert.equal(missing[0]!.provider, 'vpc-provider');
    // Never deployed (the CLI looks up and synthesises again), yet it passes the CDK's validation.
    const t = Template.fromJSON(assembly.getStackByName('Port22').template);
    assert.deepEqual(subnetsOf(t), ['subnet-00000000']);
  });

  it('without an account and region to look in: one line, before any lookup', () => {
    const app = new App({ context: lookups });
    assert.deepEqual(
      problems(
        () => new Port22Stack(app, 'Port22', { config: { vpcs: [{ vpcId: VPC }, exampleConfig.vpcs[0]!] } }),
      ),
      [
        `port22: looking up ${VPC} needs the deployer's account and region: run cdk with AWS credentials (it sets ` +
          "CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION from them), or give each VPC's cidrs and subnetIds to " +
          'synthesise without credentials',
      ],
    );
    // The hand-typed VPC alone still synthesises without an environment.
    const offline = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new Port22Stack(offline, 'Port22', { config: { vpcs: [exampleConfig.vpcs[0]!] } });
  });
});
