/**
 * What every evaluator returns, and the per-analysis context they share: the inventory index, and the
 * one memo through which 10,000 instances behind the same few groups, subnets and ACLs share each rule
 * set's compilation and each answer.
 */
import type { Eni, InventoryIndex } from '../inventory/model.ts';
import {
  AddressSet,
  type Cidr,
  formatAddress,
  formatCidr,
  type IpFamily,
  parseCidr,
  singleAddress,
} from '../net/cidr.ts';
import type { Assumption, Blocker, MissingData, ShadowedAddresses } from './types.ts';

/** One evaluator's answer for one path: what blocks (if anything) and the evidence that decided. */
export interface EvaluatorVerdict {
  /** No blocker, or only a NACL_EPHEMERAL_PARTIAL one, and no missing data. */
  readonly passed: boolean;
  readonly partial?: boolean;
  readonly blockers: readonly Blocker[];
  /** Data the leg needed that the inventory lacks: the leg is undecided, never "allowed". */
  readonly missing?: readonly MissingData[];
  /** The rules and routes that decided, one line each (e.g. "sg-0a1 allows tcp 22 from 0.0.0.0/0"). */
  readonly evidence: readonly string[];
  /** Addresses of the internet at large a gateway endpoint route keeps off this leg (not a blocker). */
  readonly shadowed?: readonly ShadowedAddresses[];
  /** What the leg takes for granted without evaluating it (an appliance it cannot read). */
  readonly assumed?: readonly Assumption[];
}

export function verdictOf(
  blockers: Blocker[],
  evidence: string[],
  missing: readonly MissingData[] = [],
  assumed: readonly Assumption[] = [],
): EvaluatorVerdict {
  let hard = false;
  let partial = false;
  for (const b of blockers) {
    if (b.code === 'NACL_EPHEMERAL_PARTIAL') partial = true;
    else hard = true;
  }
  const passed = !hard && missing.length === 0;
  return {
    passed,
    ...(partial ? { partial } : {}),
    blockers,
    evidence,
    ...(missing.length > 0 ? { missing } : {}),
    ...(assumed.length > 0 ? { assumed } : {}),
  };
}

/** The far end of a path as an evaluator sees it: a set of addresses, and the ENI if it is one. */
export interface Peer {
  readonly family: IpFamily;
  readonly addresses: AddressSet;
  /** How the peer is named in messages (`internet`, `10.0.2.0/24`, `i-0ab (10.0.2.7)`). */
  readonly label: string;
  /**
   * One target among thousands (the far end of a source-side check): an evaluator shares what it
   * decides about it only per cell of its rules (the addresses its rules treat alike), and words any
   * blocker for this peer itself.
   */
  readonly transient?: boolean;
  /**
   * The `internet` source: every public address, as opposed to a CIDR the user named. A route that sends
   * some of them to an AWS service's gateway endpoint shadows those, it does not block the internet.
   */
  readonly internetAtLarge?: true;
  /**
   * The peer's ENI when the packets carry its private address (same VPC, peering, transit gateway):
   * only then can a security-group reference match it (AWS: a referenced group stands for the private
   * addresses of the ENIs in it).
   */
  readonly eni?: Eni;
}

/**
 * The analysis's one memo. Answers that many paths share are remembered under a table name and a key
 * path of the objects and small values the answer depends on: inventory objects, interned address sets
 * and group sets by identity, ports and ids by value. Nested maps, because at 10,000 instances × 3
 * sources, building and hashing a concatenated string key per lookup cost about a quarter of the run
 * and most of its garbage.
 */
class Memo {
  private readonly tables = new Map<string, Map<unknown, unknown>>();

  /**
   * `make()`, remembered under `table` and `keys` (every input the answer depends on). List the keys
   * with few distinct values first: each distinct prefix of the key path costs one map.
   */
  remember<T>(table: string, keys: readonly unknown[], make: () => T): T {
    let map = this.tables.get(table);
    if (!map) {
      map = new Map();
      this.tables.set(table, map);
    }
    const last = keys.length - 1;
    for (let i = 0; i < last; i++) {
      let next = map.get(keys[i]) as Map<unknown, unknown> | undefined;
      if (!next) {
        next = new Map();
        map.set(keys[i], next);
      }
      map = next;
    }
    const key = keys[last];
    const hit = map.get(key);
    if (hit !== undefined || map.has(key)) return hit as T;
    const value = make();
    map.set(key, value);
    return value;
  }
}

/**
 * The sorted group ids of an ENI, as one shared object per distinct set: the verdict depends on the
 * set, not on the order the API lists groups in, and memo keys can then use the set's identity.
 */
export interface GroupSet {
  readonly ids: readonly string[];
}

export class AnalysisContext {
  /** Everything the evaluators remember for the length of one analysis. */
  readonly memo = new Memo();

  constructor(readonly index: InventoryIndex) {}

  /** The addresses of a managed prefix list, undefined when its entries are not in the inventory. */
  prefixList(id: string, family: IpFamily): AddressSet | undefined {
    return this.memo.remember('prefix-list', [id, family], () => {
      const entries = this.index.inventory.prefixLists.get(id);
      return entries
        ? AddressSet.fromCidrs(
            family,
            entries.flatMap((e) => {
              const c = this.cidr(e.Cidr);
              return c ? [c.cidr] : [];
            }),
          )
        : undefined;
    });
  }

  /**
   * A CIDR as written in a rule, parsed, with its canonical text. A fleet's rules repeat the same few
   * CIDRs (the office range, 0.0.0.0/0, the VPC) thousands of times; each is parsed and printed once.
   */
  cidr(text: string): { readonly cidr: Cidr; readonly text: string } | undefined {
    return this.memo.remember('cidr', [text], () => {
      const cidr = parseCidr(text);
      return cidr && { cidr, text: formatCidr(cidr) };
    });
  }

  /** The ENI's groups, sorted, as the one shared object for that set. */
  groupSet(eni: Eni): GroupSet {
    return this.memo.remember('eni-group-set', [eni], () => this.groupSetOf(eni.GroupIds));
  }

  /** The one shared object for the set of `ids`, whatever their order. */
  groupSetOf(ids: readonly string[]): GroupSet {
    const sorted = ids.length > 1 ? [...ids].sort() : ids;
    const name = sorted.length === 1 ? sorted[0]! : sorted.join(',');
    return this.memo.remember('group-set', [name], () => ({ ids: sorted }));
  }
}

/** `10.0.2.7` for a single address, else the set's CIDRs (at most a few). */
export function describeAddresses(set: AddressSet): string {
  const value = singleAddress(set);
  return value === undefined ? set.describe() : formatAddress({ family: set.family, value });
}
