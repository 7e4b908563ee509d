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
    Reservations: [
      { Instances: [{ InstanceId: `i-${vpcOf(input)?.slice('vpc-'.length)}`, VpcId: vpcOf(input) }] },
    ],
  }));
  mock.on(DescribeSubnetsCommand).callsFake((input) => {
    if (vpcOf(input) === failing)
      throw Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' });
    return { Subnets: [{ SubnetId: `subnet-${vpcOf(input)?.slice('vpc-'.length)}`, VpcId: vpcOf(input) }] };
  });
  mock.on(DescribeVpcsCommand).callsFake((input) => ({ Vpcs: [{ VpcId: vpcOf(input) }] }));
  mock.on(DescribeManagedPrefixListsCommand).resolves({
    PrefixLists: [{ PrefixListId: 'pl-0a0b0c0d', AddressFamily: 'IPv4' }],
  });
  return { client, mock };
}

describe('Ec2InventorySource over several VPCs', () => {
  it('collects each VPC apart and merges them, region-wide records once', async () => {
    const { client } = region();
    const { inventory, errors } = await new Ec2InventorySource({
      client,
      vpcIds: ['vpc-0aaaaaaaaaaaaaaaa', 'vpc-0bbbbbbbbbbbbbbbb'],
    }).load();
    assert.deepEqual(errors, []);
    assert.deepEqual(
      inventory.instances.map((i) => i.InstanceId),
      ['i-0aaaaaaaaaaaaaaaa', 'i-0bbbbbbbbbbbbbbbb'],
    );
    assert.deepEqual(
      inventory.vpcs.map((v) => v.VpcId),
      ['vpc-0aaaaaaaaaaaaaaaa', 'vpc-0bbbbbbbbbbbbbbbb'],
    );
    assert.deepEqual(
      inventory.managedPrefixLists.map((m) => m.PrefixListId),
      ['pl-0a0b0c0d'],
    );
  });

  it('a VPC that cannot be read costs only that VPC, and is named', async () => {
    const { client } = region('vpc-0bbbbbbbbbbbbbbbb');
    const { inventory, errors } = await new Ec2InventorySource({
      client,
      vpcIds: ['vpc-0aaaaaaaaaaaaaaaa', 'vpc-0bbbbbbbbbbbbbbbb', 'vpc-0cccccccccccccccc'],
    }).load();
    assert.deepEqual(
      inventory.instances.map((i) => i.InstanceId),
      ['i-0aaaaaaaaaaaaaaaa', 'i-0cccccccccccccccc'],
    );
    assert.deepEqual(errors, [
      'vpc-0bbbbbbbbbbbbbbbb: DescribeSubnets failed: UnauthorizedOperation: not authorized',
    ]);
  });

  it('fails as a whole when no VPC can be read', async () => {
    const { client } = region('vpc-0bbbbbbbbbbbbbbbb');
    await assert.rejects(
      new Ec2InventorySource({ client, vpcIds: ['vpc-0bbbbbbbbbbbbbbbb', 'vpc-0bbbbbbbbbbbbbbbb'] }).load(),
      /^Error: no VPC could be read: vpc-0bbbbbbbbbbbbbbbb: DescribeSubnets failed: UnauthorizedOperation: not authorized; vpc-0bbbbbbbbbbbbbbbb: /,
    );
  });

  it('one VPC, or none named, is one collection with no merge', async () => {
    const { client, mock } = region();
    const { inventory } = await new Ec2InventorySource({ client, vpcIds: ['vpc-0aaaaaaaaaaaaaaaa'] }).load();
    assert.deepEqual(
      inventory.instances.map((i) => i.InstanceId),
      ['i-0aaaaaaaaaaaaaaaa'],
    );
    assert.equal(mock.commandCalls(DescribeInstancesCommand).length, 1);
  });
});
