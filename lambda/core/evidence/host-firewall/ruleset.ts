/**
 * The host's whole inbound firewall from the in-host check's sections: nft's tables, plus what
 * iptables-save and ip6tables-save print. With iptables-nft (`iptables -V` says `nf_tables`) the iptables
 * tables are nft tables too, and nft's JSON shows their extensions only as opaque `xt` expressions, so
 * iptables-save's reading of them replaces nft's. With iptables-legacy they are separate tables the kernel
 * runs beside nft's, so both are kept, ordered by hook and priority. The ipsets that iptables rules match on
 * come from `ipset save`; a listing that is missing, failed or cut leaves only the rules on sets unknown.
 */
import type { Section } from '../host-report.ts';
import { type Ipsets, parseIpsetSave } from './ipset-save.ts';
import { parseIptablesSave } from './iptables-save.ts';
import type { FirewallTable } from './model.ts';
import { parseNftRuleset } from './nft-json.ts';

export type HostRuleset =
  | { readonly tables: readonly FirewallTable[]; readonly sources: readonly string[] }
  | { readonly unknown: string };

export function hostRuleset(sections: ReadonlyMap<string, Section>): HostRuleset {
  const present = (name: string) => {
    const s = sections.get(name);
    return s !== undefined && s.rc !== 127;
  };
  const cut = ['nft', 'iptables', 'ip6tables'].filter((n) => present(n) && sections.get(n)?.rc === undefined);
  if (cut.length > 0) return { unknown: `the ${cut.join(' and ')} ruleset was longer than the check reads` };
  const failed = ['nft', 'iptables', 'ip6tables'].filter((n) => present(n) && sections.get(n)?.rc !== 0);
  if (failed.length > 0) {
    const first = sections.get(failed[0]!)?.text.split('\n')[0] ?? '';
    return { unknown: `listing the ${failed.join(' and ')} ruleset failed: ${first}` };
  }

  let tables: FirewallTable[] = [];
  const sources: string[] = [];
  if (present('nft')) {
    const nft = parseNftRuleset(sections.get('nft')!.text);
    if (nft === undefined) return { unknown: "nft's JSON could not be read" };
    tables = nft;
    sources.push('nft');
  }
  const sets = ipsets(sections.get('ipset'));
  const viaNft = /nf_tables/.test(sections.get('iptables-version')?.text ?? '');
  for (const [name, family] of [
    ['iptables', 'ipv4'],
    ['ip6tables', 'ipv6'],
  ] as const) {
    if (!present(name)) continue;
    const saved = parseIptablesSave(sections.get(name)!.text, family, sets);
    if (saved.length === 0) continue;
    if (viaNft) {
      const nftFamily = family === 'ipv4' ? 'ip' : 'ip6';
      const names = new Set(saved.map((t) => t.title.split(' ')[1]));
      tables = tables.filter((t) => !(t.family === nftFamily && names.has(t.title.split(' ')[2])));
    }
    tables.push(...saved);
    sources.push(`${name}-save`);
  }
  if (sources.length === 0) return { unknown: 'neither nft nor iptables-save is installed' };
  return { tables, sources };
}

function ipsets(section: Section | undefined): Ipsets {
  if (section === undefined) return { unknown: 'the check did not list the ipsets' };
  if (section.rc === 127) return { unknown: 'the ipset tool is not installed' };
  if (section.rc === undefined) return { unknown: 'the ipset listing was longer than the check reads' };
  if (section.rc !== 0) return { unknown: `listing the ipsets failed: ${section.text.split('\n')[0]}` };
  return parseIpsetSave(section.text);
}
