import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InventoryError,
  parseDocument,
  parseInventory,
  parseJsonText,
} from '../../../../lambda/core/inventory/parse.ts';

const required = {
  'describe-instances.json': { Reservations: [] },
  'describe-security-groups.json': { SecurityGroups: [] },
  'describe-subnets.json': { Subnets: [] },
};

describe('inventory parser', () => {
  const bad: [string, Parameters<typeof parseDocument>[0], unknown, string][] = [
    [
      'a string FromPort',
      'describe-security-groups.json',
      {
        SecurityGroups: [
          { GroupId: 'sg-0133680d248046ea0', IpPermissions: [{ IpProtocol: 'tcp', FromPort: '22' }] },
        ],
      },
      'describe-security-groups.json: SecurityGroups[0].IpPermissions[0].FromPort: expected number',
    ],
    [
      'a missing id',
      'describe-subnets.json',
      { Subnets: [{ VpcId: 'vpc-08ca061c99229d049' }] },
      'describe-subnets.json: Subnets[0].SubnetId: missing (expected string)',
    ],
    [
      'a malformed CIDR',
      'describe-network-acls.json',
      {
        NetworkAcls: [
          {
            NetworkAclId: 'acl-086352aac9a44c3fd',
            Entries: [
              { RuleNumber: 100, Protocol: '6', RuleAction: 'allow', Egress: false, CidrBlock: '10.0.0/16' },
            ],
          },
        ],
      },
      'describe-network-acls.json: NetworkAcls[0].Entries[0].CidrBlock: expected an IPv4 CIDR',
    ],
    [
      'an unknown RuleAction',
      'describe-network-acls.json',
      {
        NetworkAcls: [
          {
            NetworkAclId: 'acl-086352aac9a44c3fd',
            Entries: [{ RuleNumber: 100, Protocol: '6', RuleAction: 'permit', Egress: false }],
          },
        ],
      },
      'describe-network-acls.json: NetworkAcls[0].Entries[0].RuleAction: expected one of "allow", "deny"',
    ],
    // EC2 API Reference, "Instance": PrivateIpAddress is "the private IPv4 address assigned to the
    // instance" — an address literal, never a host name; each IPv4 octet is 0-255.
    [
      'a host name as PrivateIpAddress',
      'describe-instances.json',
      {
        Reservations: [{ Instances: [{ InstanceId: 'i-070e23c14071f92d5', PrivateIpAddress: 'localhost' }] }],
      },
      'describe-instances.json: Reservations[0].Instances[0].PrivateIpAddress: i-070e23c14071f92d5: expected an IPv4 address, got "localhost"',
    ],
    [
      'an octet out of range',
      'describe-instances.json',
      {
        Reservations: [
          { Instances: [{ InstanceId: 'i-070e23c14071f92d5', PrivateIpAddress: '10.20.1.999' }] },
        ],
      },
      'describe-instances.json: Reservations[0].Instances[0].PrivateIpAddress: i-070e23c14071f92d5: expected an IPv4 address, got "10.20.1.999"',
    ],
    [
      'a bad address on a nested network interface names the instance',
      'describe-instances.json',
      {
        Reservations: [
          {
            Instances: [
              {
                InstanceId: 'i-0218afc3b0a796948',
                NetworkInterfaces: [
                  {
                    NetworkInterfaceId: 'eni-08ca8696c3b68f167',
                    PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1' }],
                  },
                ],
              },
            ],
          },
        ],
      },
      'describe-instances.json: Reservations[0].Instances[0].NetworkInterfaces[0].PrivateIpAddresses[0].PrivateIpAddress: i-0218afc3b0a796948: expected an IPv4 address, got "10.0.1"',
    ],
    [
      'an IPv4 address where IPv6 belongs',
      'describe-network-interfaces.json',
      {
        NetworkInterfaces: [
          { NetworkInterfaceId: 'eni-0d3b476c9f2ac997e', Ipv6Addresses: [{ Ipv6Address: '10.0.1.5' }] },
        ],
      },
      'describe-network-interfaces.json: NetworkInterfaces[0].Ipv6Addresses[0].Ipv6Address: eni-0d3b476c9f2ac997e: expected an IPv6 address, got "10.0.1.5"',
    ],
    [
      'a CIDR as a public address',
      'describe-instances.json',
      {
        Reservations: [
          { Instances: [{ InstanceId: 'i-0a1f56fd49d923c80', PublicIpAddress: '54.0.0.5/32' }] },
        ],
      },
      'describe-instances.json: Reservations[0].Instances[0].PublicIpAddress: i-0a1f56fd49d923c80: expected an IPv4 address, got "54.0.0.5/32"',
    ],
    [
      'the wrong top-level key',
      'describe-vpcs.json',
      { VPCs: [] },
      'describe-vpcs.json: Vpcs: missing (expected array)',
    ],
  ];
  for (const [name, kind, raw, message] of bad) {
    it(`${name}: one error naming the file and the JSON path`, () => {
      assert.throws(
        () => parseDocument(kind, raw),
        (e: unknown) => e instanceof InventoryError && e.message === message,
      );
    });
  }

  it('records the absent ACL and route-table files (AWS always has both), not the ones that mean "none"', () => {
    assert.deepEqual(parseInventory({ documents: required }).absentFiles, [
      'describe-network-acls.json',
      'describe-route-tables.json',
    ]);
    const full = parseInventory({
      documents: {
        ...required,
        'describe-network-acls.json': { NetworkAcls: [] },
        'describe-route-tables.json': { RouteTables: [] },
      },
    });
    assert.equal(full.absentFiles, undefined);
  });
  it('keeps a route`s VpcEndpointId (Gateway Load Balancer / Network Firewall endpoint routes)', () => {
    // DescribeRouteTables names a GWLB endpoint target in `VpcEndpointId` (EC2 API Reference, "Route":
    // "The ID of a VPC endpoint. Supported for Gateway Load Balancer endpoints only").
    const doc = {
      RouteTables: [
        {
          RouteTableId: 'rtb-0a1b2c3d',
          VpcId: 'vpc-0a1b2c3d',
          Routes: [
            {
              DestinationCidrBlock: '0.0.0.0/0',
              VpcEndpointId: 'vpce-0ab1b000000000001',
              Origin: 'CreateRoute',
              State: 'active',
            },
          ],
        },
      ],
    };
    assert.deepEqual(parseDocument('describe-route-tables.json', doc), doc);
  });
  it('keeps the state of VPC CIDR block associations', () => {
    const doc = {
      Vpcs: [
        {
          VpcId: 'vpc-08ca061c99229d049',
          CidrBlock: '10.0.0.0/16',
          CidrBlockAssociationSet: [
            { CidrBlock: '10.0.0.0/16', CidrBlockState: { State: 'associated' } },
            { CidrBlock: '10.1.0.0/16', CidrBlockState: { State: 'disassociated' } },
          ],
        },
      ],
    };
    assert.deepEqual(parseDocument('describe-vpcs.json', doc), doc);
  });
  it('invalid JSON names the file', () => {
    assert.throws(
      () => parseJsonText('{"Subnets": [', 'describe-subnets.json'),
      /^InventoryError: describe-subnets.json: not valid JSON/,
    );
  });
  it('a missing required document is an error; missing optional ones mean none', () => {
    assert.throws(
      () => parseInventory({ documents: { 'describe-instances.json': { Reservations: [] } } }),
      /describe-security-groups.json: missing/,
    );
    const inv = parseInventory({ documents: required });
    assert.deepEqual(inv.networkAcls, []);
    assert.equal(inv.prefixLists.size, 0);
  });
  it('flattens reservations and keeps prefix-list entries by id', () => {
    const inv = parseInventory({
      documents: {
        ...required,
        'describe-instances.json': {
          Reservations: [
            { Instances: [{ InstanceId: 'i-0f105b11df43d5d32' }] },
            { Instances: [{ InstanceId: 'i-0b49a40f47ff38b67' }] },
          ],
        },
      },
      prefixListEntries: new Map([['pl-0c5de86b58076404c', { Entries: [{ Cidr: '198.51.100.0/24' }] }]]),
    });
    assert.deepEqual(
      inv.instances.map((i) => i.InstanceId),
      ['i-0f105b11df43d5d32', 'i-0b49a40f47ff38b67'],
    );
    assert.deepEqual(inv.prefixLists.get('pl-0c5de86b58076404c'), [{ Cidr: '198.51.100.0/24' }]);
  });
  it('keeps the instance fields the pipeline reads (zod drops keys the schema does not name)', () => {
    const instance = {
      InstanceId: 'i-0f105b11df43d5d32',
      InstanceType: 't3.micro',
      ImageId: 'ami-1',
      Tags: [{ Key: 'Name', Value: 'web' }],
    };
    const inv = parseInventory({
      documents: { ...required, 'describe-instances.json': { Reservations: [{ Instances: [instance] }] } },
    });
    assert.deepEqual(inv.instances[0], instance);
  });
  it('a bad prefix-list entries file is named by its path', () => {
    assert.throws(
      () =>
        parseInventory({
          documents: required,
          prefixListEntries: new Map([['pl-0c5de86b58076404c', { Entries: [{ Cidr: 'nope' }] }]]),
        }),
      /^InventoryError: prefix-list-entries\/pl-0c5de86b58076404c.json: Entries\[0\].Cidr: expected a CIDR$/,
    );
  });
});
