import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexInventory } from '../../../../lambda/core/inventory/model.ts';
import { AnalysisContext } from '../../../../lambda/core/reachability/evaluation.ts';
import { evaluateInstanceState } from '../../../../lambda/core/reachability/instance-state-evaluator.ts';
import { instance, inventory } from './inventory-builder.ts';

describe('instance state evaluator', () => {
  const cases: [string, boolean][] = [
    ['running', true],
    ['stopped', false],
    ['stopping', false],
    ['pending', false],
    ['shutting-down', false],
  ];
  for (const [state, want] of cases) {
    it(`${state} → ${want ? 'passes' : 'INSTANCE_NOT_RUNNING'}`, () => {
      const i = instance('i-0a1', { ip: '10.0.1.5', groups: [], state });
      const v = evaluateInstanceState(new AnalysisContext(indexInventory(inventory({ instances: [i] }))), i);
      assert.equal(v.passed, want);
      if (!want) {
        assert.equal(v.blockers[0]?.code, 'INSTANCE_NOT_RUNNING');
        assert.equal(v.blockers[0]?.resourceId, 'i-0a1');
        assert.match(v.blockers[0]!.detail, new RegExp(state));
      }
    });
  }
  it('falls back to DescribeInstanceStatus when the record has no state', () => {
    const i = { ...instance('i-0a1', { ip: '10.0.1.5', groups: [] }), State: undefined };
    const inv = inventory({
      instances: [i],
      instanceStatuses: [{ InstanceId: 'i-0a1', InstanceState: { Name: 'stopped' } }],
    });
    assert.equal(evaluateInstanceState(new AnalysisContext(indexInventory(inv)), i).passed, false);
  });
  // EC2 User Guide, "Amazon EC2 instance state changes": every instance is in one of six states; a record
  // without one is a gap in the inventory, so the leg is unknown — no INSTANCE_NOT_RUNNING.
  it('no state anywhere: unknown, naming the instance, not INSTANCE_NOT_RUNNING', () => {
    const i = { ...instance('i-0a1', { ip: '10.0.1.5', groups: [] }), State: undefined };
    const v = evaluateInstanceState(new AnalysisContext(indexInventory(inventory({ instances: [i] }))), i);
    assert.equal(v.passed, false);
    assert.deepEqual(v.blockers, []);
    assert.deepEqual(
      v.missing?.map((m) => `${m.kind} ${m.resourceId}`),
      ['instance-state i-0a1'],
    );
  });
});
