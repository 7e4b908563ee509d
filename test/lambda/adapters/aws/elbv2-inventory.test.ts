/**
 * The live collector's load balancers (aws-sdk-client-mock, response shapes as the Elastic Load
 * Balancing API reference gives them): paged DescribeLoadBalancers / DescribeTargetGroups, one
 * DescribeTargetHealth per target group, DescribeTags 20 ARNs at a time, DescribeListeners paged per load
 * balancer, DescribeLoadBalancerAttributes / DescribeTargetGroupAttributes once per resource; the same model
 * as the files.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { collectInventory } from '../../../../lambda/adapters/aws/ec2-inventory.ts';
import { emptyRegion } from './ec2-stub.ts';

const VPC = 'vpc-0000000000000000a';
const OTHER_VPC = 'vpc-0000000000000000b';
const arn = (kind: string, name: string, n: number) =>
  `arn:aws:elasticloadbalancing:eu-west-1:111122223333:${kind}/${kind === 'loadbalancer' ? 'net/' : ''}${name}/${n.toString(16).padStart(16, '0')}`;

function region(groups: number) {
  const ec2 = new EC2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  emptyRegion(mockClient(ec2));
  const elbv2 = new ElasticLoadBalancingV2Client({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const mock = mockClient(elbv2);
  // Two pages of load balancers (Marker / NextMarker), one in another VPC.
  mock
    .on(DescribeLoadBalancersCommand, {})
    .resolves({
      LoadBalancers: [
        {
          LoadBalancerArn: arn('loadbalancer', 'ssh-nlb', 1),
          LoadBalancerName: 'ssh-nlb',
          Scheme: 'internal',
          VpcId: VPC,
          Type: 'network',
        },
      ],
      NextMarker: 'm1',
    })
    .on(DescribeLoadBalancersCommand, { Marker: 'm1' })
    .resolves({
      LoadBalancers: [
        {
          LoadBalancerArn: arn('loadbalancer', 'far-nlb', 2),
          LoadBalancerName: 'far-nlb',
          VpcId: OTHER_VPC,
          Type: 'network',
        },
      ],
    });
  const targetGroups = Array.from({ length: groups }, (_, i) => ({
    TargetGroupArn: arn('targetgroup', `ssh-${i}`, i + 1),
    TargetGroupName: `ssh-${i}`,
    Protocol: 'TCP' as const,
    Port: 22,
    VpcId: VPC,
  }));
  mock.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: targetGroups });
  mock.on(DescribeTargetHealthCommand).callsFake((input: { TargetGroupArn: string }) => ({
    TargetHealthDescriptions: [
      {
        Target: { Id: 'i-0000000000000000a', Port: 22 },
        TargetHealth: {
          State: 'unhealthy',
          Reason: 'Target.FailedHealthChecks',
          Description: input.TargetGroupArn,
        },
      },
    ],
  }));
  mock.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({
    TagDescriptions: input.ResourceArns.map((a) => ({
      ResourceArn: a,
      Tags: [{ Key: 'port22:group-min', Value: '2' }],
    })),
  }));
  // Two pages of listeners for ssh-nlb (Marker / NextMarker): port 22 forwarding to ssh-0, then port 2222.
  const nlb = arn('loadbalancer', 'ssh-nlb', 1);
  const listener = (port: number) => ({
    ListenerArn: `${nlb.replace(':loadbalancer/', ':listener/')}/${port.toString(16).padStart(16, '0')}`,
    LoadBalancerArn: nlb,
    Port: port,
    Protocol: 'TCP' as const,
    DefaultActions: [
      {
        Type: 'forward' as const,
        TargetGroupArn: arn('targetgroup', 'ssh-0', 1),
        ForwardConfig: {
          TargetGroups: [{ TargetGroupArn: arn('targetgroup', 'ssh-0', 1), Weight: 1 }],
          TargetGroupStickinessConfig: { Enabled: false },
        },
      },
    ],
  });
  mock
    .on(DescribeListenersCommand, { LoadBalancerArn: nlb })
    .resolves({ Listeners: [listener(22)], NextMarker: 'l1' })
    .on(DescribeListenersCommand, { LoadBalancerArn: nlb, Marker: 'l1' })
    .resolves({ Listeners: [listener(2222)] });
  // The attributes as DescribeLoadBalancerAttributes answers for an NLB (every key, string values), and a
  // target group that overrides it.
  mock.on(DescribeLoadBalancerAttributesCommand, { LoadBalancerArn: nlb }).resolves({
    Attributes: [
      { Key: 'deletion_protection.enabled', Value: 'false' },
      { Key: 'load_balancing.cross_zone.enabled', Value: 'false' },
      { Key: 'dns_record.client_routing_policy', Value: 'any_availability_zone' },
    ],
  });
  mock.on(DescribeTargetGroupAttributesCommand).callsFake((input: { TargetGroupArn: string }) => ({
    Attributes: [
      { Key: 'deregistration_delay.timeout_seconds', Value: '300' },
      {
        Key: 'load_balancing.cross_zone.enabled',
        Value:
          input.TargetGroupArn === arn('targetgroup', 'ssh-0', 1)
            ? 'true'
            : 'use_load_balancer_configuration',
      },
    ],
  }));
  return { ec2, elbv2, mock };
}

describe('collectInventory with an Elastic Load Balancing client', () => {
  it('every page, the VPCs asked for, each target group its health, tags 20 ARNs per call', async () => {
    const { ec2, elbv2, mock } = region(21);
    const inv = await collectInventory({ client: ec2, elbv2Client: elbv2, vpcIds: [VPC] });
    const lb = inv.loadBalancing!;
    assert.deepEqual(
      lb.loadBalancers.map((b) => b.LoadBalancerArn),
      [arn('loadbalancer', 'ssh-nlb', 1)],
    );
    assert.equal(lb.targetGroups.length, 21);
    assert.equal(
      lb.targetHealth.get('ssh-20')?.[0]?.TargetHealth?.Description,
      arn('targetgroup', 'ssh-20', 21),
    );
    assert.equal(mock.commandCalls(DescribeTargetHealthCommand).length, 21);
    assert.deepEqual(
      mock.commandCalls(DescribeTagsCommand).map((c) => c.args[0].input.ResourceArns?.length),
      [20, 1],
    );
    assert.deepEqual(lb.tags.get(arn('targetgroup', 'ssh-0', 1)), [{ Key: 'port22:group-min', Value: '2' }]);
    // Both pages of the in-scope load balancer's listeners; none asked of the other VPC's.
    assert.deepEqual(
      lb.listeners
        ?.get('ssh-nlb')
        ?.map((l) => [l.Port, l.DefaultActions?.[0]?.ForwardConfig?.TargetGroups?.[0]?.Weight]),
      [
        [22, 1],
        [2222, 1],
      ],
    );
    // Two calls, both for ssh-nlb (the paginator reuses one input object, so the recorded Markers cannot
    // tell the pages apart: the two ports above, one from each page, do).
    assert.deepEqual(
      mock.commandCalls(DescribeListenersCommand).map((c) => c.args[0].input.LoadBalancerArn),
      [arn('loadbalancer', 'ssh-nlb', 1), arn('loadbalancer', 'ssh-nlb', 1)],
    );
  });

  it('the attributes: one call per in-scope load balancer and per target group, keyed by name', async () => {
    const { ec2, elbv2, mock } = region(2);
    const inv = await collectInventory({ client: ec2, elbv2Client: elbv2, vpcIds: [VPC] });
    const lb = inv.loadBalancing!;
    assert.equal(
      lb.loadBalancerAttributes?.get('ssh-nlb')?.get('load_balancing.cross_zone.enabled'),
      'false',
    );
    assert.equal(lb.loadBalancerAttributes?.has('far-nlb'), false);
    assert.deepEqual(
      ['ssh-0', 'ssh-1'].map((g) =>
        lb.targetGroupAttributes?.get(g)?.get('load_balancing.cross_zone.enabled'),
      ),
      ['true', 'use_load_balancer_configuration'],
    );
    assert.deepEqual(
      mock.commandCalls(DescribeLoadBalancerAttributesCommand).map((c) => c.args[0].input.LoadBalancerArn),
      [arn('loadbalancer', 'ssh-nlb', 1)],
    );
    assert.deepEqual(
      mock.commandCalls(DescribeTargetGroupAttributesCommand).map((c) => c.args[0].input.TargetGroupArn),
      [arn('targetgroup', 'ssh-0', 1), arn('targetgroup', 'ssh-1', 2)],
    );
  });

  it('a failed DescribeTargetGroupAttributes is named like the other calls', async () => {
    const { ec2, elbv2, mock } = region(1);
    mock
      .on(DescribeTargetGroupAttributesCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }));
    await assert.rejects(
      collectInventory({ client: ec2, elbv2Client: elbv2, vpcIds: [VPC] }),
      /^InventoryCollectionError: DescribeTargetGroupAttributes ssh-0 failed: AccessDenied: User is not authorized$/,
    );
  });

  it('a failed DescribeListeners is named like the other calls', async () => {
    const { ec2, elbv2, mock } = region(1);
    mock
      .on(DescribeListenersCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }));
    await assert.rejects(
      collectInventory({ client: ec2, elbv2Client: elbv2, vpcIds: [VPC] }),
      /^InventoryCollectionError: DescribeListeners ssh-nlb failed: AccessDenied: User is not authorized$/,
    );
  });

  it('without the client: no Elastic Load Balancing call, no load balancers', async () => {
    const { ec2, mock } = region(1);
    const inv = await collectInventory({ client: ec2 });
    assert.equal(inv.loadBalancing, undefined);
    assert.equal(mock.calls().length, 0);
  });

  it('a call that fails for good names it', async () => {
    const { ec2, elbv2, mock } = region(1);
    mock
      .on(DescribeTargetHealthCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }));
    await assert.rejects(
      collectInventory({ client: ec2, elbv2Client: elbv2 }),
      /^InventoryCollectionError: DescribeTargetHealth ssh-0 failed: AccessDenied: User is not authorized$/,
    );
  });

  it('told where partial failures go (the inventory source), a failed load-balancer read costs only the groups', async () => {
    const { ec2, elbv2, mock } = region(1);
    mock
      .on(DescribeLoadBalancersCommand)
      .rejects(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }));
    const said: string[] = [];
    const inv = await collectInventory({
      client: ec2,
      elbv2Client: elbv2,
      onPartialFailure: (l) => said.push(l),
    });
    assert.equal(inv.loadBalancing, undefined);
    // The rest of the VPC was read: the EC2 stub's documents are there.
    assert.ok(Array.isArray(inv.instances));
    assert.deepEqual(said, [
      'load balancers not read (no load-balanced groups this run): DescribeLoadBalancers failed: TimeoutError: connect ETIMEDOUT',
    ]);
  });
});
