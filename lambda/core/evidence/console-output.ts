/**
 * What an instance's console output says about an SSH failure (DESIGN.md, evidence kind `console`): the
 * kernel and boot messages GetConsoleOutput returns (at most 64 KB, the newest lines last) read for the
 * events that explain why SSH does not answer — a kernel panic, the OOM killer, the ssh unit failing,
 * emergency mode, an fsck prompt, a full disk, cloud-init failing, hung tasks and soft lockups.
 *
 * Only the current boot counts: the lines after the last `Linux version` banner (the kernel prints it first
 * on every boot, init/version.c `linux_banner`), so a panic that a reboot already cleared says nothing.
 * Each message below is the text its author prints; the source is named beside it.
 */
import type { Evidence } from '../diagnose/types.ts';
import { quoteSample } from '../probe/ident.ts';
import type { ConsoleEvent, ConsoleEventKind, ConsoleReading } from './console-reading.ts';
import type { EvidenceRequest, SourceFinding } from './observations.ts';

/** GetConsoleOutput returns at most 64 KB; anything beyond this is not console output and is cut, oldest first. */
export const MAX_CONSOLE_CHARS = 128 * 1024;
/**
 * The most of one line the patterns read: printk's own record limit (LOG_LINE_MAX, 1024 less its prefix), so
 * a program that writes a megabyte without a newline costs a bounded scan, never a quadratic one.
 */
export const MAX_SCAN_CHARS = 1024;
/** A console line as kept: enough for a panic reason or a unit's exit status, never a screenful. */
export const MAX_LINE_CHARS = 240;
/** A console line as an evidence line quotes it (longer ones end in `…`). */
export const MAX_QUOTED_CHARS = 200;

interface Match {
  readonly message: string;
  readonly process?: string;
  readonly pid?: number;
  readonly unit?: string;
  /** Among lines of one kind, the higher rank is the more telling; equal ranks keep the newest. */
  readonly rank?: number;
}

interface Pattern {
  readonly kind: ConsoleEventKind;
  readonly match: (text: string) => Match | undefined;
}

const SSH_UNIT = String.raw`sshd?\.service`;
/** The Description= of OpenSSH's unit: Debian/Ubuntu ssh.service, Fedora/RHEL/Amazon Linux and Arch/SUSE sshd.service. */
const SSH_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'OpenBSD Secure Shell server': 'ssh.service',
  'OpenSSH server daemon': 'sshd.service',
  'OpenSSH Daemon': 'sshd.service',
};
const SSH_DESCRIPTION = Object.keys(SSH_DESCRIPTIONS).join('|');

/** A pattern whose first capture group is the message (or the whole match). */
function simple(kind: ConsoleEventKind, re: RegExp): Pattern {
  return {
    kind,
    match: (text) => {
      const m = re.exec(text);
      return m ? { message: (m[1] ?? m[0]).trim() } : undefined;
    },
  };
}

/** The units' own lines (systemd src/core/service.c and unit.c, logged as `<unit>: <message>`), most telling first. */
const SSH_UNIT_MESSAGES: ReadonlyArray<{ re: RegExp; rank: number }> = [
  { re: new RegExp(`\\b(${SSH_UNIT}): (Main process exited, code=\\w+, status=[^\\s,]+)`), rank: 4 },
  { re: new RegExp(`\\b(${SSH_UNIT}): (A process of this unit has been killed by the OOM killer)`), rank: 4 },
  { re: new RegExp(`\\b(${SSH_UNIT}): (Failed with result '[^']+')`), rank: 3 },
  { re: new RegExp(`\\b(${SSH_UNIT}): (Start request repeated too quickly)`), rank: 2 },
];
/** systemd's job result line (src/core/job.c): `Failed to start ssh.service - OpenBSD Secure Shell server.` */
const SSH_FAILED_TO_START = new RegExp(`Failed to start (?:(${SSH_UNIT})(?: - [^.]*)?|(${SSH_DESCRIPTION}))`);
/** The same job's success (`Started ssh.service - OpenBSD Secure Shell server.`): a later start clears a failure. */
const SSH_STARTED = new RegExp(`\\bStarted (?:${SSH_UNIT}\\b|(?:${SSH_DESCRIPTION}))`);

const PATTERNS: readonly Pattern[] = [
  // kernel/panic.c: pr_emerg("Kernel panic - not syncing: %s\n", buf); its closing "---[ end Kernel panic
  // - not syncing: … ]---" repeats the reason and is left out so the event names the first line.
  simple('kernel-panic', /(?<!end )(Kernel panic - not syncing: ?.*)$/),
  {
    // mm/oom_kill.c __oom_kill_process: "%s: Killed process %d (%s) total-vm:…" where %s is "Out of memory"
    // or "Memory cgroup out of memory" (kernels before 5.0 print the bare "Killed process %d (%s) …"), and
    // dump_oom_summary: "oom-kill:constraint=…,task=%s,pid=%d,uid=%d".
    kind: 'oom-kill',
    match: (text) => {
      const killed = /((?:(?:Memory cgroup out|Out) of memory: )?Killed process (\d+) \(([^)]*)\))/.exec(
        text,
      );
      const summary = /(oom-kill:.*?\btask=([^,]*),pid=(\d+))/.exec(text);
      const m = killed ?? summary;
      if (!m) return undefined;
      const process = m[3] ?? summary?.[2] ?? '';
      const pid = Number(killed ? killed[2] : summary![3]);
      return { message: m[1]!, process, pid, rank: process === 'sshd' ? 1 : 0 };
    },
  },
  {
    kind: 'ssh-unit-failed',
    match: (text) => {
      for (const { re, rank } of SSH_UNIT_MESSAGES) {
        const m = re.exec(text);
        if (m) return { unit: m[1]!, message: m[2]!, rank };
      }
      const m = SSH_FAILED_TO_START.exec(text);
      if (!m) return undefined;
      const unit = m[1] ?? SSH_DESCRIPTIONS[m[2]!]!;
      return { unit, message: `Failed to start ${m[2] ?? unit}`, rank: 1 };
    },
  },
  // systemd src/sulogin-shell/sulogin-shell.c: "You are in emergency mode. After logging in, type
  // \"journalctl -xb\" …" (and "rescue mode"); dracut's emergency shell: "Entering emergency mode. Exit the shell to continue."
  simple('emergency-mode', /(You are in (?:emergency|rescue) mode|Entering emergency mode)/),
  // e2fsprogs e2fsck/unix.c, when -p (preen) cannot repair: "UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY."
  simple('fsck-required', /(UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY)/),
  // strerror(ENOSPC), as every program that failed to write prints it.
  simple('disk-full', /(.*No space left on device.*)$/),
  {
    // systemd job results for cloud-init's units (cloud-init-local, cloud-init, cloud-config, cloud-final;
    // "Initial cloud-init job (pre-networking)" is cloud-init-local's description), and cloud-init's own
    // warnings: cloudinit/util.py "Failed running %s [%s]", cloudinit/config/modules.py "Failed to run module %s".
    kind: 'cloud-init-failed',
    match: (text) => {
      const m =
        /(Failed to start (?:cloud-(?:init-local|init|config|final)\.service\b|Initial cloud-init job)[^.]*)/.exec(
          text,
        ) ?? /(Failed to run module [\w-]+|Failed running \S+ \[\d+\])/.exec(text);
      return m ? { message: m[1]! } : undefined;
    },
  },
  {
    // kernel/hung_task.c: "INFO: task %s:%d blocked for more than %ld seconds."
    kind: 'hung-task',
    match: (text) => {
      const m = /(INFO: task (.+):(\d+) blocked for more than \d+ seconds)/.exec(text);
      return m ? { message: m[1]!, process: m[2]!, pid: Number(m[3]) } : undefined;
    },
  },
  {
    // kernel/watchdog.c: "BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]"
    kind: 'soft-lockup',
    match: (text) => {
      const m = /(BUG: soft lockup - CPU#\d+ stuck for \d+s! \[(.+):(\d+)\])/.exec(text);
      return m ? { message: m[1]!, process: m[2]!, pid: Number(m[3]) } : undefined;
    },
  },
];

/** ECMA-48 control sequences (systemd colours `[FAILED]` and the unit name) and other C0 controls but tab. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is what it is for
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f]/g;
const BOOT_BANNER = /\bLinux version \d/;
/** journalctl -o short-iso / rsyslog RFC 3339 prefix. */
const ISO_PREFIX = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))\s/;
/** The classic syslog prefix (RFC 3164: no year, no zone). */
const SYSLOG_PREFIX = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})\s/;
/**
 * printk's time prefix (CONFIG_PRINTK_TIME): seconds since boot. It starts the line on the console, and
 * follows the host and tag in a syslog line (`ip-10-0-1-5 kernel: [ 812.5] …`).
 */
const KERNEL_TIME = /(?:^|\s)\[\s*(\d+\.\d+)\]\s?/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Reads console output (the decoded `Output`) for the events that explain an SSH failure. */
export function parseConsoleOutput(output: string, capturedAt?: Date): ConsoleReading {
  // Cut oldest first, and drop the line the cut went through: half a line can read as something it is not.
  const text =
    output.length > MAX_CONSOLE_CHARS ? output.slice(-MAX_CONSOLE_CHARS).replace(/^[^\n]*\n?/, '') : output;
  const all = text.split(/\r?\n|\r/).map((l) => (l.length > MAX_SCAN_CHARS ? l.slice(0, MAX_SCAN_CHARS) : l));
  let start = 0;
  for (let i = all.length - 1; i >= 0; i--) {
    if (BOOT_BANNER.test(all[i]!)) {
      start = i;
      break;
    }
  }
  const lines = all.slice(start).map((l) => l.replace(ANSI, ''));
  const best = new Map<ConsoleEventKind, { event: ConsoleEvent; rank: number; index: number }>();
  for (const [index, raw] of lines.entries()) {
    const line = raw.trimEnd();
    if (line === '') continue;
    if (SSH_STARTED.test(line)) best.delete('ssh-unit-failed');
    const time = lineTime(line, capturedAt);
    for (const pattern of PATTERNS) {
      const m = pattern.match(time.body);
      if (m === undefined) continue;
      const rank = m.rank ?? 0;
      const held = best.get(pattern.kind);
      if (held !== undefined && held.rank > rank) continue;
      best.set(pattern.kind, { event: eventOf(pattern.kind, line, m, time), rank, index });
    }
  }
  const events = [...best.values()].sort((a, b) => a.index - b.index).map((b) => b.event);
  return {
    ...(capturedAt === undefined ? {} : { capturedAt: capturedAt.toISOString() }),
    lines: lines.filter((l) => l.trim() !== '').length,
    events,
  };
}

interface LineTime {
  readonly at?: string;
  readonly uptimeSeconds?: number;
  /** The line after its time prefixes: what the patterns read. */
  readonly body: string;
}

function lineTime(line: string, capturedAt: Date | undefined): LineTime {
  const { at, rest } = wallClock(line, capturedAt);
  const uptime = KERNEL_TIME.exec(rest);
  return {
    ...(at === undefined ? {} : { at }),
    ...(uptime ? { uptimeSeconds: Number(uptime[1]) } : {}),
    body: uptime ? rest.slice(uptime.index + uptime[0].length) : rest,
  };
}

function eventOf(kind: ConsoleEventKind, line: string, m: Match, time: LineTime): ConsoleEvent {
  const { at, uptimeSeconds } = time;
  return {
    kind,
    line: line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line,
    message: m.message.length > MAX_LINE_CHARS ? m.message.slice(0, MAX_LINE_CHARS) : m.message,
    ...(uptimeSeconds === undefined ? {} : { uptimeSeconds }),
    ...(at === undefined ? {} : { at }),
    ...(m.process === undefined ? {} : { process: m.process }),
    ...(m.pid === undefined ? {} : { pid: m.pid }),
    ...(m.unit === undefined ? {} : { unit: m.unit }),
  };
}

/**
 * The wall-clock time a line's prefix names, and the line without it. A syslog prefix has no year: it is the
 * capture's year (the year before, when that would put the line after the capture). Both prefixes are taken
 * as UTC, the time zone cloud images ship with; a syslog line without a capture time gets no time.
 */
function wallClock(line: string, capturedAt: Date | undefined): { at?: string; rest: string } {
  const iso = ISO_PREFIX.exec(line);
  if (iso) {
    const t = Date.parse(iso[1]!);
    return { ...(Number.isNaN(t) ? {} : { at: new Date(t).toISOString() }), rest: line.slice(iso[0].length) };
  }
  const sys = SYSLOG_PREFIX.exec(line);
  if (sys && capturedAt !== undefined && MONTHS.includes(sys[1]!)) {
    const [, mon, day, h, min, s] = sys;
    const at = (year: number) =>
      Date.UTC(year, MONTHS.indexOf(mon!), Number(day), Number(h), Number(min), Number(s));
    let t = at(capturedAt.getUTCFullYear());
    if (t > capturedAt.getTime() + 86_400_000) t = at(capturedAt.getUTCFullYear() - 1);
    return { at: new Date(t).toISOString(), rest: line.slice(sys[0].length) };
  }
  return { rest: line };
}

/** When an event happened, in words: its wall-clock time, else its time since boot. */
export function consoleTime(event: ConsoleEvent): string {
  if (event.at !== undefined) return event.at;
  if (event.uptimeSeconds !== undefined) return `${event.uptimeSeconds.toFixed(1)} s after boot`;
  return 'a time the console does not show';
}

/** What happened, in an operator's words. */
export function describeConsoleEvent(event: ConsoleEvent): string {
  switch (event.kind) {
    case 'kernel-panic':
      return 'kernel panic';
    case 'oom-kill':
      return `the OOM killer killed ${event.process} (pid ${event.pid})`;
    case 'ssh-unit-failed':
      return `${event.unit} failed`;
    case 'emergency-mode':
      return 'the boot stopped in emergency mode';
    case 'fsck-required':
      return 'the boot waits for a manual fsck';
    case 'disk-full':
      return 'a disk is full';
    case 'cloud-init-failed':
      return 'cloud-init failed';
    case 'hung-task':
      return `task ${event.process} (pid ${event.pid}) hung`;
    case 'soft-lockup':
      return 'a CPU is stuck (soft lockup)';
  }
}

const EVIDENCE_CODES: Readonly<Record<ConsoleEventKind, string>> = {
  'kernel-panic': 'KERNEL_PANIC',
  'oom-kill': 'OOM_KILL',
  'ssh-unit-failed': 'SSH_UNIT_FAILED',
  'emergency-mode': 'EMERGENCY_MODE',
  'fsck-required': 'FSCK_REQUIRED',
  'disk-full': 'DISK_FULL',
  'cloud-init-failed': 'CLOUD_INIT_FAILED',
  'hung-task': 'HUNG_TASK',
  'soft-lockup': 'SOFT_LOCKUP',
};

/**
 * The evidence lines for a reading: one per event (so at most one per kind), each quoting its console line
 * made printable and bounded; a reading with no event says so in one line, so the report shows it was read.
 */
export function consoleEvidence(reading: ConsoleReading): Evidence[] {
  const updated = reading.capturedAt === undefined ? '' : `, updated ${reading.capturedAt}`;
  if (reading.events.length === 0) {
    return [
      {
        kind: 'console',
        code: 'NOTHING_FOUND',
        value: reading.lines,
        detail: `console output (${reading.lines} lines of the current boot${updated}): nothing that explains an SSH failure`,
      },
    ];
  }
  return reading.events.map((e) => ({
    kind: 'console',
    code: EVIDENCE_CODES[e.kind],
    detail: `console: ${describeConsoleEvent(e)} at ${consoleTime(e)}: ${quoteSample(e.line, MAX_QUOTED_CHARS)}`,
    ...(e.at === undefined ? {} : { at: e.at }),
    ...(e.unit === undefined ? {} : { resourceId: e.unit }),
    ...(e.pid === undefined ? {} : { value: e.pid }),
  }));
}

/**
 * What a console source answers for one instance: the evidence and the reading. Empty output is no answer
 * (`undefined`): AWS holds none yet, which is "not available", not "nothing found".
 */
export function consoleFinding(output: string, capturedAt?: Date): SourceFinding | undefined {
  if (output.trim() === '') return undefined;
  const reading = parseConsoleOutput(output, capturedAt);
  return { evidence: consoleEvidence(reading), observations: { console: reading } };
}

/** Why an instance has no console output to read, for "not available" lines. */
export const EMPTY_CONSOLE_REASON =
  'AWS holds no console output for it (without --latest, output is posted shortly after a start, stop or reboot; --latest needs a Nitro instance type)';

/**
 * Why an instance's console is not worth a call, or `undefined` when it is. A stopped instance's console
 * holds its last run: it cannot say why SSH fails now, and the diagnosis already says it is stopped.
 */
export function consoleNotWanted(request: EvidenceRequest): string | undefined {
  if (request.diagnosis === 'INSTANCE_STOPPED')
    return 'the instance is not running: its console holds its last run, not why SSH fails now';
  return undefined;
}

/** The events the rules read, each from the current boot. */
export function kernelImpairment(reading: ConsoleReading | undefined): ConsoleEvent | undefined {
  return reading?.events.find(
    (e) => e.kind === 'kernel-panic' || e.kind === 'emergency-mode' || e.kind === 'fsck-required',
  );
}

/** The OOM killer's kill of sshd itself (the listener: OpenSSH 9.8+'s per-connection sshd-session is not it). */
export function sshdOomKill(reading: ConsoleReading | undefined): ConsoleEvent | undefined {
  return reading?.events.find((e) => e.kind === 'oom-kill' && e.process === 'sshd');
}

export function oomKill(reading: ConsoleReading | undefined): ConsoleEvent | undefined {
  return reading?.events.find((e) => e.kind === 'oom-kill');
}

export function sshUnitFailure(reading: ConsoleReading | undefined): ConsoleEvent | undefined {
  return reading?.events.find((e) => e.kind === 'ssh-unit-failed');
}
