import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  outcomeForDeadline,
  outcomeForSocketError,
  type ProbePhase,
} from '../../../../lambda/core/probe/socket-errors.ts';
import type { ProbeOutcome } from '../../../../lambda/core/probe/types.ts';

describe('outcomeForSocketError', () => {
  const cases: ['connect' | 'ident', string | undefined, ProbeOutcome][] = [
    ['connect', 'ECONNREFUSED', 'refused'],
    ['connect', 'ETIMEDOUT', 'timeout'],
    ['connect', 'EHOSTUNREACH', 'unreachable'],
    ['connect', 'ENETUNREACH', 'unreachable'],
    ['connect', 'EACCES', 'unreachable'],
    ['connect', 'EPERM', 'unreachable'],
    ['connect', 'ENOTFOUND', 'unreachable'],
    ['connect', 'ECONNRESET', 'reset-before-ident'],
    ['connect', undefined, 'unreachable'],
    ['ident', 'ECONNRESET', 'reset-before-ident'],
    ['ident', 'EPIPE', 'reset-before-ident'],
    ['ident', 'ETIMEDOUT', 'ident-timeout'],
    ['ident', 'EHOSTUNREACH', 'unreachable'],
  ];
  for (const [phase, code, expected] of cases) {
    it(`${phase} + ${code ?? '(no code)'} → ${expected}`, () => {
      assert.equal(outcomeForSocketError(phase, code), expected);
    });
  }
});

describe('outcomeForDeadline', () => {
  const cases: [ProbePhase, ProbeOutcome][] = [
    ['connect', 'timeout'],
    ['ident', 'ident-timeout'],
    ['kex', 'kex-timeout'],
    ['auth', 'ok'],
  ];
  for (const [phase, expected] of cases) {
    it(`${phase} → ${expected}`, () => assert.equal(outcomeForDeadline(phase), expected));
  }
});
