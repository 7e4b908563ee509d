import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AddressSet,
  formatAddress,
  formatCidr,
  hostBitsCleared,
  ipv4OfMapped,
  parseAddress,
  parseCidr,
  publicAddresses,
} from '../../../../lambda/core/net/cidr.ts';
import { normalizePorts, parsePortRange, subtractPorts } from '../../../../lambda/core/net/port-range.ts';

const cidr = (s: string) => {
  const c = parseCidr(s);
  assert.ok(c, s);
  return c;
};
const set = (family: 'ipv4' | 'ipv6', ...cidrs: string[]) => AddressSet.fromCidrs(family, cidrs.map(cidr));

describe('parseCidr / formatCidr', () => {
  const cases: [string, string | undefined][] = [
    ['10.0.0.0/16', '10.0.0.0/16'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['203.0.113.7', '203.0.113.7/32'],
    ['2001:db8::/32', '2001:db8::/32'],
    ['2001:DB8:0:0:1::1/128', '2001:db8::1:0:0:1/128'],
    ['::/0', '::/0'],
    ['::ffff:192.0.2.1/128', '::ffff:c000:201/128'],
    ['10.0.0/8', undefined],
    ['10.0.0.256/32', undefined],
    ['010.0.0.0/8', undefined],
    ['10.0.0.0/33', undefined],
    ['2001:db8:::1/64', undefined],
    ['1:2:3:4:5:6:7:8:9/128', undefined],
    ['', undefined],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} → ${want ?? 'invalid'}`, () => {
      const c = parseCidr(input);
      assert.equal(c ? formatCidr(c) : undefined, want);
    });
  }
  it('formats IPv6 per RFC 5952 (longest zero run, first when tied)', () => {
    assert.equal(formatAddress(parseAddress('2001:0:0:1:0:0:0:1')!), '2001:0:0:1::1');
    assert.equal(formatAddress(parseAddress('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
    assert.equal(formatAddress(parseAddress('2001:db8:1:2:3:4:5:6')!), '2001:db8:1:2:3:4:5:6');
  });
});

describe('hostBitsCleared', () => {
  const cases: Array<[string, string | undefined]> = [
    ['10.0.0.0/16', undefined],
    ['10.0.0.1/16', '10.0.0.0/16'],
    ['10.0.255.255/16', '10.0.0.0/16'],
    ['10.1.0.0/16', undefined],
    ['10.0.0.1/32', undefined],
    ['0.0.0.1/0', '0.0.0.0/0'],
    ['2001:db8::/32', undefined],
    ['2001:db8::1/127', '2001:db8::/127'],
    ['2001:db8::1/128', undefined],
    // A bare address has no host bits: it is a /32 or /128.
    ['10.0.0.1', undefined],
    ['not a block', undefined],
  ];
  for (const [text, block] of cases) {
    it(`${text} → ${block ?? 'none'}`, () => {
      const cleared = hostBitsCleared(text);
      assert.equal(cleared && formatCidr(cleared), block);
    });
  }
});

// RFC 4291 §2.5.5.2: ::ffff:0:0/96 holds the IPv4-mapped addresses; a block only partly inside is not one.
describe('ipv4OfMapped', () => {
  const cases: Array<[string, string | undefined]> = [
    ['::ffff:0:0/96', '0.0.0.0/0'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:cb00:7107/128', '203.0.113.7/32'],
    ['::fffe:0:0/95', undefined],
    ['::ffff:0:0/95', undefined],
    ['::fffe:ffff:ffff/128', undefined],
    ['1::ffff:0:0/96', undefined],
    ['::10.0.0.1/128', undefined],
    ['10.0.0.0/8', undefined],
  ];
  for (const [text, block] of cases) {
    it(`${text} → ${block ?? 'not mapped'}`, () => {
      const ipv4 = ipv4OfMapped(cidr(text));
      assert.equal(ipv4 && formatCidr(ipv4), block);
    });
  }
});

describe('AddressSet', () => {
  it('merges adjacent halves into the whole space', () => {
    const s = set('ipv4', '128.0.0.0/1', '0.0.0.0/1');
    assert.deepEqual(s.toCidrs().map(formatCidr), ['0.0.0.0/0']);
    assert.equal(s.covers(AddressSet.all('ipv4')), true);
  });
  it('subtracts a hole and describes the rest as CIDRs', () => {
    const s = set('ipv4', '10.0.0.0/24').subtract(set('ipv4', '10.0.0.128/25'));
    assert.deepEqual(s.toCidrs().map(formatCidr), ['10.0.0.0/25']);
    const holes = set('ipv4', '10.0.0.0/8').subtract(set('ipv4', '10.1.0.0/16'));
    assert.equal(holes.size, 2n ** 24n - 2n ** 16n);
    assert.equal(holes.has(parseAddress('10.1.2.3')!.value), false);
    assert.equal(holes.has(parseAddress('10.2.0.0')!.value), true);
  });
  it('intersects', () => {
    const s = set('ipv4', '10.0.0.0/8', '192.168.0.0/16').intersect(
      set('ipv4', '10.3.0.0/16', '172.16.0.0/12'),
    );
    assert.deepEqual(s.toCidrs().map(formatCidr), ['10.3.0.0/16']);
  });
  it('IPv6 arithmetic works across the 128-bit space', () => {
    const s = set('ipv6', '::/1', '8000::/1');
    assert.equal(s.covers(AddressSet.all('ipv6')), true);
    assert.equal(set('ipv6', '2000::/4').covers(publicAddresses('ipv6')), false);
  });
});

describe('public addresses', () => {
  const cases: [string, boolean][] = [
    ['8.8.8.8', true],
    ['54.210.17.4', true],
    ['10.0.1.25', false],
    ['172.31.0.5', false],
    ['100.64.1.1', false],
    ['198.18.0.1', false],
    ['224.0.0.1', false],
    ['2600:1f18::1', true],
    ['2001:db8::1', false],
    ['fd00::1', false],
    ['fe80::1', false],
  ];
  for (const [a, want] of cases)
    it(`${a} public: ${want}`, () => {
      const addr = parseAddress(a)!;
      assert.equal(publicAddresses(addr.family).has(addr.value), want);
    });

  it('0.0.0.0/1 + 128.0.0.0/1 covers every public IPv4 address; a /24 does not', () => {
    assert.equal(set('ipv4', '0.0.0.0/1', '128.0.0.0/1').covers(publicAddresses('ipv4')), true);
    assert.equal(set('ipv4', '198.51.100.0/24').covers(publicAddresses('ipv4')), false);
    // Everything except the private ranges still covers the internet.
    const allButPrivate = AddressSet.all('ipv4').subtract(set('ipv4', '10.0.0.0/8', '192.168.0.0/16'));
    assert.equal(allButPrivate.covers(publicAddresses('ipv4')), true);
    // Everything except one public /24 does not.
    const allButOne = AddressSet.all('ipv4').subtract(set('ipv4', '8.8.8.0/24'));
    assert.equal(allButOne.covers(publicAddresses('ipv4')), false);
  });
});

describe('port ranges', () => {
  it('parses, subtracts and merges', () => {
    assert.deepEqual(parsePortRange('1024-65535'), { from: 1024, to: 65535 });
    assert.deepEqual(parsePortRange('22'), { from: 22, to: 22 });
    assert.equal(parsePortRange('65535-1024'), undefined);
    assert.equal(parsePortRange('70000'), undefined);
    assert.deepEqual(subtractPorts({ from: 1024, to: 65535 }, { from: 32768, to: 65535 }), [
      { from: 1024, to: 32767 },
    ]);
    assert.deepEqual(subtractPorts({ from: 1, to: 10 }, { from: 4, to: 6 }), [
      { from: 1, to: 3 },
      { from: 7, to: 10 },
    ]);
    assert.deepEqual(
      normalizePorts([
        { from: 5, to: 9 },
        { from: 1, to: 4 },
        { from: 20, to: 30 },
      ]),
      [
        { from: 1, to: 9 },
        { from: 20, to: 30 },
      ],
    );
  });
});
