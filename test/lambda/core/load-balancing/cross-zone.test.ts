/**
 * Cross-zone load balancing and the prober's path to each listener node, table-driven.
 *
 * AWS, "Cross-zone load balancing for target groups" (Network Load Balancer guide): "When cross-zone load
 * balancing is off, each load balancer node distributes traffic across only the registered targets in its
 * Availability Zone"; "With Network Load Balancers, cross-zone load balancing is off by default at the load
 * balancer level … For target groups, the default is to use the load balancer setting, but you can override
 * the default"; "The target group setting determines the load balancing behavior for the target group."
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexInventory } from '../../../../lambda/core/inventory/model.ts';
import { InventoryError, parseInventory } from '../../../../lambda/core/inventory/parse.ts';
import type { ListenerProbe } from '../../../../lambda/core/load-balancing/listeners.ts';
import { diagnoseTargetGroup } from '../../../../lambda/core/load-balancing/target-group-diagnosis.ts';
import { sshTargetGroups } from '../../../../lambda/core/load-balancing/target-groups.ts';
import type { ProbeOutcome, ProbeResult } from '../../../../lambda/core/probe/types.ts';
import { AnalysisContext } from '../../../../lambda/core/reachability/evaluation.ts';
import { NLB_ARN, sshNlb, sshPool, sshPoolHealth, TG_ARN, VPC } from './nlb-fixtures.ts';

const A = 'i-0000000000000000a'; // eu-west-1a
const B = 'i-0000000000000000b'; // eu-west-1b
const C = 'i-0000000000000000c'; // eu-west-1a
const PROBER = 'i-0000000000000000f'; // its own subnet, eu-west-1a
const OTHER_VPC = 'vpc-0000000000000000b';
const SUBNET_A = 'subnet-0000000000000000a';
const SUBNET_B = 'subnet-0000000000000000b';
const SUBNET_P = 'subnet-000000000000000ff';
const SG_TARGETS = 'sg-0000000000000000a';
const SG_PROBER = 'sg-000000000000000ff';
const ACL_B = 'acl-0000000000000000b';
const ACL_OPEN = 'acl-0000000000000000f';
const LISTENER_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/net/ssh-nlb/50dc6c495c0c9188/0000000000000001';
const KEY = 'load_balancing.cross_zone.enabled';

interface Fixture {
  /** The load balancer's attribute value; `null`: no attributes file. */
  lb?: string | null;
  /** The target group's attribute value; `null`: no attributes file. */
  tg?: string | null;
  /** NLB states by instance; an instance left out is not registered. */
  health?: Partial<Record<string, string>>;
  /** The network files (routes, ACLs); absent: none, the prober's path unknown. */
  network?: {
    /** The prober in another VPC without a route to the NLB's. */
    proberElsewhere?: boolean;
    /** eu-west-1b's ACL denies the prober's subnet inbound on 22. */
    nodeInboundDeny?: boolean;
    /** eu-west-1b's ACL denies replies to the prober's subnet. */
    nodeReturnDeny?: boolean;
    /** The prober's group lets out only 443. */
    proberEgress443Only?: boolean;
  };
}

const allow = (n: number, egress: boolean) => ({
  RuleNumber: n,
  Protocol: '-1',
  RuleAction: 'allow',
  Egress: egress,
  CidrBlock: '0.0.0.0/0',
});

function inventory(f: Fixture) {
  const health = f.health ?? { [A]: 'healthy', [B]: 'healthy' };
  const net = f.network;
  const proberSubnetCidr = net?.proberElsewhere ? '10.9.3.0/24' : '10.0.3.0/24';
  const proberVpc = net?.proberElsewhere ? OTHER_VPC : VPC;
  return parseInventory({
    documents: {
      'describe-instances.json': {
        Reservations: [
          {
            Instances: [
              [A, SUBNET_A, '10.0.1.10', VPC, SG_TARGETS],
              [B, SUBNET_B, '10.0.2.10', VPC, SG_TARGETS],
              [C, SUBNET_A, '10.0.1.11', VPC, SG_TARGETS],
              [PROBER, SUBNET_P, net?.proberElsewhere ? '10.9.3.9' : '10.0.3.9', proberVpc, SG_PROBER],
            ].map(([id, subnet, ip, vpc, sg]) => ({
              InstanceId: id,
              VpcId: vpc,
              SubnetId: subnet,
              PrivateIpAddress: ip,
              State: { Name: 'running' },
              SecurityGroups: [{ GroupId: sg }],
            })),
          },
        ],
      },
      'describe-security-groups.json': {
        SecurityGroups: [
          {
            GroupId: SG_TARGETS,
            IpPermissions: [
              { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
            ],
          },
          {
            GroupId: SG_PROBER,
            IpPermissionsEgress: [
              net?.proberEgress443Only
                ? { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }
                : { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
            ],
          },
        ],
      },
      'describe-subnets.json': {
        Subnets: [
          [SUBNET_A, '10.0.1.0/24', 'eu-west-1a', VPC],
          [SUBNET_B, '10.0.2.0/24', 'eu-west-1b', VPC],
          [SUBNET_P, proberSubnetCidr, 'eu-west-1a', proberVpc],
        ].map(([SubnetId, CidrBlock, AvailabilityZone, VpcId]) => ({
          SubnetId,
          CidrBlock,
          AvailabilityZone,
          VpcId,
        })),
      },
      ...(net
        ? {
            'describe-route-tables.json': {
              RouteTables: [
                {
                  RouteTableId: 'rtb-0000000000000000a',
                  VpcId: VPC,
                  Associations: [{ Main: true }],
                  Routes: [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local' }],
                },
                ...(net.proberElsewhere
                  ? [
                      {
                        RouteTableId: 'rtb-0000000000000000b',
                        VpcId: OTHER_VPC,
                        Associations: [{ Main: true }],
                        Routes: [{ DestinationCidrBlock: '10.9.0.0/16', GatewayId: 'local' }],
                      },
                    ]
                  : []),
              ],
            },
            'describe-network-acls.json': {
              NetworkAcls: [
                {
                  NetworkAclId: ACL_B,
                  VpcId: VPC,
                  Associations: [{ SubnetId: SUBNET_B, NetworkAclId: ACL_B }],
                  Entries: [
                    ...(net.nodeInboundDeny
                      ? [
                          {
                            RuleNumber: 50,
                            Protocol: '6',
                            RuleAction: 'deny',
                            Egress: false,
                            CidrBlock: '10.0.3.0/24',
                            PortRange: { From: 22, To: 22 },
                          },
                        ]
                      : []),
                    ...(net.nodeReturnDeny
                      ? [
                          {
                            RuleNumber: 50,
                            Protocol: '-1',
                            RuleAction: 'deny',
                            Egress: true,
                            CidrBlock: '10.0.3.0/24',
                          },
                        ]
                      : []),
                    allow(100, false),
                    allow(100, true),
                  ],
                },
                {
                  NetworkAclId: ACL_OPEN,
                  VpcId: proberVpc,
                  IsDefault: true,
                  Associations: [
                    { SubnetId: SUBNET_A, NetworkAclId: ACL_OPEN },
                    { SubnetId: SUBNET_P, NetworkAclId: ACL_OPEN },
                  ],
                  Entries: [allow(100, false), allow(100, true)],
                },
              ],
            },
          }
        : {}),
      'describe-network-interfaces.json': {
        // The NLB's node in eu-west-1b as DescribeNetworkInterfaces shows it (no instance, its subnet).
        NetworkInterfaces: [
          {
            NetworkInterfaceId: 'eni-0000000000000000b',
            SubnetId: SUBNET_B,
            VpcId: VPC,
            Description: 'ELB net/ssh-nlb/50dc6c495c0c9188',
            InterfaceType: 'network_load_balancer',
            PrivateIpAddress: '10.0.2.50',
            PrivateIpAddresses: [{ PrivateIpAddress: '10.0.2.50', Primary: true }],
            Groups: [],
          },
        ],
      },
      'elbv2-describe-load-balancers.json': {
        LoadBalancers: [
          sshNlb([
            { zone: 'eu-west-1a', subnet: SUBNET_A, address: '10.0.1.50' },
            // No address listed here: the node's address comes from its network interface.
            { zone: 'eu-west-1b', subnet: SUBNET_B },
          ]),
        ],
      },
      'elbv2-describe-target-groups.json': { TargetGroups: [sshPool()] },
    },
    targetHealth: sshPoolHealth(health),
    listeners: new Map([
      [
        'ssh-nlb',
        {
          Listeners: [
            {
              ListenerArn: LISTENER_ARN,
              LoadBalancerArn: NLB_ARN,
              Port: 22,
              Protocol: 'TCP',
              DefaultActions: [{ Type: 'forward', TargetGroupArn: TG_ARN }],
            },
          ],
        },
      ],
    ]),
    loadBalancerAttributes:
      f.lb === null
        ? new Map()
        : new Map([
            [
              'ssh-nlb',
              {
                Attributes: [
                  { Key: 'deletion_protection.enabled', Value: 'false' },
                  ...(f.lb === undefined ? [] : [{ Key: KEY, Value: f.lb }]),
                ],
              },
            ],
          ]),
    targetGroupAttributes:
      f.tg === null
        ? new Map()
        : new Map([
            [
              'ssh-pool',
              {
                Attributes: [
                  { Key: 'deregistration_delay.timeout_seconds', Value: '300' },
                  { Key: KEY, Value: f.tg ?? 'use_load_balancer_configuration' },
                ],
              },
            ],
          ]),
  });
}

const probe = (outcome: ProbeOutcome, ident?: string): ProbeResult => ({
  target: { host: '127.0.0.1', port: 22 },
  outcome,
  phases: { totalMs: 1 },
  ...(ident ? { ident } : {}),
});
const SSH = probe('ok', 'SSH-2.0-OpenSSH_9.6');

function diagnose(f: Fixture, probes?: [ListenerProbe, ListenerProbe]) {
  const index = indexInventory(inventory(f));
  const group = sshTargetGroups(index, 22)[0]!;
  return diagnoseTargetGroup(new AnalysisContext(index), group, new Map(), {
    ...(probes
      ? {
          probes: new Map([
            ['10.0.1.50:22', probes[0]],
            ['10.0.2.50:22', probes[1]],
          ]),
        }
      : {}),
    prober: PROBER,
  });
}

const B_DOWN = { [A]: 'healthy', [B]: 'unhealthy' };
const B_NONE = { [A]: 'healthy' };
const RESET: [ListenerProbe, ListenerProbe] = [{ result: SSH }, { result: probe('reset-before-ident') }];
const MEMBERS_B_DOWN = `1 of 2 SSH targets unhealthy: ${B} failing the NLB's health check (Target.FailedHealthChecks), not checked by port22`;
const NODE_B_RESET =
  "the NLB's listener 10.0.2.50:22 in eu-west-1b accepted the connection but sent no SSH ident (reset-before-ident)";

interface Case {
  name: string;
  fixture: Fixture;
  probes?: [ListenerProbe, ListenerProbe];
  state: string;
  decidedBy?: string;
  /** eu-west-1a then eu-west-1b: `healthy/targets`. */
  zones: string[];
  summary: string;
  notes?: RegExp[];
}

const CASES: Case[] = [
  {
    name: 'LB attribute off, TG defers: the failing node is explained by its empty zone',
    fixture: { lb: 'false', health: B_DOWN },
    probes: RESET,
    state: 'off',
    decidedBy: 'load balancer attribute',
    zones: ['1/1', '0/1'],
    summary: `${MEMBERS_B_DOWN}; ${NODE_B_RESET}: no healthy target in eu-west-1b and cross-zone load balancing is off (load balancer attribute)`,
  },
  {
    name: 'LB attribute on, TG defers: a zone without healthy targets is served from the other',
    fixture: { lb: 'true', health: B_DOWN },
    probes: RESET,
    state: 'on',
    decidedBy: 'load balancer attribute',
    zones: ['1/1', '0/1'],
    summary: `${MEMBERS_B_DOWN}; ${NODE_B_RESET}`,
  },
  {
    name: 'TG attribute false overrides the LB on',
    fixture: { lb: 'true', tg: 'false', health: B_DOWN },
    probes: RESET,
    state: 'off',
    decidedBy: 'target group attribute',
    zones: ['1/1', '0/1'],
    summary: `${MEMBERS_B_DOWN}; ${NODE_B_RESET}: no healthy target in eu-west-1b and cross-zone load balancing is off (target group attribute)`,
  },
  {
    name: 'TG attribute true overrides the LB off',
    fixture: { lb: 'false', tg: 'true', health: B_DOWN },
    probes: RESET,
    state: 'on',
    decidedBy: 'target group attribute',
    zones: ['1/1', '0/1'],
    summary: `${MEMBERS_B_DOWN}; ${NODE_B_RESET}`,
  },
  {
    name: 'TG attribute true: read even when the LB file is absent',
    fixture: { lb: null, tg: 'true', health: B_DOWN },
    state: 'on',
    decidedBy: 'target group attribute',
    zones: ['1/1', '0/1'],
    summary: MEMBERS_B_DOWN,
  },
  {
    name: 'a zone with no target at all, off, not probed: the risk is flagged',
    fixture: { lb: 'false', health: B_NONE },
    state: 'off',
    decidedBy: 'load balancer attribute',
    zones: ['1/1', '0/0'],
    summary:
      "1 of 1 SSH targets healthy; ssh-nlb's node in eu-west-1b (10.0.2.50) has no SSH target to forward to: no target in eu-west-1b and cross-zone load balancing is off (load balancer attribute)",
  },
  {
    name: 'an unhealthy zone, off, not probed: the risk is flagged',
    fixture: { tg: 'false', health: B_DOWN },
    state: 'off',
    decidedBy: 'target group attribute',
    zones: ['1/1', '0/1'],
    summary: `${MEMBERS_B_DOWN}; ssh-nlb's node in eu-west-1b (10.0.2.50) has no SSH target to forward to: no healthy target in eu-west-1b and cross-zone load balancing is off (target group attribute)`,
  },
  {
    name: 'every zone healthy, off: nothing to say',
    fixture: { lb: 'false', health: { [A]: 'healthy', [B]: 'healthy', [C]: 'unhealthy' } },
    state: 'off',
    decidedBy: 'load balancer attribute',
    zones: ['1/2', '1/1'],
    summary: `1 of 3 SSH targets unhealthy: ${C} failing the NLB's health check (Target.FailedHealthChecks), not checked by port22`,
  },
  {
    name: 'no healthy target anywhere: the NLB fails open, the zone is not the cause',
    fixture: { lb: 'false', health: { [A]: 'unhealthy', [B]: 'unhealthy' } },
    state: 'off',
    decidedBy: 'load balancer attribute',
    zones: ['0/1', '0/1'],
    summary: `2 of 2 SSH targets unhealthy: ${A} failing the NLB's health check (Target.FailedHealthChecks), not checked by port22; ${B} failing the NLB's health check (Target.FailedHealthChecks), not checked by port22`,
  },
  {
    name: 'TG attributes unknown: "cross-zone unknown" on the failing node, never a guess',
    fixture: { tg: null, lb: 'false', health: B_DOWN },
    probes: RESET,
    state: 'unknown',
    zones: ['1/1', '0/1'],
    summary: `${MEMBERS_B_DOWN}; ${NODE_B_RESET}: no healthy target in eu-west-1b, cross-zone unknown (no elbv2-describe-target-group-attributes/ssh-pool.json)`,
  },
  {
    name: 'LB attributes unknown behind a deferring TG: the risk is a note, not a finding',
    fixture: { lb: null, health: B_DOWN },
    state: 'unknown',
    zones: ['1/1', '0/1'],
    summary: MEMBERS_B_DOWN,
    notes: [
      /no security groups/,
      /^ssh-nlb's node in eu-west-1b \(10\.0\.2\.50\) has no SSH target to forward to: no healthy target in eu-west-1b, cross-zone unknown \(no elbv2-describe-load-balancer-attributes\/ssh-nlb\.json\)$/,
    ],
  },
  {
    name: 'LB attributes file without the key: unknown',
    fixture: { lb: undefined, health: B_DOWN },
    state: 'unknown',
    zones: ['1/1', '0/1'],
    summary: MEMBERS_B_DOWN,
    notes: [
      /no security groups/,
      /cross-zone unknown \(no load_balancing\.cross_zone\.enabled in elbv2-describe-load-balancer-attributes\/ssh-nlb\.json\)$/,
    ],
  },
];

describe('cross-zone load balancing', () => {
  for (const c of CASES)
    it(c.name, () => {
      const report = diagnose(c.fixture, c.probes);
      const [cz] = report.crossZone;
      assert.equal(cz?.state, c.state);
      assert.equal(cz?.decidedBy, c.decidedBy);
      assert.deepEqual(
        cz?.zones.map((z) => `${z.healthyTargets}/${z.targets}`),
        c.zones,
      );
      assert.equal(report.summary, c.summary);
      const notes = c.notes ?? [/no security groups/];
      assert.equal(report.notes.length, notes.length, report.notes.join('\n'));
      for (const [i, re] of notes.entries()) assert.match(report.notes[i]!, re);
    });

  it('each zone lists its node address (from the NLB or its network interface)', () => {
    const report = diagnose({ lb: 'false' });
    assert.deepEqual(
      report.crossZone[0]!.zones.map((z) => [z.zone, z.nodes]),
      [
        ['eu-west-1a', ['10.0.1.50']],
        ['eu-west-1b', ['10.0.2.50']],
      ],
    );
  });
});

interface PathCase {
  name: string;
  network: NonNullable<Fixture['network']>;
  /** The blockers' codes on the path to 10.0.2.50 (eu-west-1b). */
  codes: string[];
  detail?: RegExp;
}

const PATHS: PathCase[] = [
  { name: 'path open', network: {}, codes: [] },
  {
    name: 'route missing: the prober in a VPC without a route to the NLB',
    network: { proberElsewhere: true },
    codes: ['NO_ROUTE', 'NO_ROUTE'],
    detail: /rtb-000000000000000(0b|0a)/,
  },
  {
    name: "NACL deny inbound to the node's subnet",
    network: { nodeInboundDeny: true },
    codes: ['NACL_INBOUND_DENY'],
    detail: new RegExp(`${ACL_B}`),
  },
  {
    name: "NACL deny of the reply from the node's subnet",
    network: { nodeReturnDeny: true },
    codes: ['NACL_OUTBOUND_DENY'],
  },
  {
    name: "the prober's own group lets no TCP 22 out",
    network: { proberEgress443Only: true },
    codes: ['SG_EGRESS_NO_MATCH'],
    detail: new RegExp(`${SG_PROBER}`),
  },
];

describe("the prober's static path to each listener node", () => {
  for (const c of PATHS)
    it(c.name, () => {
      const timedOut: [ListenerProbe, ListenerProbe] = [{ result: SSH }, { result: probe('timeout') }];
      const report = diagnose({ lb: 'true', network: c.network }, timedOut);
      const toB = report.blockers.filter((b) =>
        b.detail.startsWith("the prober's path to the NLB's listener 10.0.2.50:22 in eu-west-1b: "),
      );
      assert.deepEqual(
        toB.map((b) => b.code),
        c.codes,
      );
      if (c.detail) for (const b of toB) assert.match(b.detail, c.detail);
      const node = "the NLB's listener 10.0.2.50:22 in eu-west-1b timed out";
      if (c.codes.length === 0) {
        assert.equal(report.summary, `2 of 2 SSH targets healthy; ${node}`);
        return;
      }
      // The timeout is explained by the path, and the blocker is not said twice.
      const why = toB.map((b) => b.detail.slice(b.detail.indexOf('eu-west-1b: ') + 'eu-west-1b: '.length));
      const rest = report.blockers.filter((b) => !toB.includes(b)).map((b) => b.detail);
      assert.equal(
        report.summary,
        ['2 of 2 SSH targets healthy', `${node}: ${why.join('; ')}`, ...rest].join('; '),
      );
    });

  it('a blocked path to a node that answered is still a blocker of the group', () => {
    const report = diagnose({ lb: 'true', network: { nodeInboundDeny: true } }, [
      { result: SSH },
      { result: SSH },
    ]);
    assert.deepEqual(
      report.blockers.map((b) => b.code),
      ['NACL_INBOUND_DENY'],
    );
    assert.match(
      report.summary,
      /^2 of 2 SSH targets healthy; the prober's path to the NLB's listener 10\.0\.2\.50:22 in eu-west-1b: /,
    );
  });

  it('without the network files the path is unknown: no blocker', () => {
    const report = diagnose({ lb: 'true' }, [{ result: SSH }, { result: probe('timeout') }]);
    assert.deepEqual(report.blockers, []);
  });
});

describe('elbv2 attributes files', () => {
  const base = () => inventory({ lb: 'false' });
  it('good files: the attributes by name', () => {
    const lb = base().loadBalancing!;
    assert.equal(lb.loadBalancerAttributes?.get('ssh-nlb')?.get(KEY), 'false');
    assert.equal(lb.targetGroupAttributes?.get('ssh-pool')?.get(KEY), 'use_load_balancer_configuration');
  });
  const raw = (extra: object) => ({
    documents: {
      'describe-instances.json': { Reservations: [] },
      'describe-security-groups.json': { SecurityGroups: [] },
      'describe-subnets.json': { Subnets: [] },
      'elbv2-describe-load-balancers.json': {
        LoadBalancers: [{ LoadBalancerArn: NLB_ARN, LoadBalancerName: 'ssh-nlb' }],
      },
      'elbv2-describe-target-groups.json': {
        TargetGroups: [{ TargetGroupArn: TG_ARN, TargetGroupName: 'ssh-pool' }],
      },
    },
    ...extra,
  });
  const BAD: [string, object, RegExp | InventoryError][] = [
    [
      'a load balancer file named after no described load balancer',
      { loadBalancerAttributes: new Map([['other-nlb', { Attributes: [] }]]) },
      new InventoryError(
        'elbv2-describe-load-balancer-attributes/other-nlb.json: no load balancer other-nlb in elbv2-describe-load-balancers.json',
      ),
    ],
    [
      'a target group file named after no described target group',
      { targetGroupAttributes: new Map([['web-pool', { Attributes: [] }]]) },
      new InventoryError(
        'elbv2-describe-target-group-attributes/web-pool.json: no target group web-pool in elbv2-describe-target-groups.json',
      ),
    ],
    [
      'Attributes missing',
      { targetGroupAttributes: new Map([['ssh-pool', { Attribute: [] }]]) },
      /^InventoryError: elbv2-describe-target-group-attributes\/ssh-pool\.json: Attributes: /,
    ],
    [
      'a Key that is not a string',
      { loadBalancerAttributes: new Map([['ssh-nlb', { Attributes: [{ Key: 7, Value: 'true' }] }]]) },
      /^InventoryError: elbv2-describe-load-balancer-attributes\/ssh-nlb\.json: Attributes\[0\]\.Key: /,
    ],
  ];
  for (const [name, extra, expected] of BAD)
    it(`${name} is one line naming the file`, () =>
      assert.throws(() => parseInventory(raw(extra)), expected));
});
