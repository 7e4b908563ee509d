import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isSnoozed,
  parseExpect,
  parseGroup,
  parseGroupMin,
  parseMonitor,
  parsePort,
  parsePort22Tags,
  parseSnoozeUntil,
  sshPortOf,
  TAG,
  tagRecord,
  tagValue,
} from '../../../../lambda/core/inventory/tags.ts';

/** One test per `[tag value, expected]` row. */
function table<T>(parse: (value: string | undefined) => T, rows: [string | undefined, T][]): void {
  for (const [value, want] of rows)
    it(`${JSON.stringify(value)} → ${want}`, () => assert.equal(parse(value), want));
}

// Expected values follow DESIGN.md "Tags and config" and README "Tags": values trimmed, keywords in any
// case, a malformed value read as no tag.

describe('tag keys', () => {
  it('are the documented port22:* keys', () => {
    assert.deepEqual(Object.values(TAG).sort(), [
      'port22:expect',
      'port22:group',
      'port22:group-min',
      'port22:host-check',
      'port22:monitor',
      'port22:port',
      'port22:snooze-until',
    ]);
  });
});

describe('parseMonitor', () => {
  table(parseMonitor, [
    [undefined, undefined],
    ['', undefined],
    ['true', true],
    ['TRUE', true],
    [' True ', true],
    ['false', false],
    [' false', false],
    ['FALSE', false],
    ['yes', undefined],
    ['no', undefined],
    ['1', undefined],
    ['0', undefined],
    ['truee', undefined],
    ['t rue', undefined],
  ]);
});

describe('parseExpect', () => {
  table(parseExpect, [
    [undefined, 'open'],
    ['', 'open'],
    ['open', 'open'],
    ['closed', 'closed'],
    ['Closed ', 'closed'],
    [' CLOSED', 'closed'],
    ['close', 'open'],
    ['maybe', 'open'],
  ]);
});

describe('parsePort', () => {
  table(parsePort, [
    [undefined, undefined],
    ['', undefined],
    ['   ', undefined],
    ['0', undefined],
    ['1', 1],
    ['22', 22],
    ['22 ', 22],
    [' 2222 ', 2222],
    ['0022', 22],
    ['65535', 65535],
    ['65536', undefined],
    ['99999999999999999999', undefined],
    ['0x16', undefined],
    ['1e2', undefined],
    ['22.0', undefined],
    ['+22', undefined],
    ['-1', undefined],
    ['2 2', undefined],
    ['ssh', undefined],
  ]);
});

describe('parseGroup', () => {
  table(parseGroup, [
    [undefined, undefined],
    ['', undefined],
    ['  ', undefined],
    ['web', 'web'],
    [' web ', 'web'],
    ['Web Tier', 'Web Tier'],
  ]);
});

describe('parseGroupMin', () => {
  table(parseGroupMin, [
    [undefined, undefined],
    ['', undefined],
    ['0', undefined],
    ['1', 1],
    [' 2 ', 2],
    ['10', 10],
    ['1.5', undefined],
    ['-1', undefined],
    ['0x2', undefined],
    ['two', undefined],
  ]);
});

describe('parseSnoozeUntil', () => {
  table(
    (value) => parseSnoozeUntil(value)?.toISOString(),
    [
      [undefined, undefined],
      ['', undefined],
      ['2025-03-04T12:00:00Z', '2025-03-04T12:00:00.000Z'],
      [' 2025-03-04T12:00:00Z ', '2025-03-04T12:00:00.000Z'],
      ['2025-03-04T14:00:00+02:00', '2025-03-04T12:00:00.000Z'],
      ['2025-03-04T12:00:00.250Z', '2025-03-04T12:00:00.250Z'],
      ['2025-03-04', '2025-03-04T00:00:00.000Z'],
      ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
      ['2025-12-31T23:59:59Z', '2025-12-31T23:59:59.000Z'],
      ['2025-02-29T00:00:00Z', undefined],
      ['2025-02-30', undefined],
      ['2025-04-31', undefined],
      ['2025-00-10', undefined],
      ['2025-13-01', undefined],
      ['2025-03-04T24:00:00Z', undefined],
      ['2025-03-04T12:60:00Z', undefined],
      ['2025-13-45T99:00:00Z', undefined],
      ['3', undefined],
      ['March', undefined],
      ['tomorrow', undefined],
      ['1741089600', undefined],
    ],
  );
});

describe('parsePort22Tags', () => {
  const cases: { tags: Record<string, string>; expected: object }[] = [
    { tags: {}, expected: { expect: 'open' } },
    { tags: { Name: 'web-1', env: 'prod' }, expected: { expect: 'open' } },
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
    {
      tags: { 'port22:monitor': 'FALSE', 'port22:port': '2222' },
      expected: { expect: 'open', monitor: false, port: 2222 },
    },
    { tags: { 'port22:monitor': 'yes', 'port22:port': '0x16' }, expected: { expect: 'open' } },
    // Keys are exact: AWS tag keys are case-sensitive.
    { tags: { 'Port22:Expect': 'closed', 'port22:port ': '2222' }, expected: { expect: 'open' } },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.tags), () => assert.deepEqual(parsePort22Tags(c.tags), c.expected));
  }
});

describe('isSnoozed', () => {
  it('snoozes strictly before the timestamp', () => {
    const tags = parsePort22Tags({ 'port22:snooze-until': '2025-03-04T12:00:00Z' });
    assert.equal(isSnoozed(tags, new Date('2025-03-04T11:59:59.999Z')), true);
    assert.equal(isSnoozed(tags, new Date('2025-03-04T12:00:00Z')), false);
  });
  it('never snoozes without the tag', () => {
    assert.equal(isSnoozed(parsePort22Tags({}), new Date(0)), false);
  });
});

describe('instance tag lists', () => {
  const Tags = [{ Key: 'Name', Value: 'web-1' }, { Key: 'empty' }, { Value: 'no key' }];
  it('tagValue finds a key, or nothing', () => {
    assert.equal(tagValue(Tags, 'Name'), 'web-1');
    assert.equal(tagValue(Tags, 'name'), undefined);
    assert.equal(tagValue(undefined, 'Name'), undefined);
  });
  it('tagRecord keeps keyed tags, a missing value read as empty', () => {
    assert.deepEqual(tagRecord(Tags), { Name: 'web-1', empty: '' });
    assert.deepEqual(tagRecord(undefined), {});
  });
});

describe('sshPortOf', () => {
  // The analyzer, the exposure audit and target selection must agree on the port a tag names.
  const cases: [string | undefined, number][] = [
    [undefined, 22],
    ['2222', 2222],
    [' 2222 ', 2222],
    ['0', 22],
    ['1', 1],
    ['65535', 65535],
    ['65536', 22],
    ['0x50', 22],
    ['1e2', 22],
    ['22.0', 22],
    ['', 22],
  ];
  for (const [tag, want] of cases) {
    it(`port22:port=${JSON.stringify(tag)} → ${want}`, () => {
      const Tags = tag === undefined ? [] : [{ Key: 'port22:port', Value: tag }];
      assert.equal(sshPortOf({ InstanceId: 'i-1', Tags }, 22), want);
    });
  }
  it('falls back to the configured port, not 22', () => {
    assert.equal(sshPortOf({ InstanceId: 'i-1' }, 2200), 2200);
  });
});
