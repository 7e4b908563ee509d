/**
 * What the in-host check adds to a diagnosis: the clause its summary ends with, naming the fact that turns an
 * inference into a proven cause ("proven by the host's ruleset: <rule>", "ssh.service failed…", "fail2ban
 * banned the prober"). Empty when the check did not run or proves nothing for this cause, so the summary
 * reads as before.
 */
import { proberDecision, serviceSentence } from '../evidence/host-reading.ts';
import { type Observations, PROBER_PEER } from '../evidence/observations.ts';

/** The host's ruleset for the prober's SYN: its rule when it drops or rejects, else what it says. */
export function firewallProof(observations: Observations | undefined, verdict: 'drop' | 'reject'): string {
  const host = observations?.host;
  if (host === undefined) return '';
  const d = proberDecision(host)?.decision;
  if (d === undefined)
    return host.firewallUnknown ? ` (the host's ruleset was not evaluated: ${host.firewallUnknown})` : '';
  if (d.verdict === verdict) return ` — proven by the host's ruleset: ${d.rule ?? d.policy}`;
  if (d.verdict === 'unknown') return ` (the host's ruleset may ${verdict} it: ${d.reason})`;
  return ` — yet the host's ruleset ${d.verdict === 'accept' ? 'accepts' : `${d.verdict}s`} the prober's SYN${d.rule ? ` (${d.rule})` : ''}, so look beyond it`;
}

/** The host rejects the prober's SYN with a TCP reset: a refused connection that is not a missing listener. */
export function rejectsWithReset(observations: Observations | undefined): boolean {
  const d = proberDecision(observations?.host)?.decision;
  return d?.verdict === 'reject' && /tcp[ -]reset/.test(d.rejectWith ?? '');
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
  const ban = host.banned.find((b) => b.peer === PROBER_PEER);
  if (ban) return ` — proven by the in-host check: ${ban.by} banned the prober's address ${ban.address}`;
  const d = proberDecision(host)?.decision;
  if (d?.verdict === 'reject' || d?.verdict === 'drop')
    return ` — the host's ruleset ${d.verdict}s the prober: ${d.rule ?? d.policy}`;
  if (host.maxStartups) return ` (sshd runs with MaxStartups ${host.maxStartups})`;
  return '';
}
