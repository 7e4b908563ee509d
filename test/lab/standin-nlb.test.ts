/**
 * The stand-in NLB's listener in front of a real ssh2 server on loopback: the target-groups step probes
 * the NLB's node addresses through it with the real network prober, as the deployed prober probes a real
 * internal NLB. How a node picks a target is AWS's (Network Load Balancer guide, "Health checks for Network
 * Load Balancer target groups"): healthy targets in its own zone (cross-zone off, the NLB default); a zone
 * without one is taken out of DNS; with every target unhealthy in every zone it "fails open" to all of
 * them, "regardless of their health status".
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { nodeTargets, startStandInListeners } from '../../lab/standin-nlb.ts';
import { startZooServer, type ZooServer } from '../../lab/zoo.ts';
import { netProber } from '../../lambda/adapters/net/prober.ts';
import { indexInventory } from '../../lambda/core/inventory/model.ts';
import { parseInventory } from '../../lambda/core/inventory/parse.ts';
import type { ListenerNodeReport } from '../../lambda/core/load-balancing/listeners.ts';
import type { TargetResolver } from '../../lambda/ports.ts';
import { diagnoseTargetGroups } from '../../lambda/steps/target-groups.ts';

const A = 'i-0000000000000000a'; // eu-west-1a, served by the ssh2 server
const B = 'i-0000000000000000b'; // eu-west-1b, its port refuses
const VPC = 'vpc-0000000000000000a';
const NLB = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/ssh-nlb/50dc6c495c0c9188';
const TG = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/ssh-pool/73e2d6bc24d8a067';
const TIMEOUTS = { connectMs: 1000, identMs: 1000, kexMs: 2000, authMs: 1000, totalMs: 3000 };

function inventory(health: Record<string, string>) {
  const zones = [
    ['subnet-0000000000000000a', '10.0.1.0/24', 'eu-west-1a', '10.0.1.50'],
    ['subnet-0000000000000000b', '10.0.2.0/24', 'eu-west-1b', '10.0.2.50'],
  ] as const;
  return parseInventory({
    documents: {
      'describe-instances.json': {
        Reservations: [
          {
            Instances: (
              [
                [A, 0, '10.0.1.10'],
                [B, 1, '10.0.2.10'],
              ] as const
            ).map(([id, z, ip]) => ({
              InstanceId: id,
              VpcId: VPC,
              SubnetId: zones[z][0],
              Placement: { AvailabilityZone: zones[z][2] },
              PrivateIpAddress: ip,
              State: { Name: 'running' },
              SecurityGroups: [],
            })),
          },
        ],
      },
      'describe-security-groups.json': { SecurityGroups: [] },
      'describe-subnets.json': {
        Subnets: zones.map(([SubnetId, CidrBlock, AvailabilityZone]) => ({
          SubnetId,
          VpcId: VPC,
          CidrBlock,
          AvailabilityZone,
        })),
      },
      'elbv2-describe-load-balancers.json': {
        LoadBalancers: [
          {
            LoadBalancerArn: NLB,
            LoadBalancerName: 'ssh-nlb',
            Scheme: 'internal',
            Type: 'network',
            VpcId: VPC,
            AvailabilityZones: zones.map(([SubnetId, , ZoneName, address]) => ({
              ZoneName,
              SubnetId,
              LoadBalancerAddresses: [{ PrivateIPv4Address: address }],
            })),
          },
        ],
      },
      'elbv2-describe-target-groups.json': {
        TargetGroups: [
          {
            TargetGroupArn: TG,
            TargetGroupName: 'ssh-pool',
            Protocol: 'TCP',
            Port: 22,
            VpcId: VPC,
            TargetType: 'instance',
            LoadBalancerArns: [NLB],
          },
        ],
      },
    },
    targetHealth: new Map([
      [
        'ssh-pool',
        {
          TargetHealthDescriptions: Object.entries(health).map(([id, State]) => ({
            Target: { Id: id, Port: 22 },
            TargetHealth: { State },
          })),
        },
      ],
    ]),
    listeners: new Map([
      [
        'ssh-nlb',
        {
          Listeners: [
            {
              ListenerArn: `${NLB.replace(':loadbalancer/', ':listener/')}/0000000000000001`,
              LoadBalancerArn: NLB,
              Port: 22,
              Protocol: 'TCP',
              DefaultActions: [{ Type: 'forward', TargetGroupArn: TG }],
            },
          ],
        },
      ],
    ]),
  });
}

/** A loopback port nothing listens on: a connection to it is refused. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('the stand-in NLB listener in front of a real SSH server', () => {
  let zoo: ZooServer;
  let targets: TargetResolver;
  before(async () => {
    zoo = await startZooServer('healthy');
    const refused = await closedPort();
    const to = new Map([
      [`10.0.1.10:22`, { host: zoo.host, port: zoo.port }],
      [`10.0.2.10:22`, { host: '127.0.0.1', port: refused }],
    ]);
    targets = { resolve: (t) => to.get(`${t.host}:${t.port}`) };
  });
  after(() => zoo.close());

  /** Each node's answer, by zone, from one run of the target-groups step through the stand-in. */
  async function answers(health: Record<string, string>): Promise<Record<string, ListenerNodeReport>> {
    const inv = inventory(health);
    const listeners = await startStandInListeners(inv, targets);
    try {
      const { groups, errors } = await diagnoseTargetGroups(
        { prober: netProber, resolver: listeners },
        indexInventory(inv),
        [],
        { timeouts: TIMEOUTS },
        Date.now,
      );
      assert.deepEqual(errors, []);
      return Object.fromEntries(groups[0]!.listeners[0]!.addresses.map((a) => [a.zone!, a]));
    } finally {
      await listeners.close();
    }
  }

  it("a healthy target in the zone: that node's probe reports the server's SSH ident; the zone without one resets", async () => {
    const got = await answers({ [A]: 'healthy', [B]: 'unhealthy' });
    assert.equal(got['eu-west-1a']?.answer, 'ssh', got['eu-west-1a']?.detail);
    assert.equal(got['eu-west-1a']?.ident, 'SSH-2.0-OpenSSH_9.6p1 port22-zoo');
    assert.equal(got['eu-west-1a']?.outcome, 'ok');
    // The ssh2 server is behind node a only: node b has no healthy target in its zone.
    assert.equal(got['eu-west-1b']?.answer, 'tcp-only');
  });

  it('every target down (both refuse): fail open, each node accepts, the target refuses, the client connection ends', async () => {
    const down = { host: '127.0.0.1', port: await closedPort() };
    const saved = targets;
    targets = { resolve: () => down };
    try {
      const got = await answers({ [A]: 'unhealthy', [B]: 'unhealthy' });
      assert.deepEqual([got['eu-west-1a']?.answer, got['eu-west-1b']?.answer], ['tcp-only', 'tcp-only']);
    } finally {
      targets = saved;
    }
  });

  it('every target failing health checks but one still answering: fail open reaches it from either zone', async () => {
    const got = await answers({ [A]: 'unhealthy', [B]: 'unhealthy' });
    // Round robin from the first registered target: A, the ssh2 server, in eu-west-1a.
    assert.equal(got['eu-west-1a']?.answer, 'ssh');
    assert.equal(got['eu-west-1b']?.answer, 'ssh', 'fail open crosses zones');
  });
});

describe('nodeTargets: which targets a node may use', () => {
  const a = { address: '10.0.1.10', port: 22, zone: 'eu-west-1a' };
  const b = { address: '10.0.2.10', port: 22, zone: 'eu-west-1b' };
  const TABLE: {
    name: string;
    healthy: [boolean, boolean];
    zone: string;
    crossZone?: boolean;
    expect: string[];
  }[] = [
    { name: 'healthy in its zone', healthy: [true, true], zone: 'eu-west-1a', expect: ['10.0.1.10'] },
    {
      name: "only the other zone's target healthy: none (out of DNS)",
      healthy: [false, true],
      zone: 'eu-west-1a',
      expect: [],
    },
    {
      name: "cross-zone on: the other zone's healthy target too",
      healthy: [false, true],
      zone: 'eu-west-1a',
      crossZone: true,
      expect: ['10.0.2.10'],
    },
    {
      name: 'cross-zone on, both healthy: both',
      healthy: [true, true],
      zone: 'eu-west-1b',
      crossZone: true,
      expect: ['10.0.1.10', '10.0.2.10'],
    },
    {
      name: 'none healthy anywhere: all of them (fail open)',
      healthy: [false, false],
      zone: 'eu-west-1a',
      expect: ['10.0.1.10', '10.0.2.10'],
    },
  ];
  for (const c of TABLE)
    it(c.name, () =>
      assert.deepEqual(
        nodeTargets(
          [
            { ...a, healthy: c.healthy[0] },
            { ...b, healthy: c.healthy[1] },
          ],
          c.zone,
          c.crossZone,
        ).map((t) => t.address),
        c.expect,
      ),
    );
});
