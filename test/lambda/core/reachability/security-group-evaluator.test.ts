import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type IpPermission,
  indexInventory,
  type SecurityGroup,
} from '../../../../lambda/core/inventory/model.ts';
import { AnalysisContext } from '../../../../lambda/core/reachability/evaluation.ts';
import { evaluateSecurityGroups } from '../../../../lambda/core/reachability/security-group-evaluator.ts';
import { group, instance, inventory, peer, SUBNET_B, tcp } from './inventory-builder.ts';

interface Case {
  name: string;
  rules: IpPermission[];
  extraGroups?: SecurityGroup[];
  from: string;
  port?: number;
  want: boolean;
}

const cases: Case[] = [
  {
    name: 'tcp 22 from the source /32',
    rules: [tcp(22, 22, ['203.0.113.7/32'])],
    from: '203.0.113.7/32',
    want: true,
  },
  {
    name: 'IpProtocol "6" is TCP',
    rules: [{ IpProtocol: '6', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    from: '198.51.100.1/32',
    want: true,
  },
  {
    name: 'IpProtocol "-1" allows every port',
    rules: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.0.0/8' }] }],
    from: '10.9.9.9/32',
    want: true,
  },
  {
    name: 'udp 22 does not carry TCP',
    rules: [{ IpProtocol: 'udp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    from: '10.0.0.1/32',
    want: false,
  },
  {
    name: 'port range 20-25 includes 22',
    rules: [tcp(20, 25, ['0.0.0.0/0'])],
    from: '10.0.0.1/32',
    want: true,
  },
  { name: 'port 443 only', rules: [tcp(443, 443, ['0.0.0.0/0'])], from: '10.0.0.1/32', want: false },
  {
    name: 'source outside the CIDR',
    rules: [tcp(22, 22, ['10.0.0.0/16'])],
    from: '10.1.0.1/32',
    want: false,
  },
  {
    name: 'CIDR source only partly allowed',
    rules: [tcp(22, 22, ['10.0.0.0/25'])],
    from: '10.0.0.0/24',
    want: false,
  },
  {
    name: 'union of two rules covers the source',
    rules: [tcp(22, 22, ['10.0.0.0/25']), tcp(22, 22, ['10.0.0.128/25'])],
    from: '10.0.0.0/24',
    want: true,
  },
  {
    name: 'IPv6 range',
    rules: [tcp(22, 22, [], { Ipv6Ranges: [{ CidrIpv6: '2001:db8:1::/48' }] })],
    from: '2001:db8:1::5/128',
    want: true,
  },
  {
    name: 'an IPv4 rule does not admit IPv6',
    rules: [tcp(22, 22, ['0.0.0.0/0'])],
    from: '2001:db8:1::5/128',
    want: false,
  },
  {
    name: 'prefix list expanded',
    rules: [tcp(22, 22, [], { PrefixListIds: [{ PrefixListId: 'pl-office' }] })],
    from: '198.51.100.9/32',
    want: true,
  },
  {
    name: 'prefix list without entries admits nothing',
    rules: [tcp(22, 22, [], { PrefixListIds: [{ PrefixListId: 'pl-missing' }] })],
    from: '198.51.100.9/32',
    want: false,
  },
  {
    name: 'group reference never matches a bare CIDR',
    rules: [tcp(22, 22, [], { UserIdGroupPairs: [{ GroupId: 'sg-src' }] })],
    from: '10.0.2.10/32',
    want: false,
  },
  {
    name: 'tag port override: 2222',
    rules: [tcp(2222, 2222, ['0.0.0.0/0'])],
    from: '10.0.0.1/32',
    port: 2222,
    want: true,
  },
];

describe('security group evaluator (ingress)', () => {
  for (const c of cases) {
    it(`${c.name} → ${c.want ? 'allowed' : 'SG_INGRESS_NO_MATCH'}`, () => {
      const inv = inventory({
        instances: [instance('i-0t', { ip: '10.0.1.5', groups: ['sg-t'] })],
        securityGroups: [group('sg-t', c.rules), ...(c.extraGroups ?? [])],
        prefixLists: new Map([['pl-office', [{ Cidr: '198.51.100.0/24' }]]]),
      });
      const ctx = new AnalysisContext(indexInventory(inv));
      const eni = ctx.index.primaryEniByInstance.get('i-0t')!;
      const v = evaluateSecurityGroups(ctx, {
        eni,
        direction: 'inbound',
        peer: peer(c.from),
        port: c.port ?? 22,
      });
      assert.equal(v.passed, c.want);
      if (!c.want) {
        assert.equal(v.blockers[0]?.code, 'SG_INGRESS_NO_MATCH');
        assert.equal(v.blockers[0]?.resourceId, 'sg-t');
      } else {
        assert.ok(
          v.evidence.some((e) => e.startsWith('sg-t allows')),
          'names the rule that allowed',
        );
      }
    });
  }

  it('union of all groups on the ENI: the second group allows', () => {
    const inv = inventory({
      instances: [instance('i-0t', { ip: '10.0.1.5', groups: ['sg-a', 'sg-b'] })],
      securityGroups: [
        group('sg-a', [tcp(443, 443, ['0.0.0.0/0'])]),
        group('sg-b', [tcp(22, 22, ['10.0.0.0/16'])]),
      ],
    });
    const ctx = new AnalysisContext(indexInventory(inv));
    const eni = ctx.index.primaryEniByInstance.get('i-0t')!;
    assert.equal(
      evaluateSecurityGroups(ctx, { eni, direction: 'inbound', peer: peer('10.0.2.9/32'), port: 22 }).passed,
      true,
    );
  });

  it('a group reference matches an ENI in that group, reached over its private address', () => {
    const inv = inventory({
      instances: [
        instance('i-0t', { ip: '10.0.1.5', groups: ['sg-t'] }),
        instance('i-0s', { ip: '10.0.2.10', groups: ['sg-src'], subnet: SUBNET_B }),
        instance('i-0x', { ip: '10.0.2.11', groups: ['sg-other'], subnet: SUBNET_B }),
      ],
      securityGroups: [
        group('sg-t', [tcp(22, 22, [], { UserIdGroupPairs: [{ GroupId: 'sg-src' }] })]),
        group('sg-src', []),
        group('sg-other', []),
      ],
    });
    const ctx = new AnalysisContext(indexInventory(inv));
    const eni = ctx.index.primaryEniByInstance.get('i-0t')!;
    const member = ctx.index.primaryEniByInstance.get('i-0s')!;
    const stranger = ctx.index.primaryEniByInstance.get('i-0x')!;
    const ask = (e: typeof member, ip: string) =>
      evaluateSecurityGroups(ctx, {
        eni,
        direction: 'inbound',
        peer: { ...peer(`${ip}/32`), eni: e },
        port: 22,
      }).passed;
    assert.equal(ask(member, '10.0.2.10'), true);
    assert.equal(ask(stranger, '10.0.2.11'), false);
  });

  it('egress: the source group must allow TCP 22 to the target', () => {
    const inv = inventory({
      instances: [instance('i-0s', { ip: '10.0.1.5', groups: ['sg-s'] })],
      securityGroups: [group('sg-s', [], [tcp(443, 443, ['0.0.0.0/0'])])],
    });
    const ctx = new AnalysisContext(indexInventory(inv));
    const eni = ctx.index.primaryEniByInstance.get('i-0s')!;
    const v = evaluateSecurityGroups(ctx, {
      eni,
      direction: 'outbound',
      peer: peer('10.0.2.7/32'),
      port: 22,
    });
    assert.equal(v.passed, false);
    assert.equal(v.blockers[0]?.code, 'SG_EGRESS_NO_MATCH');
    assert.equal(v.blockers[0]?.direction, 'outbound');
  });
});
