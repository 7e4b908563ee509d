// The inventory directory's network-edge files (DESIGN.md, "Inventory directory"): each one present, absent
// and malformed, read from a copy of test/fixtures/inventories/hub-and-spoke (shapes of the AWS CLI's
// `--output json`, after the examples in the EC2 and Network Firewall references).
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadInventoryDir } from '../../../../lambda/adapters/local/inventory-dir.ts';
import type { Inventory } from '../../../../lambda/core/inventory/model.ts';
import { InventoryError } from '../../../../lambda/core/inventory/parse.ts';

const FIXTURE = join(import.meta.dirname, '../../../fixtures/inventories/hub-and-spoke');
const scratch = mkdtempSync(join(tmpdir(), 'port22-inventory-dir-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let copies = 0;
/** A fresh copy of the fixture, changed by `edit`. */
function copyOfFixture(edit: (dir: string) => void): string {
  const dir = join(scratch, String(copies++));
  cpSync(FIXTURE, dir, { recursive: true });
  edit(dir);
  return dir;
}

/** What a file holds in the model: a count of records, or for a single-record file whether it is known. */
type Measure = (inv: Inventory) => number | string | undefined;

/** [file, what the fixture yields, what its absence yields, a malformed body, the one error expected] */
const FILES: [string, Measure, number | string | undefined, number | string | undefined, unknown, string][] =
  [
    [
      'describe-internet-gateways.json',
      (i) => i.internetGateways.length,
      1,
      0,
      { InternetGateways: [{ Attachments: [{ State: 'available', VpcId: 'vpc-08ca061c99229d049' }] }] },
      'describe-internet-gateways.json: InternetGateways[0].InternetGatewayId: missing (expected string)',
    ],
    [
      'describe-nat-gateways.json',
      (i) => i.natGateways[0]?.NatGatewayAddresses?.[0]?.PublicIp ?? 'none',
      '198.51.100.44',
      'none',
      {
        NatGateways: [
          { NatGatewayId: 'nat-00c8df14603ee933e', NatGatewayAddresses: [{ PublicIp: '198.51.100' }] },
        ],
      },
      'describe-nat-gateways.json: NatGateways[0].NatGatewayAddresses[0].PublicIp: expected an IPv4 address, got "198.51.100"',
    ],
    [
      'describe-addresses.json',
      (i) => i.addresses.length,
      1,
      0,
      { Addresses: { PublicIp: '198.51.100.44' } },
      'describe-addresses.json: Addresses: expected array',
    ],
    [
      'describe-vpc-endpoints.json',
      (i) => i.vpcEndpoints[0]?.RouteTableIds?.join() ?? 'none',
      'rtb-0dbb1213e1b68a1c4',
      'none',
      { VpcEndpoints: [{ VpcEndpointId: 'vpce-0a209cad15e88a0cc', RouteTableIds: 'rtb-0d7911c31a3d24719' }] },
      'describe-vpc-endpoints.json: VpcEndpoints[0].RouteTableIds: expected array',
    ],
    [
      'describe-vpc-peering-connections.json',
      (i) => i.vpcPeeringConnections[0]?.Status?.Code ?? 'none',
      'active',
      'none',
      {
        VpcPeeringConnections: [
          {
            VpcPeeringConnectionId: 'pcx-04f4b88914fd561a9',
            AccepterVpcInfo: { CidrBlockSet: [{ CidrBlock: '10.3.0.0' }] },
          },
        ],
      },
      'describe-vpc-peering-connections.json: VpcPeeringConnections[0].AccepterVpcInfo.CidrBlockSet[0].CidrBlock: expected an IPv4 CIDR',
    ],
    [
      'describe-transit-gateways.json',
      (i) => i.transitGateways[0]?.Options?.AssociationDefaultRouteTableId ?? 'none',
      'tgw-rtb-093423e58b403f43e',
      'none',
      {
        TransitGateways: [{ TransitGatewayId: 'tgw-01036ce5e98e5ee45', Options: { AmazonSideAsn: '64512' } }],
      },
      'describe-transit-gateways.json: TransitGateways[0].Options.AmazonSideAsn: expected number',
    ],
    [
      'describe-transit-gateway-attachments.json',
      (i) => i.transitGatewayAttachments.map((a) => a.Association?.TransitGatewayRouteTableId).join(),
      'tgw-rtb-093423e58b403f43e,tgw-rtb-0edcd2c4e61de9f23',
      '',
      {
        TransitGatewayAttachments: [
          {
            TransitGatewayAttachmentId: 'tgw-attach-09e03c5faf0ab4f9a',
            Association: 'tgw-rtb-0f4126cc87ce77bf0',
          },
        ],
      },
      'describe-transit-gateway-attachments.json: TransitGatewayAttachments[0].Association: expected object',
    ],
    [
      'describe-transit-gateway-vpc-attachments.json',
      (i) => i.transitGatewayVpcAttachments.flatMap((a) => a.SubnetIds ?? []).length,
      3,
      0,
      { TransitGatewayVpcAttachments: [{ VpcId: 'vpc-08ca061c99229d049' }] },
      'describe-transit-gateway-vpc-attachments.json: TransitGatewayVpcAttachments[0].TransitGatewayAttachmentId: missing (expected string)',
    ],
    [
      'describe-transit-gateway-peering-attachments.json',
      (i) => i.transitGatewayPeeringAttachments[0]?.AccepterTgwInfo?.Region ?? 'none',
      'us-west-2',
      'none',
      {
        TransitGatewayPeeringAttachments: [
          { TransitGatewayAttachmentId: 'tgw-attach-09e03c5faf0ab4f9a', AccepterTgwInfo: [] },
        ],
      },
      'describe-transit-gateway-peering-attachments.json: TransitGatewayPeeringAttachments[0].AccepterTgwInfo: expected object',
    ],
    [
      'describe-transit-gateway-route-tables.json',
      (i) => i.transitGatewayRouteTables.length,
      2,
      0,
      {
        TransitGatewayRouteTables: [
          { TransitGatewayRouteTableId: 'tgw-rtb-0f4126cc87ce77bf0', DefaultAssociationRouteTable: 'true' },
        ],
      },
      'describe-transit-gateway-route-tables.json: TransitGatewayRouteTables[0].DefaultAssociationRouteTable: expected boolean',
    ],
    [
      'get-transit-gateway-route-table-propagations/tgw-rtb-093423e58b403f43e.json',
      // No file: the table's propagations are unknown (no entry), not "none" (an empty list).
      (i) => i.transitGatewayRouteTablePropagations.get('tgw-rtb-093423e58b403f43e')?.length,
      1,
      undefined,
      { TransitGatewayRouteTablePropagations: [{ ResourceId: 7 }] },
      'get-transit-gateway-route-table-propagations/tgw-rtb-093423e58b403f43e.json: TransitGatewayRouteTablePropagations[0].ResourceId: expected string',
    ],
    [
      'search-transit-gateway-routes/tgw-rtb-093423e58b403f43e.json',
      (i) =>
        i.transitGatewayStaticRoutes
          .get('tgw-rtb-093423e58b403f43e')
          ?.map((r) => r.State)
          .join(),
      'active,blackhole',
      undefined,
      // Propagated routes in the static-routes file would be counted twice: the filter was left off.
      { Routes: [{ DestinationCidrBlock: '10.2.0.0/16', Type: 'propagated', State: 'active' }] },
      'search-transit-gateway-routes/tgw-rtb-093423e58b403f43e.json: Routes[0].Type: expected one of "static"',
    ],
    [
      'describe-vpc-block-public-access-options.json',
      // Every Region has the setting: no file leaves it unknown, never "off".
      (i) => i.vpcBlockPublicAccessOptions?.InternetGatewayBlockMode,
      'block-bidirectional',
      undefined,
      { VpcBlockPublicAccessOptions: [] },
      'describe-vpc-block-public-access-options.json: VpcBlockPublicAccessOptions: expected object',
    ],
    [
      'describe-vpc-block-public-access-exclusions.json',
      (i) => i.vpcBlockPublicAccessExclusions[0]?.InternetGatewayExclusionMode ?? 'none',
      'allow-bidirectional',
      'none',
      { VpcBlockPublicAccessExclusions: [{ InternetGatewayExclusionMode: 'allow-egress' }] },
      'describe-vpc-block-public-access-exclusions.json: VpcBlockPublicAccessExclusions[0].ExclusionId: missing (expected string)',
    ],
    [
      'network-firewall/firewalls/inspection.json',
      (i) =>
        i.networkFirewalls[0]?.FirewallStatus?.SyncStates?.['us-east-1a']?.Attachment?.EndpointId ?? 'none',
      'vpce-0197cac5ef55e2661',
      'none',
      {
        Firewall: {
          FirewallName: 'inspection',
          FirewallId: 'f-1',
          VpcId: 'vpc-08ca061c99229d049',
          SubnetMappings: [],
        },
      },
      'network-firewall/firewalls/inspection.json: Firewall.FirewallPolicyArn: missing (expected string)',
    ],
    [
      'network-firewall/policies/inspection-policy.json',
      (i) => i.networkFirewallPolicies[0]?.FirewallPolicy?.StatefulEngineOptions?.RuleOrder ?? 'none',
      'STRICT_ORDER',
      'none',
      {
        FirewallPolicyResponse: {
          FirewallPolicyName: 'p',
          FirewallPolicyArn: 'arn:p',
          FirewallPolicyId: 'p-1',
        },
        FirewallPolicy: { StatelessDefaultActions: 'aws:pass', StatelessFragmentDefaultActions: [] },
      },
      'network-firewall/policies/inspection-policy.json: FirewallPolicy.StatelessDefaultActions: expected array',
    ],
    [
      'network-firewall/rule-groups/ssh-rules.json',
      (i) =>
        i.networkFirewallRuleGroups
          .flatMap((g) => g.RuleGroup?.RulesSource.StatefulRules ?? [])
          .map((r) => r.Action)
          .join(),
      'PASS,REJECT',
      '',
      {
        RuleGroupResponse: { RuleGroupArn: 'arn:g', RuleGroupName: 'ssh-rules', RuleGroupId: 'g-1' },
        RuleGroup: {
          RulesSource: { StatefulRules: [{ Action: 'DROP', Header: { Protocol: 'TCP' }, RuleOptions: [] }] },
        },
      },
      'network-firewall/rule-groups/ssh-rules.json: RuleGroup.RulesSource.StatefulRules[0].Header.Source: missing (expected string)',
    ],
  ];

describe('inventory directory: network-edge files', () => {
  for (const [file, measure, present, absent, malformed, message] of FILES) {
    it(`${file}: read when present`, async () => {
      assert.deepEqual(measure(await loadInventoryDir(FIXTURE)), present);
    });
    it(`${file}: absent`, async () => {
      const dir = copyOfFixture((d) => rmSync(join(d, file)));
      assert.deepEqual(measure(await loadInventoryDir(dir)), absent);
    });
    it(`${file}: malformed is one error naming the file and the JSON path`, async () => {
      const dir = copyOfFixture((d) => writeFileSync(join(d, file), JSON.stringify(malformed)));
      await assert.rejects(
        loadInventoryDir(dir),
        (e: unknown) => e instanceof InventoryError && e.message === message,
      );
    });
  }

  it('invalid JSON in a per-resource file names its path', async () => {
    const file = 'network-firewall/policies/inspection-policy.json';
    const dir = copyOfFixture((d) => writeFileSync(join(d, file), '{"FirewallPolicy": '));
    await assert.rejects(loadInventoryDir(dir), new RegExp(`^InventoryError: ${file}: not valid JSON`));
  });

  it('a per-resource file whose name is not an id of its kind is named, not skipped', async () => {
    const dir = copyOfFixture((d) =>
      writeFileSync(join(d, 'search-transit-gateway-routes/rtb-0dbb1213e1b68a1c4.json'), '{"Routes": []}'),
    );
    await assert.rejects(
      loadInventoryDir(dir),
      /^InventoryError: search-transit-gateway-routes\/rtb-0dbb1213e1b68a1c4.json: not a search-transit-gateway-routes file name/,
    );
  });

  it('keeps Network Firewall records in name order and drops CLI-only keys (timestamps, capacity)', async () => {
    const inv = await loadInventoryDir(FIXTURE);
    assert.deepEqual(
      inv.networkFirewallRuleGroups.map((g) => g.RuleGroupResponse.RuleGroupName),
      ['forward-all', 'ssh-rules'],
    );
    assert.equal('LastModifiedTime' in inv.networkFirewallRuleGroups[1]!.RuleGroupResponse, false);
    assert.equal('CapacityUsageSummary' in (inv.networkFirewalls[0]!.FirewallStatus ?? {}), false);
  });
});
