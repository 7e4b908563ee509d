import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeConfigChange,
  diffPathConfig,
  digestPathConfig,
  type PathConfigInput,
  snapshotPathConfig,
} from '../../../../lambda/core/changes/path-config.ts';

const BASE: PathConfigInput = {
  securityGroups: [
    {
      GroupId: 'sg-0ab',
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 22,
          ToPort: 22,
          IpRanges: [{ CidrIp: '10.0.0.0/16' }, { CidrIp: '203.0.113.0/24' }],
        },
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [{ GroupId: 'sg-0bastion' }] },
      ],
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    },
  ],
  networkAcls: [
    {
      NetworkAclId: 'acl-0a1',
      Entries: [
        {
          RuleNumber: 100,
          Protocol: '6',
          RuleAction: 'allow',
          Egress: false,
          CidrBlock: '0.0.0.0/0',
          PortRange: { From: 22, To: 22 },
        },
        {
          RuleNumber: 100,
          Protocol: '6',
          RuleAction: 'allow',
          Egress: true,
          CidrBlock: '0.0.0.0/0',
          PortRange: { From: 1024, To: 65535 },
        },
        { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
      ],
    },
  ],
  routeTables: [
    {
      RouteTableId: 'rtb-0c2',
      Routes: [
        { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
        { DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-0d3', State: 'active' },
      ],
    },
  ],
};

function edit(f: (c: PathConfigInput) => PathConfigInput): PathConfigInput {
  return f(structuredClone(BASE) as PathConfigInput);
}

describe('diffPathConfig, one line per change', () => {
  const CASES: Array<[string, PathConfigInput, string[]]> = [
    ['no change', BASE, []],
    [
      'an SG CIDR removed',
      edit((c) => ({
        ...c,
        securityGroups: [
          {
            ...c.securityGroups[0]!,
            IpPermissions: [
              { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.0/24' }] },
              c.securityGroups[0]!.IpPermissions![1]!,
            ],
          },
        ],
      })),
      ['sg-0ab: inbound rule tcp/22 from 10.0.0.0/16 removed'],
    ],
    [
      'a NACL deny added ahead of the allow',
      edit((c) => ({
        ...c,
        networkAcls: [
          {
            ...c.networkAcls[0]!,
            Entries: [
              ...c.networkAcls[0]!.Entries!,
              {
                RuleNumber: 90,
                Protocol: '6',
                RuleAction: 'deny',
                Egress: false,
                CidrBlock: '0.0.0.0/0',
                PortRange: { From: 22, To: 22 },
              },
            ],
          },
        ],
      })),
      ['acl-0a1: inbound rule 90 deny tcp 22 from 0.0.0.0/0 added'],
    ],
    [
      'the default route removed',
      edit((c) => ({
        ...c,
        routeTables: [{ ...c.routeTables[0]!, Routes: [c.routeTables[0]!.Routes![0]!] }],
      })),
      ['rtb-0c2: route 0.0.0.0/0 → igw-0d3 removed'],
    ],
    [
      'a route turned blackhole',
      edit((c) => ({
        ...c,
        routeTables: [
          {
            ...c.routeTables[0]!,
            Routes: [
              c.routeTables[0]!.Routes![0]!,
              { DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-0d3', State: 'blackhole' },
            ],
          },
        ],
      })),
      ['rtb-0c2: route 0.0.0.0/0 → igw-0d3 removed', 'rtb-0c2: route 0.0.0.0/0 → igw-0d3 (blackhole) added'],
    ],
    [
      'a group replaced by another',
      edit((c) => ({
        ...c,
        securityGroups: [
          {
            GroupId: 'sg-0new',
            IpPermissions: [
              { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
            ],
          },
        ],
      })),
      ['sg-0ab: no longer on the path', 'sg-0new: now on the path'],
    ],
  ];
  for (const [name, after, lines] of CASES) {
    it(name, () =>
      assert.deepEqual(
        diffPathConfig(snapshotPathConfig(BASE), snapshotPathConfig(after)).map(describeConfigChange),
        lines,
      ),
    );
  }
});

describe('snapshot and digest', () => {
  it('describes rules in words', () => {
    const s = snapshotPathConfig(BASE);
    assert.deepEqual(s.resources['sg-0ab'], [
      'inbound rule tcp/22 from 10.0.0.0/16',
      'inbound rule tcp/22 from 203.0.113.0/24',
      'inbound rule tcp/22 from sg-0bastion',
      'outbound rule all traffic to 0.0.0.0/0',
    ]);
    assert.ok(s.resources['acl-0a1']!.includes('inbound rule 32767 deny all from 0.0.0.0/0'));
    assert.ok(s.resources['acl-0a1']!.includes('outbound rule 100 allow tcp 1024-65535 to 0.0.0.0/0'));
  });

  it('is stable under reordering and changes with any rule', () => {
    const reordered = edit((c) => ({
      securityGroups: c.securityGroups,
      routeTables: [{ ...c.routeTables[0]!, Routes: [...c.routeTables[0]!.Routes!].reverse() }],
      networkAcls: [{ ...c.networkAcls[0]!, Entries: [...c.networkAcls[0]!.Entries!].reverse() }],
    }));
    const d = digestPathConfig(snapshotPathConfig(BASE));
    assert.match(d, /^sha256:[0-9a-f]{64}$/);
    assert.equal(digestPathConfig(snapshotPathConfig(reordered)), d);
    const changed = edit((c) => ({ ...c, routeTables: [{ ...c.routeTables[0]!, Routes: [] }] }));
    assert.notEqual(digestPathConfig(snapshotPathConfig(changed)), d);
  });
});
