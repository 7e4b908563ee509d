// The stack's PORT22_CONFIG and the handler's schema agree: what the synthesised template gives each prober
// parses, through the handler's own schema, into exactly the configuration the stack was given for that VPC.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Template } from 'aws-cdk-lib/assertions';
import { type HandlerConfigInput, parseHandlerConfig } from '../../lambda/contract.ts';
import type { Port22ConfigInput } from '../../lib/config.ts';
import { exampleConfig, synthStack } from './stack-fixtures.ts';

/** PORT22_CONFIG of every prober in the template, by VPC id (the construct path names the VPC). */
function configsByVpc(config: Port22ConfigInput): Map<string, string> {
  const template = Template.fromStack(synthStack(config).stack);
  const out = new Map<string, string>();
  for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
    const vpc = /vpc[0-9a-f]{17}/.exec(id)?.[0];
    assert.ok(vpc, `${id} names its VPC`);
    const text = fn.Properties.Environment.Variables.PORT22_CONFIG;
    assert.equal(typeof text, 'string', 'PORT22_CONFIG is a literal, not a token');
    out.set(vpc.replace(/^vpc/, 'vpc-'), text);
  }
  return out;
}

const VPC_A = 'vpc-0123456789abcdef0';
const VPC_B = 'vpc-0fedcba9876543210';

// What the handler reads of the configuration, nothing at its default: a key the stack forgot to write would
// parse back as the default and differ.
const handlerSide = {
  port: 2200,
  sources: ['203.0.113.0/24', '2001:db8::/64', 'internet', 'i-0123456789abcdef0', 'eni-01234567'],
  targets: { monitorByDefault: false, tagFilters: [{ key: 'Environment', values: ['prod', 'staging'] }] },
  thresholds: {
    cpuPercent: 80,
    creditBalance: 5,
    memPercent: 90,
    slowIdentMs: 1500,
    failuresBeforeAlert: 3,
    reminderHours: 6,
  },
  perInstanceMetrics: true,
  evidence: {
    console: false,
    cloudTrail: false,
    flowLogs: false,
    ssm: true,
    maxInstances: 5,
    budgetSeconds: 12,
  },
};

const custom: Port22ConfigInput = {
  vpcs: [
    {
      vpcId: VPC_A,
      cidrs: ['10.0.0.0/16'],
      subnetIds: ['subnet-0123456789abcdef0'],
      routeTableIds: ['rtb-0123456789abcdef0'],
    },
    {
      vpcId: VPC_B,
      cidrs: ['172.16.0.0/16', '2001:db8:1234::/56'],
      subnetIds: ['subnet-01234567'],
      routeTableIds: ['rtb-01234567'],
      shards: 2,
    },
  ],
  schedule: 'rate(10 minutes)',
  taggedPorts: [22, 2222],
  ...handlerSide,
};

describe("the stack's PORT22_CONFIG and the handler's schema", () => {
  it('a configuration with nothing at its default round-trips, per VPC', () => {
    const written = configsByVpc(custom);
    assert.deepEqual([...written.keys()].sort(), [VPC_A, VPC_B]);
    for (const [vpcId, text] of written) {
      assert.deepEqual(parseHandlerConfig(text), { vpcId, ...handlerSide });
      // The stack writes every key: nothing is left to the handler's defaults.
      assert.deepEqual(JSON.parse(text), { vpcId, ...handlerSide });
    }
  });

  it('the example configuration (cdk.json) round-trips', () => {
    const written = configsByVpc(exampleConfig);
    assert.deepEqual([...written.keys()], [VPC_A]);
    // cdk.json spells out every key the handler reads.
    const { port, sources, targets, thresholds, perInstanceMetrics, evidence } = exampleConfig;
    assert.deepEqual(parseHandlerConfig(written.get(VPC_A)), {
      vpcId: VPC_A,
      port,
      sources,
      targets,
      thresholds,
      perInstanceMetrics,
      evidence,
    });
  });

  it('the schema rejects a key the handler does not read, in one line naming it', () => {
    const text = configsByVpc(exampleConfig).get(VPC_A)!;
    for (const key of ['vpcCidrs', 'intervalSeconds', 'ports', 'proberSource']) {
      const withKey = JSON.stringify({ ...JSON.parse(text), [key]: 1 });
      assert.throws(
        () => parseHandlerConfig(withKey),
        (e: Error) => e.message === `PORT22_CONFIG: ${key}: unknown key`,
      );
    }
  });

  it('the stack cannot write such a key: its input type rejects it at compile time', () => {
    const config: HandlerConfigInput = {
      vpcId: VPC_A,
      // @ts-expect-error — intervalSeconds is not in the handler's schema (tsc runs over the tests).
      intervalSeconds: 300,
    };
    assert.throws(() => parseHandlerConfig(JSON.stringify(config)), /intervalSeconds: unknown key/);
  });
});
