import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadInventoryDir } from '../../../../lambda/adapters/local/inventory-dir.ts';
import type {
  Inventory,
  IpPermission,
  NetworkAclEntry,
  SecurityGroup,
} from '../../../../lambda/core/inventory/model.ts';
import { indexInventory } from '../../../../lambda/core/inventory/model.ts';
import { analyze } from '../../../../lambda/core/reachability/analyze.ts';
import { AnalysisContext } from '../../../../lambda/core/reachability/evaluation.ts';
import type { Verdict } from '../../../../lambda/core/reachability/types.ts';
import {
  customAcl,
  group,
  instance,
  inventory,
  ipv4CidrsOutside,
  rule,
  SUBNET_A,
  SUBNET_B,
  tcp,
} from './inventory-builder.ts';

const FIXTURES = new URL('../../../fixtures/inventories/', import.meta.url).pathname;

function find(verdicts: Verdict[], instanceId: string, source: string, family = 'ipv4'): Verdict {
  const v = verdicts.find((x) => x.instanceId === instanceId && x.source === source && x.family === family);
  assert.ok(v, `verdict for ${instanceId} from ${source} (${family})`);
  return v;
}
const codes = (v: Verdict) => v.blockers.map((b) => b.code).sort();

describe('analyze: the VPC User Guide example network ACL', async () => {
  const inv = await loadInventoryDir(`${FIXTURES}vpc-guide-example`);
  const bastion = 'i-0a1b2c3d4e5f60718';

  it('the home network reaches the bastion, but replies to 1024-32767 are dropped: partial', () => {
    const v = find(analyze(inv, { sources: ['192.0.2.0/24'] }).verdicts, bastion, '192.0.2.0/24');
    assert.equal(v.reachable, true);
    assert.equal(v.partial, true);
    assert.equal(v.address, '54.210.17.4');
    assert.deepEqual(codes(v), ['NACL_EPHEMERAL_PARTIAL']);
    assert.equal(v.blockers[0]?.resourceId, 'acl-05a6b7c8d9e0f1a2b');
    assert.equal(v.blockers[0]?.direction, 'outbound');
    assert.equal(v.blockers[0]?.ruleNumber, 32767);
  });

  it('a client using 32768-60999 (Linux) is fully reachable', () => {
    const v = find(
      analyze(inv, { sources: ['192.0.2.0/24'], ephemeral: { from: 32768, to: 60999 } }).verdicts,
      bastion,
      '192.0.2.0/24',
    );
    assert.equal(v.reachable, true);
    assert.equal(v.partial, undefined);
    assert.deepEqual(v.blockers, []);
  });

  it('the internet at large is denied by rule * and the security group', () => {
    const v = find(analyze(inv, { sources: ['internet'] }).verdicts, bastion, 'internet');
    assert.equal(v.reachable, false);
    assert.deepEqual(codes(v), ['NACL_EPHEMERAL_PARTIAL', 'NACL_INBOUND_DENY', 'SG_INGRESS_NO_MATCH']);
  });

  it('the app server is reachable from the bastion through the group reference, not from the internet', () => {
    const { verdicts } = analyze(inv, { sources: ['i-0a1b2c3d4e5f60718', 'internet'] });
    const fromBastion = find(verdicts, 'i-0b2c3d4e5f6071829', 'i-0a1b2c3d4e5f60718');
    // The bastion's subnet uses the guide ACL: its SYN out to port 22 is not allowed (outbound allows
    // only 80, 443 and 32768-65535), and the reply comes back on the bastion's ephemeral port.
    assert.equal(fromBastion.reachable, false);
    assert.deepEqual(codes(fromBastion), ['NACL_EPHEMERAL_PARTIAL', 'SOURCE_NACL_OUTBOUND_DENY']);
    const fromInternet = find(verdicts, 'i-0b2c3d4e5f6071829', 'internet');
    // No public address: nothing from the internet arrives, so its NAT default route is not what blocks.
    assert.deepEqual(codes(fromInternet), ['NO_PUBLIC_IP', 'SG_INGRESS_NO_MATCH']);
  });

  it('no exposure: SSH is open only to 192.0.2.0/24', () => {
    assert.deepEqual(analyze(inv, { sources: ['internet'] }).exposure, []);
  });
});

describe('analyze: the fleet fixture', async () => {
  const inv = await loadInventoryDir(`${FIXTURES}fleet`);
  const report = analyze(inv, {
    sources: ['internet', '10.0.2.0/24', 'i-0e0e0e0e0e0e0e0e0', '198.51.100.7/32'],
  });

  it('0.0.0.0/1 + 128.0.0.0/1 opens web-1 to the internet over IPv4, and is reported', () => {
    assert.equal(find(report.verdicts, 'i-0a0a0a0a0a0a0a0a0', 'internet').reachable, true);
    const f = report.exposure.find((e) => e.code === 'SSH_OPEN_TO_INTERNET');
    assert.equal(f?.resourceId, 'sg-0aaaa1111bbbb2222');
    assert.deepEqual(f?.instanceIds, ['i-0a0a0a0a0a0a0a0a0']);
  });
  it('one context shared by one call per source: the verdicts of one call with all of them', () => {
    const ctx = new AnalysisContext(indexInventory(inv));
    const specs = ['internet', '10.0.2.0/24', 'i-0e0e0e0e0e0e0e0e0', '198.51.100.7/32'];
    const apart = specs.flatMap((spec) => analyze(ctx, { sources: [spec] }).verdicts);
    const key = (v: Verdict) => `${v.instanceId} ${v.source} ${v.family}`;
    const byKey = (vs: readonly Verdict[]) => [...vs].sort((a, b) => key(a).localeCompare(key(b)));
    assert.ok(apart.length > specs.length);
    assert.deepEqual(byKey(apart), byKey(report.verdicts));
  });
  it('exposure: false skips the audit and keeps every verdict', () => {
    const without = analyze(inv, {
      sources: ['internet', '10.0.2.0/24', 'i-0e0e0e0e0e0e0e0e0', '198.51.100.7/32'],
      exposure: false,
    });
    assert.deepEqual(without.exposure, []);
    assert.deepEqual(without.verdicts, report.verdicts);
  });
  it('IPv6 from the internet fails: the subnet answers through an egress-only gateway', () => {
    const v = find(report.verdicts, 'i-0a0a0a0a0a0a0a0a0', 'internet', 'ipv6');
    assert.equal(v.reachable, false);
    assert.ok(v.blockers.some((b) => b.code === 'NO_ROUTE' && b.detail.includes('eigw-0a1b2c3d4e5f60718')));
  });
  it('NACL rule 90 denies the ops subnet, with the exact detail', () => {
    const v = find(report.verdicts, 'i-0b0b0b0b0b0b0b0b0', '10.0.2.0/24');
    assert.deepEqual(v.blockers, [
      {
        code: 'NACL_INBOUND_DENY',
        resourceId: 'acl-0a1a1a1a1a1a1a1a1',
        direction: 'inbound',
        ruleNumber: 90,
        detail:
          'network ACL acl-0a1a1a1a1a1a1a1a1 rule 90 denies TCP 22 from 10.0.2.0/24 inbound to subnet-0b2b3b4b5b6b7b8b9',
      },
    ]);
  });
  it('the peered VPC reaches app-1 through pcx routes both ways', () => {
    assert.equal(find(report.verdicts, 'i-0b0b0b0b0b0b0b0b0', 'i-0e0e0e0e0e0e0e0e0').reachable, true);
  });
  it('db-1: stopped, a blackhole return route, port 2222 from its tag — every blocker listed', () => {
    const v = find(report.verdicts, 'i-0d0d0d0d0d0d0d0d0', 'i-0e0e0e0e0e0e0e0e0');
    assert.deepEqual(codes(v), [
      'BLACKHOLE_ROUTE',
      'INSTANCE_NOT_RUNNING',
      'NACL_INBOUND_DENY',
      'SG_INGRESS_NO_MATCH',
    ]);
    assert.match(v.blockers.find((b) => b.code === 'SG_INGRESS_NO_MATCH')!.detail, /TCP 2222/);
  });
  it('a private instance has no public IP for an internet source', () => {
    const v = find(report.verdicts, 'i-0b0b0b0b0b0b0b0b0', '198.51.100.7/32');
    assert.ok(v.blockers.some((b) => b.code === 'NO_PUBLIC_IP' && b.resourceId === 'eni-0b0b0b0b0b0b0b0b0'));
  });
  it('without --source: internet plus every other instance of the same VPC', () => {
    const sources = new Set(
      analyze(inv)
        .verdicts.filter((v) => v.instanceId === 'i-0b0b0b0b0b0b0b0b0')
        .map((v) => v.source),
    );
    assert.deepEqual([...sources].sort(), [
      'i-0a0a0a0a0a0a0a0a0',
      'i-0c0c0c0c0c0c0c0c0',
      'i-0d0d0d0d0d0d0d0d0',
      'internet',
    ]);
  });
});

// ---- properties over small random VPCs ----

const CIDRS = [
  '10.0.2.0/24',
  '10.0.2.7/32',
  '10.0.2.0/25',
  '10.0.0.0/16',
  '0.0.0.0/0',
  '0.0.0.0/1',
  '128.0.0.0/1',
  '198.51.100.0/24',
];
const PORTS: [number, number][] = [
  [22, 22],
  [20, 25],
  [443, 443],
  [0, 65535],
  [1024, 65535],
  [32768, 65535],
];
const SOURCES = ['10.0.2.7/32', '10.0.2.0/24', 'internet', '198.51.100.7/32', 'i-0s'];

const arbPermission: fc.Arbitrary<IpPermission> = fc
  .record({
    all: fc.boolean(),
    ports: fc.constantFrom(...PORTS),
    cidrs: fc.subarray(CIDRS, { minLength: 1, maxLength: 3 }),
    ref: fc.boolean(),
  })
  .map(({ all, ports, cidrs, ref }) => ({
    ...(all ? { IpProtocol: '-1' } : { IpProtocol: 'tcp', FromPort: ports[0], ToPort: ports[1] }),
    IpRanges: cidrs.map((CidrIp) => ({ CidrIp })),
    ...(ref ? { UserIdGroupPairs: [{ GroupId: 'sg-s' }] } : {}),
  }));

const arbEntries: fc.Arbitrary<NetworkAclEntry[]> = fc
  .array(
    fc.record({
      n: fc.integer({ min: 1, max: 300 }),
      allow: fc.boolean(),
      egress: fc.boolean(),
      cidr: fc.constantFrom(...CIDRS),
      ports: fc.option(fc.constantFrom(...PORTS), { nil: undefined }),
    }),
    { maxLength: 8 },
  )
  .map((rs) => {
    const seen = new Set<string>();
    return rs
      .filter((r) => {
        const k = `${r.n}|${r.egress}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      })
      .map((r) => rule(r.n, r.allow ? 'allow' : 'deny', r.egress, r.cidr, r.ports));
  });

interface World {
  targetRules: IpPermission[];
  sourceEgress: IpPermission[];
  aclA: NetworkAclEntry[];
  aclB: NetworkAclEntry[];
}
const arbWorld: fc.Arbitrary<World> = fc.record({
  targetRules: fc.array(arbPermission, { maxLength: 4 }),
  sourceEgress: fc.array(arbPermission, { minLength: 1, maxLength: 2 }),
  aclA: arbEntries,
  aclB: arbEntries,
});

function build(w: World, mutate: (groups: SecurityGroup[]) => SecurityGroup[] = (g) => g): Inventory {
  return inventory({
    instances: [
      instance('i-0t', { ip: '10.0.1.5', groups: ['sg-t', 'sg-t2'], publicIp: '54.210.17.4' }),
      instance('i-0s', { ip: '10.0.2.7', groups: ['sg-s'], subnet: SUBNET_B }),
    ],
    securityGroups: mutate([
      group('sg-t', w.targetRules.slice(0, 2)),
      group('sg-t2', w.targetRules.slice(2)),
      group('sg-s', [], w.sourceEgress),
    ]),
    networkAcls: [customAcl('acl-a', [SUBNET_A], w.aclA), customAcl('acl-b', [SUBNET_B], w.aclB)],
  });
}
const summary = (vs: Verdict[]) =>
  vs
    .map(
      (v) =>
        `${v.instanceId}|${v.source}|${v.family}|${v.reachable}|${v.partial ?? false}|${v.blockers
          .map((b) => `${b.code}:${b.resourceId}:${b.ruleNumber ?? ''}`)
          .sort()
          .join(',')}`,
    )
    .sort();

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('analyze: properties', () => {
  it('adding an allow rule to a security group never turns a reachable verdict unreachable', () => {
    fc.assert(
      fc.property(arbWorld, arbPermission, fc.constantFrom('sg-t', 'sg-t2', 'sg-s'), (w, extra, gid) => {
        const before = analyze(build(w), { sources: SOURCES }).verdicts;
        const after = analyze(
          build(w, (gs) =>
            gs.map((g) =>
              g.GroupId !== gid
                ? g
                : gid === 'sg-s'
                  ? { ...g, IpPermissionsEgress: [...(g.IpPermissionsEgress ?? []), extra] }
                  : { ...g, IpPermissions: [...(g.IpPermissions ?? []), extra] },
            ),
          ),
          { sources: SOURCES },
        ).verdicts;
        for (const b of before) {
          if (!b.reachable) continue;
          assert.equal(find(after, b.instanceId, b.source, b.family).reachable, true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a deny rule numbered before every matching allow makes the path unreachable', () => {
    fc.assert(
      fc.property(
        arbWorld,
        fc.constantFrom('10.0.2.7/32', '10.0.2.0/24', 'i-0s', '198.51.100.7/32'),
        (w, source) => {
          // Existing rules are numbered 1..300; the deny takes number 1 after shifting the rest up.
          const aclA = [
            rule(1, 'deny', false, '0.0.0.0/0', [22, 22]),
            ...w.aclA.map((e) => ({ ...e, RuleNumber: e.RuleNumber + 1 })),
          ];
          const v = find(analyze(build({ ...w, aclA }), { sources: [source] }).verdicts, 'i-0t', source);
          assert.equal(v.reachable, false);
          assert.ok(v.blockers.some((b) => b.code === 'NACL_INBOUND_DENY' && b.ruleNumber === 1));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('verdicts do not depend on the order of groups, rules, ranges or ACL entries in the JSON', () => {
    fc.assert(
      fc.property(arbWorld, fc.integer({ min: 1, max: 1_000_000 }), (w, seed) => {
        const a = build(w);
        const b: Inventory = {
          ...a,
          securityGroups: shuffled(a.securityGroups, seed).map((g) => ({
            ...g,
            IpPermissions: shuffled(g.IpPermissions ?? [], seed + 1).map((p) => ({
              ...p,
              IpRanges: shuffled(p.IpRanges ?? [], seed + 2),
            })),
          })),
          networkAcls: shuffled(a.networkAcls, seed + 3).map((acl) => ({
            ...acl,
            Entries: shuffled(acl.Entries ?? [], seed + 4),
          })),
          instances: shuffled(a.instances, seed + 5).map((i) => ({
            ...i,
            NetworkInterfaces: i.NetworkInterfaces?.map((n) => ({
              ...n,
              Groups: shuffled(n.Groups ?? [], seed + 6),
            })),
          })),
        };
        assert.deepEqual(
          summary(analyze(b, { sources: SOURCES }).verdicts),
          summary(analyze(a, { sources: SOURCES }).verdicts),
        );
      }),
      { numRuns: 150 },
    );
  });
});

describe('analyze: small cases', () => {
  it('same subnet: network ACLs do not apply', () => {
    const inv = inventory({
      instances: [
        instance('i-0t', { ip: '10.0.1.5', groups: ['sg-t'] }),
        instance('i-0s', { ip: '10.0.1.6', groups: ['sg-s'] }),
      ],
      securityGroups: [
        group('sg-t', [tcp(22, 22, [], { UserIdGroupPairs: [{ GroupId: 'sg-s' }] })]),
        group('sg-s', []),
      ],
      networkAcls: [customAcl('acl-a', [SUBNET_A], [])],
    });
    const v = find(analyze(inv, { sources: ['i-0s'] }).verdicts, 'i-0t', 'i-0s');
    assert.equal(v.reachable, true);
  });
  it('an unknown source is a SourceSpecError', () => {
    assert.throws(() => analyze(inventory({}), { sources: ['i-0nope'] }), /no such instance/);
    assert.throws(() => analyze(inventory({}), { sources: ['10.0.0.0/33'] }), /expected a CIDR/);
  });
  // EC2 User Guide, "Terminate Amazon EC2 instances": a terminated instance's network interfaces are
  // detached and deleted; DescribeInstances still lists it for a while, with no address and no interface.
  const cannotBeSources: [string, Inventory, string, RegExp][] = [
    [
      'a terminated instance, as DescribeInstances lists it',
      inventory({
        instances: [
          instance('i-0t', { ip: '10.0.1.5', groups: ['sg-t'] }),
          { InstanceId: 'i-0gone', State: { Name: 'terminated', Code: 48 }, NetworkInterfaces: [] },
        ],
      }),
      'i-0gone',
      /^source i-0gone: the instance is terminated, so it has no network interface$/,
    ],
    [
      'an instance with no network interface or address',
      inventory({
        instances: [
          instance('i-0t', { ip: '10.0.1.5', groups: ['sg-t'] }),
          { InstanceId: 'i-0bare', State: { Name: 'running' } },
        ],
      }),
      'i-0bare',
      /^source i-0bare: the instance has no network interface with an address in the inventory$/,
    ],
    [
      'a network interface with no address',
      inventory({
        instances: [instance('i-0t', { ip: '10.0.1.5', groups: ['sg-t'] })],
        networkInterfaces: [{ NetworkInterfaceId: 'eni-0empty', SubnetId: SUBNET_A }],
      }),
      'eni-0empty',
      /^source eni-0empty: the network interface has no address in the inventory$/,
    ],
    ['an unknown network interface', inventory({}), 'eni-0nope', /no such network interface/],
  ];
  for (const [name, inv, spec, message] of cannotBeSources) {
    it(`${name} cannot be a source: SourceSpecError, never an empty answer`, () => {
      assert.throws(() => analyze(inv, { sources: [spec] }), { name: 'SourceSpecError', message });
    });
  }
});

describe('analyze over an index', () => {
  it('gives the same report from the inventory or from its index (the pipeline passes the index)', async () => {
    const inv = await loadInventoryDir(`${FIXTURES}fleet`);
    const options = { sources: ['internet', '10.0.0.0/16'] };
    const fromIndex = analyze(indexInventory(inv), options);
    assert.deepEqual(fromIndex, analyze(inv, options));
    assert.ok(fromIndex.verdicts.length > 0);
  });
});

/**
 * VPC User Guide, "VPC CIDR blocks": a secondary block that is disassociated no longer belongs to the VPC
 * (DescribeVpcs still lists it, with `CidrBlockState.State` `disassociating` / `disassociated`). The
 * `internet` source is every public address outside the target's VPC, so a public block given back is
 * part of the internet again.
 */
describe('analyze: only associated VPC CIDR blocks are the VPC', () => {
  const RETURNED = '52.10.0.0/16';
  const everythingButReturned = ipv4CidrsOutside(RETURNED);
  const cases: [string, string | undefined, boolean][] = [
    ['associated: its addresses are not internet clients', 'associated', true],
    ['no state (hand-written): counted as associated', undefined, true],
    ['disassociated: its addresses are internet again', 'disassociated', false],
    ['disassociating: on its way out, no longer counted', 'disassociating', false],
  ];
  for (const [name, state, reachable] of cases) {
    it(name, () => {
      const inv = inventory({
        instances: [instance('i-0pub', { ip: '10.0.1.5', publicIp: '54.0.0.5', groups: ['sg-most'] })],
        securityGroups: [group('sg-most', [tcp(22, 22, everythingButReturned)])],
        vpcs: [
          {
            VpcId: 'vpc-0a1',
            CidrBlock: '10.0.0.0/16',
            CidrBlockAssociationSet: [
              { CidrBlock: '10.0.0.0/16', CidrBlockState: { State: 'associated' } },
              { CidrBlock: RETURNED, ...(state ? { CidrBlockState: { State: state } } : {}) },
            ],
          },
        ],
      });
      const v = analyze(inv, { sources: ['internet'] }).verdicts.find((x) => x.family === 'ipv4');
      assert.equal(v?.reachable, reachable);
      if (!reachable) assert.match(v!.blockers[0]!.detail, /not 52\.10\.0\.0\/16/);
    });
  }
});
