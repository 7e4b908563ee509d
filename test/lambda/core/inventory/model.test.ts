import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sshPortOf } from '../../../../lambda/core/inventory/model.ts';

describe('sshPortOf', () => {
  // The analyzer, the exposure audit and target selection must agree on the port a tag names.
  const cases: [string | undefined, number][] = [
    [undefined, 22],
    ['2222', 2222],
    [' 2222 ', 2222],
    ['0', 22],
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
});
