/**
 * `ipset save` read into address sets. The fixture is the real output of ipset v7.17 (protocol 7) in a
 * namespace after:
 *   ipset create f2b-sshd hash:ip timeout 600; add 203.0.113.9; add 10.20.0.5 timeout 0
 *   ipset create f2b-sshd6 hash:ip family inet6 timeout 600; add 2001:db8::9
 *   ipset create blocklist hash:net family inet comment; add 198.51.100.0/24 comment "abuse report";
 *     add 198.51.100.64/26 nomatch; add 198.51.100.80/28; add 192.0.2.7
 *   ipset create office6 hash:net family inet6; add 2001:db8:1::/48
 *   ipset create webports hash:ip,port; add 198.51.100.1,tcp:22
 *   ipset create allsets list:set; add blocklist
 *   ipset create lab bitmap:ip range 198.18.0.0/24; add 198.18.0.9
 *   ipset create nets24 hash:ip netmask 24; add 192.0.2.200
 * Expected members are read off those commands by hand.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type Ipset, parseIpsetSave } from '../../../../../lambda/core/evidence/host-firewall/ipset-save.ts';
import { parseAddress } from '../../../../../lambda/core/net/cidr.ts';

const SAVED = readFileSync(
  new URL('../../../../fixtures/host-check/ipset-save.txt', import.meta.url),
  'utf8',
);
const sets = parseIpsetSave(SAVED);

function has(set: Ipset | undefined, address: string): boolean {
  assert.ok(
    set && 'members' in set,
    `${set?.name}: ${set && 'unsupported' in set ? set.unsupported : 'missing'}`,
  );
  const a = parseAddress(address);
  assert.ok(a, address);
  return a.family === set.family && set.members.has(a.value);
}

describe('ipset save: the one-dimension address sets', () => {
  it('reads every set by name, in the family it was created with (inet when none is given)', () => {
    assert.deepEqual([...sets.keys()].sort(), [
      'allsets',
      'blocklist',
      'f2b-sshd',
      'f2b-sshd6',
      'lab',
      'nets24',
      'office6',
      'webports',
    ]);
    const family = (name: string) => {
      const s = sets.get(name);
      return s && 'family' in s ? s.family : undefined;
    };
    assert.equal(family('f2b-sshd'), 'ipv4');
    assert.equal(family('f2b-sshd6'), 'ipv6');
    assert.equal(family('office6'), 'ipv6');
    assert.equal(parseIpsetSave('create bare hash:ip\nadd bare 192.0.2.1\n').get('bare')?.type, 'hash:ip');
    assert.equal(
      has(parseIpsetSave('create bare hash:ip\nadd bare 192.0.2.1\n').get('bare'), '192.0.2.1'),
      true,
    );
  });

  const cases: [string, string, string, boolean][] = [
    ['a hash:ip element with a running timeout is a member now', 'f2b-sshd', '203.0.113.9', true],
    ['an element with timeout 0 (never expires)', 'f2b-sshd', '10.20.0.5', true],
    ['the address next to a hash:ip element is not', 'f2b-sshd', '10.20.0.6', false],
    ['and the one before it', 'f2b-sshd', '10.20.0.4', false],
    ['an inet6 hash:ip element', 'f2b-sshd6', '2001:db8::9', true],
    ['its neighbour', 'f2b-sshd6', '2001:db8::8', false],
    ['hash:net: the first address of the /24', 'blocklist', '198.51.100.0', true],
    ['the last address before the nomatch /26', 'blocklist', '198.51.100.63', true],
    ['the first address of the nomatch /26 is excluded', 'blocklist', '198.51.100.64', false],
    ['the last address before the /28 inside the hole', 'blocklist', '198.51.100.79', false],
    ['the /28 inside the nomatch /26 is more specific: a member again', 'blocklist', '198.51.100.80', true],
    ['the last address of that /28', 'blocklist', '198.51.100.95', true],
    ['the first address after it, back in the hole', 'blocklist', '198.51.100.96', false],
    ['the last address of the hole', 'blocklist', '198.51.100.127', false],
    ['the first address after the hole, in the /24 again', 'blocklist', '198.51.100.128', true],
    ['the last address of the /24', 'blocklist', '198.51.100.255', true],
    ['the first address after the /24', 'blocklist', '198.51.101.0', false],
    ['a bare address in hash:net is a /32', 'blocklist', '192.0.2.7', true],
    ['its neighbour', 'blocklist', '192.0.2.8', false],
    ['an inet6 hash:net prefix, its first address', 'office6', '2001:db8:1::', true],
    ['its last address', 'office6', '2001:db8:1:ffff:ffff:ffff:ffff:ffff', true],
    ['the first address after it', 'office6', '2001:db8:2::', false],
    ['hash:ip netmask 24: an address of the saved network', 'nets24', '192.0.2.1', true],
    ['the last address of that network', 'nets24', '192.0.2.255', true],
    ['the first address after it', 'nets24', '192.0.3.0', false],
  ];
  for (const [title, set, address, member] of cases) {
    it(`${title}: ${set} ${member ? 'holds' : 'does not hold'} ${address}`, () =>
      assert.equal(has(sets.get(set), address), member));
  }
});

describe('ipset save: what is kept by name only, with the reason', () => {
  const reason = (text: string, name: string) => {
    const s = parseIpsetSave(text).get(name);
    assert.ok(s && 'unsupported' in s, `${name} is read`);
    return s.unsupported;
  };
  it('other types: hash:ip,port, list:set, bitmap:ip', () => {
    assert.equal(reason(SAVED, 'webports'), 'its type hash:ip,port is not read');
    assert.equal(reason(SAVED, 'allsets'), 'its type list:set is not read');
    assert.equal(reason(SAVED, 'lab'), 'its type bitmap:ip is not read');
  });
  it('an element that is not an address of the set’s family, or a prefix in hash:ip', () => {
    assert.equal(
      reason('create s hash:ip family inet\nadd s 2001:db8::1\n', 's'),
      'its element 2001:db8::1 could not be read',
    );
    assert.equal(
      reason('create s hash:ip\nadd s 192.0.2.0/24\n', 's'),
      'its element 192.0.2.0/24 could not be read',
    );
    assert.equal(
      reason('create s hash:net\nadd s 192.0.2.300\n', 's'),
      'its element 192.0.2.300 could not be read',
    );
  });
  it('a family ipset does not know, and a bitmask that changes every lookup', () => {
    assert.equal(reason('create s hash:ip family inet7\n', 's'), 'its family inet7 is not read');
    assert.equal(
      reason('create s hash:ip family inet bitmask 255.255.0.255\nadd s 1.2.0.4\n', 's'),
      'its option bitmask is not read',
    );
  });
  it('a quoted comment holding the word nomatch is a comment, not the flag', () => {
    const s = parseIpsetSave('create s hash:net comment\nadd s 192.0.2.0/24 comment "nomatch later"\n').get(
      's',
    );
    assert.equal(has(s, '192.0.2.9'), true);
  });
  it('garbage, an add before its create, empty output: nothing is invented', () => {
    assert.equal(parseIpsetSave('').size, 0);
    assert.equal(parseIpsetSave('ipset v7.17: Kernel error received: Operation not permitted\n').size, 0);
    const late = parseIpsetSave('add s 192.0.2.1\ncreate s hash:ip\n').get('s');
    assert.equal(has(late, '192.0.2.1'), false);
  });
});
