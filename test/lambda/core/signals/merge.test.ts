import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostSignals } from '../../../../lambda/core/diagnose/types.ts';
import type { Instance } from '../../../../lambda/core/inventory/model.ts';
import { inventorySignals, mergeSignals } from '../../../../lambda/core/signals/merge.ts';

const ID = 'i-0abc';

describe('mergeSignals', () => {
  const cases: { name: string; base?: HostSignals; live?: HostSignals; expected?: HostSignals }[] = [
    { name: 'neither: nothing known' },
    {
      name: 'inventory only',
      base: { instanceId: ID, state: 'running' },
      expected: { instanceId: ID, state: 'running' },
    },
    {
      name: 'source only',
      live: { instanceId: ID, cpuPercent: 12 },
      expected: { instanceId: ID, cpuPercent: 12 },
    },
    {
      name: 'the source wins a field both know',
      base: { instanceId: ID, state: 'running', systemStatus: 'ok' },
      live: { instanceId: ID, state: 'stopping' },
      expected: { instanceId: ID, state: 'stopping', systemStatus: 'ok' },
    },
    {
      name: 'a field the source leaves undefined keeps the inventory value',
      base: { instanceId: ID, state: 'running', instanceStatus: 'impaired' },
      live: { instanceId: ID, state: undefined, instanceStatus: undefined, cpuPercent: 97 },
      expected: { instanceId: ID, state: 'running', instanceStatus: 'impaired', cpuPercent: 97 },
    },
    {
      name: 'a zero from the source is a value, not a gap',
      base: { instanceId: ID, cpuCreditBalance: 40 },
      live: { instanceId: ID, cpuCreditBalance: 0 },
      expected: { instanceId: ID, cpuCreditBalance: 0 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(mergeSignals(c.base, c.live), c.expected);
    });
  }

  it('leaves both inputs as they were', () => {
    const base: HostSignals = { instanceId: ID, state: 'running' };
    mergeSignals(base, { instanceId: ID, state: 'stopped' });
    assert.deepEqual(base, { instanceId: ID, state: 'running' });
  });
});

describe('inventorySignals', () => {
  const instance = (id: string, state?: string): Instance => ({
    InstanceId: id,
    ...(state ? { State: { Name: state as 'running' } } : {}),
  });

  it('status checks from describe-instance-status; state from describe-instances where it says nothing', () => {
    const signals = inventorySignals(
      {
        instanceStatuses: [
          {
            InstanceId: 'i-1',
            InstanceState: { Name: 'running' },
            SystemStatus: { Status: 'ok' },
            InstanceStatus: { Status: 'impaired' },
          },
          { InstanceId: 'i-2', SystemStatus: { Status: 'ok' } },
          { InstanceId: 'i-9', InstanceState: { Name: 'running' } },
        ],
      },
      [instance('i-1', 'stopping'), instance('i-2', 'stopped'), instance('i-3', 'pending'), instance('i-4')],
    );
    assert.deepEqual(Object.fromEntries(signals), {
      // describe-instance-status is the fresher answer: its state wins over describe-instances'.
      'i-1': { instanceId: 'i-1', state: 'running', systemStatus: 'ok', instanceStatus: 'impaired' },
      'i-2': { instanceId: 'i-2', state: 'stopped', systemStatus: 'ok' },
      'i-3': { instanceId: 'i-3', state: 'pending' },
      'i-4': { instanceId: 'i-4' },
    });
  });
});
