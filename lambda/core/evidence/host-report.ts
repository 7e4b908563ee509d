/**
 * Reads the in-host check's output (host-check-script.ts) into facts: each section between its markers,
 * whether it was cut at its cap, and what the sections say — sshd's unit state and last exit, the listeners
 * on the port, sshd's effective settings, fail2ban's banned addresses, the last log lines, load, memory and
 * disk. Anything missing or unreadable stays `undefined`: unknown, never "fine".
 */
import { gunzipSync } from 'node:zlib';
import {
  type HostCheckSection,
  PACKED_MARKER,
  SECTION_BEGIN,
  SECTION_END,
  SECTION_RC,
} from './host-check-script.ts';

export interface Section {
  readonly text: string;
  /** The command's exit status; `undefined` when the section was cut at its cap (or the output at 24,000). */
  readonly rc?: number;
}

export interface ServiceState {
  readonly unit: string;
  readonly activeState?: string;
  readonly subState?: string;
  readonly result?: string;
  /** The main process's last exit status (systemd's ExecMainStatus). */
  readonly exitStatus?: number;
  /** When it last stopped (systemd's ExecMainExitTimestamp / InactiveEnterTimestamp). */
  readonly exitedAt?: string;
}

export interface Listener {
  readonly local: string;
  /** The owning process (`sshd`), when `ss -p` could tell. */
  readonly process?: string;
}

export interface HostReport {
  readonly sections: ReadonlyMap<string, Section>;
  readonly port?: number;
  /** The systemd unit that exists (ssh or sshd); `undefined` without systemd or when neither loads. */
  readonly service?: ServiceState;
  /** Running sshd processes; `undefined` when the check could not look. */
  readonly sshdProcesses?: number;
  /** Listening TCP sockets on the port; `undefined` when `ss` was missing. */
  readonly listeners?: readonly Listener[];
  /** `sshd -T` lines that matter, keyed by setting (lower case, as sshd -T prints them). */
  readonly sshdSettings: ReadonlyMap<string, readonly string[]>;
  /** fail2ban's sshd jail: its banned addresses; `undefined` when fail2ban is not there. */
  readonly fail2banBanned?: readonly string[];
  readonly sshguardRunning: boolean;
  readonly logLines: readonly string[];
  readonly load1?: number;
  readonly cpus?: number;
  readonly memAvailablePercent?: number;
  readonly diskUsedPercent?: number;
  readonly diskAvailableKb?: number;
}

function parseSections(output: string): Map<string, Section> {
  const sections = new Map<string, Section>();
  let name: string | undefined;
  let body: string[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith(SECTION_BEGIN)) {
      name = line.slice(SECTION_BEGIN.length).trim();
      body = [];
    } else if (name !== undefined && line.startsWith(SECTION_END)) {
      sections.set(name, sectionOf(body));
      name = undefined;
    } else if (name !== undefined) {
      body.push(line);
    }
  }
  // A section open at the end was cut by the output limit.
  if (name !== undefined) sections.set(name, { text: body.join('\n') });
  return sections;
}

/** The rc line closes a complete section; `head -c` may also have glued the cut text to the end marker. */
function sectionOf(body: readonly string[]): Section {
  const lines = [...body];
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const last = lines[lines.length - 1];
  if (last?.startsWith(SECTION_RC)) {
    const rc = Number(last.slice(SECTION_RC.length));
    return unpacked({ text: lines.slice(0, -1).join('\n'), ...(Number.isInteger(rc) ? { rc } : {}) });
  }
  return unpacked({ text: lines.join('\n') });
}

/**
 * A packed section's output as the command printed it. One cut at its cap (no rc) or that does not unpack
 * keeps no text and no rc: a cut section, read as unknown — a part of a ruleset is never judged as a whole.
 */
function unpacked(section: Section): Section {
  const [first, ...rest] = section.text.split('\n');
  if (first !== PACKED_MARKER) return section;
  if (section.rc === undefined) return { text: '' };
  try {
    const text = gunzipSync(Buffer.from(rest.join(''), 'base64')).toString('utf8');
    return { text: text.endsWith('\n') ? text.slice(0, -1) : text, rc: section.rc };
  } catch {
    return { text: '' };
  }
}

export function parseHostReport(output: string): HostReport {
  const sections = parseSections(output);
  const ok = (name: HostCheckSection): string | undefined => {
    const s = sections.get(name);
    return s && s.rc !== undefined && s.rc !== 127 ? s.text : undefined;
  };
  const meta = keyValues(ok('meta') ?? '', '=');
  const port = Number(meta.get('port'));
  const service = parseService(ok('service'));
  const processes = sections.get('processes');
  const listeners = sections.get('listeners');
  const settings = new Map<string, string[]>();
  for (const line of (ok('sshd-settings') ?? '').split('\n')) {
    const m = /^([a-z]+) (.*)$/.exec(line.trim());
    if (m) settings.set(m[1]!, [...(settings.get(m[1]!) ?? []), m[2]!]);
  }
  const fail2ban = sections.get('fail2ban');
  const loadLines = (ok('load') ?? '').split('\n');
  // parseFloat, not Number: an absent section must stay unknown, and Number('') is 0.
  const load1 = Number.parseFloat(loadLines[0]?.split(' ')[0] ?? '');
  const cpus = Number(loadLines[1]);
  const mem = keyValues(ok('memory') ?? '', ':');
  const total = Number.parseInt(mem.get('MemTotal') ?? '', 10);
  const available = Number.parseInt(mem.get('MemAvailable') ?? '', 10);
  const df = (ok('disk') ?? '').split('\n')[1]?.trim().split(/\s+/);
  const diskAvailableKb = Number(df?.[3]);
  const diskUsedPercent = Number.parseInt(df?.[4] ?? '', 10);
  return {
    sections,
    ...(Number.isInteger(port) && port > 0 ? { port } : {}),
    ...(service ? { service } : {}),
    ...(processes?.rc !== undefined && processes.rc !== 127
      ? { sshdProcesses: processes.text.split('\n').filter((l) => /\bsshd\b/.test(l)).length }
      : {}),
    ...(listeners?.rc === 0 ? { listeners: parseListeners(listeners.text) } : {}),
    sshdSettings: settings,
    ...(fail2ban?.rc === 0 ? { fail2banBanned: bannedList(fail2ban.text) } : {}),
    sshguardRunning: sections.get('sshguard')?.rc === 0,
    logLines: (ok('log') ?? '').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('-- ')),
    ...(Number.isFinite(load1) ? { load1 } : {}),
    ...(Number.isInteger(cpus) && cpus > 0 ? { cpus } : {}),
    ...(total > 0 && available >= 0 ? { memAvailablePercent: Math.round((available / total) * 100) } : {}),
    ...(Number.isFinite(diskUsedPercent) ? { diskUsedPercent } : {}),
    ...(Number.isFinite(diskAvailableKb) ? { diskAvailableKb } : {}),
  };
}

function keyValues(text: string, separator: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(separator);
    if (i > 0) out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

/** The first unit systemd has loaded (Debian's `ssh`, Red Hat's `sshd`); `systemctl show` of an absent one says `LoadState=not-found`. */
function parseService(text: string | undefined): ServiceState | undefined {
  if (text === undefined) return undefined;
  for (const block of text.split(/^unit=/m).slice(1)) {
    const [unit = '', ...rest] = block.split('\n');
    const kv = keyValues(rest.join('\n'), '=');
    if (kv.get('LoadState') !== 'loaded') continue;
    const status = Number(kv.get('ExecMainStatus'));
    const exitedAt = kv.get('ExecMainExitTimestamp') || kv.get('InactiveEnterTimestamp');
    return {
      unit: unit.trim(),
      ...optional('activeState', kv.get('ActiveState')),
      ...optional('subState', kv.get('SubState')),
      ...optional('result', kv.get('Result')),
      ...(Number.isInteger(status) ? { exitStatus: status } : {}),
      ...optional('exitedAt', exitedAt),
    };
  }
  return undefined;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}

/** `ss -H -ltnp` lines: `LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=612,fd=3))`. */
function parseListeners(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== 'LISTEN' || fields[3] === undefined) continue;
    const process = /users:\(\("([^"]+)"/.exec(line)?.[1];
    out.push({ local: fields[3], ...(process ? { process } : {}) });
  }
  return out;
}

/** fail2ban-client status <jail>: `   `- Banned IP list:\t198.18.0.1 203.0.113.7`. */
function bannedList(text: string): string[] {
  const m = /Banned IP list:\s*(.*)$/m.exec(text);
  return m
    ? m[1]!
        .trim()
        .split(/\s+/)
        .filter((a) => a.length > 0)
    : [];
}
