import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  instanceRuleset,
  type RandomVpc,
  randomVpc,
  routerRuleset,
  subnetCidr,
  subnetId,
} from '../../lab/vpc-compiler.ts';
import { parseAddress, parseCidr } from '../../lambda/core/net/cidr.ts';

const BENCH_NET = parseCidr('198.18.0.0/15')!;

describe('randomVpc', () => {
  it('is reproducible from its seed', () => {
    assert.deepEqual(randomVpc(7, 3), randomVpc(7, 3));
    assert.notDeepEqual(randomVpc(7).inventory, randomVpc(8).inventory);
  });

  it('keeps every instance address inside 198.18.0.0/15 and in its own subnet', () => {
    for (let seed = 0; seed < 50; seed++) {
      const vpc = randomVpc(seed);
      assert.ok(vpc.instances.length >= 2, `seed ${seed}: at least two instances`);
      for (const i of vpc.instances) {
        const a = parseAddress(i.address)!;
        const subnet = parseCidr(subnetCidr(i.subnet))!;
        assert.ok(a.value >= BENCH_NET.first && a.value <= BENCH_NET.last, i.address);
        assert.ok(
          a.value >= subnet.first && a.value <= subnet.last,
          `${i.address} in ${subnetCidr(i.subnet)}`,
        );
      }
    }
  });

  it('associates each subnet with at most one ACL', () => {
    for (let seed = 0; seed < 50; seed++) {
      const vpc = randomVpc(seed);
      for (const s of vpc.subnets) {
        const owners = vpc.inventory.networkAcls.filter((a) =>
          (a.Associations ?? []).some((x) => x.SubnetId === subnetId(s)),
        );
        assert.ok(owners.length <= 1, `seed ${seed}: ${subnetId(s)} has ${owners.length} ACLs`);
      }
    }
  });
});

function fixedVpc(): RandomVpc {
  const base = randomVpc(1);
  const instances = [
    { instanceId: 'i-0d00', subnet: 0, slot: 0, address: '198.19.1.10', groupIds: ['sg-0d0'] },
    { instanceId: 'i-0d10', subnet: 1, slot: 0, address: '198.19.2.10', groupIds: ['sg-0d1'] },
  ];
  const networkAcls = [
    {
      NetworkAclId: 'acl-0d0',
      IsDefault: false,
      Associations: [{ SubnetId: subnetId(1) }],
      Entries: [
        // Listed out of order on purpose: the chain must follow rule numbers.
        {
          RuleNumber: 200,
          Protocol: '-1',
          RuleAction: 'allow' as const,
          Egress: false,
          CidrBlock: '0.0.0.0/0',
        },
        {
          RuleNumber: 100,
          Protocol: '6',
          RuleAction: 'deny' as const,
          Egress: false,
          CidrBlock: '198.19.1.0/24',
          PortRange: { From: 22, To: 22 },
        },
        {
          RuleNumber: 32767,
          Protocol: '-1',
          RuleAction: 'deny' as const,
          Egress: false,
          CidrBlock: '0.0.0.0/0',
        },
      ],
    },
    {
      NetworkAclId: 'acl-0default',
      IsDefault: true,
      Entries: [
        {
          RuleNumber: 100,
          Protocol: '-1',
          RuleAction: 'allow' as const,
          Egress: true,
          CidrBlock: '0.0.0.0/0',
        },
      ],
    },
  ];
  return {
    ...base,
    subnets: [0, 1],
    instances,
    securityGroups: [
      {
        GroupId: 'sg-0d0',
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [{ GroupId: 'sg-0d1' }] },
        ],
        IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      },
      { GroupId: 'sg-0d1', IpPermissions: [], IpPermissionsEgress: [] },
    ],
    inventory: { ...base.inventory, networkAcls },
  };
}

describe('instanceRuleset', () => {
  it('is stateful, default-drop, and expands a group reference to the ENIs in that group', () => {
    const vpc = fixedVpc();
    const text = instanceRuleset(vpc.instances[0]!, vpc);
    const input = text.slice(text.indexOf('chain input'), text.indexOf('chain output'));
    assert.match(input, /policy drop;\n\s+iif lo accept\n\s+ct state established,related accept\n/);
    assert.match(input, /ip saddr 198\.19\.2\.10\/32 tcp dport 22 accept comment "sg-0d0"/);
    assert.equal((input.match(/accept comment/g) ?? []).length, 1);
    // sg-0d1 has no egress rule at all: only replies leave.
    const other = instanceRuleset(vpc.instances[1]!, vpc);
    assert.doesNotMatch(other.slice(other.indexOf('chain output')), /daddr/);
  });
});

describe('routerRuleset', () => {
  it('evaluates ACL entries in rule-number order and skips traffic that stays inside a subnet', () => {
    const text = routerRuleset(fixedVpc());
    const inbound = text.slice(text.indexOf('chain in_1'));
    const deny = inbound.indexOf('acl-0d0 rule 100');
    const allow = inbound.indexOf('acl-0d0 rule 200');
    assert.ok(deny >= 0 && allow > deny, 'rule 100 before rule 200');
    assert.match(inbound, /ip saddr 198\.19\.1\.0\/24 tcp dport 22 drop comment "acl-0d0 rule 100"/);
    assert.match(inbound, /drop comment "acl-0d0 rule \*"\n\s+}/);
    // Subnet 0 has no association: the default ACL's chains.
    assert.match(text.slice(text.indexOf('chain out_0')), /return comment "acl-0default rule 100"/);
    assert.match(text, /ip saddr 198\.19\.2\.0\/24 ip daddr != 198\.19\.2\.0\/24 jump out_1/);
    assert.match(text, /ip daddr 198\.19\.2\.0\/24 ip saddr != 198\.19\.2\.0\/24 jump in_1/);
  });
});
