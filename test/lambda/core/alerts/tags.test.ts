import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSnoozed, parseAlertTags } from '../../../../lambda/core/alerts/tags.ts';

describe('alert tags', () => {
  const cases: { tags: Record<string, string>; expected: object }[] = [
    { tags: {}, expected: { expect: 'open' } },
    { tags: { 'port22:expect': 'Closed ' }, expected: { expect: 'closed' } },
    { tags: { 'port22:expect': 'maybe' }, expected: { expect: 'open' } },
    {
      tags: { 'port22:group': ' web ', 'port22:group-min': '2' },
      expected: { expect: 'open', group: 'web', groupMin: 2 },
    },
    { tags: { 'port22:group': 'web', 'port22:group-min': '0' }, expected: { expect: 'open', group: 'web' } },
    { tags: { 'port22:group-min': '1.5' }, expected: { expect: 'open' } },
    {
      tags: { 'port22:snooze-until': '2025-03-04T12:00:00Z' },
      expected: { expect: 'open', snoozeUntil: new Date('2025-03-04T12:00:00Z') },
    },
    {
      tags: { 'port22:snooze-until': '2025-03-04T14:00:00+02:00' },
      expected: { expect: 'open', snoozeUntil: new Date('2025-03-04T12:00:00Z') },
    },
    { tags: { 'port22:snooze-until': '3' }, expected: { expect: 'open' } },
    { tags: { 'port22:snooze-until': '2025-13-45T99:00:00Z' }, expected: { expect: 'open' } },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.tags), () => assert.deepEqual(parseAlertTags(c.tags), c.expected));
  }
  it('snoozes strictly before the timestamp', () => {
    const tags = parseAlertTags({ 'port22:snooze-until': '2025-03-04T12:00:00Z' });
    assert.equal(isSnoozed(tags, new Date('2025-03-04T11:59:59Z')), true);
    assert.equal(isSnoozed(tags, new Date('2025-03-04T12:00:00Z')), false);
  });
});
