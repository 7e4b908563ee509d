/**
 * What the in-host check adds to a diagnosis: the clause its summary ends with, naming the fact that turns an
 * inference into a proven cause ("proven by the host's ruleset: <rule>", "ssh.service failed…", "fail2ban
 * banned the prober"). Empty when the check did not run or proves nothing for this cause, so the summary
 * reads as before.
 */
import { banVerb, proberDecision, serviceSentence } from '../evidence/host-reading.ts';
import { type Observations, PROBER_PEER } from '../evidence/observations.ts';

/** The host's ruleset for the prober's SYN: its rule when it drops or rejects, else what it says. */
export function firewallProof(observations: Observations | undefined, verdict: 'drop' | 'reject'): string {
  const host = observations?.host;
  if (host === undefined) return '';
  const d = proberDecision(host)?.decision;
  if (d === undefined)
    return host.firewallUnknown ? ` (the host's ruleset was not evaluated: ${host.firewallUnknown})` : '';
  if (d.verdict === verdict)
    return ` — proven by the host's ruleset: ${d.rule ?? d.policy}${banClause(host)}`;
  if (d.verdict === 'unknown') return ` (the host's ruleset may ${verdict} it: ${d.reason})`;
  return ` — yet the host's ruleset ${d.verdict === 'accept' ? 'accepts' : `${d.verdict}s`} the prober's SYN${d.rule ? ` (${d.rule})` : ''}, so look beyond it`;
}

/**
 * fail2ban's ban actions are firewall rules (iptables-multiport's REJECT in chain f2b-sshd, iptables-ipset's
 * REJECT on set f2b-sshd): the rule alone reads as a firewall to open, while the fix is to lift the ban.
 */
function banClause(host: NonNullable<Observations['host']>): string {
  const ban = proberBan(host);
  return ban ? ` (${ban})` : '';
}

/** The prober's ban, as the clause says it: "fail2ban jail sshd banned the prober's address …". */
function proberBan(host: NonNullable<Observations['host']>): string | undefined {
  const ban = host.banned.find((b) => b.peer === PROBER_PEER);
  return ban ? `${banVerb(ban)} the prober's address ${ban.address}` : undefined;
}

/**
 * How the host's ruleset refuses the prober's SYN when the client sees "connection refused": a TCP reset, or
 * ICMP port-unreachable, which Linux reports to connect() as ECONNREFUSED too (RFC 1122 §4.2.3.9 lets a host
 * abort on it). That is iptables' default REJECT and nft's default `reject` (port-unreachable); `undefined`
 * when the ruleset does not reject the prober that way.
 */
export function refusedByRuleset(
  observations: Observations | undefined,
): 'a TCP reset' | 'ICMP port unreachable' | undefined {
  const d = proberDecision(observations?.host)?.decision;
  if (d?.verdict !== 'reject') return undefined;
  const how = d.rejectWith ?? '';
  if (/tcp[ -]reset/.test(how)) return 'a TCP reset';
  // nft's `reject` without a type reads as `icmp`/`icmpx` (port-unreachable); iptables names it.
  if (/port-unreachable|^icmp(x|v6)?$/.test(how)) return 'ICMP port unreachable';
  return undefined;
}

/** Why nothing answered on the port: sshd's unit state, or no listener at all. */
export function notListeningProof(observations: Observations | undefined, port: number): string {
  const host = observations?.host;
  if (host === undefined) return '';
  const parts: string[] = [];
  if (host.service && host.service.activeState !== 'active') parts.push(serviceSentence(host.service));
  if (host.listening === false) parts.push(`nothing listens on port ${port}`);
  return parts.length === 0 ? '' : ` — the in-host check: ${parts.join('; ')}`;
}

/** Why sshd refused the prober: fail2ban or sshguard banned it, or the MaxStartups it runs with. */
export function refusalProof(observations: Observations | undefined): string {
  const host = observations?.host;
  if (host === undefined) return '';
  const ban = proberBan(host);
  if (ban) return ` — proven by the in-host check: ${ban}`;
  const d = proberDecision(host)?.decision;
  if (d?.verdict === 'reject' || d?.verdict === 'drop')
    return ` — the host's ruleset ${d.verdict}s the prober: ${d.rule ?? d.policy}`;
  if (host.maxStartups) return ` (sshd runs with MaxStartups ${host.maxStartups})`;
  return '';
}
