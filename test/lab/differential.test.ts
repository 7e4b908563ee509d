/**
 * The differential test: random small multi-VPC networks (security groups, network ACLs, several route
 * tables, peering, a transit gateway, IPv6, a Network Firewall), each analysed by `analyze()` and compiled
 * into network namespaces (nft and policy routing; lab/vpc-compiler.ts), then real TCP SYNs to port 22
 * between every pair of instances over IPv4 and IPv6. Any disagreement fails with the seed and a
 * description that reproduces it:
 *   PORT22_DIFF_SEED=<seed> PORT22_DIFF_CONFIGS=1 node scripts/test.mjs --no-static differential
 * PORT22_DIFF_FAULT=<fault> plants one of lab/vpc-compiler.ts's LAB_FAULTS in the compiler: the run must
 * then fail (docs/differential.md, "Planted faults").
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { netnsAvailable } from '../../lab/netns.ts';
import {
  LAB_SUBNETS,
  LAB_VPCS,
  type LabInstance,
  type RandomNetwork,
  randomNetwork,
} from '../../lab/random-network.ts';
import { type CompileOptions, describeNetwork, LAB_FAULTS, type LabFault } from '../../lab/vpc-compiler.ts';
import { type ConnectOutcome, createVpcLab, type VpcLab } from '../../lab/vpc-lab.ts';
import { parseAddress, parseCidr } from '../../lambda/core/net/cidr.ts';
import { analyze } from '../../lambda/core/reachability/analyze.ts';
import type { AddressFamily, BlockerCode, Verdict } from '../../lambda/core/reachability/types.ts';

const skip = netnsAvailable();
const CONFIGS = Number(process.env.PORT22_DIFF_CONFIGS ?? 60);
const BASE_SEED = Number(process.env.PORT22_DIFF_SEED ?? 20260301);
const FAULT = (process.env.PORT22_DIFF_FAULT || undefined) as LabFault | undefined;
if (FAULT !== undefined && !LAB_FAULTS.includes(FAULT))
  throw new Error(`PORT22_DIFF_FAULT=${FAULT}: expected one of ${LAB_FAULTS.join(', ')}`);
const OPTIONS: CompileOptions = FAULT ? { fault: FAULT } : {};
/** A SYN between namespaces answers in well under a millisecond; this only bounds a dropped one. */
const CONNECT_TIMEOUT_MS = 500;
const PER_CONFIG_LIMIT_MS = 10_000;
/** Stop starting new configurations after this, so the whole test stays under two minutes. */
const TOTAL_BUDGET_MS = 95_000;

/**
 * Each target slot gets its own client port (so one source can try every target at once without two
 * sockets binding the same port), unique across the run (so no conntrack entry of an earlier
 * configuration can decide a later one). IPv4 and IPv6 tuples never collide, so they share it.
 */
function clientPort(net: RandomNetwork, target: LabInstance): number {
  return net.sourcePort + 100 * (target.subnet * 2 + target.slot);
}

/** What the wire shows: the handshake completes, a reset answers, or nothing does. */
type WireClass = 'open' | 'refused' | 'blocked';

/**
 * The outcome the verdict predicts. A Network Firewall REJECT answers the SYN with a TCP reset ("Stateful
 * rule actions"), which the client sees — unless the SYN never reaches the firewall (the source's egress
 * rules or its subnet's outbound ACL stop it) or the reset never reaches the client (its subnet's inbound
 * ACL judges the reset as it would the SYN-ACK, on the client port).
 */
function predicted(v: Verdict): WireClass {
  if (v.reachable) return 'open';
  const codes = new Set(v.blockers.map((b) => b.code));
  const beforeOrAfterFirewall: readonly BlockerCode[] = [
    'SG_EGRESS_NO_MATCH',
    'SOURCE_NACL_OUTBOUND_DENY',
    'SOURCE_NACL_INBOUND_DENY',
  ];
  if (codes.has('NETWORK_FIREWALL_REJECT') && !beforeOrAfterFirewall.some((c) => codes.has(c)))
    return 'refused';
  return 'blocked';
}

function wireClass(o: ConnectOutcome): WireClass | undefined {
  if (o === 'open' || o === 'refused') return o;
  if (o === 'timeout' || o === 'denied-locally') return 'blocked';
  return undefined;
}

interface PairResult {
  readonly source: LabInstance;
  readonly target: LabInstance;
  readonly family: AddressFamily;
  readonly port: number;
  readonly expected: WireClass;
  readonly verdict: Verdict;
  readonly outcome: ConnectOutcome;
}

async function compareOne(lab: VpcLab, net: RandomNetwork): Promise<PairResult[]> {
  lab.apply(net, OPTIONS);
  const sources = net.instances.map((i) => i.instanceId);
  // One analysis per client port in use: the port is the whole ephemeral range, so no verdict is partial.
  const verdictsByPort = new Map<number, Verdict[]>();
  for (const target of net.instances) {
    const port = clientPort(net, target);
    if (!verdictsByPort.has(port))
      verdictsByPort.set(
        port,
        analyze(net.inventory, { sources, ephemeral: { from: port, to: port } }).verdicts,
      );
  }
  const pairs = net.instances.flatMap((source) =>
    net.instances
      .filter((t) => t !== source)
      .flatMap((target) => [
        { source, target, family: 'ipv4' as const, from: source.address, to: target.address },
        ...(source.address6 && target.address6
          ? [{ source, target, family: 'ipv6' as const, from: source.address6, to: target.address6 }]
          : []),
      ]),
  );
  return Promise.all(
    pairs.map(async ({ source, target, family, from, to }) => {
      const port = clientPort(net, target);
      const verdict = verdictsByPort
        .get(port)!
        .find(
          (v) => v.instanceId === target.instanceId && v.source === source.instanceId && v.family === family,
        );
      assert.ok(verdict, `no ${family} verdict for ${source.instanceId} → ${target.instanceId}`);
      assert.ok(!verdict.partial, 'a single client port cannot give a partial verdict');
      const outcome = await lab.connect(from, to, port, CONNECT_TIMEOUT_MS);
      return { source, target, family, port, expected: predicted(verdict), verdict, outcome };
    }),
  );
}

function withLimit<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: over ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------------------
// Which features a pair exercises (for the per-feature figures in docs/differential.md).

const FEATURES = [
  'same VPC',
  'peering',
  'transit gateway',
  'firewall',
  'IPv6',
  'no route / blackhole',
] as const;
type Feature = (typeof FEATURES)[number];

/** The target of the route a subnet's table picks for `address` (longest prefix, as AWS). */
function routeTarget(net: RandomNetwork, subnet: number, address: string): string | undefined {
  const { subnetId, vpc } = LAB_SUBNETS[subnet]!;
  const all = net.inventory.routeTables;
  const table =
    all.find((t) => (t.Associations ?? []).some((a) => a.SubnetId === subnetId)) ??
    all.find((t) => t.VpcId === LAB_VPCS[vpc]!.vpcId && (t.Associations ?? []).some((a) => a.Main));
  const a = parseAddress(address)!;
  let best: { prefix: number; target: string } | undefined;
  for (const r of table?.Routes ?? []) {
    const c = parseCidr(r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock ?? '');
    if (!c || c.family !== a.family || a.value < c.first || a.value > c.last) continue;
    if (best && best.prefix >= c.prefix) continue;
    const target =
      r.State === 'blackhole'
        ? 'blackhole'
        : (r.GatewayId ?? r.VpcPeeringConnectionId ?? r.TransitGatewayId ?? '?');
    best = { prefix: c.prefix, target };
  }
  return best?.target;
}

function featuresOf(net: RandomNetwork, r: PairResult): Feature[] {
  const out: Feature[] = [];
  const to = r.family === 'ipv4' ? r.target.address : r.target.address6!;
  const target = routeTarget(net, r.source.subnet, to);
  if (LAB_SUBNETS[r.source.subnet]!.vpc === LAB_SUBNETS[r.target.subnet]!.vpc) out.push('same VPC');
  if (target?.startsWith('pcx-')) out.push('peering');
  if (target?.startsWith('tgw-')) out.push('transit gateway');
  if (target?.startsWith('vpce-')) out.push('firewall');
  if (r.family === 'ipv6') out.push('IPv6');
  if (target === undefined || target === 'blackhole' || target.startsWith('igw-'))
    out.push('no route / blackhole');
  return out;
}

describe('differential: analyze() against nft and policy routing in network namespaces', { skip }, () => {
  let lab: VpcLab | undefined;
  before(async () => {
    lab = await createVpcLab();
  });
  after(() => lab?.close());

  it('control: with every rule open all same-VPC pairs connect, with no ingress rule none does', async () => {
    const net = randomNetwork(BASE_SEED);
    // Client ports 64000+ are outside what the random run uses, so no tuple is shared with it.
    const open = (g: (typeof net.inventory.securityGroups)[number]) => ({
      ...g,
      IpPermissions: [
        { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
      ],
      IpPermissionsEgress: [
        { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
      ],
    });
    const { firewall: _fw, firewallProtects: _p, ...noFirewall } = net;
    const base: RandomNetwork = {
      ...noFirewall,
      sourcePort: 64_000,
      inventory: {
        ...net.inventory,
        securityGroups: net.inventory.securityGroups.map(open),
        networkAcls: net.inventory.networkAcls.filter((a) => a.IsDefault),
        routeTables: net.inventory.routeTables.map((t) => ({
          ...t,
          Routes: (t.Routes ?? []).filter((r) => r.GatewayId === 'local'),
        })),
        networkFirewalls: [],
      },
    };
    const sameVpc = (r: PairResult) =>
      LAB_SUBNETS[r.source.subnet]!.vpc === LAB_SUBNETS[r.target.subnet]!.vpc;
    const allOpen = await compareOne(lab!, base);
    assert.ok(allOpen.filter(sameVpc).length >= 2);
    for (const r of allOpen) {
      const want = sameVpc(r) ? 'open' : 'timeout';
      assert.equal(r.outcome, want, `${r.family} ${r.source.instanceId} → ${r.target.instanceId}`);
      assert.equal(r.expected, sameVpc(r) ? 'open' : 'blocked');
    }
    const closed = {
      ...base,
      sourcePort: 64_001,
      inventory: {
        ...base.inventory,
        securityGroups: base.inventory.securityGroups.map((g) => ({ ...g, IpPermissions: [] })),
      },
    };
    for (const r of await compareOne(lab!, closed)) {
      assert.equal(r.outcome, 'timeout', `${r.family} ${r.source.instanceId} → ${r.target.instanceId}`);
      assert.equal(r.expected, 'blocked');
    }
  });

  it(`agrees with the kernel on ${CONFIGS} random networks${FAULT ? ` (planted fault: ${FAULT})` : ''}`, async (t) => {
    const started = Date.now();
    let configs = 0;
    const failedSeeds = new Set<number>();
    const tally = new Map<
      Feature | 'all',
      { pairs: number; agreed: number; open: number; refused: number }
    >();
    const count = (f: Feature | 'all', agreed: boolean, actual: WireClass) => {
      const x = tally.get(f) ?? { pairs: 0, agreed: 0, open: 0, refused: 0 };
      x.pairs += 1;
      if (agreed) x.agreed += 1;
      if (actual === 'open') x.open += 1;
      if (actual === 'refused') x.refused += 1;
      tally.set(f, x);
    };
    const disagreements: string[] = [];
    for (let k = 0; k < CONFIGS; k++) {
      if (Date.now() - started > TOTAL_BUDGET_MS) {
        t.diagnostic(`time budget reached after ${configs} configurations`);
        break;
      }
      const seed = BASE_SEED + k;
      const net = randomNetwork(seed, k);
      const results = await withLimit(compareOne(lab!, net), PER_CONFIG_LIMIT_MS, `seed ${seed}`);
      configs += 1;
      for (const r of results) {
        const actual = wireClass(r.outcome);
        const pair = `${r.family} ${r.source.instanceId} → ${r.target.instanceId}`;
        if (!actual) throw new Error(`seed ${seed}: harness error ${r.outcome} on ${pair}`);
        const agreed = actual === r.expected && !r.verdict.unknown;
        count('all', agreed, actual);
        for (const f of featuresOf(net, r)) count(f, agreed, actual);
        if (agreed) continue;
        failedSeeds.add(seed);
        disagreements.push(
          `seed ${seed}: ${pair} (client port ${r.port}): analyzer says ${r.verdict.unknown ? 'unknown' : r.expected}, kernel ${r.outcome}; blockers: ` +
            `${r.verdict.blockers.map((b) => `${b.code} ${b.resourceId}${b.ruleNumber ? ` rule ${b.ruleNumber}` : ''}`).join(', ') || 'none'}` +
            `${r.verdict.missing ? `; missing: ${r.verdict.missing.map((m) => m.detail).join('; ')}` : ''}`,
        );
      }
      if (failedSeeds.has(seed)) disagreements.push(describeNetwork(net));
    }
    const all = tally.get('all') ?? { pairs: 0, agreed: 0, open: 0, refused: 0 };
    const lines = [
      `${configs} random networks compared, ${configs - failedSeeds.size} agreed; ${all.agreed}/${all.pairs} pairs agreed (${all.open} open, ${all.refused} refused)`,
      ...FEATURES.map((f) => {
        const x = tally.get(f) ?? { pairs: 0, agreed: 0, open: 0, refused: 0 };
        return `  ${f}: ${x.agreed}/${x.pairs} agreed (${x.open} open, ${x.refused} refused)`;
      }),
    ];
    for (const line of lines) t.diagnostic(line);
    process.stdout.write(`differential${FAULT ? ` [fault ${FAULT}]` : ''}: ${lines.join('\n')}\n`);
    assert.deepEqual(disagreements, [], disagreements.join('\n'));
    assert.ok(configs >= Math.min(CONFIGS, 10), `only ${configs} configurations fit the time budget`);
    if (all.pairs >= 20) {
      assert.ok(
        all.open > 0 && all.open < all.pairs,
        'the random networks exercise both open and blocked paths',
      );
    }
  });
});
