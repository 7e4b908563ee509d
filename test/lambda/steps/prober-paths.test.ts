/**
 * The run's check of the prober's own API paths, through runCheck: the prober-paths fixture (three VPCs)
 * with the prober's Lambda ENIs added as DescribeNetworkInterfaces lists them.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadInventoryDir } from '../../../lambda/adapters/local/inventory-dir.ts';
import type { Inventory, NetworkInterface } from '../../../lambda/core/inventory/model.ts';
import type { ProbeResult } from '../../../lambda/core/probe/types.ts';
import type { AwsService } from '../../../lambda/core/reachability/api-paths.ts';
import { runCheck } from '../../../lambda/pipeline.ts';
import { identityResolver } from '../../../lambda/ports.ts';
import { proberServices } from '../../../lambda/prober-services.ts';
import { lambdaEniLocator } from '../../../lambda/wiring.ts';

const FIXTURE = new URL('../../fixtures/inventories/prober-paths/', import.meta.url).pathname;
const FUNCTION = 'port22-prober';

/** A Lambda Hyperplane ENI of the prober, as DescribeNetworkInterfaces describes one. */
function lambdaEni(
  id: string,
  subnetId: string,
  vpcId: string,
  groupId: string,
  uuid: string,
): NetworkInterface {
  return {
    NetworkInterfaceId: id,
    SubnetId: subnetId,
    VpcId: vpcId,
    InterfaceType: 'lambda',
    Description: `AWS Lambda VPC ENI-${FUNCTION}-${uuid}`,
    Status: 'in-use',
    RequesterManaged: true,
    Groups: [{ GroupId: groupId, GroupName: 'port22-prober' }],
    PrivateIpAddress: '10.40.1.77',
    PrivateIpAddresses: [{ PrivateIpAddress: '10.40.1.77', Primary: true }],
  };
}

/** The prober's ENI in the subnet with a default route to a NAT gateway (vpc-0a40…a). */
const IN_NAT_SUBNET = lambdaEni(
  'eni-0a40a0000000000e1',
  'subnet-0a40a00000000000a',
  'vpc-0a40000000000000a',
  'sg-0a4000000000000a1',
  '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
);
/** Its sibling in a subnet of the same VPC with no default route at all. */
const IN_CLOSED_SUBNET = lambdaEni(
  'eni-0a40b0000000000e2',
  'subnet-0a40b00000000000b',
  'vpc-0a40000000000000a',
  'sg-0a4000000000000a1',
  '1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d',
);

let fixture: Inventory;
before(async () => {
  fixture = await loadInventoryDir(FIXTURE);
});

const neverProbed = {
  probe: async (): Promise<ProbeResult> => {
    throw new Error('no target to probe');
  },
};

const SERVICES = proberServices({
  state: true,
  alerts: true,
  evidence: { console: true, flowLogs: false, ssm: false, cloudTrail: false },
});

async function run(enis: NetworkInterface[], services: readonly AwsService[] | 'not asked' = SERVICES) {
  const inventory = { ...fixture, networkInterfaces: enis };
  return runCheck(
    {
      inventory: { load: async () => ({ inventory, errors: [] }) },
      prober: neverProbed,
      resolver: identityResolver,
    },
    {
      runId: 'prober-paths',
      proberSource: lambdaEniLocator(FUNCTION),
      ...(services !== 'not asked' ? { proberApis: { region: 'eu-west-1', services } } : {}),
    },
  );
}

describe('prober paths step (through runCheck)', () => {
  it('behind a NAT gateway: no error', async () => {
    const report = await run([IN_NAT_SUBNET]);
    assert.deepEqual(report.errors, []);
  });

  it('one of the function’s subnets without a way out: one run error naming the first missing path and its fix', async () => {
    const report = await run([IN_NAT_SUBNET, IN_CLOSED_SUBNET]);
    assert.deepEqual(report.errors, [
      'prober path: cloudwatch from subnet-0a40b00000000000b: missing: no endpoint for com.amazonaws.eu-west-1.monitoring in vpc-0a40000000000000a, and rtb-0a40b00000000000b has no default route (0.0.0.0/0); fix: create an interface endpoint for com.amazonaws.eu-west-1.monitoring with private DNS in vpc-0a40000000000000a admitting TCP 443 from sg-0a4000000000000a1, or add the route 0.0.0.0/0 → nat-0a40c00000000000c to rtb-0a40b00000000000b (and 2 more)',
    ]);
  });

  it('endpoints discovery could not see the faults of: CloudWatch refused by its group, named first of three', async () => {
    const report = await run([
      lambdaEni(
        'eni-0a42a0000000000e1',
        'subnet-0a42a00000000000a',
        'vpc-0a42000000000000c',
        'sg-0a4200000000000a1',
        '2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901',
      ),
    ]);
    assert.equal(report.errors.length, 1);
    assert.match(
      report.errors[0]!,
      /^prober path: cloudwatch from subnet-0a42a00000000000a: missing: interface endpoint vpce-0a42000000000000c .* \(and 2 more\)$/,
    );
  });

  it('not asked (a run from a laptop): nothing checked', async () => {
    const report = await run([IN_CLOSED_SUBNET], 'not asked');
    assert.deepEqual(report.errors, []);
  });

  it('EC2 and Network Firewall are not checked: discovery has just reached them', async () => {
    // A subnet with no way out at all: only the APIs after discovery could be missing, and none is asked for.
    const report = await run([IN_CLOSED_SUBNET], ['ec2', 'network-firewall']);
    assert.deepEqual(report.errors, []);
  });
});
