/**
 * The bench the host firewall evaluator is checked against the kernel on: a host namespace with a listener on
 * tcp/22 and a peer namespace holding several source addresses, joined by a veth pair (addresses from
 * 198.18.0.0/15, between our two namespaces only). Rules are loaded with the real tools, read back the way the
 * in-host check reads them, and each source sends a real SYN; the wire shows what the kernel decided, and the
 * counters show which rule decided it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { atExit } from '../../lab/exit-cleanup.ts';
import { addNamespace, addVethLink, deleteNamespace } from '../../lab/netns.ts';
import type { FirewallDecision } from '../../lambda/core/evidence/host-firewall/evaluate.ts';
import type { Section } from '../../lambda/core/evidence/host-report.ts';

/** Why a tool at `path` cannot be used, naming its Debian package; `undefined` when it can. */
export function toolMissing(path: string, debianPackage: string): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return `${path} missing (Debian package ${debianPackage})`;
  }
}

const SILENCE_MS = 300;

// Plain JavaScript for `node -e` in the namespaces: a listener, and a connector driven line by line.
const LISTENER = `require('node:net').createServer((s) => s.destroy()).listen(22, '0.0.0.0', () => console.log('ready'));`;
const CONNECTOR = `
const net = require('node:net');
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const [src, host, port, ms] = line.split(' ');
  const s = net.connect({ host, port: Number(port), localAddress: src });
  let done = false;
  const fin = (r) => { if (done) return; done = true; clearTimeout(t); s.destroy(); console.log(r); };
  const t = setTimeout(() => fin('silence'), Number(ms));
  s.on('connect', () => fin('connected'));
  s.on('error', (e) => fin(e.code));
});
console.log('ready');
`;

/** What the wire shows for a decision: Linux reports ICMP port-unreachable to connect() as ECONNREFUSED. */
export function expectedOnWire(d: FirewallDecision): string {
  if (d.verdict === 'accept') return 'connected';
  if (d.verdict === 'drop') return 'silence';
  if (d.verdict === 'reject') {
    const w = d.rejectWith ?? '';
    return /reset|port-unreachable|^icmpx?$|icmp6?-port/.test(w) || w === ''
      ? 'ECONNREFUSED'
      : 'EHOSTUNREACH';
  }
  return 'unknown';
}

export interface BenchOptions {
  /** Namespace names start with it (each helper's own prefix, so no one deletes another's). */
  readonly namespacePrefix: string;
  /** The veth ends' names start with it (Linux interface names are at most 15 bytes). */
  readonly vethPrefix: string;
  /** The host's address, a /24 the sources share. */
  readonly host: string;
  readonly sources: readonly string[];
  /** Start the bench's own tcp/22 listener; off when the test runs a real server there. @default true */
  readonly listener?: boolean;
}

export class FirewallBench {
  readonly hostNs: string;
  readonly peerNs: string;
  private connector: ChildProcess | undefined;
  private listener: ChildProcess | undefined;
  private forget: (() => void) | undefined;
  private buffer = '';
  private waiting: ((line: string) => void)[] = [];

  constructor(private readonly options: BenchOptions) {
    this.hostNs = `${options.namespacePrefix}${process.pid}-h`;
    this.peerNs = `${options.namespacePrefix}${process.pid}-p`;
  }

  async start(): Promise<void> {
    const { host, sources, vethPrefix } = this.options;
    const tag = process.pid.toString(36);
    this.forget = atExit(() => this.teardown());
    addNamespace(this.hostNs);
    addNamespace(this.peerNs);
    addVethLink(
      { ifname: `${vethPrefix}${tag}a`, ns: this.hostNs, address: `${host}/24` },
      { ifname: `${vethPrefix}${tag}b`, ns: this.peerNs, address: `${sources[0]}/24` },
    );
    for (const source of sources.slice(1)) {
      execFileSync('ip', ['-n', this.peerNs, 'addr', 'add', `${source}/24`, 'dev', `${vethPrefix}${tag}b`]);
    }
    // ICMP errors are rate-limited per peer; a REJECT answers through the same path.
    this.inHost(['sh', '-c', 'echo 0 > /proc/sys/net/ipv4/icmp_ratelimit']);
    if (this.options.listener ?? true) {
      this.listener = spawn('ip', ['netns', 'exec', this.hostNs, process.execPath, '-e', LISTENER], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => this.listener!.stdout!.once('data', () => resolve()));
    }
    this.connector = spawn('ip', ['netns', 'exec', this.peerNs, process.execPath, '-e', CONNECTOR], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.connector.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let i = this.buffer.indexOf('\n'); i >= 0; i = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 1);
        this.waiting.shift()?.(line);
      }
    });
    await this.nextLine();
  }

  stop(): void {
    this.teardown();
    this.forget?.();
  }

  private teardown(): void {
    this.connector?.kill('SIGKILL');
    this.listener?.kill('SIGKILL');
    deleteNamespace(this.hostNs);
    deleteNamespace(this.peerNs);
  }

  inHost(args: readonly string[], input?: string): string {
    return execFileSync('ip', ['netns', 'exec', this.hostNs, ...args], {
      encoding: 'utf8',
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  private nextLine(): Promise<string> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** A SYN from `source` to the host's tcp/22: `connected`, `silence`, or connect()'s error code. */
  async knock(source: string): Promise<string> {
    const answer = this.nextLine();
    this.connector!.stdin!.write(`${source} ${this.options.host} 22 ${SILENCE_MS}\n`);
    return answer;
  }

  /** The firewall listings as the in-host check's sections (a missing tool reads as rc 127). */
  sections(extra: readonly [string, readonly string[]][] = []): Map<string, Section> {
    const run = (args: readonly string[]): Section => {
      try {
        return { text: this.inHost(args), rc: 0 };
      } catch {
        return { text: '', rc: 127 };
      }
    };
    return new Map([
      ['nft', run(['nft', '-j', 'list', 'ruleset'])],
      ['iptables-version', run(['iptables', '-V'])],
      ['iptables', run(['iptables-save'])],
      ['ip6tables', run(['ip6tables-save'])],
      ...extra.map(([name, args]): [string, Section] => [name, run(args)]),
    ]);
  }

  /** Packets the rule the evaluator named has counted, read from the kernel. */
  namedRulePackets(rule: string): number | undefined {
    const nft = /^table (\S+) (\S+) chain (\S+), rule handle (\d+):/.exec(rule);
    if (nft) {
      const [, family, table, chain, handle] = nft;
      interface NftRule {
        family: string;
        table: string;
        chain: string;
        handle: number;
        expr: { counter?: { packets: number } }[];
      }
      const doc = JSON.parse(this.inHost(['nft', '-j', 'list', 'ruleset'])) as {
        nftables: { rule?: NftRule }[];
      };
      const r = doc.nftables.find(
        (o) =>
          o.rule?.family === family &&
          o.rule?.table === table &&
          o.rule?.chain === chain &&
          String(o.rule?.handle) === handle,
      )?.rule;
      const counter = r?.expr.find((e) => e.counter)?.counter;
      return counter?.packets;
    }
    const ipt = /^iptables (\S+) chain (\S+), rule (\d+):/.exec(rule);
    if (ipt) {
      const [, table, chain, n] = ipt;
      const lines = this.inHost(['iptables-save', '-c', '-t', table!]).split('\n');
      const ofChain = lines.filter((l) => new RegExp(`^\\[\\d+:\\d+\\] -A ${chain} `).test(l));
      const m = /^\[(\d+):/.exec(ofChain[Number(n) - 1] ?? '');
      return m ? Number(m[1]) : undefined;
    }
    return undefined;
  }

  resetCounters(): void {
    this.inHost(['nft', 'reset', 'counters']);
    try {
      this.inHost(['iptables', '-Z']);
    } catch {
      // no iptables here: the nft reset covered everything
    }
  }
}
