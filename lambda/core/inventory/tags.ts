/**
 * The `port22:*` instance tags (DESIGN.md, "Tags and config"; README, "Tags"): every key port22 reads and
 * how each value is read. Nothing else names a key or parses a value.
 *
 * Values are trimmed and keywords are case-insensitive: the EC2 console keeps what was typed, spaces
 * included. A malformed value counts as no tag at all rather than failing the run: a typo on one instance
 * must not stop the checks of the whole fleet.
 */
import type { Instance, Tag } from './model.ts';

export const TAG = {
  /** `true`/`false`: check this instance or not. Absent: the configured default. */
  monitor: 'port22:monitor',
  /** `open`/`closed`: `closed` for port knocking or hosts shut on purpose. @default open */
  expect: 'port22:expect',
  /** The port sshd listens on, 1-65535. Absent: the configured port (22 by default). */
  port: 'port22:port',
  /** The HA group: the group alerts when fewer than its minimum members are healthy. */
  group: 'port22:group',
  /** The group's minimum healthy members, a whole number from 1. */
  groupMin: 'port22:group-min',
  /** An RFC 3339 timestamp (or a date, meaning its midnight UTC) before which no alert is sent. */
  snoozeUntil: 'port22:snooze-until',
  /**
   * `true`: port22 may run its read-only in-host check on this instance through Systems Manager when it fails
   * (with `evidence.ssm` on). The stack's IAM policy allows SendCommand only on instances carrying it.
   */
  hostCheck: 'port22:host-check',
} as const;

/** The SSH port of an instance that no `port22:port` tag (and no configured port) moves elsewhere. */
export const DEFAULT_SSH_PORT = 22;

export type Expectation = 'open' | 'closed';

/** What the `port22:*` tags of one instance say; a field is absent when its tag is absent or malformed. */
export interface Port22Tags {
  monitor?: boolean;
  expect: Expectation;
  port?: number;
  group?: string;
  groupMin?: number;
  snoozeUntil?: Date;
}

/** `true` or `false`, whatever the case; anything else is no answer. */
export function parseMonitor(value: string | undefined): boolean | undefined {
  const v = value?.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

/** `closed` means closed; anything else (absent, `open`, a typo) means the port should answer. */
export function parseExpect(value: string | undefined): Expectation {
  return value?.trim().toLowerCase() === 'closed' ? 'closed' : 'open';
}

/** A whole number written in decimal digits only: `Number()` would also take `0x16`, `1e2`, `22.0` and ``. */
function decimal(value: string | undefined): number | undefined {
  const v = value?.trim();
  if (v === undefined || !/^[0-9]+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A TCP port, 1-65535 (port 0 cannot be connected to). */
export function parsePort(value: string | undefined): number | undefined {
  const n = decimal(value);
  return n !== undefined && n >= 1 && n <= 65535 ? n : undefined;
}

export function parseGroup(value: string | undefined): string | undefined {
  return value?.trim() || undefined;
}

/** At least one member: a minimum of 0 would make a group that can never alert. */
export function parseGroupMin(value: string | undefined): number | undefined {
  const n = decimal(value);
  return n !== undefined && n >= 1 ? n : undefined;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Only full calendar timestamps: `Date.parse` would also take `3` or `March`, which no one means, and rolls
 * `02-30` over to March, which hides a typo.
 */
export function parseSnoozeUntil(value: string | undefined): Date | undefined {
  const m = RFC3339.exec(value?.trim() ?? '');
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map((x) => Number(x ?? 0)) as number[];
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth) return undefined;
  if (hour! > 23 || minute! > 59 || second! > 59) return undefined;
  const t = Date.parse(value!.trim());
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** Whether the instance opted in to the in-host check (`port22:host-check=true`). */
export function hostCheckAllowed(tags: Readonly<Record<string, string>>): boolean {
  return parseMonitor(tags[TAG.hostCheck]) === true;
}

/** Reads every `port22:*` tag of an instance (`Key → Value`, as targets carry them). */
export function parsePort22Tags(tags: Readonly<Record<string, string>>): Port22Tags {
  const out: Port22Tags = { expect: parseExpect(tags[TAG.expect]) };
  const monitor = parseMonitor(tags[TAG.monitor]);
  if (monitor !== undefined) out.monitor = monitor;
  const port = parsePort(tags[TAG.port]);
  if (port !== undefined) out.port = port;
  const group = parseGroup(tags[TAG.group]);
  if (group !== undefined) out.group = group;
  const groupMin = parseGroupMin(tags[TAG.groupMin]);
  if (groupMin !== undefined) out.groupMin = groupMin;
  const snoozeUntil = parseSnoozeUntil(tags[TAG.snoozeUntil]);
  if (snoozeUntil !== undefined) out.snoozeUntil = snoozeUntil;
  return out;
}

/** Whether the snooze is still on at `now` (it ends at the timestamp itself). */
export function isSnoozed(tags: Port22Tags, now: Date): boolean {
  return tags.snoozeUntil !== undefined && now.getTime() < tags.snoozeUntil.getTime();
}

/** The value of tag `key`, or undefined. */
export function tagValue(tags: readonly Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/** The tags as `Key → Value`; a tag without a value reads as ``, as the EC2 console shows it. */
export function tagRecord(tags: readonly Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

/**
 * The SSH port of an instance: its `port22:port` tag, else `fallback`. The analyzer, the exposure audit and
 * target selection all ask here, so they agree on the port a tag names.
 */
export function sshPortOf(instance: Instance, fallback: number): number {
  return parsePort(tagValue(instance.Tags, TAG.port)) ?? fallback;
}
