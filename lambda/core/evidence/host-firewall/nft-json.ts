/**
 * `nft -j list ruleset` (libnftables-json(5)) into the firewall model. The JSON is the stable, documented
 * form of the ruleset, so matches are read from their structure, not from text. What the model does not
 * cover becomes a match or a verdict that says so, and the evaluator answers "unknown" where it matters.
 *
 * Tables iptables-nft made (`ip filter` with chains INPUT, FORWARD…) carry `xt` expressions for iptables
 * extensions; the caller replaces those tables with iptables-save's reading of them (host-firewall.ts).
 */
import { AddressSet, type Cidr, type IpFamily, parseCidr } from '../../net/cidr.ts';
import type { PortRange } from '../../net/port-range.ts';
import {
  ctStateIn,
  destinationIn,
  destinationPortIn,
  familyIs,
  inputInterfaceIs,
  notModelled,
  sourceIn,
  sourcePortIn,
  TCP_FLAG_BITS,
  tcpFlags,
} from './matches.ts';
import type {
  BaseChain,
  FirewallChain,
  FirewallRule,
  FirewallTable,
  Match,
  RuleVerdict,
  TableFamily,
} from './model.ts';
import { INBOUND_HOOKS } from './model.ts';

type Json = unknown;
type JsonObject = Readonly<Record<string, Json>>;

const FAMILIES: readonly TableFamily[] = ['ip', 'ip6', 'inet', 'netdev'];

/** The tables of a ruleset; `undefined` when the text is not nft's JSON (cut short, or an error). */
export function parseNftRuleset(text: string): FirewallTable[] | undefined {
  let doc: Json;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const items = isObject(doc) && Array.isArray(doc.nftables) ? (doc.nftables as Json[]) : undefined;
  if (items === undefined) return undefined;

  const tables = new Map<string, Building>();
  const key = (o: JsonObject) => `${o.family} ${o.table ?? o.name}`;
  for (const item of items) {
    if (!isObject(item)) continue;
    const table = item.table;
    if (isObject(table) && FAMILIES.includes(table.family as TableFamily)) {
      tables.set(key(table), {
        family: table.family as TableFamily,
        title: `table ${table.family} ${table.name}`,
        sets: new Map(),
        chains: new Map(),
        baseChains: [],
      });
    }
  }
  for (const item of items) {
    if (!isObject(item)) continue;
    const set = item.set ?? item.map;
    if (isObject(set)) tables.get(key(set))?.sets.set(String(set.name), set);
    const chain = item.chain;
    if (isObject(chain)) {
      const t = tables.get(key(chain));
      if (t === undefined) continue;
      const name = String(chain.name);
      t.chains.set(name, { name, rules: [] });
      const base = baseChain(chain);
      if (base) t.baseChains.push(base);
    }
  }
  for (const item of items) {
    if (!isObject(item) || !isObject(item.rule)) continue;
    const rule = item.rule;
    const t = tables.get(key(rule));
    const chain = t?.chains.get(String(rule.chain));
    if (t === undefined || chain === undefined) continue;
    (chain.rules as FirewallRule[]).push(readRule(rule, t));
  }
  return [...tables.values()].map(({ sets: _sets, ...table }) => table);
}

interface Building {
  readonly family: TableFamily;
  readonly title: string;
  readonly sets: Map<string, JsonObject>;
  readonly chains: Map<string, FirewallChain>;
  readonly baseChains: BaseChain[];
}

function baseChain(chain: JsonObject): BaseChain | undefined {
  const hook = chain.hook as (typeof INBOUND_HOOKS)[number];
  if (!INBOUND_HOOKS.includes(hook) || typeof chain.prio !== 'number') return undefined;
  return {
    chain: String(chain.name),
    hook,
    priority: chain.prio,
    policy: chain.policy === 'drop' ? 'drop' : 'accept',
  };
}

function readRule(rule: JsonObject, table: Building): FirewallRule {
  const exprs = Array.isArray(rule.expr) ? (rule.expr as Json[]) : [];
  const matches: Match[] = [];
  let verdict: RuleVerdict | undefined;
  for (const e of exprs) {
    if (!isObject(e) || verdict !== undefined) continue;
    const [kind, body] = Object.entries(e)[0] ?? [];
    if (kind === 'match' && isObject(body)) matches.push(readMatch(body, table));
    else if (kind !== undefined) {
      const v = readStatement(kind, body);
      if (v === 'match') matches.push(notModelled(kind));
      else if (v !== undefined) verdict = v;
    }
  }
  const handle = rule.handle === undefined ? '' : ` handle ${rule.handle}`;
  return {
    name: `${table.title} chain ${rule.chain}, rule${handle}: ${exprs.map(render).join(' ')}`,
    matches,
    ...(verdict ? { verdict } : {}),
  };
}

/** Statements that only count, log, mark or comment change no verdict. */
const PASSIVE = new Set(['counter', 'log', 'mangle', 'notrack', 'ct count', 'set', 'comment']);
/** Statements that hold for some packets only (rates, quotas): matches the evaluator cannot judge. */
const RATE_LIKE = new Set(['limit', 'quota', 'meter', 'xt']);

function readStatement(kind: string, body: Json): RuleVerdict | 'match' | undefined {
  switch (kind) {
    case 'accept':
    case 'drop':
    case 'return':
      return { kind };
    case 'reject': {
      const r = isObject(body) ? body : {};
      const type = typeof r.type === 'string' ? r.type : 'icmp';
      return { kind: 'reject', with: typeof r.expr === 'string' ? `${type} ${r.expr}` : type };
    }
    case 'jump':
    case 'goto':
      return { kind, chain: isObject(body) ? String(body.target) : '' };
    case 'continue':
      return undefined;
  }
  if (PASSIVE.has(kind)) return undefined;
  if (RATE_LIKE.has(kind)) {
    // An xt target is an iptables extension verdict; an xt match is a condition.
    if (kind === 'xt' && isObject(body) && body.type === 'target') {
      return { kind: 'unsupported', what: `the iptables target ${body.name}` };
    }
    return 'match';
  }
  return { kind: 'unsupported', what: `the ${kind} statement` };
}

function readMatch(m: JsonObject, table: Building): Match {
  const op = String(m.op);
  const negated = op === '!=';
  if (!['==', '!=', 'in'].includes(op)) return notModelled(`the comparison ${op}`);
  const left = m.left;
  const right = m.right;
  if (isObject(left) && isObject(left.payload)) {
    const { protocol, field } = left.payload as { protocol?: string; field?: string };
    const family: IpFamily | undefined = protocol === 'ip' ? 'ipv4' : protocol === 'ip6' ? 'ipv6' : undefined;
    if (family && (field === 'saddr' || field === 'daddr')) {
      const set = addresses(family, right, table);
      if (typeof set === 'string') return notModelled(set);
      return field === 'saddr' ? sourceIn(family, set, negated) : destinationIn(family, set, negated);
    }
    if (family && (field === 'protocol' || field === 'nexthdr')) {
      return both(familyIs(family), protocolIs(right, negated));
    }
    if (protocol === 'tcp' || protocol === 'th') {
      if (field === 'dport' || field === 'sport') {
        const ports = portRanges(right, table);
        if (typeof ports === 'string') return notModelled(ports);
        return field === 'dport' ? destinationPortIn(ports, negated) : sourcePortIn(ports, negated);
      }
      if (field === 'flags' && op === 'in') return tcpFlagsAny(right, negated);
    }
    // udp, icmp, sctp…: a header our TCP packet does not have.
    if (['udp', 'udplite', 'icmp', 'icmpv6', 'sctp', 'dccp', 'esp', 'ah'].includes(String(protocol))) {
      return () => false;
    }
    return notModelled(`${protocol} ${field}`);
  }
  if (isObject(left) && isObject(left.meta)) {
    const key = String((left.meta as JsonObject).key);
    if (key === 'l4proto') return protocolIs(right, negated);
    if (key === 'nfproto') {
      const f = String(right) === 'ipv6' ? 'ipv6' : String(right) === 'ipv4' ? 'ipv4' : undefined;
      return f ? familyIs(f, negated) : notModelled(`meta nfproto ${String(right)}`);
    }
    if (key === 'iifname' || key === 'iif') {
      return typeof right === 'string' ? inputInterfaceIs(right, negated) : notModelled(`meta ${key}`);
    }
    return notModelled(`meta ${key}`);
  }
  if (isObject(left) && isObject(left.ct) && (left.ct as JsonObject).key === 'state') {
    return ctStateIn(flagList(right), negated);
  }
  if (isObject(left) && Array.isArray(left['&'])) {
    const [inner, mask] = left['&'] as Json[];
    const p = isObject(inner) && isObject(inner.payload) ? (inner.payload as JsonObject) : undefined;
    if (p?.protocol === 'tcp' && p.field === 'flags') {
      return tcpFlags(flagBits(mask), flagBits(right), negated);
    }
  }
  return notModelled(render({ match: m }));
}

function both(a: Match, b: Match): Match {
  return (packet, at) => {
    const x = a(packet, at);
    if (x === false) return false;
    const y = b(packet, at);
    if (y === false) return false;
    return x === true ? y : x;
  };
}

const TCP_PROTOCOL_NAMES = new Set(['tcp', '6']);

function protocolIs(right: Json, negated: boolean): Match {
  const names = (isObject(right) && Array.isArray(right.set) ? right.set : [right]).map(String);
  const tcp = names.some((n) => TCP_PROTOCOL_NAMES.has(n));
  return () => (negated ? !tcp : tcp);
}

function tcpFlagsAny(right: Json, negated: boolean): Match {
  const bits = flagBits(right);
  // `tcp flags syn` (op `in`): any of the listed flags is set.
  return (packet, at) => {
    const truth = tcpFlags(bits, 0)(packet, at);
    return negated ? truth : !truth;
  };
}

function flagList(right: Json): string[] {
  if (Array.isArray(right)) return right.map(String);
  if (isObject(right) && Array.isArray(right.set)) return right.set.map(String);
  return [String(right)];
}

function flagBits(v: Json): number {
  if (typeof v === 'number') return v;
  if (isObject(v) && Array.isArray(v['|']))
    return (v['|'] as Json[]).reduce((n: number, x) => n | flagBits(x), 0);
  return flagList(v).reduce((n, f) => n | (TCP_FLAG_BITS[f] ?? 0), 0);
}

/** The addresses a right-hand side names, or why they cannot be read. */
function addresses(family: IpFamily, right: Json, table: Building): AddressSet | string {
  const elements = elementsOf(right, table);
  if (typeof elements === 'string') return elements;
  const cidrs: Cidr[] = [];
  let set = AddressSet.empty(family);
  for (const el of elements) {
    if (typeof el === 'string') {
      const c = parseCidr(el);
      if (c === undefined) return `the address ${el}`;
      cidrs.push(c);
    } else if (isObject(el) && isObject(el.prefix)) {
      const c = parseCidr(`${(el.prefix as JsonObject).addr}/${(el.prefix as JsonObject).len}`);
      if (c === undefined) return 'an address prefix it cannot read';
      cidrs.push(c);
    } else if (isObject(el) && Array.isArray(el.range)) {
      const [a, b] = (el.range as Json[]).map((x) => parseCidr(String(x)));
      if (a === undefined || b === undefined) return 'an address range it cannot read';
      set = set.union(AddressSet.of(family, [{ first: a.first, last: b.last }]));
    } else {
      return 'a set element it cannot read (a concatenation?)';
    }
  }
  return set.union(AddressSet.fromCidrs(family, cidrs));
}

function portRanges(right: Json, table: Building): PortRange[] | string {
  const elements = elementsOf(right, table);
  if (typeof elements === 'string') return elements;
  const out: PortRange[] = [];
  for (const el of elements) {
    const port = portNumber(el);
    if (port !== undefined) out.push({ from: port, to: port });
    else if (isObject(el) && Array.isArray(el.range)) {
      const [a, b] = (el.range as Json[]).map(portNumber);
      if (a === undefined || b === undefined) return 'a port range it cannot read';
      out.push({ from: a, to: b });
    } else return 'a port set element it cannot read';
  }
  return out;
}

/** `nft -j` prints services by number; `ssh` is the one name worth knowing when a tool wrote names. */
function portNumber(v: Json): number | undefined {
  if (typeof v === 'number') return v;
  if (v === 'ssh') return 22;
  return typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : undefined;
}

/** A value, an anonymous set `{"set": [...]}` or a named set `@name`, as a list of elements. */
function elementsOf(right: Json, table: Building): Json[] | string {
  if (typeof right === 'string' && right.startsWith('@')) {
    const set = table.sets.get(right.slice(1));
    if (set === undefined) return `the set ${right}, which the ruleset does not list`;
    const elem = Array.isArray(set.elem) ? (set.elem as Json[]) : [];
    return elem.map((e) => (isObject(e) && isObject(e.elem) ? (e.elem as JsonObject).val : e));
  }
  if (isObject(right) && Array.isArray(right.set)) return right.set as Json[];
  return [right];
}

/** An expression as nft prints it, near enough for a reader to find the rule. */
function render(e: Json): string {
  if (!isObject(e)) return String(e);
  const [kind, body] = Object.entries(e)[0] ?? ['?', null];
  if (kind === 'match' && isObject(body)) {
    const op = body.op === '==' || body.op === 'in' ? '' : `${String(body.op)} `;
    return `${renderValue(body.left)} ${op}${renderValue(body.right)}`;
  }
  if (kind === 'reject' && isObject(body)) {
    return `reject with ${String(body.type ?? 'icmp')}${body.expr ? ` ${String(body.expr)}` : ''}`;
  }
  if ((kind === 'jump' || kind === 'goto') && isObject(body)) return `${kind} ${String(body.target)}`;
  if (kind === 'xt' && isObject(body)) return `xt ${String(body.type)} ${String(body.name)}`;
  return kind;
}

function renderValue(v: Json): string {
  if (Array.isArray(v)) return v.map(renderValue).join(',');
  if (!isObject(v)) return String(v);
  if (isObject(v.payload)) return `${String(v.payload.protocol)} ${String(v.payload.field)}`;
  if (isObject(v.meta)) {
    const key = String(v.meta.key);
    return key === 'iifname' || key === 'oifname' ? key : `meta ${key}`;
  }
  if (isObject(v.ct)) return `ct ${String(v.ct.key)}`;
  if (isObject(v.prefix)) return `${String(v.prefix.addr)}/${String(v.prefix.len)}`;
  if (Array.isArray(v.range)) return v.range.map(renderValue).join('-');
  if (Array.isArray(v.set)) return `{ ${v.set.map(renderValue).join(', ')} }`;
  if (Array.isArray(v['&'])) return v['&'].map(renderValue).join(' & ');
  if (Array.isArray(v['|'])) return `(${v['|'].map(renderValue).join('|')})`;
  return JSON.stringify(v);
}

function isObject(v: Json): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
