import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangeEvent } from '../../../lambda/core/changes/cloudtrail.ts';
import type { ChangeHistory } from '../../../lambda/ports.ts';
import { attributeChanges } from '../../../lambda/steps/attribute-changes.ts';
import type { CheckedInstance, PathChange } from '../../../lambda/steps/changes.ts';
import { diagnosisOf, targets, WALLED, WEB } from './world.ts';

const fleet = targets();
const SINCE = '2026-12-01T10:00:00.000Z';

function checked(instanceId: string, changes: PathChange[]): CheckedInstance {
  const diagnosis = diagnosisOf('BLOCKED_BY_SECURITY_GROUP');
  return {
    target: fleet.get(instanceId)!,
    diagnosis: {
      ...diagnosis,
      evidence: [
        ...diagnosis.evidence,
        ...changes.map((c) => ({
          kind: 'change' as const,
          code: 'PATH_CONFIG_CHANGED',
          detail: c.line,
          resourceId: c.change.resourceId,
        })),
      ],
    },
    changes: changes.map((c) => c.line),
    pathChanges: changes,
  };
}

const ruleRemoved = (sg: string): PathChange => ({
  change: { resourceId: sg, change: 'removed', line: 'inbound rule tcp/22 from 10.0.0.0/16' },
  line: `${sg}: inbound rule tcp/22 from 10.0.0.0/16 removed since the last healthy check at ${SINCE}`,
  since: SINCE,
});

const revoke: ChangeEvent = {
  eventName: 'RevokeSecurityGroupIngress',
  eventTime: '2026-12-01T11:20:00.000Z',
  principal: 'arn:aws:iam::123456789012:user/alice',
  sourceAddress: '198.51.100.7',
  resourceIds: ['sg-0web'],
};

function recording(events: Record<string, ChangeEvent[]>, asked: string[]): ChangeHistory {
  return {
    lookup: async (resourceId) => {
      asked.push(resourceId);
      if (resourceId === 'sg-broken') throw new Error('Rate exceeded');
      return events[resourceId] ?? [];
    },
  };
}

describe('attributeChanges', () => {
  it('names who made a change in its evidence (principal, at) and in "What changed"; one lookup per resource', async () => {
    const asked: string[] = [];
    const result = await attributeChanges(
      recording({ 'sg-0web': [revoke] }, asked),
      [checked(WEB, [ruleRemoved('sg-0web')]), checked(WALLED, [ruleRemoved('sg-0web')])],
      { clock: Date.now },
    );
    assert.deepEqual(asked, ['sg-0web']);
    const web = result.instances[0]!;
    const line = web.diagnosis.evidence.find((e) => e.kind === 'change');
    assert.equal(line?.principal, 'arn:aws:iam::123456789012:user/alice');
    assert.equal(line?.at, '2026-12-01T11:20:00.000Z');
    assert.equal(
      web.changes[0],
      `sg-0web: inbound rule tcp/22 from 10.0.0.0/16 removed since the last healthy check at ${SINCE}: RevokeSecurityGroupIngress by arn:aws:iam::123456789012:user/alice from 198.51.100.7 at 2026-12-01T11:20:00.000Z`,
    );
    assert.deepEqual(result.errors, []);
  });

  it('looks up at most the cap per run (at the cap: all; one over: the last named as skipped)', async () => {
    const two = [checked(WEB, [ruleRemoved('sg-a'), ruleRemoved('sg-b')])];
    const atCap: string[] = [];
    assert.deepEqual(
      (await attributeChanges(recording({}, atCap), two, { clock: Date.now, changeLookupsPerRun: 2 })).errors,
      [],
    );
    assert.deepEqual(atCap, ['sg-a', 'sg-b']);
    const overCap: string[] = [];
    const over = await attributeChanges(recording({}, overCap), two, {
      clock: Date.now,
      changeLookupsPerRun: 1,
    });
    assert.deepEqual(overCap, ['sg-a']);
    assert.deepEqual(over.errors, [
      'attribute-changes: not looked up (over 1 lookups per run or out of time): sg-b',
    ]);
  });

  it('keeps a change unattributed when its lookup fails or the deadline passed, and says so', async () => {
    const asked: string[] = [];
    const failed = await attributeChanges(recording({}, asked), [checked(WEB, [ruleRemoved('sg-broken')])], {
      clock: Date.now,
    });
    assert.deepEqual(failed.errors, ['attribute-changes: sg-broken: Rate exceeded']);
    assert.equal(
      failed.instances[0]?.diagnosis.evidence.find((e) => e.kind === 'change')?.principal,
      undefined,
    );
    const late = await attributeChanges(recording({}, asked), [checked(WEB, [ruleRemoved('sg-0web')])], {
      clock: () => 2000,
      deadlineAt: 2000,
    });
    assert.equal(asked.length, 1);
    assert.match(late.errors[0] ?? '', /not looked up .*: sg-0web$/);
  });

  it('asks nothing without changes or without a history', async () => {
    const asked: string[] = [];
    const none = [checked(WEB, [])];
    assert.equal((await attributeChanges(recording({}, asked), none, { clock: Date.now })).instances, none);
    assert.deepEqual(asked, []);
    const some = [checked(WEB, [ruleRemoved('sg-0web')])];
    assert.equal((await attributeChanges(undefined, some, { clock: Date.now })).instances, some);
  });
});
