/**
 * What the in-host check proves about one failing instance: for the prober and each configured source, what
 * the host firewall does with a SYN to the SSH port (and which rule does it), whether fail2ban banned it,
 * whether sshd runs and listens, and the settings that make sshd refuse. The evidence lines are what a
 * reader sees; the reading is what the diagnosis rules use to turn an inference into a proven cause.
 */
import type { Evidence } from '../diagnose/types.ts';
import { AddressSet, formatCidr, parseAddress, parseCidr } from '../net/cidr.ts';
import { evaluateFirewall, type FirewallDecision } from './host-firewall/evaluate.ts';
import { hostRuleset } from './host-firewall/ruleset.ts';
import type { Ban, HostReading, PeerFirewallDecision } from './host-observation.ts';
import { type HostReport, parseHostReport, type ServiceState } from './host-report.ts';
import { type EvidencePeer, type EvidenceRequest, PROBER_PEER, type SourceFinding } from './observations.ts';

/** The firewall's decision for the prober (its first CIDR with an answer), if any. */
export function proberDecision(reading: HostReading | undefined): PeerFirewallDecision | undefined {
  return reading?.firewall.find((d) => d.peer === PROBER_PEER);
}

export function readHostCheck(output: string, request: EvidenceRequest): SourceFinding {
  const report = parseHostReport(output);
  const reading = hostReading(report, request);
  return { evidence: hostEvidence(report, reading, request), observations: { host: reading } };
}

function hostReading(report: HostReport, request: EvidenceRequest): HostReading {
  const ruleset = hostRuleset(report.sections);
  const destination = request.address === undefined ? undefined : parseAddress(request.address);
  const firewall: PeerFirewallDecision[] = [];
  if ('tables' in ruleset) {
    for (const peer of orderedPeers(request.peers)) {
      for (const text of peer.cidrs) {
        const source = parseCidr(text);
        if (source === undefined) continue;
        const decision = evaluateFirewall(ruleset.tables, {
          source,
          port: request.port,
          ...(destination?.family === source.family ? { destination } : {}),
        });
        firewall.push({ peer: peer.name, cidr: formatCidr(source), decision });
      }
    }
  }
  const listening = report.listeners === undefined ? undefined : listensOn(report, request.port);
  const maxStartups = report.sshdSettings.get('maxstartups')?.[0];
  return {
    firewall,
    ...('unknown' in ruleset ? { firewallUnknown: ruleset.unknown } : {}),
    banned: bans(bannedPeers(report.fail2banBanned ?? [], request.peers), bansInRuleset(firewall)),
    ...(listening === undefined ? {} : { listening }),
    ...(report.service ? { service: report.service } : {}),
    ...(maxStartups ? { maxStartups } : {}),
  };
}

function orderedPeers(peers: readonly EvidencePeer[]): EvidencePeer[] {
  return [...peers.filter((p) => p.name === PROBER_PEER), ...peers.filter((p) => p.name !== PROBER_PEER)];
}

/** `ss` filtered by port already; the local address's port is still checked (`*:22`, `[::]:22`). */
function listensOn(report: HostReport, port: number): boolean {
  return (report.listeners ?? []).some((l) => l.local.endsWith(`:${port}`));
}

/**
 * sshguard keeps its bans in its own table or chain (`sshguard`), fail2ban's firewall actions in chains
 * named `f2b-<jail>`: a deciding rule there is a ban, whatever the jail list says.
 */
const BAN_CHAINS: readonly [RegExp, string][] = [
  [/\bsshguard\b/i, 'sshguard'],
  [/\bf2b-(\S+)/, 'fail2ban jail'],
];

/**
 * fail2ban's `iptables-ipset` actions keep a jail's bans in an ipset named `f2b-<jail>` (`f2b-<jail>6` for
 * IPv6) and add one rule on it (`-m set --match-set f2b-sshd src -j REJECT`): a deciding rule that matches
 * the peer's source in such a set (not `! --match-set`) is a ban by that set.
 */
const BAN_SET = /(?<!! )--match-set (f2b-\S+) src(?=\s|$)/;

function bansInRuleset(firewall: readonly PeerFirewallDecision[]): Ban[] {
  const out: Ban[] = [];
  for (const d of firewall) {
    if (d.decision.verdict !== 'drop' && d.decision.verdict !== 'reject') continue;
    const rule = d.decision.rule ?? '';
    const where = rule.split(':')[0] ?? '';
    const before = out.length;
    for (const [pattern, tool] of BAN_CHAINS) {
      const m = pattern.exec(where);
      if (m)
        out.push({ peer: d.peer, address: d.cidr, by: m[1] ? `${tool} ${m[1].replace(/,$/, '')}` : tool });
    }
    const set = out.length === before ? BAN_SET.exec(rule.slice(where.length))?.[1] : undefined;
    if (set) out.push({ peer: d.peer, address: d.cidr, by: `fail2ban's set ${set}`, set });
  }
  return out;
}

/** How a ban reads: "fail2ban jail sshd banned", or "fail2ban's set f2b-sshd holds" for an ipset's member. */
export function banVerb(ban: Ban): string {
  return `${ban.by} ${ban.set === undefined ? 'banned' : 'holds'}`;
}

/**
 * The jail list and the jail's own firewall rule (its `f2b-sshd` chain, or its `f2b-sshd` set) are two
 * readings of one ban — real fail2ban shows both at once — so a peer the list bans is not banned again by its
 * jail's rule. A rule of another jail (`f2b-recidive`) is another ban and stays.
 */
function bans(listed: readonly Ban[], inRuleset: readonly Ban[]): Ban[] {
  const again = (b: Ban) => listed.some((l) => l.peer === b.peer && LISTED_JAILS.includes(jailOf(b) ?? ''));
  return [...listed, ...inRuleset.filter((b) => !again(b))];
}

/** The jails whose list the script asks for (`fail2ban-client status sshd`, else `ssh`). */
const LISTED_JAILS = ['sshd', 'ssh'];

/** The fail2ban jail a ban found in the ruleset belongs to: chain `f2b-<jail>`, set `f2b-<jail>` (`6` for IPv6). */
function jailOf(ban: Ban): string | undefined {
  if (ban.set !== undefined) return /^f2b-(.+?)6?$/.exec(ban.set)?.[1];
  return /^fail2ban jail (\S+)$/.exec(ban.by)?.[1];
}

function bannedPeers(banned: readonly string[], peers: readonly EvidencePeer[]): Ban[] {
  const out: Ban[] = [];
  for (const address of banned) {
    const a = parseAddress(address);
    if (a === undefined) continue;
    for (const peer of peers) {
      const cidrs = peer.cidrs.flatMap((c) => parseCidr(c) ?? []);
      if (AddressSet.fromCidrs(a.family, cidrs).has(a.value)) {
        out.push({ peer: peer.name, address, by: 'fail2ban jail sshd' });
      }
    }
  }
  return out;
}

/** One line per fact, kind `host`, most decisive first; bounded (the log keeps its last lines only). */
function hostEvidence(report: HostReport, reading: HostReading, request: EvidenceRequest): Evidence[] {
  const out: Evidence[] = [];
  const port = request.port;
  for (const d of reading.firewall) {
    const who = d.peer === PROBER_PEER ? `the prober (${d.cidr})` : `source ${d.peer} (${d.cidr})`;
    out.push({
      kind: 'host',
      code: `FIREWALL_${d.decision.verdict.toUpperCase()}`,
      value: d.decision.verdict,
      detail: `host firewall ${firewallSentence(d.decision)} tcp/${port} from ${who}${firewallWhy(d.decision)}`,
    });
  }
  if (reading.firewallUnknown) {
    out.push({
      kind: 'host',
      code: 'FIREWALL_UNKNOWN',
      detail: `host firewall not evaluated: ${reading.firewallUnknown}`,
    });
  }
  for (const b of reading.banned) {
    out.push({
      kind: 'host',
      code: 'BANNED',
      value: b.address,
      detail: `${banVerb(b)} ${b.address} (${b.peer === PROBER_PEER ? 'the prober' : `source ${b.peer}`})`,
    });
  }
  if (report.sshguardRunning) {
    // sshguard keeps no list to ask: its bans are rules in its own chain, judged with the ruleset above.
    out.push({
      kind: 'host',
      code: 'SSHGUARD',
      detail: 'sshguard runs: its bans are read from the firewall ruleset',
    });
  }
  if (report.service) {
    out.push({
      kind: 'host',
      code: 'SSHD_SERVICE',
      value: report.service.activeState ?? 'unknown',
      detail: serviceSentence(report.service),
    });
  } else if (report.sshdProcesses !== undefined) {
    out.push({
      kind: 'host',
      code: 'SSHD_PROCESSES',
      value: report.sshdProcesses,
      detail: `${report.sshdProcesses} sshd process(es) running (no systemd unit state)`,
    });
  }
  if (reading.listening !== undefined) {
    const who = (report.listeners ?? []).map((l) => `${l.local}${l.process ? ` (${l.process})` : ''}`);
    out.push({
      kind: 'host',
      code: reading.listening ? 'LISTENING' : 'NOT_LISTENING',
      detail: reading.listening
        ? `listening on port ${port}: ${who.join(', ')}`
        : `nothing listens on port ${port} (ss -ltn)`,
    });
  }
  if (report.sshdSettings.size > 0) {
    const shown = [...report.sshdSettings].map(([k, v]) => `${k} ${v.join(', ')}`).join('; ');
    out.push({ kind: 'host', code: 'SSHD_SETTINGS', detail: `sshd -T: ${shown}` });
  }
  const load: string[] = [];
  if (report.load1 !== undefined)
    load.push(`load ${report.load1}${report.cpus ? ` on ${report.cpus} CPU(s)` : ''}`);
  if (report.memAvailablePercent !== undefined)
    load.push(`${report.memAvailablePercent} % of memory available`);
  if (report.diskUsedPercent !== undefined) load.push(`/ ${report.diskUsedPercent} % full`);
  if (load.length > 0) out.push({ kind: 'host', code: 'HOST_LOAD', detail: load.join(', ') });
  const log = report.logLines.slice(-LOG_LINES);
  if (log.length > 0) {
    out.push({
      kind: 'host',
      code: 'SSHD_LOG',
      detail: `sshd's last log lines: ${log.join(' | ').slice(0, LOG_CHARS)}`,
    });
  }
  return out;
}

/** The log lines and characters an evidence line carries: the alert and the report stay readable. */
const LOG_LINES = 5;
const LOG_CHARS = 600;

function firewallSentence(d: FirewallDecision): string {
  if (d.verdict === 'accept') return 'accepts';
  if (d.verdict === 'drop') return 'drops';
  if (d.verdict === 'reject') return `rejects (with ${d.rejectWith ?? 'an error'})`;
  return 'may or may not accept';
}

function firewallWhy(d: FirewallDecision): string {
  if (d.verdict === 'unknown') return `: ${d.reason}`;
  if (d.rule) return `: ${d.rule}`;
  if (d.policy) return `: ${d.policy}`;
  return '';
}

export function serviceSentence(s: ServiceState): string {
  const state = `${s.unit}.service ${s.activeState ?? 'unknown'}${s.subState ? ` (${s.subState})` : ''}`;
  if (s.activeState === 'active') return state;
  const exit = s.exitStatus === undefined ? '' : `, exited ${s.exitStatus}`;
  const at = s.exitedAt ? ` at ${s.exitedAt}` : '';
  const result = s.result && s.result !== 'success' ? `, result ${s.result}` : '';
  return `${state}${exit}${at}${result}`;
}
