/**
 * The README and docs/analyze.md name every inventory file the parser reads and every IAM action the stack
 * grants the collector, read from the code's own lists, so a file or an action added later cannot go
 * undocumented.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  OPTIONAL_FILES,
  PER_RESOURCE_DIRECTORIES,
  REQUIRED_FILES,
} from '../../lambda/core/inventory/parse.ts';
import {
  EC2_READ_ACTIONS,
  ELBV2_READ_ACTIONS,
  NETWORK_FIREWALL_READ_ACTIONS,
} from '../../lib/prober-function.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('inventory documentation', () => {
  for (const doc of ['README.md', 'docs/analyze.md']) {
    const text = read(doc);
    it(`${doc} names every inventory file`, () => {
      const files = [
        ...REQUIRED_FILES,
        ...OPTIONAL_FILES,
        ...Object.keys(PER_RESOURCE_DIRECTORIES).map((d) => `${d}/`),
      ];
      assert.deepEqual(
        files.filter((f) => !text.includes(f)),
        [],
      );
    });
    it(`${doc} names every IAM action the collector needs`, () => {
      const actions = [...EC2_READ_ACTIONS, ...NETWORK_FIREWALL_READ_ACTIONS, ...ELBV2_READ_ACTIONS];
      const named = (a: string) => text.includes(`\`${a}\``) || text.includes(`\`${a.split(':')[1]}\``);
      assert.deepEqual(
        actions.filter((a) => !named(a)),
        [],
      );
    });
  }
});
