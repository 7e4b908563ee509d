import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import {
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  DescribeManagedPrefixListsCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcPeeringConnectionsCommand,
  DescribeVpcsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { clientOptions, SDK_MAX_ATTEMPTS } from '../../../../lambda/adapters/aws/client-options.ts';
import {
  collectInventory,
  defaultEc2Client,
  InventoryCollectionError,
} from '../../../../lambda/adapters/aws/ec2-inventory.ts';
import { loadInventoryDir } from '../../../../lambda/adapters/local/inventory-dir.ts';
import { InventoryError } from '../../../../lambda/core/inventory/parse.ts';
import { type AnyCommand, emptyRegion, paged } from './ec2-stub.ts';

const FLEET = join(import.meta.dirname, '../../../fixtures/inventories/fleet');
const fleetDoc = (file: string): Record<string, unknown[]> =>
  JSON.parse(readFileSync(join(FLEET, file), 'utf8')) as Record<string, unknown[]>;

function setup() {
  const client = new EC2Client({ region: 'us-east-1' });
  const mock = mockClient(client);
  return { client, mock };
}

function apiError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

// The example output of `aws ec2 describe-network-acls` in the EC2 developer guide (trimmed to one ACL).
/** An interface endpoint with private DNS: its VPC's DNS attributes decide whether the prober reaches it. */
const EC2_PRIVATE_DNS_ENDPOINT = {
  VpcEndpointId: 'vpce-0a410000000000000',
  VpcEndpointType: 'Interface' as const,
  VpcId: 'vpc-0a41000000000000b',
  ServiceName: 'com.amazonaws.us-east-1.ec2',
  PrivateDnsEnabled: true,
};

const GUIDE_DEFAULT_ACL = {
  Associations: [
    {
      NetworkAclAssociationId: 'aclassoc-0c1679dc41EXAMPLE',
      NetworkAclId: 'acl-08cf85677b0723fa7',
      SubnetId: 'subnet-0a7f006968a99c934',
    },
  ],
  Entries: [
    { CidrBlock: '0.0.0.0/0', Egress: true, Protocol: '-1', RuleAction: 'allow', RuleNumber: 100 },
    { CidrBlock: '0.0.0.0/0', Egress: true, Protocol: '-1', RuleAction: 'deny', RuleNumber: 32767 },
    { CidrBlock: '0.0.0.0/0', Egress: false, Protocol: '-1', RuleAction: 'allow', RuleNumber: 100 },
    { CidrBlock: '0.0.0.0/0', Egress: false, Protocol: '-1', RuleAction: 'deny', RuleNumber: 32767 },
  ],
  IsDefault: true,
  NetworkAclId: 'acl-08cf85677b0723fa7',
  Tags: [],
  VpcId: 'vpc-0ad4af637bb6f6563',
  OwnerId: '111122223333',
};

describe('collectInventory', () => {
  it('produces the same model as the inventory directory for the same data, served in pages', async () => {
    const { client, mock } = setup();
    emptyRegion(mock);
    // Each fixture document, served as EC2 would in pages of the given size.
    const served: [AnyCommand, string, string, number][] = [
      [DescribeInstancesCommand, 'describe-instances.json', 'Reservations', 2],
      [DescribeSecurityGroupsCommand, 'describe-security-groups.json', 'SecurityGroups', 2],
      [DescribeSubnetsCommand, 'describe-subnets.json', 'Subnets', 1],
      [DescribeNetworkAclsCommand, 'describe-network-acls.json', 'NetworkAcls', 1],
      [DescribeRouteTablesCommand, 'describe-route-tables.json', 'RouteTables', 1],
      [DescribeVpcsCommand, 'describe-vpcs.json', 'Vpcs', 1],
      [
        DescribeVpcPeeringConnectionsCommand,
        'describe-vpc-peering-connections.json',
        'VpcPeeringConnections',
        1,
      ],
      [DescribeManagedPrefixListsCommand, 'describe-managed-prefix-lists.json', 'PrefixLists', 1],
      [DescribeInstanceStatusCommand, 'describe-instance-status.json', 'InstanceStatuses', 2],
      [GetManagedPrefixListEntriesCommand, 'prefix-list-entries/pl-0a1b2c3d4e5f60718.json', 'Entries', 1],
    ];
    for (const [command, file, key, pageSize] of served)
      paged(mock, command, key, fleetDoc(file)[key]!, pageSize);

    const live = await collectInventory({ client });
    const offline = await loadInventoryDir(FLEET);

    assert.deepEqual(live, offline);
    assert.ok(live.instances.length >= 5, 'the fixture has instances');
    assert.ok((live.prefixLists.get('pl-0a1b2c3d4e5f60718') ?? []).length > 1, 'entries across pages');
  });

  it('follows NextToken across several pages and keeps every item, in order', async () => {
    const { client, mock } = setup();
    emptyRegion(mock);
    const reservations = Array.from({ length: 7 }, (_, r) => ({
      ReservationId: `r-${r}`,
      OwnerId: '111122223333',
      Instances: [
        {
          InstanceId: `i-${String(r).padStart(16, '0')}a`,
          State: { Code: 16, Name: 'running' },
          PrivateIpAddress: `10.0.0.${r}`,
        },
        { InstanceId: `i-${String(r).padStart(16, '0')}b`, State: { Code: 80, Name: 'stopped' } },
      ],
    }));
    const tokens = paged(mock, DescribeInstancesCommand, 'Reservations', reservations, 3);

    const inv = await collectInventory({ client });

    assert.deepEqual(tokens, [undefined, 'token-3', 'token-6']);
    assert.deepEqual(
      inv.instances.map((i) => i.InstanceId),
      reservations.flatMap((r) => r.Instances.map((i) => i.InstanceId)),
    );
  });

  it('passes the vpc-id filter to every VPC-scoped call and keeps only those instances’ statuses', async () => {
    const { client, mock } = setup();
    emptyRegion(mock);
    mock.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: 'i-067d9a0b0faee533f', VpcId: 'vpc-039b5c33ac078af95' }] }],
    });
    mock.on(DescribeInstanceStatusCommand).resolves({
      InstanceStatuses: [
        { InstanceId: 'i-067d9a0b0faee533f', InstanceState: { Code: 16, Name: 'running' } },
        { InstanceId: 'i-00aa78b8993cbe3a5', InstanceState: { Code: 16, Name: 'running' } },
      ],
    });

    const inv = await collectInventory({
      client,
      vpcIds: ['vpc-039b5c33ac078af95', 'vpc-0d1f00a7204b8409b'],
    });

    const vpcFilter = [{ Name: 'vpc-id', Values: ['vpc-039b5c33ac078af95', 'vpc-0d1f00a7204b8409b'] }];
    for (const command of [
      DescribeInstancesCommand,
      DescribeSecurityGroupsCommand,
      DescribeSubnetsCommand,
      DescribeNetworkAclsCommand,
      DescribeRouteTablesCommand,
      DescribeVpcsCommand,
      DescribeNetworkInterfacesCommand,
    ] as AnyCommand[]) {
      const calls = mock.commandCalls(command);
      assert.equal(calls.length, 1, command.name);
      assert.deepEqual(calls[0]!.args[0].input.Filters, vpcFilter, command.name);
    }
    assert.deepEqual(
      inv.instanceStatuses.map((s) => s.InstanceId),
      ['i-067d9a0b0faee533f'],
    );
  });

  it('fetches entries only for prefix lists that a group rule or a route references', async () => {
    const { client, mock } = setup();
    emptyRegion(mock);
    mock.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        {
          GroupId: 'sg-01a0dd38e4f1c6ceb',
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: 22,
              ToPort: 22,
              PrefixListIds: [{ PrefixListId: 'pl-0e31f4bb79d92c1ce' }],
            },
          ],
        },
      ],
    });
    mock.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        {
          RouteTableId: 'rtb-0d5c27a2ae90da6d9',
          Routes: [
            { DestinationPrefixListId: 'pl-63a5400a', GatewayId: 'vpce-032d4fac6b68f17c9', State: 'active' },
          ],
        },
      ],
    });
    mock.on(DescribeManagedPrefixListsCommand).resolves({
      PrefixLists: [
        { PrefixListId: 'pl-0e31f4bb79d92c1ce', AddressFamily: 'IPv4', PrefixListName: 'office' },
        { PrefixListId: 'pl-63a5400a', AddressFamily: 'IPv4', PrefixListName: 'com.amazonaws.us-east-1.s3' },
        { PrefixListId: 'pl-08f2abc816d76f8a2', AddressFamily: 'IPv4', PrefixListName: 'unused' },
      ],
    });
    mock
      .on(GetManagedPrefixListEntriesCommand, { PrefixListId: 'pl-0e31f4bb79d92c1ce' })
      .resolves({ Entries: [{ Cidr: '203.0.113.0/24', Description: 'HQ' }] });
    mock
      .on(GetManagedPrefixListEntriesCommand, { PrefixListId: 'pl-63a5400a' })
      .resolves({ Entries: [{ Cidr: '54.231.0.0/16' }, { Cidr: '52.216.0.0/15' }] });

    const inv = await collectInventory({ client });

    const asked = mock
      .commandCalls(GetManagedPrefixListEntriesCommand)
      .map((c) => c.args[0].input.PrefixListId)
      .sort();
    assert.deepEqual(asked, ['pl-0e31f4bb79d92c1ce', 'pl-63a5400a']);
    assert.deepEqual(inv.prefixLists.get('pl-0e31f4bb79d92c1ce'), [
      { Cidr: '203.0.113.0/24', Description: 'HQ' },
    ]);
    assert.equal(inv.prefixLists.get('pl-63a5400a')?.length, 2);
    assert.equal(inv.managedPrefixLists.length, 3);
  });

  it('reads the two DNS attributes of each VPC with a private DNS interface endpoint, and of no other', async () => {
    const { client, mock } = setup();
    emptyRegion(mock);
    mock.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        EC2_PRIVATE_DNS_ENDPOINT,
        // Without private DNS, or a gateway endpoint: the attributes decide nothing for these VPCs.
        {
          VpcEndpointId: 'vpce-0a42000000000000b',
          VpcEndpointType: 'Interface',
          VpcId: 'vpc-0a42000000000000c',
          ServiceName: 'com.amazonaws.us-east-1.sns',
          PrivateDnsEnabled: false,
        },
        {
          VpcEndpointId: 'vpce-0a43000000000000d',
          VpcEndpointType: 'Gateway',
          VpcId: 'vpc-0a43000000000000d',
          ServiceName: 'com.amazonaws.us-east-1.dynamodb',
        },
      ],
    });
    // What `aws ec2 describe-vpc-attribute` prints: the id and the one attribute asked for.
    mock
      .on(DescribeVpcAttributeCommand, { VpcId: 'vpc-0a41000000000000b', Attribute: 'enableDnsSupport' })
      .resolves({ VpcId: 'vpc-0a41000000000000b', EnableDnsSupport: { Value: true } });
    mock
      .on(DescribeVpcAttributeCommand, { VpcId: 'vpc-0a41000000000000b', Attribute: 'enableDnsHostnames' })
      .resolves({ VpcId: 'vpc-0a41000000000000b', EnableDnsHostnames: { Value: false } });

    const inv = await collectInventory({ client });

    assert.deepEqual(
      mock
        .commandCalls(DescribeVpcAttributeCommand)
        .map((c) => [c.args[0].input.VpcId, c.args[0].input.Attribute]),
      [
        ['vpc-0a41000000000000b', 'enableDnsSupport'],
        ['vpc-0a41000000000000b', 'enableDnsHostnames'],
      ],
    );
    assert.deepEqual(
      [...(inv.vpcDnsAttributes ?? [])],
      [['vpc-0a41000000000000b', { enableDnsSupport: true, enableDnsHostnames: false }]],
    );
  });

  it('a DescribeVpcAttribute refused: one partial-failure line and the rest of the inventory, else the collection fails', async () => {
    const { client, mock } = setup();
    emptyRegion(mock);
    mock.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [EC2_PRIVATE_DNS_ENDPOINT],
    });
    mock
      .on(DescribeVpcAttributeCommand)
      .rejects(apiError('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const lines: string[] = [];
    const inv = await collectInventory({ client, onPartialFailure: (line) => lines.push(line) });
    assert.equal(inv.vpcDnsAttributes, undefined);
    assert.equal(inv.vpcEndpoints.length, 1);
    assert.deepEqual(lines, [
      "VPC DNS attributes not read (the prober's paths note it): DescribeVpcAttribute vpc-0a41000000000000b enableDnsSupport failed: UnauthorizedOperation: You are not authorized to perform this operation.",
    ]);
    await assert.rejects(
      collectInventory({ client }),
      /DescribeVpcAttribute vpc-0a41000000000000b enableDnsSupport failed/,
    );
  });

  it('reads the describe-network-acls example of the EC2 guide into the model', async () => {
    const { client, mock } = setup();
    emptyRegion(mock);
    mock.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [GUIDE_DEFAULT_ACL] as AnyCommand });

    const inv = await collectInventory({ client });

    assert.equal(inv.networkAcls.length, 1);
    const acl = inv.networkAcls[0]!;
    assert.equal(acl.IsDefault, true);
    assert.equal(acl.Associations?.[0]?.SubnetId, 'subnet-0a7f006968a99c934');
    assert.deepEqual(
      acl.Entries?.map((e) => [e.RuleNumber, e.Egress, e.RuleAction]),
      [
        [100, true, 'allow'],
        [32767, true, 'deny'],
        [100, false, 'allow'],
        [32767, false, 'deny'],
      ],
    );
  });

  it('rejects a page that fails mid-pagination instead of returning the pages before it', async () => {
    const { client, mock } = setup();
    emptyRegion(mock);
    mock.on(DescribeInstancesCommand).callsFake((input: { NextToken?: string }) => {
      if (input.NextToken) throw apiError('InternalError', 'An internal error has occurred.');
      return { Reservations: [{ Instances: [{ InstanceId: 'i-00d06743627fb1e07' }] }], NextToken: 'token-1' };
    });

    await assert.rejects(collectInventory({ client }), /DescribeInstances failed: InternalError/);
  });

  it('hands API output the model cannot hold to the parser, which names the document and the path', async () => {
    const { client, mock } = setup();
    emptyRegion(mock);
    mock.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        {
          GroupId: 'sg-01a0dd38e4f1c6ceb',
          IpPermissions: [{ IpProtocol: 'tcp', IpRanges: [{ CidrIp: 'nope' }] }],
        },
      ],
    });

    await assert.rejects(
      collectInventory({ client }),
      (e: unknown) =>
        e instanceof InventoryError &&
        e.message ===
          'describe-security-groups.json: SecurityGroups[0].IpPermissions[0].IpRanges[0].CidrIp: expected an IPv4 CIDR',
    );
  });

  it('stops when aborted', async () => {
    const { client, mock } = setup();
    emptyRegion(mock);
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    await assert.rejects(collectInventory({ client, signal: controller.signal }), /shutting down/);
    assert.equal(mock.commandCalls(DescribeInstancesCommand).length, 0);
  });
});

/**
 * A loopback EC2 endpoint speaking the query protocol, so the real client, retry middleware included, runs
 * end to end. `answer(action, nth)` gives the status and XML for the nth call (from 1) of an action;
 * unlisted actions answer with an empty result.
 */
async function ec2Endpoint(
  t: TestContext,
  answer: (action: string, nth: number) => { status: number; xml: string } | undefined,
  maxAttempts = 2,
) {
  const calls = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const action = new URLSearchParams(body).get('Action') ?? '';
      const nth = (calls.get(action) ?? 0) + 1;
      calls.set(action, nth);
      const a = answer(action, nth) ?? {
        status: 200,
        xml: `<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId></${action}Response>`,
      };
      res.writeHead(a.status, { 'content-type': 'text/xml' }).end(a.xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new EC2Client({
    ...clientOptions('ec2', {
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    }),
    maxAttempts,
  });
  t.after(async () => {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { client, calls: (action: string) => calls.get(action) ?? 0 };
}

// EC2's error envelope; it answers RequestLimitExceeded with HTTP 503.
const ec2Error = (status: number, code: string, message: string) => ({
  status,
  xml: `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>r</RequestID></Response>`,
});
const THROTTLED = ec2Error(503, 'RequestLimitExceeded', 'Request limit exceeded.');

describe('collectInventory throttled, through the SDK client and its retry strategy', () => {
  it('a throttled call is retried by the client, and the collection completes', async (t) => {
    const ec2 = await ec2Endpoint(t, (action, nth) =>
      action !== 'DescribeSecurityGroups'
        ? undefined
        : nth === 1
          ? THROTTLED
          : {
              status: 200,
              xml: '<DescribeSecurityGroupsResponse><securityGroupInfo><item><groupId>sg-01a0dd38e4f1c6ceb</groupId></item></securityGroupInfo></DescribeSecurityGroupsResponse>',
            },
    );
    const inv = await collectInventory({ client: ec2.client });
    assert.deepEqual(
      inv.securityGroups.map((g) => g.GroupId),
      ['sg-01a0dd38e4f1c6ceb'],
    );
    assert.equal(ec2.calls('DescribeSecurityGroups'), 2);
  });

  it('once the SDK gives up, rejects naming the call and its attempts — no partial model', async (t) => {
    const ec2 = await ec2Endpoint(t, (action) => (action === 'DescribeSubnets' ? THROTTLED : undefined));
    await assert.rejects(collectInventory({ client: ec2.client }), (e: unknown) => {
      assert.ok(e instanceof InventoryCollectionError);
      assert.equal(e.operation, 'DescribeSubnets');
      assert.equal(e.attempts, 2);
      assert.equal(
        e.message,
        'DescribeSubnets failed after 2 attempts: RequestLimitExceeded: Request limit exceeded.',
      );
      return true;
    });
    assert.equal(ec2.calls('DescribeSubnets'), 2);
  });

  it('does not retry an error that is not throttling (missing permission)', async (t) => {
    const ec2 = await ec2Endpoint(t, (action) =>
      action === 'DescribeNetworkAcls'
        ? ec2Error(403, 'UnauthorizedOperation', 'You are not authorized to perform this operation.')
        : undefined,
    );
    await assert.rejects(
      collectInventory({ client: ec2.client }),
      /^InventoryCollectionError: DescribeNetworkAcls failed: UnauthorizedOperation: You are not authorized/,
    );
    assert.equal(ec2.calls('DescribeNetworkAcls'), 1);
  });

  it('stops the other calls’ retries once one call has failed for good', async (t) => {
    // Ten attempts would go on for seconds of backoff: the abort must end them where they are.
    const ec2 = await ec2Endpoint(
      t,
      (action) =>
        action === 'DescribeSubnets'
          ? ec2Error(403, 'UnauthorizedOperation', 'not authorized')
          : action === 'DescribeVpcs'
            ? THROTTLED
            : undefined,
      10,
    );
    await assert.rejects(
      collectInventory({ client: ec2.client }),
      /DescribeSubnets failed: UnauthorizedOperation/,
    );
    // Past the SDK's first two throttling backoffs (each at most 500 ms · 2^n): without the abort, a retry
    // would have reached the endpoint by now. The first request may have been on its way already.
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok(
      ec2.calls('DescribeVpcs') <= 1,
      `DescribeVpcs kept retrying: ${ec2.calls('DescribeVpcs')} calls`,
    );
  });
});

describe('defaultEc2Client', () => {
  it('uses adaptive retry with a bounded number of attempts', async () => {
    const client = defaultEc2Client('eu-west-1');
    assert.equal(await client.config.maxAttempts(), SDK_MAX_ATTEMPTS);
    const strategy = (await client.config.retryStrategy()) as { mode?: string };
    assert.equal(strategy.mode, 'adaptive');
    assert.equal(strategy.constructor.name, 'AdaptiveRetryStrategy');
    client.destroy();
  });
});
