/**
 * What every evaluator returns, and the per-analysis context they share (the inventory index plus
 * caches, so 10,000 instances behind the same few groups and ACLs compile each rule set once).
 */
import type { Eni, InventoryIndex } from '../inventory/model.ts';
import { AddressSet, formatAddress, type IpFamily, parseCidr } from '../net/cidr.ts';
import type { Blocker } from './types.ts';

/** One evaluator's answer for one path: what blocks (if anything) and the evidence that decided. */
export interface EvaluatorVerdict {
  /** No blocker, or only a NACL_EPHEMERAL_PARTIAL one. */
  readonly passed: boolean;
  readonly partial?: boolean;
  readonly blockers: readonly Blocker[];
  /** The rules and routes that decided, one line each (e.g. "sg-0a1 allows tcp 22 from 0.0.0.0/0"). */
  readonly evidence: readonly string[];
}

export function verdictOf(blockers: Blocker[], evidence: string[]): EvaluatorVerdict {
  const hard = blockers.some((b) => b.code !== 'NACL_EPHEMERAL_PARTIAL');
  const partial = blockers.some((b) => b.code === 'NACL_EPHEMERAL_PARTIAL');
  return { passed: !hard, ...(partial ? { partial: true } : {}), blockers, evidence };
}

/** The far end of a path as an evaluator sees it: a set of addresses, and the ENI if it is one. */
export interface Peer {
  readonly family: IpFamily;
  readonly addresses: AddressSet;
  /** How the peer is named in messages (`internet`, `10.0.2.0/24`, `i-0ab (10.0.2.7)`). */
  readonly label: string;
  /**
   * One target among thousands (the far end of a source-side check): answers about it are not kept,
   * so the cache holds only what other paths can reuse.
   */
  readonly transient?: boolean;
  /**
   * The peer's ENI when the packets carry its private address (same VPC, peering, transit gateway):
   * only then can a security-group reference match it (AWS: a referenced group stands for the private
   * addresses of the ENIs in it).
   */
  readonly eni?: Eni;
}

export class AnalysisContext {
  private readonly prefixListSets = new Map<string, AddressSet | undefined>();
  /** Free-form memo for evaluators, keyed by a string they own. */
  readonly memo = new Map<string, unknown>();

  constructor(readonly index: InventoryIndex) {}

  /** The addresses of a managed prefix list, undefined when its entries are not in the inventory. */
  prefixList(id: string, family: IpFamily): AddressSet | undefined {
    const key = `${id}|${family}`;
    if (this.prefixListSets.has(key)) return this.prefixListSets.get(key);
    const entries = this.index.inventory.prefixLists.get(id);
    const set = entries
      ? AddressSet.fromCidrs(
          family,
          entries.flatMap((e) => {
            const c = parseCidr(e.Cidr);
            return c ? [c] : [];
          }),
        )
      : undefined;
    this.prefixListSets.set(key, set);
    return set;
  }

  /** `make()`, memoised under `key` unless `keep` is false. */
  cached<T>(key: string, make: () => T, keep = true): T {
    if (!keep) return make();
    const hit = this.memo.get(key);
    if (hit !== undefined || this.memo.has(key)) return hit as T;
    const v = make();
    this.memo.set(key, v);
    return v;
  }
}

/** `10.0.2.7` for a single address, else the set's CIDRs (at most a few). */
export function describeAddresses(set: AddressSet): string {
  const iv = set.intervals[0];
  if (set.intervals.length === 1 && iv && iv.first === iv.last)
    return formatAddress({ family: set.family, value: iv.first });
  return set.describe();
}
