/**
 * What a console output says, as data (lambda/core/evidence/console-output.ts reads it): the observations
 * the diagnosis rules read, kept apart from the parser so `Observations` can name it without a cycle.
 */

export const CONSOLE_EVENT_KINDS = [
  'kernel-panic',
  'oom-kill',
  'ssh-unit-failed',
  'emergency-mode',
  'fsck-required',
  'disk-full',
  'cloud-init-failed',
  'hung-task',
  'soft-lockup',
] as const;
export type ConsoleEventKind = (typeof CONSOLE_EVENT_KINDS)[number];

/** One console line that explains (part of) an SSH failure. */
export interface ConsoleEvent {
  readonly kind: ConsoleEventKind;
  /** The line as printed, colours and carriage returns removed, at most MAX_LINE_CHARS. */
  readonly line: string;
  /** What the line says about the event, without its time prefix (`Kernel panic - not syncing: …`). */
  readonly message: string;
  /** Seconds since boot, from the kernel's `[ 1234.567890]` prefix. */
  readonly uptimeSeconds?: number;
  /** ISO 8601, when the line carries a wall-clock time (a journal or syslog prefix). */
  readonly at?: string;
  /** The OOM killer's victim, or the hung or stuck task. */
  readonly process?: string;
  readonly pid?: number;
  /** The systemd unit that failed (`ssh.service`, `sshd.service`). */
  readonly unit?: string;
}

/** What one console output said, as the diagnosis rules read it. */
export interface ConsoleReading {
  /** When AWS last updated the output (GetConsoleOutput's `Timestamp`), ISO 8601. */
  readonly capturedAt?: string;
  /** Lines of the current boot that were read. */
  readonly lines: number;
  /** At most one event per kind (the most telling, else the newest), in console order. */
  readonly events: readonly ConsoleEvent[];
}
