/**
 * AWS Network Firewall on an SSH path: what a firewall policy does to one TCP connection from a set of
 * source addresses and client ports to one destination address and port.
 *
 * The engines, as AWS's Network Firewall Developer Guide documents them:
 * - Stateless rule groups ("Stateless rules", "Stateless default actions in your firewall policy"): every
 *   packet, in both directions, is matched against the policy's stateless groups in priority order and
 *   each group's rules in priority order; the first match applies its standard action — `aws:pass`,
 *   `aws:drop` or `aws:forward_to_sfe` (custom actions only publish metrics). No match: the policy's
 *   `StatelessDefaultActions`. `StatelessFragmentDefaultActions` concern UDP fragments only (other
 *   fragments are dropped), so never a TCP handshake.
 * - Stateful rule groups ("Stateful rule groups", "Evaluation order for stateful rule groups"): the flow
 *   forwarded there is decided by its first packet. `DEFAULT_ACTION_ORDER`: every rule of every group by
 *   action — pass, then drop, then reject, then alert; no match passes. `STRICT_ORDER`: groups by
 *   priority, rules in their order, the first pass/drop/reject decides (alert only logs), then the
 *   policy's `StatefulDefaultActions`: `aws:drop_strict` drops everything unmatched, `aws:drop_established`
 *   lets the TCP handshake through and drops the connection's data ("Stateful default actions").
 * - Domain lists (`RulesSourceList`) inspect HTTP Host and TLS SNI: they never match SSH.
 * - DROP is silent (the client times out); REJECT "sends a TCP reset packet back to sender" (API
 *   reference, `StatefulRule.Action`; "Firewall engine actions and scopes"): the client sees a reset.
 *
 * What cannot be read exactly (Suricata rules with content matches, flowbits, thresholds, protocols
 * other than tcp/ip, unknown variables, stateless TCP flag matches) is assumed not to match, and the
 * assumption is named with the firewall and the rule.
 */
import type {
  NetworkFirewallDescription,
  NetworkFirewallMatchAttributes,
  NetworkFirewallPolicyDescription,
  NetworkFirewallRuleGroupDescription,
  NetworkFirewallSet,
  NetworkFirewallStatefulRule,
} from '../inventory/model.ts';
import { type AddressInterval, AddressSet, type IpFamily, parseCidr } from '../net/cidr.ts';
import { normalizePorts } from '../net/port-range.ts';
import type { FirewallRuleRef } from './types.ts';

/** One TCP connection attempt, as the firewall sees it. */
export interface FirewallFlow {
  readonly family: IpFamily;
  /** The client addresses (a CIDR source is many). */
  readonly sources: AddressSet;
  /** The client's ephemeral ports. */
  readonly sourcePorts: readonly [number, number];
  /** The server address. */
  readonly destination: bigint;
  /** The SSH port. */
  readonly port: number;
}

/** What the firewall does to (part of) the flow. */
export type FirewallAction = 'pass' | 'drop' | 'reject';

/** A rule the evaluator could not read exactly, assumed not to match. */
export interface FirewallAssumption {
  readonly firewall: string;
  readonly rule: FirewallRuleRef;
  readonly detail: string;
}

/** One outcome over part of the flow (the addresses and client ports the rules treat alike). */
export interface FirewallOutcome {
  readonly action: FirewallAction;
  /** Undefined when nothing matched and no default action blocks (default-order stateful engine). */
  readonly decidedBy?: FirewallRuleRef;
  /** `aws:drop_established`: the handshake completes, the connection's data is dropped. */
  readonly afterHandshake?: boolean;
  readonly sources: AddressSet;
  readonly sourcePorts: readonly (readonly [number, number])[];
}

export interface FirewallVerdict {
  /** The firewall's name (or id). */
  readonly firewall: string;
  readonly policy: string;
  /** Every distinct outcome, blocking ones first. */
  readonly outcomes: readonly FirewallOutcome[];
  readonly assumptions: readonly FirewallAssumption[];
  /** Set when the policy or a rule group it references is not in the inventory. */
  readonly missing?: string;
}

/** The policy and its rule groups, found by ARN. */
export interface FirewallConfig {
  readonly firewall: NetworkFirewallDescription;
  readonly policy: NetworkFirewallPolicyDescription | undefined;
  readonly ruleGroups: ReadonlyMap<string, NetworkFirewallRuleGroupDescription>;
}

// ---------------------------------------------------------------------------------------------------
// One rule in a common form: what it matches on each side, in "forward" (client → server) terms.

type PortList = readonly (readonly [number, number])[] | 'any';
type AddressList = AddressSet | 'any';

interface Match {
  readonly src: AddressList;
  readonly srcPorts: PortList;
  readonly dst: AddressList;
  readonly dstPorts: PortList;
  /** Matches the reverse direction too (`<>`, `Direction: ANY`). */
  readonly both: boolean;
}

interface CompiledRule {
  readonly ref: FirewallRuleRef;
  /** Undefined: the rule cannot be read exactly (`why`). */
  readonly match?: Match;
  readonly matchesTcp: boolean;
  readonly why?: string;
  readonly action: string;
}

function portsHave(ports: PortList, p: number): boolean {
  return ports === 'any' || ports.some(([a, b]) => p >= a && p <= b);
}

function addressesHave(list: AddressList, value: bigint): boolean {
  return list === 'any' || list.has(value);
}

/** The packet (src, sport) → (dst, dport) matches in the rule's own direction. */
function matchesOneWay(m: Match, src: bigint, sport: number, dst: bigint, dport: number): boolean {
  return (
    addressesHave(m.src, src) &&
    portsHave(m.srcPorts, sport) &&
    addressesHave(m.dst, dst) &&
    portsHave(m.dstPorts, dport)
  );
}

function matches(m: Match, src: bigint, sport: number, dst: bigint, dport: number): boolean {
  return matchesOneWay(m, src, sport, dst, dport) || (m.both && matchesOneWay(m, dst, dport, src, sport));
}

// ---------------------------------------------------------------------------------------------------
// Variables, address and port expressions (Suricata's syntax, also used by StatefulRules headers).

interface Variables {
  readonly ips: ReadonlyMap<string, readonly string[]>;
  readonly ports: ReadonlyMap<string, readonly string[]>;
}

function variablesOf(
  group: NetworkFirewallRuleGroupDescription,
  policy: NetworkFirewallPolicyDescription | undefined,
): Variables {
  const ips = new Map<string, readonly string[]>();
  const ports = new Map<string, readonly string[]>();
  // A policy variable (only HOME_NET is allowed there) applies where the group does not define it.
  const policyVars: Readonly<Record<string, NetworkFirewallSet>> =
    policy?.FirewallPolicy?.PolicyVariables?.RuleVariables ?? {};
  for (const [k, v] of Object.entries(policyVars)) ips.set(k, v.Definition ?? []);
  for (const [k, v] of Object.entries(group.RuleGroup?.RuleVariables?.IPSets ?? {}))
    ips.set(k, v.Definition ?? []);
  for (const [k, v] of Object.entries(group.RuleGroup?.RuleVariables?.PortSets ?? {}))
    ports.set(k, v.Definition ?? []);
  return { ips, ports };
}

class Unreadable extends Error {}

/** Splits `[a,b,[c,d]]` at top-level commas. */
function splitList(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

function unbracket(text: string): string | undefined {
  const t = text.trim();
  return t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : undefined;
}

function addressExpr(text: string, family: IpFamily, vars: Variables, depth = 0): AddressList {
  const t = text.trim();
  if (depth > 8) throw new Unreadable(`variables nest too deep in "${text}"`);
  if (t.toLowerCase() === 'any') return 'any';
  if (t.startsWith('!')) {
    const inner = addressExpr(t.slice(1), family, vars, depth + 1);
    return inner === 'any' ? AddressSet.empty(family) : AddressSet.all(family).subtract(inner);
  }
  const list = unbracket(t);
  if (list !== undefined) {
    let include = AddressSet.empty(family);
    let exclude = AddressSet.empty(family);
    let any = false;
    for (const item of splitList(list)) {
      if (item.startsWith('!')) {
        const ex = addressExpr(item.slice(1), family, vars, depth + 1);
        exclude = exclude.union(ex === 'any' ? AddressSet.all(family) : ex);
      } else {
        const inc = addressExpr(item, family, vars, depth + 1);
        if (inc === 'any') any = true;
        else include = include.union(inc);
      }
    }
    return (any ? AddressSet.all(family) : include).subtract(exclude);
  }
  if (t.startsWith('$')) {
    const def = vars.ips.get(t.slice(1));
    if (!def) throw new Unreadable(`variable ${t} is not defined in the rule group or the policy`);
    return addressExpr(`[${def.join(',')}]`, family, vars, depth + 1);
  }
  if (t.startsWith('@')) throw new Unreadable(`IP set reference ${t} is resolved outside the inventory`);
  const c = parseCidr(t.includes('/') ? t : t.includes(':') ? `${t}/128` : `${t}/32`);
  if (!c) throw new Unreadable(`"${t}" is not an address`);
  // An address of the other family never matches this flow.
  return c.family === family ? AddressSet.fromCidrs(family, [c]) : AddressSet.empty(family);
}

function portExpr(text: string, vars: Variables, depth = 0): PortList {
  const t = text.trim();
  if (depth > 8) throw new Unreadable(`variables nest too deep in "${text}"`);
  if (t.toLowerCase() === 'any') return 'any';
  const negate = t.startsWith('!');
  const body = negate ? t.slice(1) : t;
  let ranges: [number, number][];
  const list = unbracket(body);
  if (list !== undefined) {
    ranges = [];
    for (const item of splitList(list)) {
      const r = portExpr(item, vars, depth + 1);
      if (r === 'any') ranges.push([0, 65535]);
      else ranges.push(...r.map(([a, b]) => [a, b] as [number, number]));
    }
  } else if (body.startsWith('$')) {
    const def = vars.ports.get(body.slice(1));
    if (!def) throw new Unreadable(`variable ${body} is not defined in the rule group`);
    const r = portExpr(`[${def.join(',')}]`, vars, depth + 1);
    ranges = r === 'any' ? [[0, 65535]] : r.map(([a, b]) => [a, b]);
  } else {
    const m = /^(\d*):(\d*)$/.exec(body) ?? /^(\d+)()$/.exec(body);
    if (!m) throw new Unreadable(`"${body}" is not a port`);
    const from = m[1] === '' ? 0 : Number(m[1]);
    const to = body.includes(':') ? (m[2] === '' ? 65535 : Number(m[2])) : from;
    ranges = [[from, to]];
  }
  return negate ? complementPorts(ranges) : ranges;
}

function complementPorts(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  let next = 0;
  for (const [a, b] of sorted) {
    if (a > next) out.push([next, a - 1]);
    next = Math.max(next, b + 1);
  }
  if (next <= 65535) out.push([next, 65535]);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Compiling rule groups.

function statelessRules(group: NetworkFirewallRuleGroupDescription, family: IpFamily): CompiledRule[] {
  const { RuleGroupName, RuleGroupArn } = group.RuleGroupResponse;
  const rules = group.RuleGroup?.RulesSource.StatelessRulesAndCustomActions?.StatelessRules ?? [];
  return [...rules]
    .sort((a, b) => a.Priority - b.Priority)
    .map((r) => {
      const ref: FirewallRuleRef = {
        ruleGroup: RuleGroupName,
        arn: RuleGroupArn,
        rule: `priority ${r.Priority}`,
        engine: 'stateless',
      };
      const standard = r.RuleDefinition.Actions.find((a) => a.startsWith('aws:')) ?? 'custom';
      const m: NetworkFirewallMatchAttributes = r.RuleDefinition.MatchAttributes;
      const matchesTcp = !m.Protocols || m.Protocols.length === 0 || m.Protocols.includes(6);
      if (m.TCPFlags && m.TCPFlags.length > 0) {
        // Flag matches pick some packets of a connection and not others: which ones is not modelled.
        return { ref, matchesTcp, action: standard, why: 'it matches TCP flags' };
      }
      const addrs = (list: readonly { AddressDefinition: string }[] | undefined): AddressList => {
        if (!list || list.length === 0) return 'any';
        const cidrs = list.flatMap((a) => {
          const c = parseCidr(a.AddressDefinition);
          return c ? [c] : [];
        });
        return AddressSet.fromCidrs(family, cidrs);
      };
      const ports = (list: readonly { FromPort: number; ToPort: number }[] | undefined): PortList =>
        !list || list.length === 0 ? 'any' : list.map((p) => [p.FromPort, p.ToPort] as const);
      return {
        ref,
        matchesTcp,
        action: standard,
        match: {
          src: addrs(m.Sources),
          srcPorts: ports(m.SourcePorts),
          dst: addrs(m.Destinations),
          dstPorts: ports(m.DestinationPorts),
          both: false,
        },
      };
    });
}

/** Suricata keywords that only add bookkeeping; any other option makes the rule unreadable. */
const HARMLESS_OPTIONS = new Set([
  'sid',
  'rev',
  'msg',
  'metadata',
  'classtype',
  'priority',
  'reference',
  'gid',
]);
/** `flow` settings the client's packets all satisfy (`established` would spare the SYN: not exact). */
const HARMLESS_FLOW = new Set(['to_server', 'from_client']);

interface SuricataRule {
  readonly action: string;
  readonly protocol: string;
  readonly src: string;
  readonly srcPort: string;
  readonly direction: string;
  readonly dst: string;
  readonly dstPort: string;
  readonly options: readonly { readonly keyword: string; readonly settings: readonly string[] }[];
}

const RULE_LINE =
  /^(\w+)\s+(\S+)\s+(\[[^\]]*\]|\S+)\s+(\[[^\]]*\]|\S+)\s+(->|<>)\s+(\[[^\]]*\]|\S+)\s+(\[[^\]]*\]|\S+)\s*\((.*)\)\s*$/;

/** One line of a Suricata rules string; undefined for a blank line or comment. */
export function parseSuricataRule(line: string): SuricataRule | 'unparsed' | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  const m = RULE_LINE.exec(t);
  if (!m) return 'unparsed';
  const options = m[8]!
    .split(';')
    .map((o) => o.trim())
    .filter((o) => o !== '')
    .map((o) => {
      const i = o.indexOf(':');
      const keyword = (i < 0 ? o : o.slice(0, i)).trim();
      const value = i < 0 ? '' : o.slice(i + 1).trim();
      return {
        keyword,
        settings: value === '' ? [] : value.split(',').map((s) => s.trim().replace(/^"|"$/g, '')),
      };
    });
  return {
    action: m[1]!.toLowerCase(),
    protocol: m[2]!.toLowerCase(),
    src: m[3]!,
    srcPort: m[4]!,
    direction: m[5]!,
    dst: m[6]!,
    dstPort: m[7]!,
    options,
  };
}

function statefulRule(
  r: SuricataRule,
  ref: FirewallRuleRef,
  family: IpFamily,
  vars: Variables,
): CompiledRule {
  const action = r.action;
  // `ip` matches every protocol and `tcp` TCP; an application protocol (`ssh`, `tls`, …) may match an SSH
  // connection, but only once the stream is parsed: it is never exact. UDP and ICMP rules never match.
  const matchesTcp = !['udp', 'icmp', 'icmpv6'].includes(r.protocol);
  if (!['pass', 'drop', 'reject', 'alert'].includes(action)) {
    return { ref, matchesTcp, action, why: `its action "${action}" is not pass, drop, reject or alert` };
  }
  if (matchesTcp && r.protocol !== 'tcp' && r.protocol !== 'ip') {
    return { ref, matchesTcp, action, why: `it matches the application protocol "${r.protocol}"` };
  }
  for (const o of r.options) {
    const k = o.keyword.toLowerCase();
    if (HARMLESS_OPTIONS.has(k)) continue;
    if (k === 'flow' && o.settings.every((s) => HARMLESS_FLOW.has(s.toLowerCase()))) continue;
    return { ref, matchesTcp, action, why: `it uses the option "${o.keyword}"` };
  }
  try {
    return {
      ref,
      matchesTcp,
      action,
      match: {
        src: addressExpr(r.src, family, vars),
        srcPorts: portExpr(r.srcPort, vars),
        dst: addressExpr(r.dst, family, vars),
        dstPorts: portExpr(r.dstPort, vars),
        both: r.direction === '<>',
      },
    };
  } catch (e) {
    if (e instanceof Unreadable) return { ref, matchesTcp, action, why: e.message };
    throw e;
  }
}

function sidOf(options: readonly { keyword: string; settings: readonly string[] }[]): string | undefined {
  return options.find((o) => o.keyword.toLowerCase() === 'sid')?.settings[0];
}

function statefulRules(
  group: NetworkFirewallRuleGroupDescription,
  policy: NetworkFirewallPolicyDescription | undefined,
  family: IpFamily,
): CompiledRule[] {
  const { RuleGroupName, RuleGroupArn } = group.RuleGroupResponse;
  const source = group.RuleGroup?.RulesSource;
  const vars = variablesOf(group, policy);
  const ref = (rule: string): FirewallRuleRef => ({
    ruleGroup: RuleGroupName,
    arn: RuleGroupArn,
    rule,
    engine: 'stateful',
  });
  if (source?.StatefulRules) {
    return source.StatefulRules.map((r: NetworkFirewallStatefulRule, i) => {
      const options = r.RuleOptions.map((o) => ({ keyword: o.Keyword, settings: o.Settings ?? [] }));
      const sid = sidOf(options);
      const h = r.Header;
      return statefulRule(
        {
          action: r.Action.toLowerCase(),
          protocol: h.Protocol.toLowerCase(),
          src: h.Source,
          srcPort: h.SourcePort,
          direction: h.Direction.toUpperCase() === 'ANY' ? '<>' : '->',
          dst: h.Destination,
          dstPort: h.DestinationPort,
          options,
        },
        ref(sid ? `sid ${sid}` : `rule ${i + 1}`),
        family,
        vars,
      );
    });
  }
  if (source?.RulesString !== undefined) {
    const out: CompiledRule[] = [];
    source.RulesString.split('\n').forEach((line, i) => {
      const parsed = parseSuricataRule(line);
      if (parsed === undefined) return;
      if (parsed === 'unparsed') {
        out.push({
          ref: ref(`line ${i + 1}`),
          matchesTcp: true,
          action: 'unknown',
          why: 'it is not a rule this evaluator reads',
        });
        return;
      }
      const sid = sidOf(parsed.options);
      out.push(statefulRule(parsed, ref(sid ? `sid ${sid}` : `line ${i + 1}`), family, vars));
    });
    return out;
  }
  // A domain list (RulesSourceList) inspects HTTP Host headers and TLS SNI: no SSH packet matches it.
  return [];
}

// ---------------------------------------------------------------------------------------------------
// Evaluation.

interface Cell {
  readonly src: bigint;
  readonly sources: AddressInterval;
  readonly sport: number;
  readonly sports: readonly [number, number];
}

/** The cells of the flow: between neighbouring rule boundaries every rule matches wholly or not at all. */
function cellsOf(flow: FirewallFlow, rules: readonly CompiledRule[]): Cell[] {
  const cuts = new Set<bigint>();
  const portCuts = new Set<number>([flow.sourcePorts[0], flow.sourcePorts[1] + 1]);
  for (const r of rules) {
    if (!r.match) continue;
    for (const list of [r.match.src, r.match.dst]) {
      if (list === 'any') continue;
      for (const iv of list.intervals) cuts.add(iv.first).add(iv.last + 1n);
    }
    for (const list of [r.match.srcPorts, r.match.dstPorts]) {
      if (list === 'any') continue;
      for (const [a, b] of list) portCuts.add(a).add(b + 1);
    }
  }
  const sortedCuts = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const addressCells: AddressInterval[] = [];
  for (const iv of flow.sources.intervals) {
    let first = iv.first;
    for (const c of sortedCuts) {
      if (c <= first || c > iv.last) continue;
      addressCells.push({ first, last: c - 1n });
      first = c;
    }
    addressCells.push({ first, last: iv.last });
  }
  const [lo, hi] = flow.sourcePorts;
  const ports = [...portCuts].filter((p) => p >= lo && p <= hi + 1).sort((a, b) => a - b);
  const portCells: [number, number][] = [];
  for (let i = 0; i + 1 < ports.length; i++) portCells.push([ports[i]!, ports[i + 1]! - 1]);
  const out: Cell[] = [];
  for (const a of addressCells)
    for (const p of portCells) out.push({ src: a.first, sources: a, sport: p[0], sports: p });
  return out;
}

interface CellResult {
  readonly action: FirewallAction;
  readonly decidedBy?: FirewallRuleRef;
  readonly afterHandshake?: boolean;
}

interface Engine {
  readonly stateless: readonly CompiledRule[];
  readonly statelessDefault: string;
  readonly policyRef: (rule: string, engine: 'stateless' | 'stateful') => FirewallRuleRef;
  readonly stateful: readonly CompiledRule[];
  readonly strict: boolean;
  readonly statefulDefaults: readonly string[];
}

function standardAction(actions: readonly string[]): string {
  return actions.find((a) => a.startsWith('aws:')) ?? 'aws:pass';
}

/** One packet through the stateless engine: the action and the rule (undefined: the default action). */
function stateless(
  engine: Engine,
  src: bigint,
  sport: number,
  dst: bigint,
  dport: number,
  assume: (r: CompiledRule) => void,
): { action: string; rule: FirewallRuleRef } {
  for (const r of engine.stateless) {
    if (!r.matchesTcp) continue;
    if (!r.match) {
      assume(r);
      continue;
    }
    if (matches(r.match, src, sport, dst, dport)) return { action: r.action, rule: r.ref };
  }
  return {
    action: engine.statelessDefault,
    rule: engine.policyRef(`${engine.statelessDefault} (stateless default action)`, 'stateless'),
  };
}

const ACTION_ORDER = ['pass', 'drop', 'reject', 'alert'] as const;

function statefulDecision(
  engine: Engine,
  cell: Cell,
  flow: FirewallFlow,
  assume: (r: CompiledRule) => void,
): CellResult {
  const candidates = engine.strict
    ? engine.stateful
    : [
        // A rule whose action is not read could sit anywhere in the order: it is met first.
        ...engine.stateful.filter((r) => !(ACTION_ORDER as readonly string[]).includes(r.action)),
        ...ACTION_ORDER.flatMap((a) => engine.stateful.filter((r) => r.action === a)),
      ];
  for (const r of candidates) {
    if (!r.matchesTcp) continue;
    if (!r.match) {
      assume(r);
      continue;
    }
    if (!matches(r.match, cell.src, cell.sport, flow.destination, flow.port)) continue;
    // Alert only logs; in both orders evaluation goes on.
    if (r.action === 'alert') continue;
    return { action: r.action as FirewallAction, decidedBy: r.ref };
  }
  if (engine.strict) {
    const d = engine.statefulDefaults;
    if (d.includes('aws:drop_strict'))
      return {
        action: 'drop',
        decidedBy: engine.policyRef('aws:drop_strict (stateful default action)', 'stateful'),
      };
    if (d.includes('aws:drop_established'))
      return {
        action: 'drop',
        afterHandshake: true,
        decidedBy: engine.policyRef('aws:drop_established (stateful default action)', 'stateful'),
      };
  }
  return { action: 'pass' };
}

function evaluateCell(
  engine: Engine,
  cell: Cell,
  flow: FirewallFlow,
  assume: (r: CompiledRule) => void,
): CellResult {
  // The SYN, client → server.
  const syn = stateless(engine, cell.src, cell.sport, flow.destination, flow.port, assume);
  if (syn.action === 'aws:drop') return { action: 'drop', decidedBy: syn.rule };
  // The SYN-ACK, server → client: stateless rules see every packet, in both directions.
  const reply = stateless(engine, flow.destination, flow.port, cell.src, cell.sport, assume);
  if (reply.action === 'aws:drop') return { action: 'drop', decidedBy: reply.rule };
  if (syn.action === 'aws:forward_to_sfe' || reply.action === 'aws:forward_to_sfe') {
    return statefulDecision(engine, cell, flow, assume);
  }
  return { action: 'pass', decidedBy: syn.rule };
}

/**
 * Compiled engines, per config object and family: the analysis keeps one config per firewall
 * (firewall-on-path's memo), so each policy's rule groups are parsed once, not once per target.
 */
const engines = new WeakMap<FirewallConfig, Map<IpFamily, Engine | string>>();

function engineFor(config: FirewallConfig, family: IpFamily): Engine | string {
  let byFamily = engines.get(config);
  if (!byFamily) {
    byFamily = new Map();
    engines.set(config, byFamily);
  }
  let engine = byFamily.get(family);
  if (engine === undefined) {
    engine = compileEngine(config, family);
    byFamily.set(family, engine);
  }
  return engine;
}

function compileEngine(config: FirewallConfig, family: IpFamily): Engine | string {
  const { policy } = config;
  const fw = config.firewall.Firewall;
  if (!policy?.FirewallPolicy) return `firewall policy ${fw.FirewallPolicyArn}`;
  const p = policy.FirewallPolicy;
  const groupOf = (arn: string) => config.ruleGroups.get(arn);
  const statelessRefs = [...(p.StatelessRuleGroupReferences ?? [])].sort((a, b) => a.Priority - b.Priority);
  const statefulRefs = p.StatefulRuleGroupReferences ?? [];
  for (const r of [...statelessRefs, ...statefulRefs])
    if (!groupOf(r.ResourceArn)) return `rule group ${r.ResourceArn}`;
  const strict = p.StatefulEngineOptions?.RuleOrder === 'STRICT_ORDER';
  const orderedStateful = strict
    ? [...statefulRefs].sort((a, b) => (a.Priority ?? 0) - (b.Priority ?? 0))
    : statefulRefs;
  const stateful = orderedStateful.flatMap((ref) => {
    const rules = statefulRules(groupOf(ref.ResourceArn)!, policy, family);
    // DROP_TO_ALERT turns the group's drops (and rejects) into alerts.
    return ref.Override?.Action === 'DROP_TO_ALERT'
      ? rules.map((r) => (r.action === 'drop' || r.action === 'reject' ? { ...r, action: 'alert' } : r))
      : rules;
  });
  const { FirewallPolicyName, FirewallPolicyArn } = policy.FirewallPolicyResponse;
  return {
    stateless: statelessRefs.flatMap((ref) => statelessRules(groupOf(ref.ResourceArn)!, family)),
    statelessDefault: standardAction(p.StatelessDefaultActions),
    policyRef: (rule, engine) => ({ ruleGroup: FirewallPolicyName, arn: FirewallPolicyArn, rule, engine }),
    stateful,
    strict,
    statefulDefaults: strict ? (p.StatefulDefaultActions ?? []) : [],
  };
}

/** The firewall's name for messages. */
export function firewallName(fw: NetworkFirewallDescription): string {
  return fw.Firewall.FirewallName ?? fw.Firewall.FirewallId;
}

/** What the firewall's policy does to every part of `flow`. */
export function evaluateNetworkFirewall(config: FirewallConfig, flow: FirewallFlow): FirewallVerdict {
  const firewall = firewallName(config.firewall);
  const policyName =
    config.policy?.FirewallPolicyResponse.FirewallPolicyName ?? config.firewall.Firewall.FirewallPolicyArn;
  const engine = engineFor(config, flow.family);
  if (typeof engine === 'string') {
    return { firewall, policy: policyName, outcomes: [], assumptions: [], missing: engine };
  }
  const assumed = new Map<CompiledRule, FirewallAssumption>();
  const assume = (r: CompiledRule) => {
    if (assumed.has(r)) return;
    assumed.set(r, {
      firewall,
      rule: r.ref,
      detail: `firewall ${firewall}: rule group ${r.ref.ruleGroup} ${r.ref.rule} is assumed not to match TCP ${flow.port}: ${r.why}`,
    });
  };
  const groups = new Map<
    string,
    { result: CellResult; sources: AddressInterval[]; ports: [number, number][] }
  >();
  for (const cell of cellsOf(flow, [...engine.stateless, ...engine.stateful])) {
    const result = evaluateCell(engine, cell, flow, assume);
    const key = `${result.action}|${result.decidedBy?.arn ?? ''}|${result.decidedBy?.rule ?? ''}`;
    let g = groups.get(key);
    if (!g) {
      g = { result, sources: [], ports: [] };
      groups.set(key, g);
    }
    g.sources.push(cell.sources);
    if (!g.ports.some(([a, b]) => a === cell.sports[0] && b === cell.sports[1]))
      g.ports.push([...cell.sports]);
  }
  const outcomes: FirewallOutcome[] = [...groups.values()]
    .map((g) => ({
      ...g.result,
      sources: AddressSet.of(flow.family, g.sources),
      sourcePorts: mergePorts(g.ports),
    }))
    .sort((a, b) => Number(a.action === 'pass') - Number(b.action === 'pass'));
  return { firewall, policy: policyName, outcomes, assumptions: [...assumed.values()] };
}

/** Sorted and merged, by net/port-range's normalizePorts. */
function mergePorts(ports: readonly (readonly [number, number])[]): [number, number][] {
  return normalizePorts(ports.map(([from, to]) => ({ from, to }))).map((r) => [r.from, r.to]);
}
