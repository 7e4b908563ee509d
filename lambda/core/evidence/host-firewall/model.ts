/**
 * One model of a host firewall for both front ends (nft's JSON and iptables-save), so one evaluator walks
 * both the way netfilter does: base chains on the hooks a locally delivered packet crosses, in hook order and
 * then by priority; within a chain, rules in order; jumps, gotos and returns; the chain policy at the end.
 */
import type { Cidr, IpAddress } from '../../net/cidr.ts';

/** A match's answer for the packet: `true`, `false`, or the reason it cannot be told (a rate, a mark…). */
export type Truth = boolean | string;

/** The packet being judged: the first SYN of an SSH connection from a peer (any address of its CIDR). */
export interface SynPacket {
  readonly source: Cidr;
  /** The host's own address, when known: rules matching the destination are judged against it. */
  readonly destination?: IpAddress;
  readonly port: number;
}

/** Where in netfilter a rule is evaluated: matters for connection tracking, which runs at priority -200. */
export interface HookPoint {
  readonly hook: BaseHook;
  readonly priority: number;
}

export type Match = (packet: SynPacket, at: HookPoint) => Truth;

export type RuleVerdict =
  | { readonly kind: 'accept' | 'drop' | 'return' }
  /** `with` as the ruleset says it: `tcp reset`, `icmpx admin-prohibited`, `icmp-port-unreachable`. */
  | { readonly kind: 'reject'; readonly with: string }
  | { readonly kind: 'jump' | 'goto'; readonly chain: string }
  /** A verdict the evaluator does not model (queue, a NAT redirection, an iptables target extension). */
  | { readonly kind: 'unsupported'; readonly what: string };

export interface FirewallRule {
  /** How a reader finds the rule: `table inet filter chain input, rule handle 7: tcp dport 22 drop`. */
  readonly name: string;
  readonly matches: readonly Match[];
  /** Absent: the rule only counts or logs, and evaluation goes on with the next rule. */
  readonly verdict?: RuleVerdict;
}

export interface FirewallChain {
  readonly name: string;
  readonly rules: readonly FirewallRule[];
}

/** The hooks a packet for a local socket crosses, in the order it crosses them. */
export const INBOUND_HOOKS = ['ingress', 'prerouting', 'input'] as const;
export type BaseHook = (typeof INBOUND_HOOKS)[number];

export interface BaseChain {
  readonly chain: string;
  readonly hook: BaseHook;
  readonly priority: number;
  readonly policy: 'accept' | 'drop';
}

/** The address families a table's chains see: `inet` sees both, `netdev` every packet of its device. */
export type TableFamily = 'ip' | 'ip6' | 'inet' | 'netdev';

export interface FirewallTable {
  readonly family: TableFamily;
  /** `table inet filter`, `iptables filter`: the prefix of each rule's name. */
  readonly title: string;
  readonly chains: ReadonlyMap<string, FirewallChain>;
  readonly baseChains: readonly BaseChain[];
}
