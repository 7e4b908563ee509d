/**
 * `ipset save` into the address sets iptables rules match with `-m set --match-set NAME src|dst`: fail2ban's
 * `iptables-ipset` actions keep their bans in a set (`f2b-<jail>`), firewalld's iptables backend keeps its
 * ipsets there, and hand-made blocklists live there too.
 *
 * Only the one-dimension address types are read, `hash:ip` and `hash:net` (ipset(8), "SET TYPES"); every
 * other type (`hash:ip,port`, `list:set`, `bitmap:*`…) is kept by name with the reason it is not read, so a
 * rule on it stays unknown rather than guessed. An element with a `timeout` is a member until it expires:
 * `ipset save` lists only the elements that have not. A `hash:net` element flagged `nomatch` is an exception.
 * ipset(8), hash:net: "From the set netfilter match point of view the searching for a match always starts
 * from the smallest size of netblock (most specific prefix) to the largest one" — the first element that
 * holds the address decides, and a `nomatch` one says "not a member", while a member inside a nomatch hole is
 * a member again (test/lab/host-firewall-ipset-kernel.test.ts sends SYNs through both).
 */
import { AddressSet, type Cidr, type IpFamily, parseCidr } from '../../net/cidr.ts';

export type Ipset =
  | {
      readonly name: string;
      readonly type: 'hash:ip' | 'hash:net';
      readonly family: IpFamily;
      /** Every address the kernel finds in the set now (`nomatch` exceptions taken out). */
      readonly members: AddressSet;
    }
  | {
      readonly name: string;
      readonly type: string;
      /** Why its membership is not read: its type, an option that changes lookups, an unreadable element. */
      readonly unsupported: string;
    };

/** Sets by name, or why the host's sets are not known (ipset missing, its listing cut or failed). */
export type Ipsets = ReadonlyMap<string, Ipset> | { readonly unknown: string };

/** ipset's family names (`create … family inet6`); a set created without one is `inet` (ipset(8)). */
const FAMILIES: Readonly<Record<string, IpFamily>> = { inet: 'ipv4', inet6: 'ipv6' };

/** Create options that change what a lookup finds beyond the elements themselves. */
const LOOKUP_OPTIONS = new Set(['bitmask', 'markmask']);

interface Draft {
  readonly name: string;
  readonly type: string;
  readonly family: IpFamily;
  /** hash:ip's `netmask`: every element stands for its network of that prefix. */
  readonly netmask?: number;
  unsupported?: string;
  readonly elements: { readonly cidr: Cidr; readonly nomatch: boolean }[];
}

export function parseIpsetSave(text: string): Map<string, Ipset> {
  const drafts = new Map<string, Draft>();
  for (const raw of text.split('\n')) {
    // A comment is quoted and may hold any word (even `nomatch`): it never counts as an option.
    const words = raw
      .replace(/"(?:[^"\\]|\\.)*"/g, '""')
      .trim()
      .split(/\s+/);
    const [verb, name, third] = words;
    if (name === undefined || third === undefined) continue;
    if (verb === 'create') drafts.set(name, draftOf(name, third, words.slice(3)));
    else if (verb === 'add') addElement(drafts.get(name), third, words.slice(3));
  }
  return new Map([...drafts].map(([name, d]) => [name, finished(d)]));
}

function draftOf(name: string, type: string, options: readonly string[]): Draft {
  const option = (key: string) => {
    const i = options.indexOf(key);
    return i < 0 ? undefined : options[i + 1];
  };
  const familyName = option('family') ?? 'inet';
  const family = FAMILIES[familyName];
  const draft: Draft = { name, type, family: family ?? 'ipv4', elements: [] };
  if (type !== 'hash:ip' && type !== 'hash:net') draft.unsupported = `its type ${type} is not read`;
  else if (family === undefined) draft.unsupported = `its family ${familyName} is not read`;
  const lookup = options.find((o) => LOOKUP_OPTIONS.has(o));
  if (lookup !== undefined && draft.unsupported === undefined)
    draft.unsupported = `its option ${lookup} is not read`;
  const netmask = option('netmask');
  if (netmask === undefined || type !== 'hash:ip') return draft;
  return { ...draft, netmask: Number(netmask) };
}

function addElement(draft: Draft | undefined, element: string, flags: readonly string[]): void {
  if (draft === undefined || draft.unsupported !== undefined) return;
  const nomatch = flags.includes('nomatch');
  // hash:ip saves bare addresses (its netmask's network address); only hash:net has prefixes and nomatch.
  const cidr =
    draft.type === 'hash:net'
      ? parseCidr(element)
      : element.includes('/') || nomatch
        ? undefined
        : parseCidr(draft.netmask === undefined ? element : `${element}/${draft.netmask}`);
  if (cidr === undefined || cidr.family !== draft.family) {
    draft.unsupported = `its element ${element} could not be read`;
    return;
  }
  draft.elements.push({ cidr, nomatch });
}

function finished(d: Draft): Ipset {
  if (d.unsupported !== undefined) return { name: d.name, type: d.type, unsupported: d.unsupported };
  // Least specific prefix first, so a more specific element (a nomatch hole, or a member inside a hole)
  // overrides; one element per address and prefix, so the order within a prefix does not matter.
  const prefixes = [...new Set(d.elements.map((e) => e.cidr.prefix))].sort((a, b) => a - b);
  let members = AddressSet.empty(d.family);
  for (const prefix of prefixes) {
    const at = d.elements.filter((e) => e.cidr.prefix === prefix);
    const of = (nomatch: boolean) =>
      AddressSet.fromCidrs(
        d.family,
        at.filter((e) => e.nomatch === nomatch).map((e) => e.cidr),
      );
    members = members.union(of(false)).subtract(of(true));
  }
  return { name: d.name, type: d.type as 'hash:ip' | 'hash:net', family: d.family, members };
}
