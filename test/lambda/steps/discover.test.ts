import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { discover } from '../../../lambda/steps/discover.ts';
import { WEB, world } from './world.ts';

describe('discover step', () => {
  it('the inventory, indexed, and each part that could not be read prefixed with the step', async () => {
    const inventory = world();
    const found = await discover({
      load: async () => ({ inventory, errors: ['vpc-0b2: DescribeRouteTables: AccessDenied'] }),
    });
    assert.equal(found.inventory, inventory);
    assert.equal(found.index?.instances.get(WEB)?.InstanceId, WEB);
    assert.deepEqual(found.errors, ['discover: vpc-0b2: DescribeRouteTables: AccessDenied']);
  });

  it('a source that can read nothing: no inventory, one line, no throw', async () => {
    const found = await discover({
      load: async () => {
        throw new Error('DescribeInstances failed: UnauthorizedOperation');
      },
    });
    assert.equal(found.inventory, undefined);
    assert.deepEqual(found.errors, ['discover: DescribeInstances failed: UnauthorizedOperation']);
  });
});
