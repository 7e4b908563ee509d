import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Inventory, IpPermission, NetworkAclEntry } from '../../../../lambda/core/inventory/model.ts';
import { analyze } from '../../../../lambda/core/reachability/analyze.ts';
import {
  customAcl,
  DEFAULT_ACL,
  group,
  instance,
  inventory,
  MAIN_RTB,
  routeTable,
  rule,
  SUBNET_A,
  SUBNET_B,
  tcp,
} from './inventory-builder.ts';

function sgFindings(rules: IpPermission[], port?: number) {
  const inv = inventory({
    // Public in both families, behind the main table's internet-gateway routes and the default ACL.
    instances: [
      instance('i-0a1', {
        ip: '10.0.1.5',
        publicIp: '54.0.0.5',
        ipv6: '2600:1f18:1:1::5',
        groups: ['sg-open'],
        ...(port ? { port } : {}),
      }),
    ],
    securityGroups: [group('sg-open', rules), group('sg-unused', [])],
    prefixLists: new Map([
      ['pl-world', [{ Cidr: '0.0.0.0/1' }, { Cidr: '128.0.0.0/1' }]],
      ['pl-office', [{ Cidr: '198.51.100.0/24' }]],
    ]),
  });
  return analyze(inv, { sources: [] }).exposure.filter((f) => f.code === 'SSH_OPEN_TO_INTERNET');
}

describe('exposure: SSH_OPEN_TO_INTERNET', () => {
  const cases: [string, IpPermission[], string[]][] = [
    ['0.0.0.0/0', [tcp(22, 22, ['0.0.0.0/0'])], ['IPv4']],
    ['0.0.0.0/1 + 128.0.0.0/1 in one rule', [tcp(22, 22, ['0.0.0.0/1', '128.0.0.0/1'])], ['IPv4']],
    [
      '0.0.0.0/1 and 128.0.0.0/1 in two rules',
      [tcp(22, 22, ['0.0.0.0/1']), tcp(20, 30, ['128.0.0.0/1'])],
      ['IPv4'],
    ],
    [
      'every address but the private ranges',
      [
        tcp(22, 22, [
          '0.0.0.0/5',
          '8.0.0.0/7',
          '11.0.0.0/8',
          '12.0.0.0/6',
          '16.0.0.0/4',
          '32.0.0.0/3',
          '64.0.0.0/2',
          '128.0.0.0/1',
        ]),
      ],
      ['IPv4'],
    ],
    [
      'a prefix list holding the two halves',
      [tcp(22, 22, [], { PrefixListIds: [{ PrefixListId: 'pl-world' }] })],
      ['IPv4'],
    ],
    ['all traffic from ::/0', [{ IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] }], ['IPv6']],
    [
      '2000::/3 is the whole IPv6 internet',
      [tcp(22, 22, [], { Ipv6Ranges: [{ CidrIpv6: '2000::/3' }] })],
      ['IPv6'],
    ],
    [
      'both families',
      [tcp(0, 65535, ['0.0.0.0/0'], { Ipv6Ranges: [{ CidrIpv6: '::/0' }] })],
      ['IPv4', 'IPv6'],
    ],
    ['an office /24', [tcp(22, 22, ['198.51.100.0/24'])], []],
    ['the office prefix list', [tcp(22, 22, [], { PrefixListIds: [{ PrefixListId: 'pl-office' }] })], []],
    ['0.0.0.0/0 on 443 only', [tcp(443, 443, ['0.0.0.0/0'])], []],
    ['0.0.0.0/1 alone', [tcp(22, 22, ['0.0.0.0/1'])], []],
    [
      'a group reference (private addresses only)',
      [tcp(22, 22, [], { UserIdGroupPairs: [{ GroupId: 'sg-unused' }] })],
      [],
    ],
  ];
  for (const [name, rules, want] of cases) {
    it(`${name} → ${want.length > 0 ? want.join(' + ') : 'not exposed'}`, () => {
      const found = sgFindings(rules);
      assert.deepEqual(
        found.map((f) => (f.detail.includes('IPv6') ? 'IPv6' : 'IPv4')),
        want,
      );
      for (const f of found) {
        assert.equal(f.resourceId, 'sg-open');
        assert.deepEqual(f.instanceIds, ['i-0a1']);
        assert.match(f.detail, /exposes i-0a1/);
      }
    });
  }
  it('uses the port22:port tag of the instances behind the group', () => {
    assert.equal(sgFindings([tcp(22, 22, ['0.0.0.0/0'])], 2222).length, 0);
    assert.equal(sgFindings([tcp(2222, 2222, ['0.0.0.0/0'])], 2222).length, 1);
  });
});

/**
 * "Exposes" only what the internet can reach (Amazon VPC User Guide, "Enable internet access for a VPC
 * using an internet gateway": a public IPv4 address or an IPv6 address, a subnet route to the internet
 * gateway, and network ACL and security group rules that allow the traffic); "attached to" otherwise.
 */
describe('exposure: SSH_OPEN_TO_INTERNET says "exposes" only for instances the internet can reach', () => {
  const open = group('sg-open', [tcp(22, 22, ['0.0.0.0/0'])]);
  const privateRtb = routeTable(
    'rtb-private',
    [SUBNET_B],
    [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0a1', State: 'active' }],
  );
  const denySsh = customAcl(
    'acl-b',
    [SUBNET_B],
    [
      rule(100, 'deny', false, '0.0.0.0/0', [22, 22]),
      rule(110, 'allow', false, '0.0.0.0/0'),
      rule(100, 'allow', true, '0.0.0.0/0'),
    ],
  );
  const cases: [string, Partial<Inventory>, RegExp][] = [
    [
      'public address, igw route, default ACL → exposes',
      { instances: [instance('i-0pub', { ip: '10.0.1.5', publicIp: '54.0.0.5', groups: ['sg-open'] })] },
      /; exposes i-0pub$/,
    ],
    [
      'no public address → attached to',
      { instances: [instance('i-0priv', { ip: '10.0.1.6', groups: ['sg-open'] })] },
      /; attached to i-0priv \(not reachable from the internet/,
    ],
    [
      'public address but the subnet routes 0.0.0.0/0 to a NAT gateway → attached to',
      {
        instances: [
          instance('i-0nat', { ip: '10.0.2.6', publicIp: '54.0.0.6', groups: ['sg-open'], subnet: SUBNET_B }),
        ],
        routeTables: [MAIN_RTB, privateRtb],
      },
      /; attached to i-0nat /,
    ],
    [
      'public address, igw route, but the ACL denies tcp/22 from everywhere → attached to',
      {
        instances: [
          instance('i-0acl', { ip: '10.0.2.7', publicIp: '54.0.0.7', groups: ['sg-open'], subnet: SUBNET_B }),
        ],
        networkAcls: [DEFAULT_ACL, denySsh],
      },
      /; attached to i-0acl /,
    ],
    [
      'one of each: exposes the public one, also attached to the private one',
      {
        instances: [
          instance('i-0pub', { ip: '10.0.1.5', publicIp: '54.0.0.5', groups: ['sg-open'] }),
          instance('i-0priv', { ip: '10.0.1.6', groups: ['sg-open'] }),
        ],
      },
      /; exposes i-0pub; also attached to i-0priv /,
    ],
    [
      'route tables not in the inventory → may expose',
      {
        instances: [instance('i-0pub', { ip: '10.0.1.5', publicIp: '54.0.0.5', groups: ['sg-open'] })],
        routeTables: [],
        absentFiles: ['describe-route-tables.json'],
      },
      /; may expose i-0pub \(route table or network ACL not in the inventory\)$/,
    ],
  ];
  for (const [name, parts, wording] of cases) {
    it(name, () => {
      const inv = inventory({ securityGroups: [open], ...parts });
      const [f] = analyze(inv, { sources: [] }).exposure.filter((x) => x.code === 'SSH_OPEN_TO_INTERNET');
      assert.ok(f, 'the group is still reported: it admits every public address');
      assert.match(f.detail, wording);
    });
  }
});

describe('exposure: NACL_SSH_OPEN_TO_INTERNET', () => {
  const aclFindings = (entries: NetworkAclEntry[], isDefault = false) =>
    analyze(
      inventory({
        instances: [instance('i-0a1', { ip: '10.0.1.5', groups: [] })],
        networkAcls: [isDefault ? DEFAULT_ACL : customAcl('acl-0c1', [SUBNET_A], entries)],
      }),
      { sources: [] },
    ).exposure.filter((f) => f.code === 'NACL_SSH_OPEN_TO_INTERNET');

  it('a custom ACL allowing 22 from 0.0.0.0/0 is reported with its subnets and instances', () => {
    const [f] = aclFindings([rule(100, 'allow', false, '0.0.0.0/0', [22, 22])]);
    assert.equal(f?.resourceId, 'acl-0c1');
    assert.deepEqual(f?.instanceIds, ['i-0a1']);
    assert.match(f!.detail, new RegExp(SUBNET_A));
  });
  it('a deny before the allow, for part of the internet, closes it', () => {
    assert.equal(
      aclFindings([
        rule(90, 'deny', false, '8.0.0.0/8', [22, 22]),
        rule(100, 'allow', false, '0.0.0.0/0', [22, 22]),
      ]).length,
      0,
    );
  });
  it('a deny for private ranges only keeps it open to the internet', () => {
    assert.equal(
      aclFindings([rule(90, 'deny', false, '10.0.0.0/8'), rule(100, 'allow', false, '0.0.0.0/0')]).length,
      1,
    );
  });
  it('the default allow-all ACL is not news', () => {
    assert.equal(aclFindings([], true).length, 0);
  });
});
