/**
 * The target-groups step's listener probes: through the resolver (undefined = not probed, with the
 * reason), at most MAX_LISTENER_PROBES addresses a run, never past the deadline, the VPC address reported
 * whatever the resolver mapped it to. A fake prober records what it was asked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexInventory } from '../../../lambda/core/inventory/model.ts';
import { parseInventory } from '../../../lambda/core/inventory/parse.ts';
import type { ProbeResult, ProbeTarget } from '../../../lambda/core/probe/types.ts';
import type { Prober, TargetResolver } from '../../../lambda/ports.ts';
import { diagnoseTargetGroups, MAX_LISTENER_PROBES } from '../../../lambda/steps/target-groups.ts';

const VPC = 'vpc-0000000000000000a';
const SUBNET = 'subnet-0000000000000000a';
const INSTANCE = 'i-0000000000000000a';
const SG_NLB = 'sg-0000000000000000c'; // tcp/22 from 10.0.0.0/16
const TG = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/ssh-pool/0000000000000001';
const lbArn = (n: number) =>
  `arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/nlb-${n}/${n.toString(16).padStart(16, '0')}`;

/** `balancers` internal NLBs with one zone each, all forwarding TCP 22 to the one SSH target group. */
function index(balancers: number, nlbGroup?: string) {
  const ns = Array.from({ length: balancers }, (_, i) => i + 1);
  return indexInventory(
    parseInventory({
      documents: {
        'describe-instances.json': {
          Reservations: [
            {
              Instances: [
                {
                  InstanceId: INSTANCE,
                  VpcId: VPC,
                  SubnetId: SUBNET,
                  PrivateIpAddress: '10.0.1.10',
                  State: { Name: 'running' },
                  SecurityGroups: [],
                },
              ],
            },
          ],
        },
        'describe-security-groups.json': {
          SecurityGroups: [
            {
              GroupId: SG_NLB,
              IpPermissions: [
                { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/16' }] },
              ],
              IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
            },
          ],
        },
        'describe-subnets.json': { Subnets: [{ SubnetId: SUBNET, VpcId: VPC, CidrBlock: '10.0.0.0/16' }] },
        'elbv2-describe-load-balancers.json': {
          LoadBalancers: ns.map((n) => ({
            LoadBalancerArn: lbArn(n),
            LoadBalancerName: `nlb-${n}`,
            Scheme: 'internal',
            VpcId: VPC,
            ...(nlbGroup ? { SecurityGroups: [nlbGroup] } : {}),
            AvailabilityZones: [
              {
                ZoneName: 'eu-west-1a',
                SubnetId: SUBNET,
                LoadBalancerAddresses: [{ PrivateIPv4Address: `10.0.9.${n}` }],
              },
            ],
          })),
        },
        'elbv2-describe-target-groups.json': {
          TargetGroups: [
            {
              TargetGroupArn: TG,
              TargetGroupName: 'ssh-pool',
              Protocol: 'TCP',
              Port: 22,
              VpcId: VPC,
              LoadBalancerArns: ns.map(lbArn),
            },
          ],
        },
      },
      targetHealth: new Map([
        [
          'ssh-pool',
          {
            TargetHealthDescriptions: [
              { Target: { Id: INSTANCE, Port: 22 }, TargetHealth: { State: 'healthy' } },
            ],
          },
        ],
      ]),
      listeners: new Map(
        ns.map((n) => [
          `nlb-${n}`,
          {
            Listeners: [
              {
                ListenerArn: `${lbArn(n).replace(':loadbalancer/', ':listener/')}/0000000000000001`,
                LoadBalancerArn: lbArn(n),
                Port: 22,
                Protocol: 'TCP',
                DefaultActions: [{ Type: 'forward', TargetGroupArn: TG }],
              },
            ],
          },
        ]),
      ),
    }),
  );
}

/** Answers SSH everywhere and records each target it was sent to. */
function recordingProber(): Prober & { asked: ProbeTarget[] } {
  const asked: ProbeTarget[] = [];
  return {
    asked,
    probe: async (target): Promise<ProbeResult> => {
      asked.push(target);
      return { target, outcome: 'ok', ident: 'SSH-2.0-OpenSSH_9.6', phases: { totalMs: 1 } };
    },
  };
}

/** Sends 10.0.9.n:22 to 127.0.0.1:(40000 + n); anything else has no route. */
const loopback: TargetResolver = {
  resolve: (t) => {
    const n = /^10\.0\.9\.(\d+)$/.exec(t.host)?.[1];
    return n === undefined ? undefined : { host: '127.0.0.1', port: 40_000 + Number(n) };
  },
};

const answers = (groups: Awaited<ReturnType<typeof diagnoseTargetGroups>>['groups']) =>
  groups[0]!.listeners.map((l) => `${l.addresses[0]!.address}:${l.addresses[0]!.answer}`);

describe('target-groups step: listener probes', () => {
  it('through the resolver: the probe goes where it maps, the report names the VPC address', async () => {
    const prober = recordingProber();
    const { groups, errors } = await diagnoseTargetGroups(
      { prober, resolver: loopback },
      index(1),
      [],
      {},
      () => 0,
    );
    assert.deepEqual(prober.asked, [{ host: '127.0.0.1', port: 40_001 }]);
    assert.deepEqual(answers(groups), ['10.0.9.1:ssh']);
    assert.deepEqual(errors, []);
  });

  it('no route from the resolver: not probed, and why', async () => {
    const prober = recordingProber();
    const resolver: TargetResolver = { resolve: () => undefined };
    const { groups } = await diagnoseTargetGroups({ prober, resolver }, index(1), [], {}, () => 0);
    assert.equal(prober.asked.length, 0);
    assert.equal(
      groups[0]!.listeners[0]!.addresses[0]!.detail,
      'the target resolver has no route to 10.0.9.1:22 from this prober',
    );
  });

  for (const count of [MAX_LISTENER_PROBES - 1, MAX_LISTENER_PROBES, MAX_LISTENER_PROBES + 1]) {
    it(`${count} listener addresses: at most ${MAX_LISTENER_PROBES} probed`, async () => {
      const prober = recordingProber();
      const { groups } = await diagnoseTargetGroups(
        { prober, resolver: loopback },
        index(count),
        [],
        {},
        () => 0,
      );
      assert.equal(prober.asked.length, Math.min(count, MAX_LISTENER_PROBES));
      const notProbed = groups[0]!.listeners
        .flatMap((l) => l.addresses)
        .filter((a) => a.answer === 'not-probed');
      assert.equal(notProbed.length, Math.max(0, count - MAX_LISTENER_PROBES));
      for (const a of notProbed) assert.match(a.detail!, /at most 16 listener addresses a run/);
    });
  }

  it('the deadline (less the reserve) already passed: nothing probed', async () => {
    const prober = recordingProber();
    const { groups } = await diagnoseTargetGroups(
      { prober, resolver: loopback },
      index(1),
      [],
      { deadlineAt: 10_000, reserveMs: 3000 },
      () => 7000,
    );
    assert.equal(prober.asked.length, 0);
    assert.match(groups[0]!.listeners[0]!.addresses[0]!.detail!, /^deadline/);
  });

  it('probing off: nothing probed', async () => {
    const prober = recordingProber();
    await diagnoseTargetGroups({ prober, resolver: loopback }, index(1), [], { probe: false }, () => 0);
    assert.equal(prober.asked.length, 0);
  });

  it('a prober that throws: one errors line, the listener not probed, the group still reported', async () => {
    const prober: Prober = {
      probe: async () => {
        throw new Error('socket table full');
      },
    };
    const { groups, errors } = await diagnoseTargetGroups(
      { prober, resolver: loopback },
      index(1),
      [],
      {},
      () => 0,
    );
    assert.deepEqual(errors, ['target-groups: listener 10.0.9.1:22: prober error: socket table full']);
    assert.deepEqual(groups[0]!.listeners[0]!.addresses[0], {
      address: '10.0.9.1',
      zone: 'eu-west-1a',
      answer: 'not-probed',
      detail: 'prober error: socket table full',
    });
  });

  it("the NLB's groups judged for the prober (named as such) and each source, once each", async () => {
    const { groups } = await diagnoseTargetGroups(
      { prober: recordingProber(), resolver: loopback },
      index(1, SG_NLB),
      [],
      // The prober is also listed as a source: judged once, as the prober.
      { proberSpec: '10.30.0.5', sources: ['10.20.0.0/16', '10.30.0.5', INSTANCE] },
      () => 0,
    );
    const tail = '(on the NLB nlb-1: clients reach its listener only where its groups admit them)';
    assert.deepEqual(
      groups[0]!.blockers.map((b) => b.detail),
      [
        `security group ${SG_NLB} allows no TCP 22 from 10.30.0.5 (the prober) ${tail}`,
        `security group ${SG_NLB} allows no TCP 22 from 10.20.0.0/16 ${tail}`,
      ],
    );
  });

  it("the prober's own path to each node: its egress (here none: a group-less ENI) blocks it", async () => {
    const { groups } = await diagnoseTargetGroups(
      { prober: recordingProber(), resolver: loopback },
      index(1),
      [],
      { proberSpec: INSTANCE },
      () => 0,
    );
    assert.deepEqual(
      groups[0]!.blockers.map((b) => [b.code, b.detail.split(': ')[0]]),
      [['SG_EGRESS_NO_MATCH', "the prober's path to the NLB's listener 10.0.9.1:22 in eu-west-1a"]],
    );
  });
});
