// The live collector's network-edge reads: internet/NAT gateways, Elastic IPs, endpoints, peering, transit
// gateways, Block Public Access and AWS Network Firewall, served from the hub-and-spoke fixture (the shapes
// `--output json` prints) through aws-sdk-client-mock, and compared with the directory loader's model.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTransitGatewayAttachmentsCommand,
  DescribeTransitGatewayPeeringAttachmentsCommand,
  DescribeTransitGatewayRouteTablesCommand,
  DescribeTransitGatewaysCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  DescribeVpcBlockPublicAccessExclusionsCommand,
  DescribeVpcBlockPublicAccessOptionsCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcPeeringConnectionsCommand,
  EC2Client,
  GetTransitGatewayRouteTablePropagationsCommand,
  SearchTransitGatewayRoutesCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeFirewallCommand,
  DescribeFirewallPolicyCommand,
  DescribeRuleGroupCommand,
  ListFirewallsCommand,
  NetworkFirewallClient,
} from '@aws-sdk/client-network-firewall';
import { mockClient } from 'aws-sdk-client-mock';
import { collectInventory, InventoryCollectionError } from '../../../../lambda/adapters/aws/ec2-inventory.ts';
import { loadInventoryDir } from '../../../../lambda/adapters/local/inventory-dir.ts';
import { emptyRegion } from './ec2-stub.ts';

const FIXTURE = join(import.meta.dirname, '../../../fixtures/inventories/hub-and-spoke');
const doc = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURE, file), 'utf8')) as Record<string, unknown>;
/** `<dir>/<name>.json` → the document, by name. */
const docsIn = (dir: string): Map<string, Record<string, unknown>> =>
  new Map(readdirSync(join(FIXTURE, dir)).map((f) => [f.replace(/\.json$/, ''), doc(`${dir}/${f}`)]));

// biome-ignore lint/suspicious/noExplicitAny: the mock's command table is heterogenous by design
type AnyCommand = any;
// biome-ignore lint/suspicious/noExplicitAny: either client's stub
type AnyMock = any;

/** Serves `items` under `key` one per page, as EC2 does with NextToken; records the tokens each call sent. */
function onePerPage(mock: AnyMock, command: AnyCommand, key: string, items: readonly unknown[]) {
  const tokens: (string | undefined)[] = [];
  mock.on(command).callsFake((input: { NextToken?: string }) => {
    tokens.push(input.NextToken);
    const at = input.NextToken ? Number(input.NextToken.replace('token-', '')) : 0;
    return {
      [key]: items.slice(at, at + 1),
      ...(at + 1 < items.length ? { NextToken: `token-${at + 1}` } : {}),
      $metadata: { httpStatusCode: 200 },
    };
  });
  return tokens;
}

/** The fixture's whole Region behind two mocked clients; returns the tokens of the paged calls. */
function fixtureRegion() {
  const client = new EC2Client({ region: 'us-east-1' });
  const ec2 = mockClient(client);
  const networkFirewallClient = new NetworkFirewallClient({ region: 'us-east-1' });
  const nfw = mockClient(networkFirewallClient);
  emptyRegion(ec2);
  const list = (file: string, key: string) => doc(file)[key] as unknown[];
  const tokens = {
    reservations: onePerPage(
      ec2,
      DescribeInstancesCommand,
      'Reservations',
      list('describe-instances.json', 'Reservations'),
    ),
    groups: onePerPage(
      ec2,
      DescribeSecurityGroupsCommand,
      'SecurityGroups',
      list('describe-security-groups.json', 'SecurityGroups'),
    ),
    subnets: onePerPage(ec2, DescribeSubnetsCommand, 'Subnets', list('describe-subnets.json', 'Subnets')),
    networkAcls: onePerPage(
      ec2,
      DescribeNetworkAclsCommand,
      'NetworkAcls',
      list('describe-network-acls.json', 'NetworkAcls'),
    ),
    routeTables: onePerPage(
      ec2,
      DescribeRouteTablesCommand,
      'RouteTables',
      list('describe-route-tables.json', 'RouteTables'),
    ),
    igws: onePerPage(
      ec2,
      DescribeInternetGatewaysCommand,
      'InternetGateways',
      list('describe-internet-gateways.json', 'InternetGateways'),
    ),
    nats: onePerPage(
      ec2,
      DescribeNatGatewaysCommand,
      'NatGateways',
      list('describe-nat-gateways.json', 'NatGateways'),
    ),
    endpoints: onePerPage(
      ec2,
      DescribeVpcEndpointsCommand,
      'VpcEndpoints',
      list('describe-vpc-endpoints.json', 'VpcEndpoints'),
    ),
    peerings: onePerPage(
      ec2,
      DescribeVpcPeeringConnectionsCommand,
      'VpcPeeringConnections',
      list('describe-vpc-peering-connections.json', 'VpcPeeringConnections'),
    ),
    tgws: onePerPage(
      ec2,
      DescribeTransitGatewaysCommand,
      'TransitGateways',
      list('describe-transit-gateways.json', 'TransitGateways'),
    ),
    attachments: onePerPage(
      ec2,
      DescribeTransitGatewayAttachmentsCommand,
      'TransitGatewayAttachments',
      list('describe-transit-gateway-attachments.json', 'TransitGatewayAttachments'),
    ),
    vpcAttachments: onePerPage(
      ec2,
      DescribeTransitGatewayVpcAttachmentsCommand,
      'TransitGatewayVpcAttachments',
      list('describe-transit-gateway-vpc-attachments.json', 'TransitGatewayVpcAttachments'),
    ),
    peeringAttachments: onePerPage(
      ec2,
      DescribeTransitGatewayPeeringAttachmentsCommand,
      'TransitGatewayPeeringAttachments',
      list('describe-transit-gateway-peering-attachments.json', 'TransitGatewayPeeringAttachments'),
    ),
    tgwRouteTables: onePerPage(
      ec2,
      DescribeTransitGatewayRouteTablesCommand,
      'TransitGatewayRouteTables',
      list('describe-transit-gateway-route-tables.json', 'TransitGatewayRouteTables'),
    ),
    exclusions: onePerPage(
      ec2,
      DescribeVpcBlockPublicAccessExclusionsCommand,
      'VpcBlockPublicAccessExclusions',
      list('describe-vpc-block-public-access-exclusions.json', 'VpcBlockPublicAccessExclusions'),
    ),
  };
  // No pagination in the API: one answer each.
  ec2.on(DescribeAddressesCommand).resolves(doc('describe-addresses.json'));
  ec2
    .on(DescribeVpcBlockPublicAccessOptionsCommand)
    .resolves(doc('describe-vpc-block-public-access-options.json'));

  // Per TGW route table, paged one item per page as well.
  const propagations = docsIn('get-transit-gateway-route-table-propagations');
  const staticRoutes = docsIn('search-transit-gateway-routes');
  const searches: { TransitGatewayRouteTableId?: string; Filters?: unknown; NextToken?: string }[] = [];
  const perTable =
    (docs: Map<string, Record<string, unknown>>, key: string) =>
    (input: { TransitGatewayRouteTableId: string; NextToken?: string }) => {
      const items = (docs.get(input.TransitGatewayRouteTableId)?.[key] ?? []) as unknown[];
      const at = input.NextToken ? Number(input.NextToken.replace('token-', '')) : 0;
      return {
        [key]: items.slice(at, at + 1),
        ...(at + 1 < items.length ? { NextToken: `token-${at + 1}` } : {}),
      };
    };
  ec2
    .on(GetTransitGatewayRouteTablePropagationsCommand)
    .callsFake(perTable(propagations, 'TransitGatewayRouteTablePropagations'));
  const routes = perTable(staticRoutes, 'Routes');
  ec2
    .on(SearchTransitGatewayRoutesCommand)
    .callsFake((input: Parameters<typeof routes>[0] & { Filters?: unknown }) => {
      searches.push({ ...input }); // the paginator reuses its input object
      return { ...routes(input), AdditionalRoutesAvailable: false };
    });

  // Network Firewall: ListFirewalls, then each firewall, its policy and the policy's rule groups by ARN.
  const firewalls = [...docsIn('network-firewall/firewalls').values()];
  const policies = [...docsIn('network-firewall/policies').values()];
  const ruleGroups = [...docsIn('network-firewall/rule-groups').values()];
  const listed: unknown[] = [];
  nfw.on(ListFirewallsCommand).callsFake((input: unknown) => {
    listed.push((input as { VpcIds?: string[] }).VpcIds);
    return {
      Firewalls: firewalls.map((f) => {
        const { FirewallName, FirewallArn } = f.Firewall as { FirewallName: string; FirewallArn: string };
        return { FirewallName, FirewallArn };
      }),
    };
  });
  const byArn =
    (docs: Record<string, unknown>[], outer: string, arnKey: string) => (arn: string | undefined) =>
      docs.find((d) => (d[outer] as Record<string, unknown>)[arnKey] === arn);
  const firewall = byArn(firewalls, 'Firewall', 'FirewallArn');
  const policy = byArn(policies, 'FirewallPolicyResponse', 'FirewallPolicyArn');
  const ruleGroup = byArn(ruleGroups, 'RuleGroupResponse', 'RuleGroupArn');
  nfw.on(DescribeFirewallCommand).callsFake((i: { FirewallArn?: string }) => firewall(i.FirewallArn));
  nfw
    .on(DescribeFirewallPolicyCommand)
    .callsFake((i: { FirewallPolicyArn?: string }) => policy(i.FirewallPolicyArn));
  nfw.on(DescribeRuleGroupCommand).callsFake((i: { RuleGroupArn?: string }) => ruleGroup(i.RuleGroupArn));
  return { client, ec2, networkFirewallClient, nfw, tokens, searches, listed };
}

function throttled(attempts: number): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400, attempts },
  });
}

describe('collectInventory: network edges', () => {
  it('produces the same model as the inventory directory for the same data, served one item per page', async () => {
    const { client, networkFirewallClient } = fixtureRegion();
    const live = await collectInventory({ client, networkFirewallClient });
    assert.deepEqual(live, await loadInventoryDir(FIXTURE));
  });

  it('follows NextToken across pages of every paginated call, the one without a paginator included', async () => {
    const { client, networkFirewallClient, tokens, searches } = fixtureRegion();
    await collectInventory({ client, networkFirewallClient });
    assert.deepEqual(tokens.attachments, [undefined, 'token-1']);
    assert.deepEqual(tokens.vpcAttachments, [undefined, 'token-1']);
    assert.deepEqual(tokens.tgwRouteTables, [undefined, 'token-1']);
    assert.deepEqual(tokens.exclusions, [undefined]);
    // The static-routes search is paged too (two routes in tgw-rtb-00dea482c62dc4aec…), always with the static filter.
    assert.deepEqual(
      searches.map((s) => [s.TransitGatewayRouteTableId, s.NextToken]),
      [
        ['tgw-rtb-0edcd2c4e61de9f23', undefined],
        ['tgw-rtb-093423e58b403f43e', undefined],
        ['tgw-rtb-093423e58b403f43e', 'token-1'],
      ],
    );
    for (const s of searches) assert.deepEqual(s.Filters, [{ Name: 'type', Values: ['static'] }]);
  });

  it('pages Block Public Access exclusions by NextToken although the SDK has no paginator for them', async () => {
    const { client, ec2, networkFirewallClient } = fixtureRegion();
    const exclusion = (
      doc('describe-vpc-block-public-access-exclusions.json').VpcBlockPublicAccessExclusions as object[]
    )[0];
    const second = { ...exclusion, ExclusionId: 'vpcbpa-exclude-0spoke00000000001' };
    const tokens = onePerPage(
      ec2,
      DescribeVpcBlockPublicAccessExclusionsCommand,
      'VpcBlockPublicAccessExclusions',
      [exclusion, second],
    );
    const inv = await collectInventory({ client, networkFirewallClient });
    assert.deepEqual(tokens, [undefined, 'token-1']);
    assert.deepEqual(
      inv.vpcBlockPublicAccessExclusions.map((x) => x.ExclusionId),
      ['vpcbpa-exclude-0inspect0000000001', 'vpcbpa-exclude-0spoke00000000001'],
    );
  });

  it('lists firewalls only in VPCs that route to an endpoint by CIDR, and reads each policy and rule group once', async () => {
    const { client, networkFirewallClient, nfw, listed } = fixtureRegion();
    await collectInventory({ client, networkFirewallClient });
    // vpc-0ff2625e79ba172c4… routes to a gateway endpoint by prefix list only: no firewall can be on its paths.
    assert.deepEqual(listed, [['vpc-0266b30ff3977c19d']]);
    assert.equal(nfw.commandCalls(DescribeFirewallPolicyCommand).length, 1);
    assert.deepEqual(
      nfw.commandCalls(DescribeRuleGroupCommand).map((c) => c.args[0].input.RuleGroupArn),
      [
        'arn:aws:network-firewall:us-east-1:123456789012:stateful-rulegroup/ssh-rules',
        'arn:aws:network-firewall:us-east-1:123456789012:stateless-rulegroup/forward-all',
      ],
    );
  });

  // DescribeRouteTables names a Gateway Load Balancer (and so a Network Firewall) endpoint target in
  // `VpcEndpointId` (EC2 API Reference, "Route"), and IPv6 routes (`DestinationIpv6CidrBlock`) reach
  // endpoints too: either puts a firewall possibly on the VPC's paths.
  const endpointRoutes: [string, Record<string, string>][] = [
    [
      'an IPv4 route in VpcEndpointId',
      { DestinationCidrBlock: '0.0.0.0/0', VpcEndpointId: 'vpce-0f0000000000000a1' },
    ],
    [
      'an IPv6 route in VpcEndpointId',
      { DestinationIpv6CidrBlock: '::/0', VpcEndpointId: 'vpce-0f0000000000000a1' },
    ],
    ['an IPv6 route in GatewayId', { DestinationIpv6CidrBlock: '::/0', GatewayId: 'vpce-0f0000000000000a1' }],
  ];
  for (const [name, route] of endpointRoutes) {
    it(`lists firewalls for a VPC with ${name}`, async () => {
      const client = new EC2Client({ region: 'us-east-1' });
      const ec2 = mockClient(client);
      emptyRegion(ec2);
      ec2.on(DescribeRouteTablesCommand).resolves({
        RouteTables: [
          {
            RouteTableId: 'rtb-0b0000000000000a1',
            VpcId: 'vpc-0b0000000000000a1',
            Routes: [
              {
                DestinationCidrBlock: '10.3.0.0/16',
                GatewayId: 'local',
                Origin: 'CreateRouteTable',
                State: 'active',
              },
              { ...route, Origin: 'CreateRoute', State: 'active' },
            ],
            Associations: [],
          },
        ],
      });
      const networkFirewallClient = new NetworkFirewallClient({ region: 'us-east-1' });
      const nfw = mockClient(networkFirewallClient);
      nfw.on(ListFirewallsCommand).resolves({ Firewalls: [] });
      await collectInventory({ client, networkFirewallClient });
      assert.deepEqual(
        nfw.commandCalls(ListFirewallsCommand).map((c) => c.args[0].input.VpcIds),
        [['vpc-0b0000000000000a1']],
      );
    });
  }

  it('makes no Network Firewall call when no route sends traffic to an endpoint by CIDR', async () => {
    const client = new EC2Client({ region: 'us-east-1' });
    emptyRegion(mockClient(client));
    const networkFirewallClient = new NetworkFirewallClient({ region: 'us-east-1' });
    const nfw = mockClient(networkFirewallClient);
    const inv = await collectInventory({ client, networkFirewallClient });
    assert.equal(nfw.calls().length, 0);
    assert.deepEqual(inv.networkFirewalls, []);
    // An answer without the Block Public Access setting leaves it unknown, as a missing file does.
    assert.equal(inv.vpcBlockPublicAccessOptions, undefined);
  });

  it('scopes gateways and endpoints to the VPCs asked for, with each call’s own filter name', async () => {
    const { client, ec2, networkFirewallClient } = fixtureRegion();
    await collectInventory({ client, networkFirewallClient, vpcIds: ['vpc-06793695e8da0aaa4'] });
    const input = (command: AnyCommand) =>
      ec2.commandCalls(command)[0]!.args[0].input as Record<string, unknown>;
    assert.deepEqual(input(DescribeInternetGatewaysCommand).Filters, [
      { Name: 'attachment.vpc-id', Values: ['vpc-06793695e8da0aaa4'] },
    ]);
    assert.deepEqual(input(DescribeNatGatewaysCommand).Filter, [
      { Name: 'vpc-id', Values: ['vpc-06793695e8da0aaa4'] },
    ]);
    assert.deepEqual(input(DescribeVpcEndpointsCommand).Filters, [
      { Name: 'vpc-id', Values: ['vpc-06793695e8da0aaa4'] },
    ]);
    // Peering and transit gateways join VPCs: read for the whole Region.
    assert.equal(input(DescribeVpcPeeringConnectionsCommand).Filters, undefined);
    assert.equal(input(DescribeTransitGatewayAttachmentsCommand).Filters, undefined);
  });

  const throttledCalls: [string, (region: ReturnType<typeof fixtureRegion>) => void, string][] = [
    [
      'a throttled EC2 call the SDK gave up on is reported naming the call — no partial model',
      ({ ec2 }) => ec2.on(DescribeTransitGatewayRouteTablesCommand).rejects(throttled(8)),
      'DescribeTransitGatewayRouteTables failed after 8 attempts: ThrottlingException: Rate exceeded',
    ],
    [
      'a throttled Network Firewall call is reported naming the call and the resource',
      ({ nfw }) => nfw.on(DescribeFirewallPolicyCommand).rejects(throttled(8)),
      'DescribeFirewallPolicy arn:aws:network-firewall:us-east-1:123456789012:firewall-policy/inspection-policy failed after 8 attempts: ThrottlingException: Rate exceeded',
    ],
  ];
  for (const [name, throttle, message] of throttledCalls) {
    it(name, async () => {
      const region = fixtureRegion();
      throttle(region);
      const { client, networkFirewallClient } = region;
      await assert.rejects(collectInventory({ client, networkFirewallClient }), (e: unknown) => {
        assert.ok(e instanceof InventoryCollectionError);
        assert.equal(e.message, message);
        return true;
      });
    });
  }
});
