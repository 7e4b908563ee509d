import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DescribeInstancesCommand,
  DescribeManagedPrefixListsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { Ec2InventorySource } from '../../../../lambda/adapters/aws/ec2-inventory-source.ts';
import { emptyRegion } from './ec2-stub.ts';

const vpcOf = (input: { Filters?: Filter[] }) => input.Filters?.find((f) => f.Name === 'vpc-id')?.Values?.[0];

/** A region of two VPCs, each with one instance; the managed prefix list is region-wide. */
function region(failing?: string) {
  const client = new EC2Client({ region: 'eu-west-1' });
  const mock = mockClient(client);
  emptyRegion(mock);
  mock.on(DescribeInstancesCommand).callsFake((input) => ({
    Reservations: [{ Instances: [{ InstanceId: `i-${vpcOf(input)}`, VpcId: vpcOf(input) }] }],
  }));
  mock.on(DescribeSubnetsCommand).callsFake((input) => {
    if (vpcOf(input) === failing)
      throw Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' });
    return { Subnets: [{ SubnetId: `subnet-${vpcOf(input)}`, VpcId: vpcOf(input) }] };
  });
  mock.on(DescribeVpcsCommand).callsFake((input) => ({ Vpcs: [{ VpcId: vpcOf(input) }] }));
  mock.on(DescribeManagedPrefixListsCommand).resolves({
    PrefixLists: [{ PrefixListId: 'pl-s3', AddressFamily: 'IPv4' }],
  });
  return { client, mock };
}

describe('Ec2InventorySource over several VPCs', () => {
  it('collects each VPC apart and merges them, region-wide records once', async () => {
    const { client } = region();
    const { inventory, errors } = await new Ec2InventorySource({ client, vpcIds: ['vpc-a', 'vpc-b'] }).load();
    assert.deepEqual(errors, []);
    assert.deepEqual(
      inventory.instances.map((i) => i.InstanceId),
      ['i-vpc-a', 'i-vpc-b'],
    );
    assert.deepEqual(
      inventory.vpcs.map((v) => v.VpcId),
      ['vpc-a', 'vpc-b'],
    );
    assert.deepEqual(
      inventory.managedPrefixLists.map((m) => m.PrefixListId),
      ['pl-s3'],
    );
  });

  it('a VPC that cannot be read costs only that VPC, and is named', async () => {
    const { client } = region('vpc-b');
    const { inventory, errors } = await new Ec2InventorySource({
      client,
      vpcIds: ['vpc-a', 'vpc-b', 'vpc-c'],
    }).load();
    assert.deepEqual(
      inventory.instances.map((i) => i.InstanceId),
      ['i-vpc-a', 'i-vpc-c'],
    );
    assert.deepEqual(errors, ['vpc-b: DescribeSubnets failed: UnauthorizedOperation: not authorized']);
  });

  it('fails as a whole when no VPC can be read', async () => {
    const { client } = region('vpc-b');
    await assert.rejects(
      new Ec2InventorySource({ client, vpcIds: ['vpc-b', 'vpc-b'] }).load(),
      /^Error: no VPC could be read: vpc-b: DescribeSubnets failed: UnauthorizedOperation: not authorized; vpc-b: /,
    );
  });

  it('one VPC, or none named, is one collection with no merge', async () => {
    const { client, mock } = region();
    const { inventory } = await new Ec2InventorySource({ client, vpcIds: ['vpc-a'] }).load();
    assert.deepEqual(
      inventory.instances.map((i) => i.InstanceId),
      ['i-vpc-a'],
    );
    assert.equal(mock.commandCalls(DescribeInstancesCommand).length, 1);
  });
});
