/**
 * Hosts in Linux network namespaces, reached over a veth pair, with real nft packet filtering — the way a
 * host firewall or a cloud filter really answers a SYN: silence (DROP), a TCP reset, or ICMP
 * administratively-prohibited. Addresses come from 198.18.0.0/15 (RFC 2544, benchmarking), so a packet
 * never leaves for a network we do not own (DESIGN.md, "Addresses").
 *
 * The building blocks (namespace, veth link, address, nft ruleset, a process inside) are exported on
 * their own so a later lab can wire several namespaces behind a router namespace.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { atExit } from './exit-cleanup.ts';
import { processAlive } from './process-alive.ts';

/** Every namespace we create is named `port22-<pid>-<n>`, so a sweep can tell ours and whose they were. */
export const NETNS_PREFIX = 'port22-';
/** Root-side veth ends: `p22-<pid base36>-<n base36>` (Linux interface names are at most 15 bytes). */
export const VETH_PREFIX = 'p22-';

const IP = '/usr/sbin/ip';
const NFT = '/usr/sbin/nft';

/** 198.18.0.0/15: 2^17 addresses, i.e. 32768 /30 links of two usable addresses each. */
const BENCH_NET_BASE = (198 << 24) | (18 << 16);
const LINKS_IN_BENCH_NET = 1 << 15;

/**
 * What a namespace host's nft does with SSH: accept, drop or reject what comes in, or `drop-replies`: let it
 * in and drop what the host sends back (a network ACL whose outbound rules miss the client's ephemeral ports).
 */
export type HostPolicy = 'accept' | 'drop' | 'reject-tcp-reset' | 'reject-icmp-admin' | 'drop-replies';

// ---------------------------------------------------------------------------------------------------------
// Small synchronous runners. Everything here is a handful of netlink calls, each a few milliseconds.

function run(cmd: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 10_000,
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`${cmd} ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`);
  }
}

/** `ip [-n ns] …` — `ns` undefined means the namespace we run in. */
export function ipIn(ns: string | undefined, ...args: string[]): string {
  return run(IP, ns ? ['-n', ns, ...args] : args);
}

/** Runs `ip` commands from a batch text (`ip -batch`) in a namespace, for one address family. */
export function ipBatchIn(ns: string, family: 'ipv4' | 'ipv6', batch: string): void {
  run(IP, ['-n', ns, family === 'ipv4' ? '-4' : '-6', '-batch', '-'], batch);
}

function quiet(fn: () => unknown): void {
  try {
    fn();
  } catch {
    // cleanup path: the thing may already be gone
  }
}

// ---------------------------------------------------------------------------------------------------------
// Availability

let availability: string | undefined | null = null;

/** A reason to skip namespace tests on this machine, or `undefined` when they can run. Cached. */
export function netnsAvailable(): string | undefined {
  if (availability !== null) return availability;
  availability = checkAvailability();
  return availability;
}

function checkAvailability(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return 'not root (network namespaces need root)';
  for (const [path, pkg] of [
    [IP, 'iproute2'],
    [NFT, 'nftables'],
  ] as const) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      return `${path} missing (Debian package ${pkg})`;
    }
  }
  const name = `${NETNS_PREFIX}${process.pid}-check`;
  try {
    run(IP, ['netns', 'add', name]);
    run(IP, ['netns', 'exec', name, NFT, 'list', 'ruleset']);
  } catch (error) {
    return `cannot create a network namespace with nft inside: ${(error as Error).message}`;
  } finally {
    quiet(() => run(IP, ['netns', 'del', name]));
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Namespaces

/** Names of the network namespaces that exist now. */
export function listNamespaces(): string[] {
  const out = run(IP, ['netns', 'list']);
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.length > 0);
}

/** Creates a namespace with its loopback up (a fresh namespace starts with `lo` down). */
export function addNamespace(name: string): void {
  run(IP, ['netns', 'add', name]);
  ipIn(name, 'link', 'set', 'lo', 'up');
}

/**
 * Deletes a namespace. `ip netns del` only removes the name: processes inside keep the namespace (and
 * its veth ends) alive, so kill them first.
 */
export function deleteNamespace(name: string): void {
  for (let round = 0; round < 20; round++) {
    let pids: number[];
    try {
      pids = run(IP, ['netns', 'pids', name])
        .split('\n')
        .filter((line) => /^\d+$/.test(line))
        .map(Number);
    } catch {
      return; // no such namespace
    }
    if (pids.length === 0) break;
    for (const pid of pids) quiet(() => process.kill(pid, 'SIGKILL'));
    // SIGKILL is asynchronous; give the kernel a moment to reap before asking again.
    spawnSync('sleep', ['0.02']);
  }
  quiet(() => run(IP, ['netns', 'del', name]));
}

// ---------------------------------------------------------------------------------------------------------
// Links and addresses

export interface LinkEnd {
  /** Interface name, at most 15 bytes, unique in the root namespace while being created. */
  readonly ifname: string;
  /** Namespace to move this end into. @default stays in the current namespace */
  readonly ns?: string;
  /** Address with prefix length, e.g. `198.18.0.2/30`. @default no address */
  readonly address?: string;
}

/** A veth pair between two ends (root ↔ namespace, or namespace ↔ namespace), addressed and up. */
export function addVethLink(a: LinkEnd, b: LinkEnd): void {
  ipIn(undefined, 'link', 'add', a.ifname, 'type', 'veth', 'peer', 'name', b.ifname);
  try {
    for (const end of [a, b]) {
      if (end.ns) ipIn(undefined, 'link', 'set', end.ifname, 'netns', end.ns);
      if (end.address) ipIn(end.ns, 'addr', 'add', end.address, 'dev', end.ifname);
      ipIn(end.ns, 'link', 'set', end.ifname, 'up');
    }
  } catch (error) {
    // Deleting either end of a veth deletes its peer too.
    quiet(() => ipIn(a.ns, 'link', 'del', a.ifname));
    throw error;
  }
}

export interface Link30 {
  /** The /30 network, e.g. `198.18.4.0/30`. */
  readonly network: string;
  /** First usable address (our side, by convention). */
  readonly first: string;
  /** Second usable address (the host's side). */
  readonly second: string;
  readonly index: number;
}

function ipv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 0xff).join('.');
}

/** The `index`-th /30 of 198.18.0.0/15. */
export function link30(index: number): Link30 {
  if (!Number.isInteger(index) || index < 0 || index >= LINKS_IN_BENCH_NET) {
    throw new RangeError(`link index ${index} outside 0..${LINKS_IN_BENCH_NET - 1}`);
  }
  const base = (BENCH_NET_BASE + index * 4) >>> 0;
  return { network: `${ipv4(base)}/30`, first: ipv4(base + 1), second: ipv4(base + 2), index };
}

const claimedHere = new Set<number>();

/**
 * A /30 of 198.18.0.0/15 that no interface in our namespace uses and this process has not handed out.
 * The search starts at a place derived from the pid, so parallel test processes rarely even look at
 * the same links, and the in-use check catches the rest.
 */
function allocateLink30(): Link30 {
  const inUse = new Set<string>();
  for (const match of ipIn(undefined, '-4', '-o', 'addr', 'show').matchAll(
    /inet (198\.1[89]\.\d+\.\d+)\//g,
  )) {
    inUse.add(match[1]!);
  }
  const start = (process.pid * 64) % LINKS_IN_BENCH_NET;
  for (let step = 0; step < LINKS_IN_BENCH_NET; step++) {
    const index = (start + step) % LINKS_IN_BENCH_NET;
    if (claimedHere.has(index)) continue;
    const link = link30(index);
    if (inUse.has(link.first) || inUse.has(link.second)) continue;
    claimedHere.add(index);
    return link;
  }
  throw new Error('no free /30 left in 198.18.0.0/15');
}

function releaseLink30(link: Link30): void {
  claimedHere.delete(link.index);
}

// ---------------------------------------------------------------------------------------------------------
// Packet filtering

/** Loads an nft ruleset (nft -f syntax) into a namespace, replacing whatever was there. */
export function applyNftRuleset(ns: string, ruleset: string): void {
  run(IP, ['netns', 'exec', ns, NFT, '-f', '-'], `flush ruleset\n${ruleset}`);
}

/**
 * The input-chain ruleset for a host policy on TCP `port` (nft(8), "REJECT STATEMENT"). `icmpx` is the
 * inet family's address-family-neutral ICMP: admin-prohibited becomes ICMP type 3 code 13 for IPv4
 * (RFC 1812 §5.2.7.1) and ICMPv6 type 1 code 1 for IPv6; Linux reports both to connect() as EHOSTUNREACH.
 *
 * Every SSH packet in (source address and port) and every reply out (destination address and port) is also
 * counted in a dynamic set with per-element counters, before the verdict: what the lab turns into flow-log
 * records (readFlowCounters). `drop-replies` drops in the output chain, after the reply was counted.
 */
export function hostPolicyRuleset(policy: HostPolicy, port: number): string {
  const verdict: Record<HostPolicy, string | undefined> = {
    accept: undefined,
    'drop-replies': undefined,
    drop: 'drop',
    'reject-tcp-reset': 'reject with tcp reset',
    'reject-icmp-admin': 'reject with icmpx type admin-prohibited',
  };
  const rule = verdict[policy];
  return [
    'table inet port22 {',
    `  set ${FLOWS_IN} { type ipv4_addr . inet_service; flags dynamic; counter; }`,
    `  set ${FLOWS_OUT} { type ipv4_addr . inet_service; flags dynamic; counter; }`,
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    `    tcp dport ${port} update @${FLOWS_IN} { ip saddr . tcp sport }`,
    ...(rule ? [`    tcp dport ${port} ${rule}`] : []),
    '  }',
    '  chain output {',
    '    type filter hook output priority filter; policy accept;',
    `    tcp sport ${port} update @${FLOWS_OUT} { ip daddr . tcp dport }`,
    ...(policy === 'drop-replies' ? [`    tcp sport ${port} drop`] : []),
    '  }',
    '}',
    '',
  ].join('\n');
}

const FLOWS_IN = 'ssh_in';
const FLOWS_OUT = 'ssh_out';

/** One peer's packets as a namespace host's nft counted them: its address and port, packets and bytes. */
export interface FlowCounter {
  readonly address: string;
  readonly port: number;
  readonly packets: number;
  readonly bytes: number;
}

/**
 * What a host's nft counted on its SSH port (hostPolicyRuleset's sets): the packets that arrived, per
 * source address and port, and the replies that left, per destination address and port.
 */
export function readFlowCounters(ns: string): { inbound: FlowCounter[]; replies: FlowCounter[] } {
  const read = (set: string): FlowCounter[] => {
    const out = run(IP, ['netns', 'exec', ns, NFT, '-j', 'list', 'set', 'inet', 'port22', set]);
    const doc = JSON.parse(out) as { nftables: { set?: { elem?: unknown[] } }[] };
    const elems = doc.nftables.flatMap((o) => o.set?.elem ?? []) as {
      elem?: { val?: { concat?: [string, number] }; counter?: { packets: number; bytes: number } };
    }[];
    return elems.flatMap((e) => {
      const [address, port] = e.elem?.val?.concat ?? [];
      const counter = e.elem?.counter;
      return address === undefined || port === undefined || counter === undefined
        ? []
        : [{ address, port, packets: counter.packets, bytes: counter.bytes }];
    });
  };
  return { inbound: read(FLOWS_IN), replies: read(FLOWS_OUT) };
}

/** The live ruleset of a namespace, as `nft list ruleset` prints it. */
export function listNftRuleset(ns: string): string {
  return run(IP, ['netns', 'exec', ns, NFT, 'list', 'ruleset']);
}

/**
 * Linux rate-limits the ICMP errors it sends (icmp_ratelimit, 1 s per peer after a small burst), and a
 * nft REJECT sends through the same path; lift the limit so every probe gets its answer.
 */
function disableIcmpRateLimit(ns: string): void {
  run(IP, ['netns', 'exec', ns, 'sh', '-c', 'echo 0 > /proc/sys/net/ipv4/icmp_ratelimit']);
}

// ---------------------------------------------------------------------------------------------------------
// Processes inside a namespace

/**
 * Runs `command` inside `ns` with `input` on stdin and resolves with what it wrote to stdout, capped at
 * `maxBytes`; killed at `timeoutMs`. Never rejects for the command's own failure: its exit code says it.
 */
export function execInNamespace(
  ns: string,
  command: readonly string[],
  opts: { readonly input: string; readonly timeoutMs: number; readonly maxBytes: number },
): Promise<{ stdout: string; code: number | null; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(IP, ['netns', 'exec', ns, ...command], { stdio: ['pipe', 'pipe', 'ignore'] });
    let stdout = '';
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        child.kill('SIGKILL');
      },
      Math.max(0, opts.timeoutMs),
    );
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < opts.maxBytes) stdout = (stdout + chunk.toString('utf8')).slice(0, opts.maxBytes);
    });
    child.on('error', () => undefined);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, code, timedOut });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
  });
}

/** The ident the namespace listener sends: enough for a raw-socket check and for the probe's ident phase. */
export const LISTENER_IDENT = 'SSH-2.0-port22_lab_listener';

// Plain JavaScript for `node -e`: no loader, so it starts in tens of milliseconds.
const LISTENER_SOURCE = `
const net = require('node:net');
const [address, port, ident] = process.argv.slice(1);
const server = net.createServer((socket) => {
  socket.on('error', () => {});
  socket.setTimeout(30000, () => socket.destroy());
  socket.write(ident + '\\r\\n');
  socket.resume();
});
server.listen(Number(port), address, () => process.stdout.write('ready\\n'));
process.stdin.resume();
`;

/**
 * A TCP listener inside `ns` that answers every connection with {@link LISTENER_IDENT} and then reads
 * and ignores whatever comes. Resolves once it listens.
 */
async function startIdentListener(ns: string, address: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    IP,
    ['netns', 'exec', ns, process.execPath, '-e', LISTENER_SOURCE, address, String(port), LISTENER_IDENT],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`listener in ${ns} not ready after 5 s: ${output}`)), 5000);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-2048);
      if (output.includes('ready\n')) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null) => fail(new Error(`listener in ${ns} exited (${code}): ${output}`));
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    }
    function fail(error: Error) {
      cleanup();
      child.kill('SIGKILL');
      reject(error);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

// ---------------------------------------------------------------------------------------------------------
// One host behind a firewall

export interface NamespaceHostOptions {
  /** @default `port22-<pid>-<n>` */
  readonly name?: string;
  readonly policy: HostPolicy;
  /** The filtered TCP port, where the listener answers. @default 22 */
  readonly port?: number;
  /** What listens on `port` inside: a bare ident listener, or nothing (start your own, e.g. sshd). @default 'ident' */
  readonly listener?: 'ident' | 'none';
}

export interface NamespaceHost {
  readonly name: string;
  /** The host's address, inside the namespace. Probe this. */
  readonly hostAddress: string;
  /** Our side of the veth link, in the current namespace. */
  readonly peerAddress: string;
  readonly port: number;
  readonly policy: HostPolicy;
  /** Root-side interface name. */
  readonly vethName: string;
  /** Kills everything inside, deletes the namespace and the veth. Idempotent. */
  close(): Promise<void>;
}

let hostCounter = 0;

/** A host in its own namespace, one veth hop away, with `policy` applied to TCP `port` by nft. */
export async function createNamespaceHost(opts: NamespaceHostOptions): Promise<NamespaceHost> {
  const skip = netnsAvailable();
  if (skip) throw new Error(`cannot create a namespace host: ${skip}`);
  const n = hostCounter++;
  const name = opts.name ?? `${NETNS_PREFIX}${process.pid}-${n}`;
  const port = opts.port ?? 22;
  const tag = `${process.pid.toString(36)}-${n.toString(36)}`;
  const vethName = `${VETH_PREFIX}${tag}`;
  const insideName = `p22n-${tag}`;
  const link = allocateLink30();

  let torn = false;
  const teardown = () => {
    if (torn) return;
    torn = true;
    deleteNamespace(name);
    quiet(() => ipIn(undefined, 'link', 'del', vethName));
    releaseLink30(link);
  };
  const forget = atExit(teardown);
  try {
    addNamespace(name);
    addVethLink(
      { ifname: vethName, address: `${link.first}/30` },
      { ifname: insideName, ns: name, address: `${link.second}/30` },
    );
    disableIcmpRateLimit(name);
    if ((opts.listener ?? 'ident') === 'ident') await startIdentListener(name, link.second, port);
    // Filter only after the listener is up: under DROP nothing from outside could tell us it is.
    applyNftRuleset(name, hostPolicyRuleset(opts.policy, port));
  } catch (error) {
    teardown();
    forget();
    throw error;
  }
  return {
    name,
    hostAddress: link.second,
    peerAddress: link.first,
    port,
    policy: opts.policy,
    vethName,
    async close() {
      teardown();
      forget();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Leftovers from crashed runs

/**
 * Removes namespaces and root-side veths with our prefixes whose creating process is gone (a crashed or
 * killed run). With `{ all: true }` removes every one of ours, live owner or not. Returns what it removed.
 */
export function sweepStale(opts: { all?: boolean } = {}): string[] {
  const removed: string[] = [];
  const stale = (pid: number) => opts.all === true || (pid !== process.pid && !processAlive(pid));
  for (const name of listNamespaces()) {
    const match = new RegExp(`^${NETNS_PREFIX}(\\d+)-`).exec(name);
    if (!match || !stale(Number(match[1]))) continue;
    deleteNamespace(name);
    removed.push(name);
  }
  for (const match of ipIn(undefined, '-o', 'link', 'show').matchAll(
    /^\d+: (p22-([0-9a-z]+)-[0-9a-z]+)[@:]/gm,
  )) {
    if (!stale(Number.parseInt(match[2]!, 36))) continue;
    quiet(() => ipIn(undefined, 'link', 'del', match[1]!));
    removed.push(match[1]!);
  }
  return removed;
}
