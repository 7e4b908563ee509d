/**
 * The lab network in namespaces: one namespace per instance slot of lab/random-network.ts's topology,
 * one router namespace per VPC, one for the transit gateway and one for the Network Firewall endpoint,
 * joined by veths (lab/vpc-compiler.ts's LAB_LINKS). Built once; each random network then only loads new
 * nft rulesets and routing tables, so 40 configurations cost seconds, not minutes. Every instance
 * namespace runs one small helper that listens on TCP 22 and, on request, opens a TCP connection to
 * another instance from a pinned client port.
 *
 * Routing in a VPC router is policy routing by arrival interface: from an instance of subnet s, the
 * kernel table of s's route table; from a peering link or the transit gateway, what may be delivered
 * from there; the router's main table holds only its own instances, and everything else ends in a
 * blackhole table (a drop is silent in AWS, and so it is here: no ICMP error ever answers).
 *
 * Nothing is attached to the host's own network: every veth is created with both ends already inside lab
 * namespaces, so a packet can only ever travel between namespaces we created (DESIGN.md, "Addresses").
 * Namespaces are named `port22-<pid>-d<n>-…`, which lab/netns.ts's sweepStale removes once their
 * creating process is gone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { atExit } from './exit-cleanup.ts';
import { addNamespace, applyNftRuleset, deleteNamespace, ipBatchIn, ipIn, NETNS_PREFIX } from './netns.ts';
import {
  gatewayAddress,
  LAB_SUBNETS,
  LAB_VPCS,
  type RandomNetwork,
  SLOTS_PER_SUBNET,
  slotAddress4,
  slotAddress6,
  subnetCidr4,
  subnetCidr6,
} from './random-network.ts';
import {
  type CompileOptions,
  EMPTY_SLOT_RULESET,
  FIREWALL_NODE,
  firewallRuleset,
  instanceRuleset,
  LAB_LINKS,
  linkAddress,
  slotIfname,
  TABLE,
  TGW_NODE,
  tgwRoutes,
  VPC_ROUTER,
  vpcRouterRoutes,
  vpcRouterRuleset,
} from './vpc-compiler.ts';

const IP = '/usr/sbin/ip';

/** What one connection attempt saw: `open` (handshake done) or how it failed. */
export type ConnectOutcome = 'open' | 'timeout' | 'refused' | 'denied-locally' | `error:${string}`;

// Plain JavaScript for `node -e`: listens on :22 (both families) and answers JSON-line connect requests
// on stdin. A connection that opens is closed with a reset, so neither side keeps the tuple in TIME_WAIT.
const HELPER_SOURCE = `
const net = require('node:net');
const readline = require('node:readline');
const server = net.createServer((s) => { s.on('error', () => {}); s.resume(); });
server.listen({ port: 22, host: '::', ipv6Only: false }, () => process.stdout.write(JSON.stringify({ ready: true }) + '\\n'));
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const q = JSON.parse(line);
  const s = net.connect({ host: q.host, port: q.port, localAddress: q.localAddress, localPort: q.localPort });
  let done = false;
  const finish = (outcome) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (outcome === 'open') s.resetAndDestroy(); else s.destroy();
    process.stdout.write(JSON.stringify({ id: q.id, outcome }) + '\\n');
  };
  // Timers run before I/O in a loop turn: on a late wake-up, let a completed connect report first.
  const timer = setTimeout(() => setImmediate(() => finish('timeout')), q.timeoutMs);
  s.on('connect', () => finish('open'));
  s.on('error', (e) => finish(e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'EPERM' ? 'denied-locally' : 'error:' + e.code));
});
process.stdin.on('end', () => process.exit(0));
`;

interface Helper {
  readonly child: ChildProcess;
  readonly pending: Map<number, (o: ConnectOutcome) => void>;
}

export interface VpcLabSlot {
  readonly subnet: number;
  readonly slot: number;
  readonly address: string;
  readonly address6: string;
  readonly ns: string;
}

export interface VpcLab {
  readonly slots: readonly VpcLabSlot[];
  /** Loads the network's rulesets and routing tables into every namespace. */
  apply(net: RandomNetwork, options?: CompileOptions): void;
  /** One TCP connection attempt from `from` to `to`:22, from client port `localPort`. */
  connect(from: string, to: string, localPort: number, timeoutMs: number): Promise<ConnectOutcome>;
  /** Kills the helpers, deletes every namespace. Idempotent. */
  close(): void;
}

function startHelper(ns: string): Promise<Helper> {
  const child = spawn(IP, ['netns', 'exec', ns, process.execPath, '-e', HELPER_SOURCE], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const pending = new Map<number, (o: ConnectOutcome) => void>();
  let buffered = '';
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-2048);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`helper in ${ns} not ready after 20 s: ${stderr}`)),
      20_000,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`helper in ${ns} exited (${code}): ${stderr}`));
      for (const done of pending.values()) done(`error:helper exited`);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const msg = JSON.parse(buffered.slice(0, nl)) as {
          ready?: boolean;
          id?: number;
          outcome?: ConnectOutcome;
        };
        buffered = buffered.slice(nl + 1);
        if (msg.ready) {
          clearTimeout(timer);
          resolve({ child, pending });
        } else if (msg.id !== undefined && msg.outcome) {
          pending.get(msg.id)?.(msg.outcome);
          pending.delete(msg.id);
        }
        nl = buffered.indexOf('\n');
      }
    });
  });
}

/** Sysctls of every lab namespace; routers also forward. Duplicate address detection would hold every
 * new IPv6 address back for a second, and redirects would teach the instances shortcuts AWS never does. */
function configure(ns: string, router: boolean): void {
  ipIn(
    undefined,
    'netns',
    'exec',
    ns,
    'sysctl',
    '-q',
    '-w',
    'net.ipv6.conf.all.accept_dad=0',
    'net.ipv6.conf.default.accept_dad=0',
    ...(router
      ? [
          'net.ipv4.ip_forward=1',
          'net.ipv6.conf.all.forwarding=1',
          'net.ipv4.conf.all.rp_filter=0',
          'net.ipv4.conf.default.rp_filter=0',
          'net.ipv4.conf.all.send_redirects=0',
          'net.ipv4.conf.default.send_redirects=0',
        ]
      : []),
  );
}

/** A veth with one end in each namespace from the start, its addresses set and both ends up. */
function veth(
  a: { ns: string; ifname: string; addresses: readonly string[] },
  b: { ns: string; ifname: string; addresses: readonly string[] },
): void {
  ipIn(
    undefined,
    'link',
    'add',
    'name',
    a.ifname,
    'netns',
    a.ns,
    'type',
    'veth',
    'peer',
    'name',
    b.ifname,
    'netns',
    b.ns,
  );
  for (const end of [a, b]) {
    for (const address of end.addresses)
      ipIn(end.ns, 'addr', 'add', address, 'dev', end.ifname, ...(address.includes(':') ? ['nodad'] : []));
    ipIn(end.ns, 'link', 'set', end.ifname, 'up');
  }
}

let labCounter = 0;

/** Builds the fixed topology. Throws (after cleaning up) when any step fails. */
export async function createVpcLab(): Promise<VpcLab> {
  const n = labCounter++;
  const nsOf = (node: string) => `${NETNS_PREFIX}${process.pid}-d${n}-${node}`;
  const slots: VpcLabSlot[] = [];
  for (const [s] of LAB_SUBNETS.entries())
    for (let j = 0; j < SLOTS_PER_SUBNET; j++)
      slots.push({
        subnet: s,
        slot: j,
        address: slotAddress4(s, j),
        address6: slotAddress6(s, j),
        ns: nsOf(`i${s}${j}`),
      });
  const routers = [...LAB_VPCS.map((_, v) => VPC_ROUTER(v)), TGW_NODE, FIREWALL_NODE];
  const helpers = new Map<string, Helper>();
  const created: string[] = [];

  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    for (const h of helpers.values()) {
      h.child.stdin?.destroy();
      h.child.kill('SIGKILL');
    }
    for (const ns of created.reverse()) deleteNamespace(ns);
  };
  const forget = atExit(close);

  try {
    for (const node of routers) {
      addNamespace(nsOf(node));
      created.push(nsOf(node));
      configure(nsOf(node), true);
    }
    for (const link of LAB_LINKS) {
      const end = (side: 'a' | 'b') => ({
        ns: nsOf(link[side].node),
        ifname: link[side].ifname,
        addresses: [
          `${linkAddress(link.index, side, 'ipv4')}/30`,
          `${linkAddress(link.index, side, 'ipv6')}/64`,
        ],
      });
      veth(end('a'), end('b'));
    }
    for (const slot of slots) {
      addNamespace(slot.ns);
      created.push(slot.ns);
      configure(slot.ns, false);
      const router = nsOf(VPC_ROUTER(LAB_SUBNETS[slot.subnet]!.vpc));
      const routerSide = slotIfname(slot.subnet, slot.slot);
      veth(
        { ns: router, ifname: routerSide, addresses: ['fe80::1/64'] },
        { ns: slot.ns, ifname: 'eth0', addresses: [`${slot.address}/32`, `${slot.address6}/128`] },
      );
      ipIn(router, 'route', 'add', `${slot.address}/32`, 'dev', routerSide);
      ipIn(router, '-6', 'route', 'add', `${slot.address6}/128`, 'dev', routerSide);
      const gw = gatewayAddress(slot.subnet);
      ipIn(slot.ns, 'route', 'add', `${gw}/32`, 'dev', 'eth0');
      ipIn(slot.ns, 'route', 'add', 'default', 'via', gw, 'dev', 'eth0');
      ipIn(slot.ns, '-6', 'route', 'add', 'default', 'via', 'fe80::1', 'dev', 'eth0');
    }
    for (const [v, spec] of LAB_VPCS.entries()) buildVpcRouterRules(nsOf(VPC_ROUTER(v)), v, spec.subnets);
    buildTgwRules(nsOf(TGW_NODE));
    // The firewall endpoint hands everything it passes back to VPC A's router.
    const fwLink = LAB_LINKS.find((l) => l.b.node === FIREWALL_NODE)!;
    for (const f of ['ipv4', 'ipv6'] as const)
      ipBatchIn(
        nsOf(FIREWALL_NODE),
        f,
        `route add default via ${linkAddress(fwLink.index, 'a', f)} dev ${fwLink.b.ifname} onlink\n`,
      );
    const started = await Promise.all(
      slots.map(async (slot) => [slot.ns, await startHelper(slot.ns)] as const),
    );
    for (const [ns, h] of started) helpers.set(ns, h);
  } catch (error) {
    close();
    forget();
    throw error;
  }

  let nextId = 0;
  const slotOf = (address: string) => {
    const slot = slots.find((s) => s.address === address || s.address6 === address);
    if (!slot) throw new Error(`no lab slot has address ${address}`);
    return slot;
  };
  return {
    slots,
    apply(net, options = {}) {
      for (const [v] of LAB_VPCS.entries()) {
        const ns = nsOf(VPC_ROUTER(v));
        applyNftRuleset(ns, vpcRouterRuleset(net, v));
        const routes = vpcRouterRoutes(net, v, options);
        ipBatchIn(ns, 'ipv4', routes.ipv4);
        ipBatchIn(ns, 'ipv6', routes.ipv6);
      }
      const tgw = tgwRoutes(net, options);
      ipBatchIn(nsOf(TGW_NODE), 'ipv4', tgw.ipv4);
      ipBatchIn(nsOf(TGW_NODE), 'ipv6', tgw.ipv6);
      applyNftRuleset(nsOf(FIREWALL_NODE), firewallRuleset(net, options));
      for (const slot of slots) {
        const instance = net.instances.find((i) => i.subnet === slot.subnet && i.slot === slot.slot);
        applyNftRuleset(slot.ns, instance ? instanceRuleset(instance, net, options) : EMPTY_SLOT_RULESET);
      }
    },
    connect(from, to, localPort, timeoutMs) {
      const helper = helpers.get(slotOf(from).ns);
      if (!helper) return Promise.reject(new Error(`no helper for ${from}`));
      const id = nextId++;
      return new Promise<ConnectOutcome>((resolve) => {
        helper.pending.set(id, resolve);
        helper.child.stdin?.write(
          `${JSON.stringify({ id, host: to, port: 22, localAddress: from, localPort, timeoutMs })}\n`,
        );
      });
    },
    close() {
      close();
      forget();
    },
  };
}

/**
 * The fixed policy rules of a VPC router: traffic inside one subnet is delivered directly; from an
 * instance, its subnet's table; from a peering link or the transit gateway, the table of what may be
 * delivered from there; then the router's own instances; then the blackhole.
 */
function buildVpcRouterRules(ns: string, v: number, subnets: readonly number[]): void {
  for (const f of ['ipv4', 'ipv6'] as const) {
    const lines: string[] = [];
    for (const s of subnets) {
      const cidr = f === 'ipv4' ? subnetCidr4(s) : subnetCidr6(s);
      lines.push(`rule add priority 100 from ${cidr} to ${cidr} lookup main`);
      for (let j = 0; j < SLOTS_PER_SUBNET; j++)
        lines.push(`rule add priority 200 iif ${slotIfname(s, j)} lookup ${TABLE.subnet + s}`);
    }
    for (const link of LAB_LINKS) {
      const mine =
        link.a.node === VPC_ROUTER(v) ? link.a : link.b.node === VPC_ROUTER(v) ? link.b : undefined;
      if (!mine) continue;
      if (mine.ifname.startsWith('pcx'))
        lines.push(`rule add priority 210 iif ${mine.ifname} lookup ${TABLE.peering + link.index}`);
      if (mine.ifname === 'tgw') lines.push(`rule add priority 210 iif tgw lookup ${TABLE.fromTgw}`);
    }
    lines.push('rule add priority 30000 lookup main', `rule add priority 31000 lookup ${TABLE.blackhole}`);
    lines.push(`route add blackhole ${f === 'ipv4' ? '0.0.0.0/0' : '::/0'} table ${TABLE.blackhole}`);
    ipBatchIn(ns, f, `${lines.join('\n')}\n`);
  }
  for (const s of subnets) ipIn(ns, 'addr', 'add', `${gatewayAddress(s)}/32`, 'dev', 'lo');
}

/** The transit gateway routes what arrives on each attachment by that attachment's table, else drops. */
function buildTgwRules(ns: string): void {
  for (const f of ['ipv4', 'ipv6'] as const) {
    const lines = LAB_VPCS.map((_, v) => `rule add priority 200 iif att${v} lookup ${TABLE.attachment + v}`);
    lines.push(`rule add priority 31000 lookup ${TABLE.blackhole}`);
    lines.push(`route add blackhole ${f === 'ipv4' ? '0.0.0.0/0' : '::/0'} table ${TABLE.blackhole}`);
    ipBatchIn(ns, f, `${lines.join('\n')}\n`);
  }
}
