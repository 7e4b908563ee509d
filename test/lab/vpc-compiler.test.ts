import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LAB_SUBNETS,
  type RandomNetwork,
  randomNetwork,
  subnetCidr4,
  subnetCidr6,
} from '../../lab/random-network.ts';
import {
  firewallRuleset,
  instanceRuleset,
  tgwRoutes,
  vpcRouterRoutes,
  vpcRouterRuleset,
} from '../../lab/vpc-compiler.ts';
import type { Inventory } from '../../lambda/core/inventory/model.ts';
import { parseAddress, parseCidr } from '../../lambda/core/net/cidr.ts';

const BENCH_V4 = parseCidr('198.18.0.0/15')!;
const BENCH_V6 = parseCidr('2001:2::/48')!;

describe('randomNetwork', () => {
  it('is reproducible from its seed', () => {
    assert.deepEqual(randomNetwork(7, 3), randomNetwork(7, 3));
    assert.notDeepEqual(randomNetwork(7).inventory, randomNetwork(8).inventory);
  });

  it('keeps every address inside the benchmarking ranges and in its own subnet', () => {
    for (let seed = 0; seed < 50; seed++) {
      const net = randomNetwork(seed);
      assert.ok(net.instances.length >= 2, `seed ${seed}: at least two instances`);
      for (const i of net.instances) {
        for (const [address, range, subnet] of [
          [i.address, BENCH_V4, subnetCidr4(i.subnet)],
          ...(i.address6 ? [[i.address6, BENCH_V6, subnetCidr6(i.subnet)] as const] : []),
        ] as const) {
          const a = parseAddress(address)!;
          const s = parseCidr(subnet)!;
          assert.ok(a.value >= range.first && a.value <= range.last, address);
          assert.ok(a.value >= s.first && a.value <= s.last, `${address} in ${subnet}`);
        }
        if (i.address6) assert.ok(net.ipv6Subnets.has(i.subnet), `${i.instanceId} is in a dual-stack subnet`);
      }
    }
  });

  it('associates each subnet with at most one ACL and one route table', () => {
    for (let seed = 0; seed < 50; seed++) {
      const { inventory } = randomNetwork(seed);
      for (const { SubnetId } of inventory.subnets) {
        const acls = inventory.networkAcls.filter((a) =>
          (a.Associations ?? []).some((x) => x.SubnetId === SubnetId),
        );
        const rtbs = inventory.routeTables.filter((t) =>
          (t.Associations ?? []).some((x) => x.SubnetId === SubnetId),
        );
        assert.ok(acls.length <= 1 && rtbs.length <= 1, `seed ${seed}: ${SubnetId}`);
      }
    }
  });

  it('routes every path between the protected subnet and the rest of VPC A through the firewall, both ways', () => {
    let checked = 0;
    for (let seed = 0; seed < 60; seed++) {
      const net = randomNetwork(seed);
      if (net.firewallProtects === undefined) continue;
      checked += 1;
      const p = LAB_SUBNETS[net.firewallProtects]!.subnetId;
      for (const { SubnetId } of net.inventory.subnets.filter((s) => s.VpcId === 'vpc-0da')) {
        if (SubnetId === p || SubnetId === 'subnet-0dafw') continue;
        const tableOf = (id: string) =>
          net.inventory.routeTables.find((t) => (t.Associations ?? []).some((a) => a.SubnetId === id)) ??
          net.inventory.routeTables.find(
            (t) => t.VpcId === 'vpc-0da' && (t.Associations ?? []).some((a) => a.Main),
          );
        const cidr = (id: string) => net.inventory.subnets.find((s) => s.SubnetId === id)!.CidrBlock;
        const viaFirewall = (from: string, to: string) =>
          (tableOf(from)!.Routes ?? []).some(
            (r) => r.DestinationCidrBlock === cidr(to) && r.GatewayId === 'vpce-0dfw',
          );
        assert.ok(viaFirewall(SubnetId, p) && viaFirewall(p, SubnetId), `seed ${seed}: ${SubnetId} ↔ ${p}`);
      }
    }
    assert.ok(checked >= 5, `only ${checked} networks with a firewall`);
  });
});

/** Seed 1's network with parts of its inventory replaced. */
function withInventory(parts: Partial<Inventory>, extra: Partial<RandomNetwork> = {}): RandomNetwork {
  const base = randomNetwork(1);
  return { ...base, ...extra, inventory: { ...base.inventory, ...parts } };
}

describe('instanceRuleset', () => {
  it('is stateful, default-drop, lets neighbour discovery through, and expands a group reference', () => {
    const net = withInventory(
      {
        securityGroups: [
          {
            GroupId: 'sg-x',
            IpPermissions: [
              { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [{ GroupId: 'sg-y' }] },
              { IpProtocol: '6', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: '2001:2:0:a01::/64' }] },
            ],
            IpPermissionsEgress: [],
          },
          { GroupId: 'sg-y', IpPermissions: [], IpPermissionsEgress: [] },
        ],
      },
      {
        instances: [
          { instanceId: 'i-x', subnet: 0, slot: 0, address: '198.19.1.10', groupIds: ['sg-x'] },
          {
            instanceId: 'i-y',
            subnet: 1,
            slot: 0,
            address: '198.19.2.10',
            address6: '2001:2:0:a02::10',
            groupIds: ['sg-y'],
          },
        ],
      },
    );
    const text = instanceRuleset(net.instances[0]!, net);
    const input = text.slice(text.indexOf('chain input'), text.indexOf('chain output'));
    assert.match(
      input,
      /policy drop;\n\s+iif lo accept\n\s+icmpv6 type \{ nd-neighbor-solicit, nd-neighbor-advert \} accept\n\s+ct state established,related accept\n/,
    );
    assert.match(input, /ip saddr 198\.19\.2\.10\/32 tcp dport 22 accept comment "sg-x"/);
    assert.match(input, /ip6 saddr 2001:2:0:a02::10\/128 tcp dport 22 accept comment "sg-x"/);
    assert.match(input, /ip6 saddr 2001:2:0:a01::\/64 tcp dport 22 accept comment "sg-x"/);
    assert.equal((input.match(/accept comment/g) ?? []).length, 3);
    const output = text.slice(text.indexOf('chain output'));
    assert.doesNotMatch(output, /daddr/);
  });
});

describe('vpcRouterRuleset', () => {
  it('evaluates ACL entries in rule-number order, by interface, and drops a peering that is not active', () => {
    const acl = {
      NetworkAclId: 'acl-x',
      VpcId: 'vpc-0da',
      IsDefault: false,
      Associations: [{ SubnetId: 'subnet-0da1' }],
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
          Ipv6CidrBlock: '2001:2:0:a01::/64',
          PortRange: { From: 22, To: 22 },
        },
      ],
    };
    const base = randomNetwork(1);
    const net = withInventory({
      networkAcls: [...base.inventory.networkAcls.filter((a) => a.IsDefault), acl],
      vpcPeeringConnections: [
        {
          VpcPeeringConnectionId: 'pcx-0dab',
          RequesterVpcInfo: { VpcId: 'vpc-0da' },
          AccepterVpcInfo: { VpcId: 'vpc-0db' },
          Status: { Code: 'pending-acceptance' },
        },
      ],
    });
    const text = vpcRouterRuleset(net, 0);
    const inbound = text.slice(text.indexOf('chain in_1'));
    const deny = inbound.indexOf('acl-x rule 100');
    const allow = inbound.indexOf('acl-x rule 200');
    assert.ok(deny >= 0 && allow > deny, 'rule 100 before rule 200');
    assert.match(inbound, /ip6 saddr 2001:2:0:a01::\/64 tcp dport 22 drop comment "acl-x rule 100"/);
    assert.match(inbound, /drop comment "acl-x rule \*"\n\s+}/);
    assert.match(text, /iifname \{ "s10", "s11" \} oifname != \{ "s10", "s11" \} jump out_1/);
    assert.match(text, /oifname \{ "s10", "s11" \} iifname != \{ "s10", "s11" \} jump in_1/);
    assert.match(text, /iifname "pcxab" drop comment "pcx-0dab not active"/);
  });
});

describe('route compilation', () => {
  const net = (zoneOfSubnet0: string): RandomNetwork => {
    const base = randomNetwork(1);
    return {
      ...base,
      vpcs: [{ index: 0, subnets: [0, 1], ipv6: true }],
      zones: new Map([
        [0, zoneOfSubnet0],
        [1, 'us-east-1b'],
      ]),
      ipv6Subnets: new Set([0, 1]),
      inventory: {
        ...base.inventory,
        vpcs: [{ VpcId: 'vpc-0da', CidrBlock: '198.19.0.0/16' }],
        routeTables: [
          {
            RouteTableId: 'rtb-main',
            VpcId: 'vpc-0da',
            Associations: [{ Main: true }],
            Routes: [
              { DestinationCidrBlock: '198.19.0.0/16', GatewayId: 'local' },
              { DestinationCidrBlock: '198.18.0.0/18', TransitGatewayId: 'tgw-0d', State: 'active' },
              { DestinationIpv6CidrBlock: '::/0', VpcPeeringConnectionId: 'pcx-0dgone', State: 'blackhole' },
            ],
          },
        ],
        transitGatewayVpcAttachments: [
          {
            TransitGatewayAttachmentId: 'tgw-attach-0da',
            VpcId: 'vpc-0da',
            State: 'available',
            SubnetIds: ['subnet-0da1'],
          },
        ],
        transitGatewayAttachments: [
          {
            TransitGatewayAttachmentId: 'tgw-attach-0da',
            Association: { TransitGatewayRouteTableId: 'tgw-rtb-0d0', State: 'associated' },
          },
        ],
        transitGatewayStaticRoutes: new Map([
          [
            'tgw-rtb-0d0',
            [
              { DestinationCidrBlock: '198.19.0.0/16', TransitGatewayAttachments: [], State: 'blackhole' },
              {
                DestinationCidrBlock: '0.0.0.0/0',
                TransitGatewayAttachments: [{ TransitGatewayAttachmentId: 'tgw-attach-0da' }],
                State: 'active',
              },
            ],
          ],
        ]),
        transitGatewayRouteTablePropagations: new Map([
          [
            'tgw-rtb-0d0',
            [
              {
                TransitGatewayAttachmentId: 'tgw-attach-0da',
                ResourceId: 'vpc-0da',
                ResourceType: 'vpc',
                State: 'enabled',
              },
            ],
          ],
        ]),
      },
    };
  };

  it('sends a subnet to the transit gateway only from a zone its attachment has a subnet in', () => {
    const inZone = vpcRouterRoutes(net('us-east-1b'), 0);
    assert.match(inZone.ipv4, /route add throw 198\.19\.0\.0\/16 table 100\n/);
    assert.match(inZone.ipv4, /route add 198\.18\.0\.0\/18 via 198\.18\.200\.10 dev tgw onlink table 100\n/);
    assert.match(inZone.ipv6, /route add blackhole ::\/0 table 100\n/);
    const outOfZone = vpcRouterRoutes(net('us-east-1a'), 0);
    assert.match(outOfZone.ipv4, /route add blackhole 198\.18\.0\.0\/18 table 100\n/);
    // Delivery from the TGW: only into subnet 1's zone.
    assert.match(outOfZone.ipv4, /route add throw 198\.19\.2\.0\/24 table 40\n/);
    assert.doesNotMatch(outOfZone.ipv4, /throw 198\.19\.1\.0\/24 table 40/);
  });

  it('gives a TGW static route (blackhole or not) precedence over a propagated route of the same prefix', () => {
    const { ipv4 } = tgwRoutes(net('us-east-1b'));
    assert.match(ipv4, /route add blackhole 198\.19\.0\.0\/16 table 20 metric 10\n/);
    assert.match(
      ipv4,
      /route add 198\.19\.0\.0\/16 via 198\.18\.200\.9 dev att0 onlink table 20 metric 20\n/,
    );
    assert.match(ipv4, /route add 0\.0\.0\.0\/0 via 198\.18\.200\.9 dev att0 onlink table 20 metric 10\n/);
  });
});

describe('firewallRuleset', () => {
  it('orders rules pass, drop, reject by default and keeps the written order under strict order', () => {
    const rules = [
      { action: 'reject' as const, source: 'any', sid: 1 },
      { action: 'drop' as const, source: '198.19.1.0/24', sid: 2 },
      { action: 'pass' as const, source: '2001:2:0:a01::/64', sid: 3 },
    ];
    const fw = { strict: false, dropStrict: false, rules, ipv6: true };
    const byAction = firewallRuleset({ ...randomNetwork(1), firewall: fw });
    const order = (text: string) =>
      [...text.matchAll(/comment "(sid \d|aws:drop_strict)"/g)].map((m) => m[1]);
    assert.deepEqual(order(byAction), ['sid 3', 'sid 2', 'sid 1']);
    assert.match(byAction, /ip6 saddr 2001:2:0:a01::\/64 tcp dport 22 accept/);
    assert.match(byAction, /ip saddr 198\.19\.1\.0\/24 tcp dport 22 drop/);
    assert.match(byAction, /\n\s+tcp dport 22 reject with tcp reset comment "sid 1"/);
    const strict = firewallRuleset({
      ...randomNetwork(1),
      firewall: { ...fw, strict: true, dropStrict: true },
    });
    assert.deepEqual(order(strict), ['sid 1', 'sid 2', 'sid 3', 'aws:drop_strict']);
  });
});
