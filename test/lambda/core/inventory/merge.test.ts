import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeInventories } from '../../../../lambda/core/inventory/merge.ts';
import { emptyInventory, type Inventory } from '../../../../lambda/core/inventory/model.ts';

// Two VPCs of one region, collected apart: each part also carries the region-wide records (the AWS-managed
// prefix list and its entries) and vpc-b's part also names vpc-a's security group (a peered reference).
const vpcA: Inventory = {
  ...emptyInventory(),
  instances: [
    { InstanceId: 'i-a1', VpcId: 'vpc-a' },
    { InstanceId: 'i-a2', VpcId: 'vpc-a' },
  ],
  securityGroups: [{ GroupId: 'sg-a', VpcId: 'vpc-a' }],
  subnets: [{ SubnetId: 'subnet-a', VpcId: 'vpc-a' }],
  networkAcls: [{ NetworkAclId: 'acl-a', VpcId: 'vpc-a' }],
  routeTables: [{ RouteTableId: 'rtb-a', VpcId: 'vpc-a' }],
  vpcs: [{ VpcId: 'vpc-a', CidrBlock: '10.0.0.0/16' }],
  networkInterfaces: [
    { NetworkInterfaceId: 'eni-a1', PrivateIpAddress: '10.0.0.1', Attachment: { InstanceId: 'i-a1' } },
  ],
  managedPrefixLists: [{ PrefixListId: 'pl-s3', PrefixListName: 'com.amazonaws.eu-west-1.s3' }],
  prefixLists: new Map([['pl-s3', [{ Cidr: '52.218.0.0/17' }]]]),
  instanceStatuses: [{ InstanceId: 'i-a1', InstanceState: { Name: 'running' } }],
};
const vpcB: Inventory = {
  ...emptyInventory(),
  instances: [{ InstanceId: 'i-b1', VpcId: 'vpc-b' }],
  securityGroups: [
    { GroupId: 'sg-b', VpcId: 'vpc-b' },
    { GroupId: 'sg-a', VpcId: 'vpc-a', Description: 'the copy vpc-b saw' },
  ],
  subnets: [{ SubnetId: 'subnet-b', VpcId: 'vpc-b' }],
  networkAcls: [{ NetworkAclId: 'acl-b', VpcId: 'vpc-b' }],
  routeTables: [{ RouteTableId: 'rtb-b', VpcId: 'vpc-b' }],
  vpcs: [{ VpcId: 'vpc-b', CidrBlock: '10.1.0.0/16' }],
  networkInterfaces: [{ NetworkInterfaceId: 'eni-b1', Attachment: { InstanceId: 'i-b1' } }],
  managedPrefixLists: [{ PrefixListId: 'pl-s3', PrefixListName: 'a later copy' }],
  prefixLists: new Map([
    ['pl-s3', [{ Cidr: '192.0.2.0/24' }]],
    ['pl-b', [{ Cidr: '198.51.100.0/24' }]],
  ]),
  instanceStatuses: [{ InstanceId: 'i-b1', InstanceState: { Name: 'stopped' } }],
};

const ids = (inv: Inventory) => ({
  instances: inv.instances.map((i) => i.InstanceId),
  securityGroups: inv.securityGroups.map((g) => g.GroupId),
  subnets: inv.subnets.map((s) => s.SubnetId),
  networkAcls: inv.networkAcls.map((a) => a.NetworkAclId),
  routeTables: inv.routeTables.map((r) => r.RouteTableId),
  vpcs: inv.vpcs.map((v) => v.VpcId),
  networkInterfaces: inv.networkInterfaces.map((n) => n.NetworkInterfaceId),
  managedPrefixLists: inv.managedPrefixLists.map((m) => m.PrefixListId),
  prefixLists: [...inv.prefixLists.keys()],
  instanceStatuses: inv.instanceStatuses.map((s) => s.InstanceId),
});

describe('mergeInventories', () => {
  it('keeps every record once, in part order', () => {
    assert.deepEqual(ids(mergeInventories([vpcA, vpcB])), {
      instances: ['i-a1', 'i-a2', 'i-b1'],
      securityGroups: ['sg-a', 'sg-b'],
      subnets: ['subnet-a', 'subnet-b'],
      networkAcls: ['acl-a', 'acl-b'],
      routeTables: ['rtb-a', 'rtb-b'],
      vpcs: ['vpc-a', 'vpc-b'],
      networkInterfaces: ['eni-a1', 'eni-b1'],
      managedPrefixLists: ['pl-s3'],
      prefixLists: ['pl-s3', 'pl-b'],
      instanceStatuses: ['i-a1', 'i-b1'],
    });
  });

  it('keeps the first copy of a duplicate, whatever the later one says', () => {
    const merged = mergeInventories([vpcA, vpcB]);
    assert.equal(merged.securityGroups.find((g) => g.GroupId === 'sg-a')?.Description, undefined);
    assert.equal(merged.managedPrefixLists[0]?.PrefixListName, 'com.amazonaws.eu-west-1.s3');
    assert.deepEqual(merged.prefixLists.get('pl-s3'), [{ Cidr: '52.218.0.0/17' }]);
  });

  it('follows the order of the parts', () => {
    const merged = mergeInventories([vpcB, vpcA]);
    assert.deepEqual(
      merged.instances.map((i) => i.InstanceId),
      ['i-b1', 'i-a1', 'i-a2'],
    );
    assert.equal(merged.securityGroups.find((g) => g.GroupId === 'sg-a')?.Description, 'the copy vpc-b saw');
    assert.deepEqual(merged.prefixLists.get('pl-s3'), [{ Cidr: '192.0.2.0/24' }]);
  });

  it('an empty part changes nothing', () => {
    assert.deepEqual(mergeInventories([emptyInventory(), vpcA, emptyInventory()]), mergeInventories([vpcA]));
  });

  it('one part comes back as itself; no part is an empty inventory', () => {
    assert.deepEqual(mergeInventories([vpcA]), vpcA);
    assert.deepEqual(mergeInventories([]), emptyInventory());
  });

  it('a part that repeats itself is deduplicated within the part too', () => {
    const twice: Inventory = { ...vpcB, instances: [...vpcB.instances, ...vpcB.instances] };
    assert.deepEqual(
      mergeInventories([twice]).instances.map((i) => i.InstanceId),
      ['i-b1'],
    );
  });
});

describe('mergeInventories: Region-wide network edges', () => {
  // Transit gateways, peering and Block Public Access are read for the whole Region in every VPC's part.
  const regionWide = (vpcEndpointId: string): Inventory => ({
    ...emptyInventory(),
    vpcEndpoints: [{ VpcEndpointId: vpcEndpointId }],
    vpcPeeringConnections: [{ VpcPeeringConnectionId: 'pcx-ab', Status: { Code: 'active' } }],
    transitGateways: [{ TransitGatewayId: 'tgw-1' }],
    transitGatewayRouteTables: [{ TransitGatewayRouteTableId: 'tgw-rtb-1', TransitGatewayId: 'tgw-1' }],
    transitGatewayRouteTablePropagations: new Map([
      ['tgw-rtb-1', [{ ResourceId: 'vpc-a', State: 'enabled' }]],
    ]),
    transitGatewayStaticRoutes: new Map([
      ['tgw-rtb-1', [{ DestinationCidrBlock: '0.0.0.0/0', Type: 'static' }]],
    ]),
    vpcBlockPublicAccessOptions: { InternetGatewayBlockMode: 'block-ingress' },
    addresses: [{ AllocationId: 'eipalloc-1', PublicIp: '198.51.100.7' }],
  });

  it('holds each once, keeps per-VPC records of every part, and the one Block Public Access setting', () => {
    const merged = mergeInventories([regionWide('vpce-a'), regionWide('vpce-b')]);
    assert.deepEqual(
      merged.vpcEndpoints.map((e) => e.VpcEndpointId),
      ['vpce-a', 'vpce-b'],
    );
    assert.equal(merged.vpcPeeringConnections.length, 1);
    assert.equal(merged.transitGateways.length, 1);
    assert.equal(merged.addresses.length, 1);
    assert.deepEqual([...merged.transitGatewayRouteTablePropagations.keys()], ['tgw-rtb-1']);
    assert.deepEqual([...merged.transitGatewayStaticRoutes.keys()], ['tgw-rtb-1']);
    assert.equal(merged.vpcBlockPublicAccessOptions?.InternetGatewayBlockMode, 'block-ingress');
  });

  it('leaves Block Public Access unknown when no part knows it', () => {
    assert.equal(
      'vpcBlockPublicAccessOptions' in mergeInventories([emptyInventory(), emptyInventory()]),
      false,
    );
  });
});
