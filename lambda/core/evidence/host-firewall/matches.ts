/**
 * The matches both front ends share, judged against an SSH SYN from a peer: addresses by interval
 * arithmetic (a peer is a CIDR, so a match can hold for all of it, none of it, or part of it), ports,
 * connection-tracking state, the input interface, the address family.
 */
import { AddressSet, formatCidr, type IpFamily } from '../../net/cidr.ts';
import {
  DEFAULT_EPHEMERAL,
  formatPortRange,
  intersectPorts,
  normalizePorts,
  type PortRange,
  totalPorts,
} from '../../net/port-range.ts';
import type { Match, Truth } from './model.ts';

/** Conntrack runs at priority -200 (NF_IP_PRI_CONNTRACK): before it, a packet has no state to match. */
const CONNTRACK_PRIORITY = -200;

export function negate(truth: Truth, negated: boolean): Truth {
  return negated && typeof truth === 'boolean' ? !truth : truth;
}

/** `set` holds the source of every packet (`true`), of none (`false`), or of some (unknown). */
export function sourceIn(family: IpFamily, set: AddressSet, negated = false): Match {
  return (packet) => {
    if (packet.source.family !== family) return false;
    const peer = AddressSet.fromCidrs(family, [packet.source]);
    if (set.covers(peer)) return !negated;
    if (!set.overlaps(peer)) return negated;
    return `part of ${formatCidr(packet.source)} matches ${set.describe()}`;
  };
}

export function destinationIn(family: IpFamily, set: AddressSet, negated = false): Match {
  return (packet) => {
    if (packet.source.family !== family) return false;
    if (packet.destination === undefined) return "the host's own address on this family is not known";
    return negate(set.has(packet.destination.value), negated);
  };
}

/** The packet's family, for a match that only says "IPv4" or "IPv6" (meta nfproto, an ip6tables table). */
export function familyIs(family: IpFamily, negated = false): Match {
  return (packet) => negate(packet.source.family === family, negated);
}

export function destinationPortIn(ranges: readonly PortRange[], negated = false): Match {
  return (packet) => negate(inRanges(packet.port, ranges), negated);
}

/**
 * The client's source port: a client picks any port of its ephemeral range, so a rule on it holds for every
 * connection only when it spans the whole range, for none when it misses it.
 */
export function sourcePortIn(ranges: readonly PortRange[], negated = false): Match {
  const covered = totalPorts(
    normalizePorts(ranges.flatMap((r) => intersectPorts(r, DEFAULT_EPHEMERAL) ?? [])),
  );
  const all = covered === totalPorts([DEFAULT_EPHEMERAL]);
  return () => {
    if (all) return !negated;
    if (covered === 0) return negated;
    return `the rule matches part of the client's source ports (${formatPortRange(DEFAULT_EPHEMERAL)})`;
  };
}

/** The first SYN of a connection is `new` to conntrack, once conntrack has seen it. */
export function ctStateIn(states: readonly string[], negated = false): Match {
  return (_packet, at) => {
    if (at.priority < CONNTRACK_PRIORITY) return 'the rule reads connection state before conntrack runs';
    return negate(states.includes('new'), negated);
  };
}

/** The interface a packet came in on: traffic from a peer never arrives on `lo`; others are not known. */
export function inputInterfaceIs(name: string, negated = false): Match {
  return () => {
    if (name === 'lo') return negated;
    return `the rule matches the input interface ${name}, which the check does not know`;
  };
}

/** The TCP flags of a first SYN: SYN alone. `mask`/`value` as iptables --tcp-flags and nft `tcp flags & m == v`. */
const SYN_FLAGS = 0x02;
export const TCP_FLAG_BITS: Readonly<Record<string, number>> = {
  fin: 0x01,
  syn: 0x02,
  rst: 0x04,
  psh: 0x08,
  ack: 0x10,
  urg: 0x20,
  ecn: 0x40,
  cwr: 0x80,
};

export function tcpFlags(mask: number, value: number, negated = false): Match {
  return () => negate((SYN_FLAGS & mask) === value, negated);
}

/** A match the evaluator does not model: it may or may not hold. */
export function notModelled(what: string): Match {
  return () => `the rule uses ${what}, which the check does not evaluate`;
}

function inRanges(port: number, ranges: readonly PortRange[]): boolean {
  return ranges.some((r) => r.from <= port && port <= r.to);
}
