/**
 * A VPC in network namespaces: one namespace per instance slot of lab/vpc-compiler.ts's topology, and a
 * router namespace joining them (one veth per instance, the instance's subnet decided by its address).
 * Built once; each random VPC then only loads new nft rulesets, so 30 configurations cost seconds, not
 * minutes. Every instance namespace runs one small helper that listens on TCP 22 and, on request, opens
 * a TCP connection to another instance from a pinned client port.
 *
 * Nothing is attached to the host's own network: the router has no link to the root namespace, so a
 * packet can only ever travel between namespaces we created (DESIGN.md, "Addresses").
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { atExit } from './exit-cleanup.ts';
import {
  addNamespace,
  addVethLink,
  applyNftRuleset,
  deleteNamespace,
  ipIn,
  NETNS_PREFIX,
  VETH_PREFIX,
} from './netns.ts';
import {
  gatewayAddress,
  instanceRuleset,
  type RandomVpc,
  routerRuleset,
  SLOTS_PER_SUBNET,
  SUBNET_COUNT,
  slotAddress,
} from './vpc-compiler.ts';

const IP = '/usr/sbin/ip';

/** What one connection attempt saw: `open` (handshake done) or how it failed. */
export type ConnectOutcome = 'open' | 'timeout' | 'refused' | 'denied-locally' | `error:${string}`;

// Plain JavaScript for `node -e`: listens on :22 and answers JSON-line connect requests on stdin.
// The connection is closed with a reset, so neither side keeps the tuple in TIME_WAIT.
const HELPER_SOURCE = `
const net = require('node:net');
const readline = require('node:readline');
const server = net.createServer((s) => { s.on('error', () => {}); s.resume(); });
server.listen(22, '0.0.0.0', () => process.stdout.write(JSON.stringify({ ready: true }) + '\\n'));
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
  readonly ns: string;
}

export interface VpcLab {
  readonly router: string;
  readonly slots: readonly VpcLabSlot[];
  /** Loads the VPC's rulesets: its ACLs at the router, each instance's groups in its namespace. */
  apply(vpc: RandomVpc): void;
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
      () => reject(new Error(`helper in ${ns} not ready after 10 s: ${stderr}`)),
      10_000,
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

let labCounter = 0;

/** Builds the fixed topology. Throws (after cleaning up) when any step fails. */
export async function createVpcLab(): Promise<VpcLab> {
  const tag = `${process.pid.toString(36)}-v${(labCounter++).toString(36)}`;
  const router = `${NETNS_PREFIX}${process.pid}-vr${labCounter}`;
  const slots: VpcLabSlot[] = [];
  for (let s = 0; s < SUBNET_COUNT; s++)
    for (let j = 0; j < SLOTS_PER_SUBNET; j++)
      slots.push({
        subnet: s,
        slot: j,
        address: slotAddress(s, j),
        ns: `${NETNS_PREFIX}${process.pid}-v${labCounter}-${s}${j}`,
      });
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
    addNamespace(router);
    created.push(router);
    const inRouter = (...args: string[]) => ipIn(undefined, 'netns', 'exec', router, ...args);
    inRouter('sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    inRouter('sysctl', '-q', '-w', 'net.ipv4.conf.all.rp_filter=0');
    inRouter('sysctl', '-q', '-w', 'net.ipv4.conf.default.rp_filter=0');
    for (let s = 0; s < SUBNET_COUNT; s++)
      ipIn(router, 'addr', 'add', `${gatewayAddress(s)}/32`, 'dev', 'lo');

    for (const [k, slot] of slots.entries()) {
      addNamespace(slot.ns);
      created.push(slot.ns);
      // Both ends start in the root namespace under unique names, then move (lab/netns.ts's addVethLink).
      const routerSide = `${VETH_PREFIX}${tag}r${k}`;
      const hostSide = `${VETH_PREFIX}${tag}h${k}`;
      addVethLink(
        { ifname: routerSide, ns: router },
        { ifname: hostSide, ns: slot.ns, address: `${slot.address}/32` },
      );
      ipIn(router, 'route', 'add', `${slot.address}/32`, 'dev', routerSide);
      const gw = gatewayAddress(slot.subnet);
      ipIn(slot.ns, 'route', 'add', `${gw}/32`, 'dev', hostSide);
      ipIn(slot.ns, 'route', 'add', 'default', 'via', gw, 'dev', hostSide);
    }
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
  const nsOf = (address: string) => {
    const slot = slots.find((s) => s.address === address);
    if (!slot) throw new Error(`no lab slot has address ${address}`);
    return slot.ns;
  };
  return {
    router,
    slots,
    apply(vpc) {
      applyNftRuleset(router, routerRuleset(vpc));
      for (const slot of slots) {
        const instance = vpc.instances.find((i) => i.address === slot.address);
        // An empty slot drops everything: it is not part of this VPC.
        const ruleset = instance
          ? instanceRuleset(instance, vpc)
          : 'table inet sg {\n  chain input {\n    type filter hook input priority filter; policy drop;\n  }\n}\n';
        applyNftRuleset(slot.ns, ruleset);
      }
    },
    connect(from, to, localPort, timeoutMs) {
      const helper = helpers.get(nsOf(from));
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
