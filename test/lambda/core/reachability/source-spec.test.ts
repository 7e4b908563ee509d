import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalSourceSpec, parseSourceSpec } from '../../../../lambda/core/reachability/source-spec.ts';

// What each spec names, from its text alone; the CIDR rows give the block as first/last address and prefix.
describe('parseSourceSpec', () => {
  const cases: Array<[string, object | undefined]> = [
    ['internet', { kind: 'internet' }],
    ['i-0123456789abcdef0', { kind: 'instance', instanceId: 'i-0123456789abcdef0' }],
    ['eni-01234567', { kind: 'eni', eniId: 'eni-01234567' }],
    [
      '203.0.113.0/24',
      { kind: 'cidr', cidr: { family: 'ipv4', first: 0xcb007100n, last: 0xcb0071ffn, prefix: 24 } },
    ],
    [
      '203.0.113.7',
      { kind: 'cidr', cidr: { family: 'ipv4', first: 0xcb007107n, last: 0xcb007107n, prefix: 32 } },
    ],
    ['0.0.0.0/0', { kind: 'cidr', cidr: { family: 'ipv4', first: 0n, last: 0xffffffffn, prefix: 0 } }],
    ['::/0', { kind: 'cidr', cidr: { family: 'ipv6', first: 0n, last: (1n << 128n) - 1n, prefix: 0 } }],
    ['203.0.113.7/33', undefined],
    ['2001:db8::1/129', undefined],
    ['fe80::1%eth0/64', undefined],
    ['Internet', undefined],
    [' internet', undefined],
    ['i-', undefined],
    ['sg-0123456789abcdef0', undefined],
    ['', undefined],
  ];
  for (const [spec, expected] of cases) {
    it(`${JSON.stringify(spec)} → ${expected ? (expected as { kind: string }).kind : 'not a source spec'}`, () => {
      assert.deepEqual(parseSourceSpec(spec), expected);
    });
  }
});

// Two specs name one source exactly when their spellings here are equal: the stack's duplicate check.
describe('canonicalSourceSpec', () => {
  const cases: Array<[string, string]> = [
    ['internet', 'internet'],
    ['i-0123456789abcdef0', 'i-0123456789abcdef0'],
    ['eni-01234567', 'eni-01234567'],
    ['203.0.113.7', '203.0.113.7/32'],
    ['203.0.113.7/32', '203.0.113.7/32'],
    ['2001:DB8:0::/56', '2001:db8::/56'],
    ['2001:db8::1', '2001:db8::1/128'],
  ];
  for (const [spec, canonical] of cases) {
    it(`${spec} → ${canonical}`, () => {
      const parsed = parseSourceSpec(spec);
      assert.ok(parsed, spec);
      assert.equal(canonicalSourceSpec(parsed), canonical);
    });
  }
});
