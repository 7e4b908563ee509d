/**
 * The differential test: random small VPCs, each analysed by `analyze()` and compiled into network
 * namespaces filtered by nft (security groups with conntrack on every instance, network ACLs stateless
 * at the router), then real TCP SYNs to port 22 between every pair of instances. Any disagreement fails
 * with the seed and a description that reproduces it:
 *   PORT22_DIFF_SEED=<seed> PORT22_DIFF_CONFIGS=1 node scripts/test.mjs --no-static differential
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { netnsAvailable } from '../../lab/netns.ts';
import { describeVpc, type LabInstance, type RandomVpc, randomVpc } from '../../lab/vpc-compiler.ts';
import { type ConnectOutcome, createVpcLab, type VpcLab } from '../../lab/vpc-lab.ts';
import { analyze } from '../../lambda/core/reachability/analyze.ts';
import type { Verdict } from '../../lambda/core/reachability/types.ts';

const skip = netnsAvailable();
const CONFIGS = Number(process.env.PORT22_DIFF_CONFIGS ?? 40);
const BASE_SEED = Number(process.env.PORT22_DIFF_SEED ?? 20260301);
/** A SYN between namespaces answers in well under a millisecond; this only bounds a dropped one. */
const CONNECT_TIMEOUT_MS = 500;
const PER_CONFIG_LIMIT_MS = 8_000;
/** Stop starting new configurations after this, so the whole test stays well under two minutes. */
const TOTAL_BUDGET_MS = 75_000;

/**
 * Each target slot gets its own client port (so one source can try every target at once without two
 * sockets binding the same port), unique across the run (so no conntrack entry of an earlier
 * configuration can decide a later one).
 */
function clientPort(vpc: RandomVpc, target: LabInstance): number {
  return vpc.sourcePort + 100 * (target.subnet * 2 + target.slot);
}

interface PairResult {
  readonly source: LabInstance;
  readonly target: LabInstance;
  readonly port: number;
  readonly expected: boolean;
  readonly verdict: Verdict;
  readonly outcome: ConnectOutcome;
}

async function compareOne(lab: VpcLab, vpc: RandomVpc): Promise<PairResult[]> {
  lab.apply(vpc);
  const sources = vpc.instances.map((i) => i.instanceId);
  // One analysis per client port in use: the port is the whole ephemeral range, so no verdict is partial.
  const verdictsByPort = new Map<number, Verdict[]>();
  for (const target of vpc.instances) {
    const port = clientPort(vpc, target);
    if (!verdictsByPort.has(port))
      verdictsByPort.set(
        port,
        analyze(vpc.inventory, { sources, ephemeral: { from: port, to: port } }).verdicts,
      );
  }
  const pairs = vpc.instances.flatMap((source) =>
    vpc.instances.filter((t) => t !== source).map((target) => ({ source, target })),
  );
  return Promise.all(
    pairs.map(async ({ source, target }) => {
      const port = clientPort(vpc, target);
      const verdict = verdictsByPort
        .get(port)!
        .find(
          (v) => v.instanceId === target.instanceId && v.source === source.instanceId && v.family === 'ipv4',
        );
      assert.ok(verdict, `no verdict for ${source.instanceId} → ${target.instanceId}`);
      assert.ok(!verdict.partial, 'a single client port cannot give a partial verdict');
      const outcome = await lab.connect(source.address, target.address, port, CONNECT_TIMEOUT_MS);
      return { source, target, port, expected: verdict.reachable, verdict, outcome };
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

describe('differential: analyze() against nft in network namespaces', { skip }, () => {
  let lab: VpcLab | undefined;
  before(async () => {
    lab = await createVpcLab();
  });
  after(() => lab?.close());

  it('control: with every rule open all pairs connect, with no ingress rule none does', async () => {
    const vpc = randomVpc(BASE_SEED);
    // Client ports 64000+ are outside what the random run uses, so no tuple is shared with it.
    const open: RandomVpc = {
      ...vpc,
      sourcePort: 64_000,
      securityGroups: vpc.securityGroups.map((g) => ({
        ...g,
        IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      })),
      inventory: {
        ...vpc.inventory,
        networkAcls: vpc.inventory.networkAcls.filter((a) => a.IsDefault),
      },
    };
    const allOpen = await compareOne(lab!, {
      ...open,
      inventory: { ...open.inventory, securityGroups: open.securityGroups },
    });
    assert.ok(allOpen.length >= 2);
    for (const r of allOpen) {
      assert.equal(r.outcome, 'open', `${r.source.address} → ${r.target.address}`);
      assert.equal(r.expected, true);
    }
    const closedGroups = open.securityGroups.map((g) => ({ ...g, IpPermissions: [] }));
    const allClosed = await compareOne(lab!, {
      ...open,
      sourcePort: 64_001,
      securityGroups: closedGroups,
      inventory: { ...open.inventory, securityGroups: closedGroups },
    });
    for (const r of allClosed) {
      assert.equal(r.outcome, 'timeout', `${r.source.address} → ${r.target.address}`);
      assert.equal(r.expected, false);
    }
  });

  it(`agrees with the packet filter on ${CONFIGS} random VPCs`, async (t) => {
    const started = Date.now();
    let configs = 0;
    let pairs = 0;
    let agreed = 0;
    let reachable = 0;
    const disagreements: string[] = [];
    for (let k = 0; k < CONFIGS; k++) {
      if (Date.now() - started > TOTAL_BUDGET_MS) {
        t.diagnostic(`time budget reached after ${configs} configurations`);
        break;
      }
      const seed = BASE_SEED + k;
      const vpc = randomVpc(seed, k);
      const results = await withLimit(compareOne(lab!, vpc), PER_CONFIG_LIMIT_MS, `seed ${seed}`);
      configs += 1;
      let configAgrees = true;
      for (const r of results) {
        if (r.outcome !== 'open' && r.outcome !== 'timeout' && r.outcome !== 'denied-locally')
          throw new Error(
            `seed ${seed}: harness error ${r.outcome} on ${r.source.address} → ${r.target.address}`,
          );
        const actual = r.outcome === 'open';
        pairs += 1;
        if (actual) reachable += 1;
        if (actual === r.expected) {
          agreed += 1;
          continue;
        }
        configAgrees = false;
        disagreements.push(
          `seed ${seed}: ${r.source.instanceId} (${r.source.address}:${r.port}) → ${r.target.instanceId} (${r.target.address}:22): ` +
            `analyzer says ${r.expected ? 'reachable' : 'unreachable'}, nft ${r.outcome}; blockers: ` +
            `${r.verdict.blockers.map((b) => `${b.code} ${b.resourceId}${b.ruleNumber ? ` rule ${b.ruleNumber}` : ''}`).join(', ') || 'none'}`,
        );
      }
      if (!configAgrees) disagreements.push(describeVpc(vpc));
    }
    const summary = `${configs} random VPCs compared (${pairs} instance pairs, ${reachable} open); ${configs - new Set(disagreements.filter((d) => d.startsWith('seed ') && d.includes(': i-')).map((d) => d.split(':')[0])).size} VPCs and ${agreed}/${pairs} pairs agreed with the analyzer`;
    t.diagnostic(summary);
    process.stdout.write(`differential: ${summary}\n`);
    assert.deepEqual(disagreements, [], disagreements.join('\n'));
    assert.ok(configs >= Math.min(CONFIGS, 10), `only ${configs} configurations fit the time budget`);
    if (pairs >= 20) {
      assert.ok(reachable > 0 && reachable < pairs, 'the random VPCs exercise both open and blocked paths');
    }
  });
});
