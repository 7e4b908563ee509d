import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SsmHostCheck } from '../../lambda/adapters/aws/ssm-host-check.ts';
import { awsPorts } from '../../lambda/wiring.ts';

describe('awsPorts: the in-host check', () => {
  it('is wired only when asked for (the handler passes evidence.ssm)', () => {
    assert.equal(awsPorts({ region: 'eu-west-1' }).evidence, undefined);
    const sources = awsPorts({ region: 'eu-west-1', hostCheck: true }).evidence ?? [];
    assert.deepEqual(
      sources.map((s) => [s.kind, s instanceof SsmHostCheck]),
      [['host', true]],
    );
  });
});
