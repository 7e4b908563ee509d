/**
 * `iptables-save` / `ip6tables-save` into the firewall model. The built-in chains sit on netfilter's hooks at
 * the priorities iptables registers them with (NF_IP_PRI_RAW -300, MANGLE -150, NAT_DST -100, FILTER 0,
 * SECURITY 50, NAT_SRC 100), so they order with nft's own tables exactly as the kernel runs them. A rule is
 * named the way `iptables -L --line-numbers` numbers it, with its line as iptables-save wrote it. A rule on an
 * ipset (`-m set --match-set NAME src`) matches the set's members as `ipset save` listed them.
 */
import { AddressSet, type IpFamily, parseCidr } from '../../net/cidr.ts';
import type { PortRange } from '../../net/port-range.ts';
import type { Ipsets } from './ipset-save.ts';
import {
  ctStateIn,
  destinationIn,
  destinationPortIn,
  inputInterfaceIs,
  notModelled,
  sourceIn,
  sourcePortIn,
  TCP_FLAG_BITS,
  tcpFlags,
} from './matches.ts';
import type {
  BaseChain,
  BaseHook,
  FirewallChain,
  FirewallRule,
  FirewallTable,
  Match,
  RuleVerdict,
} from './model.ts';

/** The built-in chains a packet for a local socket crosses, per table: hook and priority. */
const BUILT_IN: Readonly<Record<string, Readonly<Record<string, { hook: BaseHook; priority: number }>>>> = {
  raw: { PREROUTING: { hook: 'prerouting', priority: -300 } },
  mangle: { PREROUTING: { hook: 'prerouting', priority: -150 }, INPUT: { hook: 'input', priority: -150 } },
  nat: { PREROUTING: { hook: 'prerouting', priority: -100 }, INPUT: { hook: 'input', priority: 100 } },
  filter: { INPUT: { hook: 'input', priority: 0 } },
  security: { INPUT: { hook: 'input', priority: 50 } },
};

/** What a ruleset read without the host's sets knows of them. */
const NO_IPSETS: Ipsets = { unknown: 'the check did not list the ipsets' };

export function parseIptablesSave(text: string, family: IpFamily, ipsets = NO_IPSETS): FirewallTable[] {
  const tool = family === 'ipv4' ? 'iptables' : 'ip6tables';
  const tables: FirewallTable[] = [];
  let current:
    | { name: string; chains: Map<string, FirewallChain>; policies: Map<string, string> }
    | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      current = { name: line.slice(1), chains: new Map(), policies: new Map() };
    } else if (current && line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      if (name) {
        current.chains.set(name, { name, rules: [] });
        current.policies.set(name, policy ?? '-');
      }
    } else if (current && line.startsWith('-A ')) {
      const args = tokenize(line);
      const chain = current.chains.get(args[1] ?? '');
      if (!chain) continue;
      const title = `${tool} ${current.name}`;
      const rules = chain.rules as FirewallRule[];
      const name = `${title} chain ${chain.name}, rule ${rules.length + 1}: ${line}`;
      rules.push(readRule(args.slice(2), { family, chains: current.chains, ipsets }, name));
    } else if (current && line === 'COMMIT') {
      const builtIn = BUILT_IN[current.name] ?? {};
      const baseChains: BaseChain[] = [];
      for (const [name, at] of Object.entries(builtIn)) {
        if (!current.chains.has(name)) continue;
        baseChains.push({
          chain: name,
          ...at,
          policy: current.policies.get(name) === 'DROP' ? 'drop' : 'accept',
        });
      }
      tables.push({
        family: family === 'ipv4' ? 'ip' : 'ip6',
        title: `${tool} ${current.name}`,
        chains: current.chains,
        baseChains,
      });
      current = undefined;
    }
  }
  return tables;
}

/** Splits a rule line as the shell would: iptables-save quotes comments that contain spaces. */
function tokenize(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

interface RuleContext {
  readonly family: IpFamily;
  readonly chains: ReadonlyMap<string, FirewallChain>;
  readonly ipsets: Ipsets;
}

function readRule(args: readonly string[], context: RuleContext, name: string): FirewallRule {
  const { family, chains } = context;
  const matches: Match[] = [];
  let negated = false;
  let rejectWith = family === 'ipv4' ? 'icmp-port-unreachable' : 'icmp6-port-unreachable';
  let target: string | undefined;
  let gotoChain = false;
  for (let i = 0; i < args.length; i++) {
    const opt = args[i]!;
    const value = args[i + 1] ?? '';
    // Each call consumes the next argument: --tcp-flags takes two.
    const take = () => {
      i += 1;
      return args[i] ?? '';
    };
    const neg = negated;
    negated = false;
    switch (opt) {
      case '!':
        negated = true;
        break;
      case '-s':
      case '--source':
      case '-d':
      case '--destination': {
        const set = addressList(take(), family);
        if (typeof set === 'string') matches.push(notModelled(set));
        else
          matches.push(
            opt.startsWith('-s') || opt === '--source'
              ? sourceIn(family, set, neg)
              : destinationIn(family, set, neg),
          );
        break;
      }
      case '-p':
      case '--protocol': {
        const p = take().toLowerCase();
        const tcp = p === 'tcp' || p === '6' || p === 'all' || p === '0';
        matches.push(() => (neg ? !tcp : tcp));
        break;
      }
      case '-i':
      case '--in-interface':
        matches.push(
          take() === 'lo' ? inputInterfaceIs('lo', neg) : notModelled(`the input interface ${value}`),
        );
        break;
      case '-m':
      case '--match': {
        const module = take();
        // Modules that only carry options parsed below, or a comment.
        if (
          !['tcp', 'multiport', 'conntrack', 'state', 'comment', 'addrtype', 'iprange', 'set'].includes(
            module,
          )
        ) {
          matches.push(notModelled(`the iptables match ${module}`));
        }
        break;
      }
      case '--dport':
      case '--destination-port':
      case '--dports':
      case '--destination-ports':
        matches.push(destinationPortIn(portList(take()), neg));
        break;
      case '--sport':
      case '--source-port':
      case '--sports':
      case '--source-ports':
        matches.push(sourcePortIn(portList(take()), neg));
        break;
      case '--ctstate':
      case '--state':
        matches.push(ctStateIn(take().toLowerCase().split(','), neg));
        break;
      case '--syn':
        matches.push(tcpFlags(flagBits('SYN,RST,ACK,FIN'), flagBits('SYN'), neg));
        break;
      case '--tcp-flags': {
        const mask = flagBits(take());
        const comp = flagBits(take());
        matches.push(tcpFlags(mask, comp, neg));
        break;
      }
      case '--comment':
        take();
        break;
      case '--match-set': {
        const set = take();
        matches.push(ipsetMatch(set, take(), neg, context));
        break;
      }
      // The set match counts its hits on the set's elements, or not: a packet's fate does not change.
      case '--update-counters':
      case '--update-subcounters':
        break;
      case '--dst-type':
        // A packet for a local socket is addressed to the host itself: its destination type is LOCAL.
        matches.push(take() === 'LOCAL' ? () => !neg : notModelled(`--dst-type ${value}`));
        break;
      case '--src-range':
      case '--dst-range': {
        const [a, b] = take()
          .split('-')
          .map((x) => parseCidr(x));
        if (!a || !b) matches.push(notModelled(`the range ${value}`));
        else {
          const set = AddressSet.of(family, [{ first: a.first, last: b.last }]);
          matches.push(opt === '--src-range' ? sourceIn(family, set, neg) : destinationIn(family, set, neg));
        }
        break;
      }
      case '-j':
      case '--jump':
        target = take();
        break;
      case '-g':
      case '--goto':
        target = take();
        gotoChain = true;
        break;
      case '--reject-with':
        rejectWith = take();
        break;
      default:
        // An option of a module already reported as not modelled, or of a target (LOG's --log-prefix…).
        if (opt.startsWith('-') && !value.startsWith('-')) i += 1;
        if (target === undefined) matches.push(notModelled(`the option ${opt}`));
    }
  }
  const verdict = targetVerdict(target, gotoChain, rejectWith, chains);
  return { name, matches, ...(verdict ? { verdict } : {}) };
}

/** Targets that only log, mark or count change no verdict. */
const PASSIVE_TARGETS = new Set(['LOG', 'NFLOG', 'MARK', 'CONNMARK', 'TRACE', 'AUDIT', 'CT', 'NOTRACK']);

function targetVerdict(
  target: string | undefined,
  isGoto: boolean,
  rejectWith: string,
  chains: ReadonlyMap<string, FirewallChain>,
): RuleVerdict | undefined {
  if (target === undefined || PASSIVE_TARGETS.has(target)) return undefined;
  if (target === 'ACCEPT') return { kind: 'accept' };
  if (target === 'DROP') return { kind: 'drop' };
  if (target === 'RETURN') return { kind: 'return' };
  if (target === 'REJECT') return { kind: 'reject', with: rejectWith };
  if (chains.has(target)) return { kind: isGoto ? 'goto' : 'jump', chain: target };
  return { kind: 'unsupported', what: `the iptables target ${target}` };
}

/**
 * `-m set --match-set NAME src|dst`. The kernel finds no member in a set of the other family (ip_set_test
 * compares the families first; iptables itself refuses such a rule), so that set is empty here, and `!`
 * makes it match everything. Two or more directions (`src,dst`) look up a multi-dimension element: not read.
 */
function ipsetMatch(name: string, directions: string, negated: boolean, context: RuleContext): Match {
  const { family, ipsets } = context;
  const set = 'get' in ipsets ? ipsets.get(name) : undefined;
  if (set === undefined) {
    const why = 'get' in ipsets ? 'which the ipset listing does not have' : ipsets.unknown;
    return notModelled(`the ipset ${name} (${why})`);
  }
  if ('unsupported' in set) return notModelled(`the ipset ${name} (${set.unsupported})`);
  if (directions !== 'src' && directions !== 'dst') {
    return notModelled(`the ipset ${name} looked up by ${directions}`);
  }
  const members = set.family === family ? set.members : AddressSet.empty(family);
  return directions === 'src' ? sourceIn(family, members, negated) : destinationIn(family, members, negated);
}

function addressList(value: string, family: IpFamily): AddressSet | string {
  const cidrs = [];
  for (const part of value.split(',')) {
    const c = parseCidr(part);
    if (c === undefined || c.family !== family) return `the address ${part}`;
    cidrs.push(c);
  }
  return AddressSet.fromCidrs(family, cidrs);
}

/** `22`, `22:80`, `22,80,1000:2000` (multiport). */
function portList(value: string): PortRange[] {
  return value.split(',').map((p) => {
    const [from, to] = p.split(':');
    const a = from === '' || from === undefined ? 0 : Number(from);
    const b = to === undefined ? a : to === '' ? 65535 : Number(to);
    return { from: a, to: b };
  });
}

function flagBits(list: string): number {
  if (list === 'ALL') return 0xff;
  if (list === 'NONE') return 0;
  return list.split(',').reduce((n, f) => n | (TCP_FLAG_BITS[f.toLowerCase()] ?? 0), 0);
}
