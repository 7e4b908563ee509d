/**
 * SSH target groups (table-driven): which target groups are SSH groups, who their members are, and the
 * one line a user asks for. Semantics from AWS's Network Load Balancer guide: health checks come from
 * the load balancer's private addresses, which "Target security groups" must allow on the health check
 * port; an NLB with security groups sends only what their outbound rules allow ("Security groups for
 * your Network Load Balancer"); `traffic-port` health-checks the port the target is registered on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexInventory } from '../../../../lambda/core/inventory/model.ts';
import { InventoryError, parseInventory } from '../../../../lambda/core/inventory/parse.ts';
import {
  diagnoseTargetGroup,
  type MemberVerdict,
} from '../../../../lambda/core/load-balancing/target-group-diagnosis.ts';
import {
  loadBalancerPrivateAddresses,
  sshTargetGroups,
} from '../../../../lambda/core/load-balancing/target-groups.ts';
import { AnalysisContext } from '../../../../lambda/core/reachability/evaluation.ts';
import { sshNlb, sshPool, TG_ARN, VPC } from './nlb-fixtures.ts';

const A = 'i-0000000000000000a';
const B = 'i-0000000000000000b';
const C = 'i-0000000000000000c';
const SG_OPEN = 'sg-0000000000000000a'; // tcp/22 from the VPC
const SG_PROBER_ONLY = 'sg-0000000000000000b'; // tcp/22 from the prober's /32 only
const SG_NLB = 'sg-0000000000000000c'; // the load balancer's own group
const SG_FROM_NLB_GROUP = 'sg-0000000000000000d'; // tcp/22 from SG_NLB by reference
const SUBNET = 'subnet-0000000000000000a';

const tcp22 = (peer: object) => ({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, ...peer });
const GROUPS = [
  { GroupId: SG_OPEN, IpPermissions: [tcp22({ IpRanges: [{ CidrIp: '10.0.0.0/16' }] })] },
  { GroupId: SG_PROBER_ONLY, IpPermissions: [tcp22({ IpRanges: [{ CidrIp: '10.0.2.9/32' }] })] },
  {
    GroupId: SG_NLB,
    IpPermissions: [tcp22({ IpRanges: [{ CidrIp: '10.0.0.0/16' }] })],
    IpPermissionsEgress: [
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
    ],
  },
  { GroupId: SG_FROM_NLB_GROUP, IpPermissions: [tcp22({ UserIdGroupPairs: [{ GroupId: SG_NLB }] })] },
];

interface Case {
  name: string;
  instances?: { id: string; ip: string; group: string; port?: string }[];
  health: { Target: { Id: string; Port?: number }; TargetHealth?: { State?: string; Reason?: string } }[];
  verdicts: Record<string, MemberVerdict['diagnosis']>;
  nlbGroups?: string[];
  targetType?: string;
  tgPort?: number;
  tags?: { Key: string; Value: string }[];
  expect: { members: string[]; minimum?: number; summary?: string; codes?: string[] } | 'not-ssh';
}

const healthy = { State: 'healthy' };
const failing = { State: 'unhealthy', Reason: 'Target.FailedHealthChecks' };

const CASES: Case[] = [
  {
    name: 'every target healthy on both sides',
    health: [
      { Target: { Id: A, Port: 22 }, TargetHealth: healthy },
      { Target: { Id: B, Port: 22 }, TargetHealth: healthy },
    ],
    verdicts: { [A]: 'HEALTHY', [B]: 'HEALTHY' },
    expect: { members: [A, B], summary: '2 of 2 SSH targets healthy' },
  },
  {
    name: "one target failing the NLB's health check, port22 says why",
    health: [
      { Target: { Id: A, Port: 22 }, TargetHealth: healthy },
      { Target: { Id: B, Port: 22 }, TargetHealth: failing },
    ],
    verdicts: { [A]: 'HEALTHY', [B]: 'SSHD_NOT_LISTENING' },
    expect: {
      members: [A, B],
      summary: `1 of 2 SSH targets unhealthy: ${B} failing the NLB's health check (Target.FailedHealthChecks), port22 says SSHD_NOT_LISTENING`,
    },
  },
  {
    name: "a target whose group admits the prober but not the NLB's address: the rule is named",
    instances: [
      { id: A, ip: '10.0.1.10', group: SG_OPEN },
      { id: B, ip: '10.0.1.11', group: SG_OPEN },
      { id: C, ip: '10.0.1.12', group: SG_PROBER_ONLY },
    ],
    health: [
      { Target: { Id: A, Port: 22 }, TargetHealth: healthy },
      { Target: { Id: B, Port: 22 }, TargetHealth: failing },
      { Target: { Id: C, Port: 22 }, TargetHealth: failing },
    ],
    verdicts: { [A]: 'HEALTHY', [B]: 'SSHD_NOT_LISTENING', [C]: 'HEALTHY' },
    expect: {
      members: [A, B, C],
      summary:
        `2 of 3 SSH targets unhealthy: ${B} failing the NLB's health check (Target.FailedHealthChecks), port22 says SSHD_NOT_LISTENING; ` +
        `${C} failing the NLB's health check (Target.FailedHealthChecks), port22 says HEALTHY; security group ${SG_PROBER_ONLY} allows no TCP 22 from the NLB ssh-nlb's private address 10.0.1.50 (the NLB's health checks and traffic come from it)`,
      codes: ['SG_INGRESS_NO_MATCH'],
    },
  },
  {
    name: "an NLB with a security group: a target group referencing it admits it; the NLB's egress does not",
    instances: [{ id: A, ip: '10.0.1.10', group: SG_FROM_NLB_GROUP }],
    nlbGroups: [SG_NLB],
    health: [{ Target: { Id: A, Port: 22 }, TargetHealth: failing }],
    verdicts: { [A]: 'HEALTHY' },
    expect: { members: [A], codes: ['SG_EGRESS_NO_MATCH'] },
  },
  {
    name: 'registered on 8080, not the SSH port: no SSH group',
    health: [{ Target: { Id: A, Port: 8080 }, TargetHealth: healthy }],
    verdicts: {},
    expect: 'not-ssh',
  },
  {
    name: "registered on the instance's port22:port (2222): an SSH group",
    instances: [{ id: A, ip: '10.0.1.10', group: SG_OPEN, port: '2222' }],
    health: [
      {
        Target: { Id: A, Port: 2222 },
        TargetHealth: { State: 'draining', Reason: 'Target.DeregistrationInProgress' },
      },
    ],
    verdicts: { [A]: 'HEALTHY' },
    expect: {
      members: [A],
      // traffic-port: the health check goes to 2222, which SG_OPEN (tcp/22 only) does not admit.
      summary: `1 of 1 SSH targets unhealthy: ${A} draining from the NLB (Target.DeregistrationInProgress), port22 says HEALTHY; security group ${SG_OPEN} allows no TCP 2222 from the NLB ssh-nlb's private address 10.0.1.50 (the NLB's health checks and traffic come from it)`,
      codes: ['SG_INGRESS_NO_MATCH'],
    },
  },
  {
    name: "the registration's port absent: the target group's port decides; a member port22 did not check",
    tgPort: 22,
    health: [{ Target: { Id: B }, TargetHealth: failing }],
    verdicts: {},
    expect: {
      members: [B],
      summary: `1 of 1 SSH targets unhealthy: ${B} failing the NLB's health check (Target.FailedHealthChecks), not checked by port22`,
    },
  },
  {
    name: "ip targets: the instance holding the address is the member; the minimum is the target group's tag",
    targetType: 'ip',
    tags: [{ Key: 'port22:group-min', Value: '2' }],
    health: [
      { Target: { Id: '10.0.1.10', Port: 22 }, TargetHealth: healthy },
      { Target: { Id: '10.0.9.99', Port: 22 }, TargetHealth: healthy },
    ],
    verdicts: { [A]: 'HEALTHY' },
    expect: { members: [A], minimum: 2 },
  },
];

function inventoryOf(c: Case) {
  const instances = c.instances ?? [
    { id: A, ip: '10.0.1.10', group: SG_OPEN },
    { id: B, ip: '10.0.1.11', group: SG_OPEN },
  ];
  return parseInventory({
    documents: {
      'describe-instances.json': {
        Reservations: [
          {
            Instances: instances.map((i) => ({
              InstanceId: i.id,
              VpcId: VPC,
              SubnetId: SUBNET,
              PrivateIpAddress: i.ip,
              State: { Name: 'running' },
              SecurityGroups: [{ GroupId: i.group }],
              Tags: i.port ? [{ Key: 'port22:port', Value: i.port }] : [],
            })),
          },
        ],
      },
      'describe-security-groups.json': { SecurityGroups: GROUPS },
      'describe-subnets.json': { Subnets: [{ SubnetId: SUBNET, VpcId: VPC, CidrBlock: '10.0.1.0/24' }] },
      'elbv2-describe-load-balancers.json': {
        LoadBalancers: [
          sshNlb(
            [{ zone: 'eu-west-1a', subnet: SUBNET, address: '10.0.1.50' }],
            c.nlbGroups ? { SecurityGroups: c.nlbGroups } : {},
          ),
        ],
      },
      'elbv2-describe-target-groups.json': {
        TargetGroups: [
          sshPool({
            Port: c.tgPort ?? 22,
            TargetType: c.targetType ?? 'instance',
            HealthCheckPort: 'traffic-port',
          }),
        ],
      },
      ...(c.tags
        ? { 'elbv2-describe-tags.json': { TagDescriptions: [{ ResourceArn: TG_ARN, Tags: c.tags }] } }
        : {}),
    },
    targetHealth: new Map([['ssh-pool', { TargetHealthDescriptions: c.health }]]),
  });
}

describe('SSH target groups', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const index = indexInventory(inventoryOf(c));
      const groups = sshTargetGroups(index, 22);
      if (c.expect === 'not-ssh') return assert.deepEqual(groups, []);
      assert.equal(groups.length, 1);
      const g = groups[0]!;
      assert.equal(g.name, 'ssh-pool');
      assert.deepEqual(
        g.targets.map((t) => t.instanceId),
        c.expect.members,
      );
      assert.equal(g.minimum, c.expect.minimum);
      const verdicts = new Map(
        Object.entries(c.verdicts).map(([id, diagnosis]) => [
          id,
          { diagnosis, healthy: diagnosis === 'HEALTHY' },
        ]),
      );
      const report = diagnoseTargetGroup(new AnalysisContext(index), g, verdicts);
      if (c.expect.summary) assert.equal(report.summary, c.expect.summary);
      assert.deepEqual(
        report.targets.flatMap((t) => t.blockers.map((b) => b.code)),
        c.expect.codes ?? [],
      );
    });
  }

  it("the NLB's egress blocker names its group and the target", () => {
    const c = CASES.find((x) => x.nlbGroups)!;
    const index = indexInventory(inventoryOf(c));
    const report = diagnoseTargetGroup(new AnalysisContext(index), sshTargetGroups(index, 22)[0]!, new Map());
    const [b] = report.targets[0]!.blockers;
    assert.equal(b?.resourceId, SG_NLB);
    assert.match(
      b!.detail,
      new RegExp(`^security group ${SG_NLB} on ELB ssh-nlb allows no TCP 22 to ${A} \\(10\\.0\\.1\\.10\\)$`),
    );
  });

  it('no health file: the group has no known members and is left out', () => {
    const c = CASES[0]!;
    const inv = inventoryOf(c);
    const lb = inv.loadBalancing!;
    const index = indexInventory({ ...inv, loadBalancing: { ...lb, targetHealth: new Map() } });
    assert.deepEqual(sshTargetGroups(index, 22), []);
  });

  it('the NLB\'s private addresses come from its zones and from its ENIs (Description "ELB net/<name>/<id>")', () => {
    const inv = inventoryOf(CASES[0]!);
    const index = indexInventory({
      ...inv,
      networkInterfaces: [
        {
          NetworkInterfaceId: 'eni-0000000000000000a',
          PrivateIpAddress: '10.0.1.77',
          Description: 'ELB net/ssh-nlb/50dc6c495c0c9188',
        },
        {
          NetworkInterfaceId: 'eni-0000000000000000b',
          PrivateIpAddress: '10.0.1.78',
          Description: 'ELB net/other/50dc6c495c0c9188',
        },
      ],
    });
    assert.deepEqual(loadBalancerPrivateAddresses(index, inv.loadBalancing!.loadBalancers[0]!), [
      '10.0.1.50',
      '10.0.1.77',
    ]);
  });
});

/** The required files, empty. */
const NO_INSTANCES = {
  'describe-instances.json': { Reservations: [] },
  'describe-security-groups.json': { SecurityGroups: [] },
  'describe-subnets.json': { Subnets: [] },
};

describe('elbv2 inventory files', () => {
  it('a health file for a target group not described is an error naming the file', () => {
    const c = CASES[0]!;
    assert.throws(
      () =>
        parseInventory({
          documents: { ...NO_INSTANCES, 'elbv2-describe-target-groups.json': { TargetGroups: [] } },
          targetHealth: new Map([['ssh-pool', { TargetHealthDescriptions: c.health }]]),
        }),
      new InventoryError(
        'elbv2-describe-target-health/ssh-pool.json: no target group ssh-pool in elbv2-describe-target-groups.json',
      ),
    );
  });

  it('a target group ARN where a load balancer ARN belongs is an error naming the path', () => {
    assert.throws(
      () =>
        parseInventory({
          documents: {
            ...NO_INSTANCES,
            'elbv2-describe-load-balancers.json': { LoadBalancers: [{ LoadBalancerArn: TG_ARN }] },
          },
        }),
      /^InventoryError: elbv2-describe-load-balancers\.json: LoadBalancers\[0\]\.LoadBalancerArn: expected an Elastic Load Balancing loadbalancer ARN$/,
    );
  });

  it('no elbv2 file: no load balancing at all', () => {
    const inv = parseInventory({ documents: NO_INSTANCES });
    assert.equal(inv.loadBalancing, undefined);
  });
});
