import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexInventory, type NetworkAclEntry } from '../../../../lambda/core/inventory/model.ts';
import type { PortRange } from '../../../../lambda/core/net/port-range.ts';
import { AnalysisContext } from '../../../../lambda/core/reachability/evaluation.ts';
import {
  type AclLeg,
  evaluateNetworkAcl,
} from '../../../../lambda/core/reachability/network-acl-evaluator.ts';
import { customAcl, inventory, peer, rule, SUBNET_A } from './inventory-builder.ts';

interface Case {
  name: string;
  entries: NetworkAclEntry[];
  leg: AclLeg;
  from: string;
  ephemeral?: [number, number];
  want: { code?: string; rule?: number; partial?: boolean };
}

const cases: Case[] = [
  {
    name: 'allow 22 from the VPC',
    entries: [rule(100, 'allow', false, '10.0.0.0/16', [22, 22])],
    leg: 'target-inbound',
    from: '10.0.2.7/32',
    want: {},
  },
  {
    name: 'no rule: the * rule denies',
    entries: [],
    leg: 'target-inbound',
    from: '10.0.2.7/32',
    want: { code: 'NACL_INBOUND_DENY', rule: 32767 },
  },
  {
    name: 'deny 90 before allow 100 wins',
    entries: [rule(100, 'allow', false, '0.0.0.0/0'), rule(90, 'deny', false, '10.0.2.0/24', [22, 22])],
    leg: 'target-inbound',
    from: '10.0.2.7/32',
    want: { code: 'NACL_INBOUND_DENY', rule: 90 },
  },
  {
    name: 'allow 80 before deny 90 wins',
    entries: [
      rule(80, 'allow', false, '10.0.2.7/32', [22, 22]),
      rule(90, 'deny', false, '10.0.2.0/24', [22, 22]),
    ],
    leg: 'target-inbound',
    from: '10.0.2.7/32',
    want: {},
  },
  {
    name: 'deny of another port does not match',
    entries: [
      rule(90, 'deny', false, '0.0.0.0/0', [3389, 3389]),
      rule(100, 'allow', false, '0.0.0.0/0', [22, 22]),
    ],
    leg: 'target-inbound',
    from: '10.0.2.7/32',
    want: {},
  },
  {
    name: 'egress rules do not apply inbound',
    entries: [rule(100, 'allow', true, '0.0.0.0/0')],
    leg: 'target-inbound',
    from: '10.0.2.7/32',
    want: { code: 'NACL_INBOUND_DENY', rule: 32767 },
  },
  {
    name: 'IPv4 rule does not admit IPv6',
    entries: [rule(100, 'allow', false, '0.0.0.0/0')],
    leg: 'target-inbound',
    from: '2001:db8::7/128',
    want: { code: 'NACL_INBOUND_DENY', rule: 32767 },
  },
  {
    name: 'IPv6 rule',
    entries: [rule(101, 'allow', false, '::/0', [22, 22])],
    leg: 'target-inbound',
    from: '2001:db8::7/128',
    want: {},
  },
  {
    name: 'UDP rule does not carry TCP',
    entries: [rule(100, 'allow', false, '0.0.0.0/0', [22, 22], '17')],
    leg: 'target-inbound',
    from: '10.0.2.7/32',
    want: { code: 'NACL_INBOUND_DENY' },
  },
  {
    name: 'return on 1024-65535 for 1024-65535',
    entries: [rule(100, 'allow', true, '0.0.0.0/0', [1024, 65535])],
    leg: 'target-outbound',
    from: '10.0.2.7/32',
    want: {},
  },
  {
    name: 'return on 32768-65535 for a 1024-65535 client: partial',
    entries: [rule(120, 'allow', true, '0.0.0.0/0', [32768, 65535])],
    leg: 'target-outbound',
    from: '10.0.2.7/32',
    want: { code: 'NACL_EPHEMERAL_PARTIAL', rule: 32767, partial: true },
  },
  {
    name: 'return on 32768-65535 for a Linux client 32768-60999',
    entries: [rule(120, 'allow', true, '0.0.0.0/0', [32768, 65535])],
    leg: 'target-outbound',
    from: '10.0.2.7/32',
    ephemeral: [32768, 60999],
    want: {},
  },
  {
    name: 'a deny inside the ephemeral range: partial, decided by that rule',
    entries: [rule(90, 'deny', true, '0.0.0.0/0', [1024, 2047]), rule(100, 'allow', true, '0.0.0.0/0')],
    leg: 'target-outbound',
    from: '10.0.2.7/32',
    want: { code: 'NACL_EPHEMERAL_PARTIAL', rule: 90, partial: true },
  },
  {
    name: 'no return at all',
    entries: [rule(100, 'allow', true, '0.0.0.0/0', [80, 80])],
    leg: 'target-outbound',
    from: '10.0.2.7/32',
    want: { code: 'NACL_OUTBOUND_DENY', rule: 32767 },
  },
  {
    name: 'source subnet SYN out',
    entries: [rule(100, 'allow', true, '10.0.0.0/16', [443, 443])],
    leg: 'source-outbound',
    from: '10.0.1.5/32',
    want: { code: 'SOURCE_NACL_OUTBOUND_DENY', rule: 32767 },
  },
  {
    name: 'source subnet reply in',
    entries: [rule(100, 'allow', false, '10.0.0.0/16', [22, 22])],
    leg: 'source-inbound',
    from: '10.0.1.5/32',
    want: { code: 'SOURCE_NACL_INBOUND_DENY', rule: 32767 },
  },
  {
    name: 'CIDR source only partly allowed is denied for the rest',
    entries: [rule(100, 'allow', false, '10.0.2.0/25', [22, 22])],
    leg: 'target-inbound',
    from: '10.0.2.0/24',
    want: { code: 'NACL_INBOUND_DENY', rule: 32767 },
  },
];

/** SSH (TCP 22) from `from` through one custom ACL of `entries` on subnet a. */
function evaluate(
  entries: NetworkAclEntry[],
  leg: AclLeg,
  from: string,
  {
    ephemeral = { from: 1024, to: 65535 },
    aclId = 'acl-0c1',
  }: { ephemeral?: PortRange; aclId?: string } = {},
) {
  const acl = customAcl(aclId, [SUBNET_A], entries);
  const ctx = new AnalysisContext(indexInventory(inventory({ networkAcls: [acl] })));
  return evaluateNetworkAcl(ctx, { leg, acl, subnetId: SUBNET_A, peer: peer(from), port: 22, ephemeral });
}

describe('network ACL evaluator', () => {
  for (const c of cases) {
    it(`${c.name} → ${c.want.code ?? 'allowed'}`, () => {
      const ephemeral = c.ephemeral && { from: c.ephemeral[0], to: c.ephemeral[1] };
      const v = evaluate(c.entries, c.leg, c.from, { ephemeral });
      assert.equal(v.blockers[0]?.code, c.want.code);
      if (c.want.rule !== undefined) assert.equal(v.blockers[0]?.ruleNumber, c.want.rule);
      assert.equal(v.passed, c.want.code === undefined || c.want.partial === true);
      assert.equal(v.partial === true, c.want.partial === true);
    });
  }

  it('the partial detail names the allowed sub-range and the rules deciding each part', () => {
    const v = evaluate(
      [rule(120, 'allow', true, '0.0.0.0/0', [32768, 65535])],
      'target-outbound',
      '192.0.2.0/24',
    );
    const d = v.blockers[0]!.detail;
    assert.match(d, /only on ports 32768-65535 of 1024-65535/);
    assert.match(d, /120 allows 32768-65535/);
    assert.match(d, /\* \(32767\) denies 1024-32767/);
  });

  it('the IPv6 default deny listed as 32768 is reported as the * rule 32767', () => {
    const v = evaluate([rule(32768, 'deny', false, '::/0')], 'target-inbound', '2001:db8::1/128');
    assert.equal(v.blockers[0]?.ruleNumber, 32767);
  });

  it('example detail: "rule 90 denies TCP 22 from 10.0.2.0/24 inbound to subnet-…"', () => {
    const v = evaluate(
      [rule(90, 'deny', false, '10.0.2.0/24', [22, 22]), rule(100, 'allow', false, '0.0.0.0/0')],
      'target-inbound',
      '10.0.2.0/24',
      { aclId: 'acl-0a1' },
    );
    assert.equal(
      v.blockers[0]?.detail,
      `network ACL acl-0a1 rule 90 denies TCP 22 from 10.0.2.0/24 inbound to ${SUBNET_A}`,
    );
  });
});
