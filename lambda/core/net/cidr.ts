/**
 * Address arithmetic for IPv4 and IPv6: every address is a bigint in its family's space (32 or 128 bits),
 * a CIDR is the interval [first, last] of that space, and sets of addresses are sorted disjoint interval
 * lists. Questions like "do these rules, taken together, admit every public address?" are answered by set
 * algebra over these intervals — never by comparing CIDR strings (STYLE.md, rule 4).
 */

export type IpFamily = 'ipv4' | 'ipv6';

const FAMILY_BITS: Readonly<Record<IpFamily, number>> = { ipv4: 32, ipv6: 128 };

export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

export interface Cidr {
  readonly family: IpFamily;
  /** The network address (host bits cleared). */
  readonly first: bigint;
  readonly last: bigint;
  readonly prefix: number;
}

const DIGIT_0 = 48;
const DOT = 46;

/**
 * RFC 6943 §3.1.1: only the dotted-decimal form, four parts of 1-3 digits each, at most 255, no leading
 * zeros (they would read as octal elsewhere). Read character by character: every address of a fleet
 * passes through here.
 */
function parseIpv4Value(s: string): bigint | undefined {
  let value = 0;
  let i = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (s.charCodeAt(i) !== DOT) return undefined;
      i += 1;
    }
    const start = i;
    let n = 0;
    while (i < s.length && i - start < 4) {
      const d = s.charCodeAt(i) - DIGIT_0;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
      i += 1;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || n > 255) return undefined;
    if (digits > 1 && s.charCodeAt(start) === DIGIT_0) return undefined;
    value = value * 256 + n;
  }
  return i === s.length ? BigInt(value) : undefined;
}

function parseIpv6Value(s: string): bigint | undefined {
  if (s.length === 0 || s.length > 45) return undefined;
  let head = s;
  // RFC 4291 §2.2 form 3: the low 32 bits may be written as dotted IPv4 (::ffff:192.0.2.1).
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = parseIpv4Value(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    head = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0] ?? '');
  const right = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (!left || !right) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  } else {
    groups = left;
  }
  if (groups.length !== 8) return undefined;
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

/** Parses `192.0.2.1` or `2001:db8::1`; undefined if it is neither. */
export function parseAddress(s: string): IpAddress | undefined {
  if (s.includes(':')) {
    const v = parseIpv6Value(s);
    return v === undefined ? undefined : { family: 'ipv6', value: v };
  }
  const v = parseIpv4Value(s);
  return v === undefined ? undefined : { family: 'ipv4', value: v };
}

/**
 * Parses `10.0.0.0/16` or `2001:db8::/56`. Host bits are cleared, as EC2 does when it stores a rule.
 * A bare address is a single-address CIDR (/32 or /128).
 */
export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  const addr = parseAddress(slash < 0 ? s : s.slice(0, slash));
  if (!addr) return undefined;
  const bits = FAMILY_BITS[addr.family];
  let prefix = bits;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > bits) return undefined;
  }
  const hostBits = BigInt(bits - prefix);
  const first = (addr.value >> hostBits) << hostBits;
  return { family: addr.family, first, last: first + (1n << hostBits) - 1n, prefix };
}

/**
 * The block `s` names when its address has host bits set (`10.0.0.1/16` → 10.0.0.0/16), else undefined.
 * parseCidr clears them as EC2 does; a configuration that sets them most likely meant another block.
 */
export function hostBitsCleared(s: string): Cidr | undefined {
  const cidr = parseCidr(s);
  const slash = s.indexOf('/');
  if (!cidr || slash < 0) return undefined;
  return parseAddress(s.slice(0, slash))?.value === cidr.first ? undefined : cidr;
}

const IPV4_MAPPED_PREFIX = 96;
const IPV4_MAPPED_TAG = 0xffffn;

/**
 * The IPv4 block an IPv4-mapped IPv6 block (RFC 4291 §2.5.5.2, inside ::ffff:0:0/96) stands for, else
 * undefined. Such addresses exist only inside a host's socket API: no packet on a network carries one.
 */
export function ipv4OfMapped(c: Cidr): Cidr | undefined {
  if (c.family !== 'ipv6' || c.prefix < IPV4_MAPPED_PREFIX || c.first >> 32n !== IPV4_MAPPED_TAG)
    return undefined;
  const mask = (1n << 32n) - 1n;
  return {
    family: 'ipv4',
    first: c.first & mask,
    last: c.last & mask,
    prefix: c.prefix - IPV4_MAPPED_PREFIX,
  };
}

export function isCidr(s: string, family?: IpFamily): boolean {
  const c = parseCidr(s);
  return c !== undefined && (family === undefined || c.family === family) && s.includes('/');
}

export function formatAddress(a: IpAddress): string {
  if (a.family === 'ipv4') {
    const v = a.value;
    return [24n, 16n, 8n, 0n].map((sh) => String((v >> sh) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let sh = 112n; sh >= 0n; sh -= 16n) groups.push(Number((a.value >> sh) & 0xffffn));
  // RFC 5952 §4.2: compress the longest run (first if tied) of two or more zero groups.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function formatCidr(c: Cidr): string {
  return `${formatAddress({ family: c.family, value: c.first })}/${c.prefix}`;
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** A closed interval of addresses. */
export interface AddressInterval {
  readonly first: bigint;
  readonly last: bigint;
}

/**
 * A set of addresses of one family: sorted, disjoint, non-adjacent closed intervals.
 * Immutable; every operation returns a new set.
 */
export class AddressSet {
  private constructor(
    readonly family: IpFamily,
    readonly intervals: readonly AddressInterval[],
  ) {}

  static single(a: IpAddress): AddressSet {
    return new AddressSet(a.family, [{ first: a.value, last: a.value }]);
  }

  static empty(family: IpFamily): AddressSet {
    return new AddressSet(family, []);
  }

  static all(family: IpFamily): AddressSet {
    return new AddressSet(family, [{ first: 0n, last: (1n << BigInt(FAMILY_BITS[family])) - 1n }]);
  }

  static of(family: IpFamily, intervals: Iterable<AddressInterval>): AddressSet {
    const sorted = [...intervals].sort((x, y) => (x.first < y.first ? -1 : x.first > y.first ? 1 : 0));
    const out: AddressInterval[] = [];
    for (const iv of sorted) {
      const prev = out[out.length - 1];
      if (prev && iv.first <= prev.last + 1n) {
        if (iv.last > prev.last) out[out.length - 1] = { first: prev.first, last: iv.last };
      } else {
        out.push(iv);
      }
    }
    return new AddressSet(family, out);
  }

  /** The union of `cidrs` of this family (CIDRs of the other family are ignored). */
  static fromCidrs(family: IpFamily, cidrs: Iterable<Cidr>): AddressSet {
    const ivs: AddressInterval[] = [];
    for (const c of cidrs) if (c.family === family) ivs.push({ first: c.first, last: c.last });
    return AddressSet.of(family, ivs);
  }

  get isEmpty(): boolean {
    return this.intervals.length === 0;
  }

  /** Number of addresses in the set. */
  get size(): bigint {
    let n = 0n;
    for (const iv of this.intervals) n += iv.last - iv.first + 1n;
    return n;
  }

  has(value: bigint): boolean {
    let lo = 0;
    let hi = this.intervals.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const iv = this.intervals[mid]!;
      if (value < iv.first) hi = mid - 1;
      else if (value > iv.last) lo = mid + 1;
      else return true;
    }
    return false;
  }

  union(other: AddressSet): AddressSet {
    if (other.isEmpty) return this;
    if (this.isEmpty && other.family === this.family) return other;
    // Both lists are sorted: merge them, joining intervals that overlap or touch.
    const a = this.intervals;
    const b = other.intervals;
    const out: AddressInterval[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      const iv = j >= b.length || (i < a.length && a[i]!.first <= b[j]!.first) ? a[i++]! : b[j++]!;
      const prev = out[out.length - 1];
      if (prev && iv.first <= prev.last + 1n) {
        if (iv.last > prev.last) out[out.length - 1] = { first: prev.first, last: iv.last };
      } else {
        out.push(iv);
      }
    }
    return new AddressSet(this.family, out);
  }

  intersect(other: AddressSet): AddressSet {
    const out: AddressInterval[] = [];
    let i = 0;
    let j = 0;
    const a = this.intervals;
    const b = other.intervals;
    while (i < a.length && j < b.length) {
      const x = a[i]!;
      const y = b[j]!;
      const first = maxBig(x.first, y.first);
      const last = minBig(x.last, y.last);
      if (first <= last) out.push({ first, last });
      if (x.last < y.last) i += 1;
      else j += 1;
    }
    return new AddressSet(this.family, out);
  }

  subtract(other: AddressSet): AddressSet {
    const out: AddressInterval[] = [];
    let j = 0;
    const b = other.intervals;
    for (const x of this.intervals) {
      let first = x.first;
      while (j < b.length && b[j]!.last < first) j += 1;
      let k = j;
      while (k < b.length && b[k]!.first <= x.last) {
        const y = b[k]!;
        if (y.first > first) out.push({ first, last: y.first - 1n });
        if (y.last + 1n > first) first = y.last + 1n;
        k += 1;
      }
      if (first <= x.last) out.push({ first, last: x.last });
    }
    return new AddressSet(this.family, out);
  }

  /** True when every address of `other` is in this set. */
  covers(other: AddressSet): boolean {
    if (this.isEmpty) return other.isEmpty;
    const value = singleAddress(other);
    return value === undefined ? other.subtract(this).isEmpty : this.has(value);
  }

  /** True when the two sets share an address (without building the intersection). */
  overlaps(other: AddressSet): boolean {
    const a = this.intervals;
    const b = other.intervals;
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const x = a[i]!;
      const y = b[j]!;
      if (x.first <= y.last && y.first <= x.last) return true;
      if (x.last < y.last) i += 1;
      else j += 1;
    }
    return false;
  }

  /** The smallest list of CIDRs whose union is this set (for messages). */
  toCidrs(): Cidr[] {
    const bits = BigInt(FAMILY_BITS[this.family]);
    const out: Cidr[] = [];
    for (const iv of this.intervals) {
      let first = iv.first;
      while (first <= iv.last) {
        // The largest aligned block starting at `first` that stays inside the interval.
        let size = 0n;
        while (
          size < bits &&
          (first & ((1n << (size + 1n)) - 1n)) === 0n &&
          first + (1n << (size + 1n)) - 1n <= iv.last
        )
          size += 1n;
        out.push({
          family: this.family,
          first,
          last: first + (1n << size) - 1n,
          prefix: Number(bits - size),
        });
        first += 1n << size;
      }
    }
    return out;
  }

  /** Up to `max` CIDRs of the set, with "…" when there are more. */
  describe(max = 3): string {
    if (this.isEmpty) return 'nothing';
    const cidrs = this.toCidrs();
    const shown = cidrs.slice(0, max).map(formatCidr).join(', ');
    return cidrs.length > max ? `${shown}, … (${cidrs.length} ranges)` : shown;
  }
}

/** The one address of a single-address set, else undefined. */
export function singleAddress(set: AddressSet): bigint | undefined {
  const only = set.intervals[0];
  return set.intervals.length === 1 && only && only.first === only.last ? only.first : undefined;
}

/**
 * Rule partitions. A list of rules (ACL entries, routes) cuts the address space at every rule's first
 * address and one past its last; between two neighbouring cuts lies a cell, which each rule contains
 * wholly or not at all — so every address of a cell gets the same answer from those rules.
 */
export function ruleBoundaries(rules: Iterable<AddressInterval>): bigint[] {
  const cuts: bigint[] = [];
  for (const r of rules) cuts.push(r.first, r.last + 1n);
  return cuts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The cell of `value` among sorted `cuts`: its number (how many cuts are ≤ value) and its bounds. */
export function cellOf(
  cuts: readonly bigint[],
  value: bigint,
  family: IpFamily,
): { readonly index: number; readonly interval: AddressInterval } {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  const first = lo > 0 ? cuts[lo - 1]! : 0n;
  const last = lo < cuts.length ? cuts[lo]! - 1n : (1n << BigInt(FAMILY_BITS[family])) - 1n;
  return { index: lo, interval: { first, last } };
}

/**
 * Addresses no internet host can have: IANA special-purpose registries (RFC 6890 and updates) for IPv4,
 * entries with "Globally Reachable = False" plus multicast and the reserved 240/4. Everything else in
 * 0.0.0.0/0 is "a public IPv4 address" for the exposure audit and the `internet` source.
 */
const NON_PUBLIC_IPV4 = [
  '0.0.0.0/8', // "this network" (RFC 791)
  '10.0.0.0/8', // private (RFC 1918)
  '100.64.0.0/10', // shared address space, carrier-grade NAT (RFC 6598)
  '127.0.0.0/8', // loopback (RFC 1122)
  '169.254.0.0/16', // link-local (RFC 3927)
  '172.16.0.0/12', // private (RFC 1918)
  '192.0.0.0/24', // IETF protocol assignments (RFC 6890)
  '192.0.2.0/24', // TEST-NET-1 documentation (RFC 5737)
  '192.88.99.0/24', // deprecated 6to4 relay anycast (RFC 7526)
  '192.168.0.0/16', // private (RFC 1918)
  '198.18.0.0/15', // benchmarking (RFC 2544)
  '198.51.100.0/24', // TEST-NET-2 (RFC 5737)
  '203.0.113.0/24', // TEST-NET-3 (RFC 5737)
  '224.0.0.0/4', // multicast (RFC 5771)
  '240.0.0.0/4', // reserved, and the limited broadcast 255.255.255.255 (RFC 1112, RFC 919)
] as const;

/**
 * For IPv6 the internet is the global unicast space 2000::/3 (RFC 4291 §2.4; IANA allocates nothing
 * outside it), less the documentation prefix 2001:db8::/32 (RFC 3849).
 */
const PUBLIC_IPV6_SPACE = '2000::/3';
const NON_PUBLIC_IPV6 = ['2001:db8::/32'] as const;

function cidrsOrThrow(list: readonly string[]): Cidr[] {
  return list.map((s) => {
    const c = parseCidr(s);
    if (!c) throw new Error(`bad built-in CIDR ${s}`);
    return c;
  });
}

const PUBLIC: Readonly<Record<IpFamily, AddressSet>> = {
  ipv4: AddressSet.all('ipv4').subtract(AddressSet.fromCidrs('ipv4', cidrsOrThrow(NON_PUBLIC_IPV4))),
  ipv6: AddressSet.fromCidrs('ipv6', cidrsOrThrow([PUBLIC_IPV6_SPACE])).subtract(
    AddressSet.fromCidrs('ipv6', cidrsOrThrow(NON_PUBLIC_IPV6)),
  ),
};

/** Every address an internet host can have, for `family`. */
export function publicAddresses(family: IpFamily): AddressSet {
  return PUBLIC[family];
}
