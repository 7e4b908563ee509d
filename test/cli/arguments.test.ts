import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { positiveInteger } from '../../cli/arguments.ts';
import { UsageError } from '../../cli/usage-error.ts';

describe('positiveInteger', () => {
  const ACCEPTED: Array<[string, number | undefined, number]> = [
    ['1', undefined, 1],
    ['22', 65535, 22],
    ['65535', 65535, 65535],
    ['007', undefined, 7],
  ];
  for (const [text, max, want] of ACCEPTED)
    it(`accepts '${text}'${max ? ` up to ${max}` : ''}`, () =>
      assert.equal(positiveInteger('--n', text, max), want));

  const REJECTED: Array<[string, number | undefined, RegExp]> = [
    ['0', undefined, /^bad number '0' for --n \(expected a positive integer\)$/],
    ['65536', 65535, /^bad number '65536' for --n \(expected 1-65535\)$/],
    ['0x16', 65535, /expected 1-65535/],
    ['1e2', undefined, /expected a positive integer/],
    [' 7', undefined, /bad number ' 7'/],
    ['-3', undefined, /bad number '-3'/],
    ['', undefined, /bad number ''/],
    ['99999999999999999999', undefined, /bad number/],
  ];
  for (const [text, max, message] of REJECTED)
    it(`rejects '${text}'`, () =>
      assert.throws(
        () => positiveInteger('--n', text, max),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
      ));
});
