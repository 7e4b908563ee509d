/**
 * Walks a host firewall the way netfilter walks a new inbound TCP SYN for a local socket: every base chain
 * on the ingress, prerouting and input hooks of the tables that see the packet's family, hook by hook and
 * by priority within a hook (lower first). `accept` ends only its base chain and the packet moves on to the
 * next; `drop` and `reject` end it for good; a base chain that runs out of rules applies its policy; `jump`
 * returns to the next rule, `goto` does not, and a regular chain that runs out returns (nft(8), "VERDICT
 * STATEMENT"; iptables(8), "TARGETS").
 *
 * A match it cannot judge (a rate limit, a mark, an interface name) forks the walk: when both branches end
 * the same way the answer stands; when they part, the answer is unknown and says why — never "allowed".
 */
import type { BaseChain, FirewallRule, FirewallTable, HookPoint, SynPacket, TableFamily } from './model.ts';
import { INBOUND_HOOKS } from './model.ts';

export type FirewallVerdict = 'accept' | 'drop' | 'reject';

export type FirewallDecision =
  | {
      readonly verdict: FirewallVerdict;
      /** The rule that decided, or `undefined` when a base chain's policy did. */
      readonly rule?: string;
      /** `policy drop of table inet filter chain input` when a policy decided. */
      readonly policy?: string;
      /** How a reject answers (`tcp reset`, `icmpx admin-prohibited`). */
      readonly rejectWith?: string;
    }
  | {
      readonly verdict: 'unknown';
      readonly reason: string;
    };

/** Forks and steps beyond which the walk gives up: a ruleset of rate limits on every rule could explode. */
const MAX_STEPS = 20_000;

interface Frame {
  readonly table: FirewallTable;
  readonly chain: string;
  readonly next: number;
}

interface Walk {
  /** Index into the ordered base chains. */
  readonly base: number;
  readonly stack: readonly Frame[];
  /** Why this branch was taken, for the unknown answer. */
  readonly assumed: readonly string[];
}

type Ending =
  | { readonly kind: 'verdict'; readonly decision: FirewallDecision & { verdict: FirewallVerdict } }
  | { readonly kind: 'unknown'; readonly reason: string };

const FAMILY_OF_PACKET: Readonly<Record<'ipv4' | 'ipv6', readonly TableFamily[]>> = {
  ipv4: ['ip', 'inet', 'netdev'],
  ipv6: ['ip6', 'inet', 'netdev'],
};

export function evaluateFirewall(tables: readonly FirewallTable[], packet: SynPacket): FirewallDecision {
  const bases = orderedBaseChains(tables, packet);
  const endings: Ended[] = [];
  const work: Walk[] = [{ base: 0, stack: [], assumed: [] }];
  for (let steps = 0; work.length > 0; steps++) {
    if (steps >= MAX_STEPS) {
      return {
        verdict: 'unknown',
        reason: `the ruleset forks more than ${MAX_STEPS} ways on unknown matches`,
      };
    }
    for (const next of step(work.pop()!, bases, packet)) {
      if ('ending' in next) endings.push(next);
      else work.push(next);
    }
  }
  return conclude(endings);
}

/** A branch of the walk that has ended, with the assumptions it took to get there. */
interface Ended {
  readonly ending: Ending;
  readonly assumed: readonly string[];
}

interface OrderedBase {
  readonly table: FirewallTable;
  readonly base: BaseChain;
}

function orderedBaseChains(tables: readonly FirewallTable[], packet: SynPacket): OrderedBase[] {
  const families = FAMILY_OF_PACKET[packet.source.family];
  const out: OrderedBase[] = [];
  for (const table of tables) {
    if (!families.includes(table.family)) continue;
    for (const base of table.baseChains) out.push({ table, base });
  }
  // Array.prototype.sort is stable: equal priorities keep the order the ruleset lists them in.
  return out.sort(
    (a, b) =>
      INBOUND_HOOKS.indexOf(a.base.hook) - INBOUND_HOOKS.indexOf(b.base.hook) ||
      a.base.priority - b.base.priority,
  );
}

function step(walk: Walk, bases: readonly OrderedBase[], packet: SynPacket): (Walk | Ended)[] {
  const current = bases[walk.base];
  const end = (ending: Ending): Ended[] => [{ ending, assumed: walk.assumed }];
  // Past the last base chain: every chain accepted, the packet reaches the socket.
  if (current === undefined) return end({ kind: 'verdict', decision: { verdict: 'accept' } });
  const at: HookPoint = { hook: current.base.hook, priority: current.base.priority };
  const stack =
    walk.stack.length > 0 ? walk.stack : [{ table: current.table, chain: current.base.chain, next: 0 }];
  const frame = stack[stack.length - 1]!;
  const chain = frame.table.chains.get(frame.chain);
  if (chain === undefined) {
    return end({ kind: 'unknown', reason: `${frame.table.title} has no chain ${frame.chain}` });
  }
  const rule = chain.rules[frame.next];
  if (rule === undefined) {
    // End of a regular chain: back to the rule after the jump. End of the base chain: its policy.
    if (stack.length > 1) return [{ ...walk, stack: stack.slice(0, -1) }];
    if (current.base.policy === 'accept') return [nextBase(walk)];
    const policy = `policy drop of ${current.table.title} chain ${current.base.chain}`;
    return end({ kind: 'verdict', decision: { verdict: 'drop', policy } });
  }
  const skip: Walk = { ...walk, stack: [...stack.slice(0, -1), { ...frame, next: frame.next + 1 }] };
  const unknowns: string[] = [];
  for (const match of rule.matches) {
    const truth = match(packet, at);
    if (truth === false) return [skip];
    if (typeof truth === 'string') unknowns.push(truth);
  }
  const taken = applyVerdict(rule, skip, frame.table);
  if (unknowns.length === 0) return taken;
  // A rule that only counts or logs changes nothing whichever way its match goes.
  if (rule.verdict === undefined) return [skip];
  // Fork: one branch as if the match held, one past the rule as if it did not.
  const why = `${rule.name} (${unknowns.join('; ')})`;
  return [
    { ...skip, assumed: [...walk.assumed, why] },
    ...taken.map((t) => ({ ...t, assumed: [...walk.assumed, why] })),
  ];
}

function nextBase(walk: Walk): Walk {
  return { base: walk.base + 1, stack: [], assumed: walk.assumed };
}

/** What a matching rule's verdict does; `after` is the walk positioned past the rule. */
function applyVerdict(rule: FirewallRule, after: Walk, table: FirewallTable): (Walk | Ended)[] {
  const v = rule.verdict;
  const end = (ending: Ending): Ended[] => [{ ending, assumed: after.assumed }];
  if (v === undefined) return [after];
  switch (v.kind) {
    case 'accept':
      return [nextBase(after)];
    case 'drop':
      return end({ kind: 'verdict', decision: { verdict: 'drop', rule: rule.name } });
    case 'reject':
      return end({ kind: 'verdict', decision: { verdict: 'reject', rule: rule.name, rejectWith: v.with } });
    case 'return': {
      // A return in the base chain itself ends it with its policy: position the walk past its last rule.
      if (after.stack.length > 1) return [{ ...after, stack: after.stack.slice(0, -1) }];
      const base = after.stack[0]!;
      return [{ ...after, stack: [{ ...base, next: Number.POSITIVE_INFINITY }] }];
    }
    case 'jump':
      return [{ ...after, stack: [...after.stack, { table, chain: v.chain, next: 0 }] }];
    case 'goto':
      return [{ ...after, stack: [...after.stack.slice(0, -1), { table, chain: v.chain, next: 0 }] }];
    case 'unsupported':
      return end({ kind: 'unknown', reason: `${rule.name}: ${v.what} is not evaluated` });
  }
}

function conclude(resolved: readonly Ended[]): FirewallDecision {
  const first = resolved[0]?.ending;
  if (first === undefined) return { verdict: 'unknown', reason: 'no base chain was walked' };
  if (first.kind === 'unknown') return { verdict: 'unknown', reason: first.reason };
  const same = resolved.every(
    (r) =>
      r.ending.kind === 'verdict' &&
      r.ending.decision.verdict === first.decision.verdict &&
      r.ending.decision.rule === first.decision.rule &&
      r.ending.decision.policy === first.decision.policy,
  );
  if (same) return first.decision;
  const unknown = resolved.find((r) => r.ending.kind === 'unknown');
  if (unknown && unknown.ending.kind === 'unknown')
    return { verdict: 'unknown', reason: unknown.ending.reason };
  const outcomes = [...new Set(resolved.map((r) => describeEnding(r.ending)))];
  const undecided = [...new Set(resolved.flatMap((r) => r.assumed))];
  return {
    verdict: 'unknown',
    reason: `${outcomes.join(' or ')}, depending on ${undecided.join('; ')}`,
  };
}

function describeEnding(ending: Ending): string {
  if (ending.kind === 'unknown') return ending.reason;
  const d = ending.decision;
  return `${d.verdict} (${d.rule ?? d.policy ?? 'every chain accepts'})`;
}
