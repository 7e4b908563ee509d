/**
 * The instance tags that steer alerting (DESIGN.md, "Tags and config"). A malformed value is ignored
 * rather than failing the run: a typo in one tag must not silence the whole fleet.
 */

export const TAG_EXPECT = 'port22:expect';
export const TAG_GROUP = 'port22:group';
export const TAG_GROUP_MIN = 'port22:group-min';
export const TAG_SNOOZE_UNTIL = 'port22:snooze-until';

export interface AlertTags {
  expect: 'open' | 'closed';
  group?: string;
  /** Minimum healthy members of the group (positive integer). */
  groupMin?: number;
  snoozeUntil?: Date;
}

export function parseAlertTags(tags: Readonly<Record<string, string>>): AlertTags {
  const out: AlertTags = { expect: tags[TAG_EXPECT]?.trim().toLowerCase() === 'closed' ? 'closed' : 'open' };
  const group = tags[TAG_GROUP]?.trim();
  if (group) out.group = group;
  const min = tags[TAG_GROUP_MIN]?.trim();
  if (min && /^[1-9][0-9]*$/.test(min)) out.groupMin = Number(min);
  const snooze = tags[TAG_SNOOZE_UNTIL]?.trim();
  // Only full ISO 8601 timestamps: Date.parse would also accept "3" or "March", which no one means.
  if (snooze && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(snooze)) {
    const t = Date.parse(snooze);
    if (!Number.isNaN(t)) out.snoozeUntil = new Date(t);
  }
  return out;
}

export function isSnoozed(tags: AlertTags, now: Date): boolean {
  return tags.snoozeUntil !== undefined && now.getTime() < tags.snoozeUntil.getTime();
}
