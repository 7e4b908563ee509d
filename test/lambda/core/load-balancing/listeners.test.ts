/**
 * The NLB's own listener (table-driven): which listeners carry SSH to an SSH target group, what each node
 * answered, and whether the NLB's own security groups admit the clients. AWS semantics, cited:
 * - a forward action names its target group in TargetGroupArn and/or ForwardConfig ("For Network Load
 *   Balancers, you can specify a single target group", AWS::ElasticLoadBalancingV2::Listener ForwardConfig);
 * - per zone: "If there is no healthy target in an enabled Availability Zone … we remove the IP address
 *   for the corresponding subnet from DNS" ("Health checks for Network Load Balancer target groups");
 * - "If you don't assign a security group to your Network Load Balancer, all client traffic can reach the
 *   Network Load Balancer listeners" ("Update the security groups for your Network Load Balancer"), and
 *   SetSecurityGroups: "You can't perform this operation on a Network Load Balancer unless you specified a
 *   security group for the load balancer when you created it".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexInventory } from '../../../../lambda/core/inventory/model.ts';
import { InventoryError, parseInventory } from '../../../../lambda/core/inventory/parse.ts';
import { listenerClientBlockers } from '../../../../lambda/core/load-balancing/listener-security-groups.ts';
import {
  type ListenerProbe,
  listenerAnswer,
  sshListeners,
} from '../../../../lambda/core/load-balancing/listeners.ts';
import { diagnoseTargetGroup } from '../../../../lambda/core/load-balancing/target-group-diagnosis.ts';
import { sshTargetGroups } from '../../../../lambda/core/load-balancing/target-groups.ts';
import type { ProbeOutcome, ProbeResult } from '../../../../lambda/core/probe/types.ts';
import { AnalysisContext } from '../../../../lambda/core/reachability/evaluation.ts';
import { NLB_ARN, sshNlb, sshPool, sshPoolHealth, TG_ARN, VPC } from './nlb-fixtures.ts';

const A = 'i-0000000000000000a';
const B = 'i-0000000000000000b';
const PROBER = 'i-0000000000000000f';
const SG_TARGETS = 'sg-0000000000000000a'; // tcp/22 from the VPC
const SG_NLB = 'sg-0000000000000000c'; // the NLB's own: tcp/22 from 10.0.0.0/16 only
const SUBNET_A = 'subnet-0000000000000000a';
const SUBNET_B = 'subnet-0000000000000000b';
const OTHER_TG_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web-pool/0000000000000001';
const listenerArn = (n: number) =>
  `arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/net/ssh-nlb/50dc6c495c0c9188/${n.toString(16).padStart(16, '0')}`;

const tcp22 = (cidr: string) => ({
  IpProtocol: 'tcp',
  FromPort: 22,
  ToPort: 22,
  IpRanges: [{ CidrIp: cidr }],
});

interface Fixture {
  scheme?: string;
  nlbGroups?: string[];
  /** The listeners file; absent: no file. */
  listeners?: object[];
}

/** The forward action as DescribeListeners prints it: TargetGroupArn and a one-group ForwardConfig. */
const forward = (arn: string, weight = 1) => ({
  Type: 'forward',
  TargetGroupArn: arn,
  ForwardConfig: {
    TargetGroups: [{ TargetGroupArn: arn, Weight: weight }],
    TargetGroupStickinessConfig: { Enabled: false },
  },
});
const listener = (n: number, protocol: string, port: number, actions: object[]) => ({
  ListenerArn: listenerArn(n),
  LoadBalancerArn: NLB_ARN,
  Port: port,
  Protocol: protocol,
  DefaultActions: actions,
});

function inventory(f: Fixture) {
  return parseInventory({
    documents: {
      'describe-instances.json': {
        Reservations: [
          {
            Instances: [
              [A, SUBNET_A, '10.0.1.10'],
              [B, SUBNET_B, '10.0.2.10'],
              [PROBER, SUBNET_A, '10.20.0.9'],
            ].map(([id, subnet, ip]) => ({
              InstanceId: id,
              VpcId: VPC,
              SubnetId: subnet,
              PrivateIpAddress: ip,
              State: { Name: 'running' },
              SecurityGroups: [{ GroupId: SG_TARGETS }],
            })),
          },
        ],
      },
      'describe-security-groups.json': {
        SecurityGroups: [
          { GroupId: SG_TARGETS, IpPermissions: [tcp22('10.0.0.0/8')] },
          {
            GroupId: SG_NLB,
            IpPermissions: [tcp22('10.0.0.0/16')],
            // To the targets: without it the NLB could not reach them (the targets' own test covers that).
            IpPermissionsEgress: [tcp22('10.0.0.0/16')],
          },
        ],
      },
      'describe-subnets.json': {
        Subnets: [
          { SubnetId: SUBNET_A, VpcId: VPC, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'eu-west-1a' },
          { SubnetId: SUBNET_B, VpcId: VPC, CidrBlock: '10.0.2.0/24', AvailabilityZone: 'eu-west-1b' },
        ],
      },
      'elbv2-describe-load-balancers.json': {
        LoadBalancers: [
          sshNlb(
            [
              { zone: 'eu-west-1a', subnet: SUBNET_A, address: '10.0.1.50' },
              { zone: 'eu-west-1b', subnet: SUBNET_B, address: '10.0.2.50' },
            ],
            {
              ...(f.scheme ? { Scheme: f.scheme } : {}),
              ...(f.nlbGroups ? { SecurityGroups: f.nlbGroups } : {}),
            },
          ),
        ],
      },
      'elbv2-describe-target-groups.json': { TargetGroups: [sshPool()] },
    },
    targetHealth: sshPoolHealth({ [A]: 'healthy', [B]: 'healthy' }),
    ...(f.listeners ? { listeners: new Map([['ssh-nlb', { Listeners: f.listeners }]]) } : {}),
  });
}

function groupOf(f: Fixture) {
  const index = indexInventory(inventory(f));
  return { index, group: sshTargetGroups(index, 22)[0]! };
}

interface SelectionCase {
  name: string;
  fixture: Fixture;
  /** `port:probed` or `port:not-probed`, in file order. */
  selected: string[];
  notes: RegExp[];
}

const SELECTION: SelectionCase[] = [
  {
    name: 'internal NLB, TCP listener forwarding to the SSH group: probed',
    fixture: { listeners: [listener(1, 'TCP', 22, [forward(TG_ARN)])] },
    selected: ['22:probed'],
    notes: [/^ssh-nlb has no security groups/],
  },
  {
    name: 'internet-facing NLB: not probed from inside the VPC, and a note says why',
    fixture: { scheme: 'internet-facing', listeners: [listener(1, 'TCP', 22, [forward(TG_ARN)])] },
    selected: ['22:not-probed'],
    notes: [/^ssh-nlb's TCP listener on port 22 is not probed: internet-facing: /, /no security groups/],
  },
  {
    name: 'TCP_UDP listener: SSH passes its TCP half',
    fixture: { listeners: [listener(1, 'TCP_UDP', 2222, [forward(TG_ARN)])] },
    selected: ['2222:probed'],
    notes: [/no security groups/],
  },
  {
    name: 'UDP and TLS listeners to the SSH group: not probed, each named',
    fixture: {
      listeners: [listener(1, 'UDP', 22, [forward(TG_ARN)]), listener(2, 'TLS', 443, [forward(TG_ARN)])],
    },
    selected: [],
    notes: [
      /^ssh-nlb's UDP listener on port 22 is not probed: SSH passes only a TCP or TCP_UDP listener$/,
      /^ssh-nlb's TLS listener on port 443 is not probed/,
    ],
  },
  {
    name: 'a listener forwarding to another target group: not this group’s',
    fixture: { listeners: [listener(1, 'TCP', 80, [forward(OTHER_TG_ARN)])] },
    selected: [],
    notes: [],
  },
  {
    name: 'ForwardConfig alone (no TargetGroupArn) names the group',
    fixture: {
      listeners: [
        listener(1, 'TCP', 22, [
          { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_ARN, Weight: 1 }] } },
        ]),
      ],
    },
    selected: ['22:probed'],
    notes: [/no security groups/],
  },
  {
    name: 'weight 0 in ForwardConfig sends the group nothing',
    fixture: { listeners: [listener(1, 'TCP', 22, [forward(TG_ARN, 0)])] },
    selected: [],
    notes: [],
  },
  {
    name: 'no listeners file: nothing probed, a note names the file',
    fixture: {},
    selected: [],
    notes: [/^ssh-nlb: no elbv2-describe-listeners\/ssh-nlb\.json, so its listener is not probed/],
  },
];

describe('listener selection', () => {
  for (const c of SELECTION) {
    it(c.name, () => {
      const { index, group } = groupOf(c.fixture);
      const sel = sshListeners(index, group);
      assert.deepEqual(
        sel.listeners.map((l) => `${l.listener.Port}:${l.notProbed ? 'not-probed' : 'probed'}`),
        c.selected,
      );
      const report = diagnoseTargetGroup(new AnalysisContext(index), group, new Map());
      assert.equal(report.notes.length, c.notes.length, report.notes.join('\n'));
      for (const [i, re] of c.notes.entries()) assert.match(report.notes[i]!, re);
    });
  }

  it('one node per zone: the address, its zone and subnet from AvailabilityZones', () => {
    const { index, group } = groupOf({ listeners: [listener(1, 'TCP', 22, [forward(TG_ARN)])] });
    assert.deepEqual(sshListeners(index, group).listeners[0]!.nodes, [
      { address: '10.0.1.50', zone: 'eu-west-1a', subnetId: SUBNET_A },
      { address: '10.0.2.50', zone: 'eu-west-1b', subnetId: SUBNET_B },
    ]);
  });
});

const probe = (outcome: ProbeOutcome, ident?: string): ProbeResult => ({
  target: { host: '127.0.0.1', port: 22 },
  outcome,
  phases: { totalMs: 1 },
  ...(ident ? { ident } : {}),
});

describe('listener answers', () => {
  const TABLE: [ProbeResult, string][] = [
    [probe('ok', 'SSH-2.0-OpenSSH_9.6'), 'ssh'],
    // SSH answered even though the key exchange failed: the listener path works.
    [probe('kex-failed', 'SSH-2.0-OpenSSH_7.4'), 'ssh'],
    [probe('refused'), 'refused'],
    [probe('timeout'), 'timeout'],
    [probe('unreachable'), 'unreachable'],
    // An NLB node with no target to give the connection accepts it and then closes or resets it.
    [probe('closed-before-ident'), 'tcp-only'],
    [probe('reset-before-ident'), 'tcp-only'],
    [probe('ident-timeout'), 'tcp-only'],
  ];
  for (const [result, expected] of TABLE)
    it(`${result.outcome}${result.ident ? ' with an ident' : ''} → ${expected}`, () =>
      assert.equal(listenerAnswer(result), expected));

  it('each zone reported; the summary names the node that does not answer SSH', () => {
    const { index, group } = groupOf({ listeners: [listener(1, 'TCP', 22, [forward(TG_ARN)])] });
    const probes = new Map<string, ListenerProbe>([
      ['10.0.1.50:22', { result: probe('ok', 'SSH-2.0-OpenSSH_9.6') }],
      ['10.0.2.50:22', { result: probe('closed-before-ident') }],
    ]);
    const report = diagnoseTargetGroup(new AnalysisContext(index), group, new Map(), { probes });
    assert.deepEqual(report.listeners, [
      {
        loadBalancer: 'ssh-nlb',
        listenerArn: listenerArn(1),
        protocol: 'TCP',
        port: 22,
        addresses: [
          {
            address: '10.0.1.50',
            zone: 'eu-west-1a',
            answer: 'ssh',
            outcome: 'ok',
            ident: 'SSH-2.0-OpenSSH_9.6',
          },
          { address: '10.0.2.50', zone: 'eu-west-1b', answer: 'tcp-only', outcome: 'closed-before-ident' },
        ],
      },
    ]);
    assert.equal(
      report.summary,
      "2 of 2 SSH targets healthy; the NLB's listener 10.0.2.50:22 in eu-west-1b accepted the connection but sent no SSH ident (closed-before-ident)",
    );
  });

  it('a node without a probe this run is not-probed, and the summary stays silent about it', () => {
    const { index, group } = groupOf({ listeners: [listener(1, 'TCP', 22, [forward(TG_ARN)])] });
    const probes = new Map<string, ListenerProbe>([['10.0.1.50:22', { result: probe('timeout') }]]);
    const report = diagnoseTargetGroup(new AnalysisContext(index), group, new Map(), { probes });
    assert.deepEqual(
      report.listeners[0]!.addresses.map((a) => a.answer),
      ['timeout', 'not-probed'],
    );
    assert.equal(
      report.summary,
      "2 of 2 SSH targets healthy; the NLB's listener 10.0.1.50:22 in eu-west-1a timed out",
    );
  });
});

describe("the NLB's own security groups for clients", () => {
  const fixture = (groups?: string[]): Fixture => ({
    ...(groups ? { nlbGroups: groups } : {}),
    listeners: [listener(1, 'TCP', 22, [forward(TG_ARN)])],
  });
  const CASES: { name: string; groups?: string[]; client: string; role?: string; blocked: string[] }[] = [
    {
      name: 'a source inside the rule’s CIDR is admitted',
      groups: [SG_NLB],
      client: '10.0.5.0/24',
      blocked: [],
    },
    { name: 'the exact CIDR of the rule is admitted', groups: [SG_NLB], client: '10.0.0.0/16', blocked: [] },
    {
      name: 'a CIDR one bit wider than the rule is not admitted',
      groups: [SG_NLB],
      client: '10.0.0.0/15',
      blocked: [
        `security group ${SG_NLB} allows TCP 22 from only part of 10.0.0.0/15 (10.0.0.0/16), not 10.1.0.0/16 (on the NLB ssh-nlb: clients reach its listener only where its groups admit them)`,
      ],
    },
    {
      name: 'a bastion network outside the rule is named',
      groups: [SG_NLB],
      client: '10.20.0.0/16',
      blocked: [
        `security group ${SG_NLB} allows no TCP 22 from 10.20.0.0/16 (on the NLB ssh-nlb: clients reach its listener only where its groups admit them)`,
      ],
    },
    {
      name: 'the prober by instance id, named as the prober',
      groups: [SG_NLB],
      client: PROBER,
      role: 'the prober',
      blocked: [
        `security group ${SG_NLB} allows no TCP 22 from ${PROBER} (10.20.0.9) (the prober) (on the NLB ssh-nlb: clients reach its listener only where its groups admit them)`,
      ],
    },
    { name: 'an NLB without security groups filters no client', client: '10.20.0.0/16', blocked: [] },
    {
      name: 'the internet cannot reach an internal NLB at all',
      groups: [SG_NLB],
      client: 'internet',
      blocked: [],
    },
  ];
  for (const c of CASES) {
    it(c.name, () => {
      const { index } = groupOf(fixture(c.groups));
      const lb = index.inventory.loadBalancing!.loadBalancers[0]!;
      const blockers = listenerClientBlockers(new AnalysisContext(index), lb, 22, [
        { spec: c.client, ...(c.role ? { role: c.role } : {}) },
      ]);
      assert.deepEqual(
        blockers.map((b) => b.detail),
        c.blocked,
      );
      for (const b of blockers) assert.equal(b.resourceId, SG_NLB);
    });
  }

  it('a missing client rule is a blocker of the group and ends its summary', () => {
    const { index, group } = groupOf(fixture([SG_NLB]));
    const report = diagnoseTargetGroup(new AnalysisContext(index), group, new Map(), {
      clients: [{ spec: '10.20.0.0/16' }],
    });
    assert.deepEqual(
      report.blockers.map((b) => [b.code, b.resourceId]),
      [['SG_INGRESS_NO_MATCH', SG_NLB]],
    );
    assert.equal(
      report.summary,
      `2 of 2 SSH targets healthy; security group ${SG_NLB} allows no TCP 22 from 10.20.0.0/16 (on the NLB ssh-nlb: clients reach its listener only where its groups admit them)`,
    );
  });
});

describe('elbv2-describe-listeners files', () => {
  it('a good file: the listeners by load balancer name', () => {
    const inv = inventory({ listeners: [listener(1, 'TCP', 22, [forward(TG_ARN)])] });
    assert.deepEqual(
      inv.loadBalancing?.listeners?.get('ssh-nlb')?.map((l) => [l.Port, l.Protocol]),
      [[22, 'TCP']],
    );
  });

  it('a file named after no described load balancer is an error naming the file', () => {
    const inv = () =>
      parseInventory({
        documents: {
          'describe-instances.json': { Reservations: [] },
          'describe-security-groups.json': { SecurityGroups: [] },
          'describe-subnets.json': { Subnets: [] },
          'elbv2-describe-load-balancers.json': { LoadBalancers: [] },
        },
        listeners: new Map([['ssh-nlb', { Listeners: [] }]]),
      });
    assert.throws(
      inv,
      new InventoryError(
        'elbv2-describe-listeners/ssh-nlb.json: no load balancer ssh-nlb in elbv2-describe-load-balancers.json',
      ),
    );
  });

  it('a listener of another load balancer in the file is an error naming it', () => {
    const other =
      'arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/other/0000000000000009';
    assert.throws(
      () => inventory({ listeners: [{ ...listener(1, 'TCP', 22, []), LoadBalancerArn: other }] }),
      new InventoryError(
        `elbv2-describe-listeners/ssh-nlb.json: Listeners[0].LoadBalancerArn: not ssh-nlb's ARN (${NLB_ARN}), got ${other}`,
      ),
    );
  });

  it('a port out of range is one line naming the file and the path', () => {
    assert.throws(
      () => inventory({ listeners: [listener(1, 'TCP', 65536, [])] }),
      /^InventoryError: elbv2-describe-listeners\/ssh-nlb\.json: Listeners\[0\]\.Port: /,
    );
  });

  it('a target group ARN where a listener ARN belongs is one line', () => {
    assert.throws(
      () => inventory({ listeners: [{ ...listener(1, 'TCP', 22, []), ListenerArn: TG_ARN }] }),
      /^InventoryError: elbv2-describe-listeners\/ssh-nlb\.json: Listeners\[0\]\.ListenerArn: expected an Elastic Load Balancing listener ARN$/,
    );
  });
});
