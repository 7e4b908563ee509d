/**
 * The host firewall evaluator on rulesets captured from real nft 1.0.6 and iptables 1.8.9 (nf_tables) in a
 * namespace (test/fixtures/host-check/; the rules that produced them are in the comments). Each expected
 * verdict is read off the rules by hand; test/lab/host-firewall-kernel.test.ts checks the same evaluator
 * against the kernel's own answers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { evaluateFirewall } from '../../../../../lambda/core/evidence/host-firewall/evaluate.ts';
import { parseIptablesSave } from '../../../../../lambda/core/evidence/host-firewall/iptables-save.ts';
import type { FirewallTable } from '../../../../../lambda/core/evidence/host-firewall/model.ts';
import { parseNftRuleset } from '../../../../../lambda/core/evidence/host-firewall/nft-json.ts';
import { hostRuleset } from '../../../../../lambda/core/evidence/host-firewall/ruleset.ts';
import { parseAddress, parseCidr } from '../../../../../lambda/core/net/cidr.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../../fixtures/host-check/${name}`, import.meta.url), 'utf8');

function decide(tables: readonly FirewallTable[], source: string, port = 22, destination?: string) {
  const cidr = parseCidr(source);
  assert.ok(cidr, source);
  const dst = destination === undefined ? undefined : parseAddress(destination);
  return evaluateFirewall(tables, { source: cidr, port, ...(dst ? { destination: dst } : {}) });
}

type Expected = { verdict: string; rule?: RegExp; policy?: RegExp; rejectWith?: string; reason?: RegExp };

function check(tables: readonly FirewallTable[], source: string, expected: Expected, port = 22): void {
  const d = decide(tables, source, port);
  assert.equal(d.verdict, expected.verdict, JSON.stringify(d));
  if (d.verdict === 'unknown') {
    if (expected.reason) assert.match(d.reason, expected.reason);
    return;
  }
  if (expected.rule) assert.match(d.rule ?? '', expected.rule);
  else assert.equal(d.rule, undefined, JSON.stringify(d));
  if (expected.policy) assert.match(d.policy ?? '', expected.policy);
  if (expected.rejectWith) assert.equal(d.rejectWith, expected.rejectWith);
}

describe('nft: table inet filter (policy drop, a named interval set, jump/return/goto, limit)', () => {
  // set allowed { type ipv4_addr; flags interval; elements = { 198.18.0.0/24, 10.0.0.1 } }
  // input (policy drop): ct state established,related accept; iifname "lo" accept; meta l4proto icmp accept;
  //   ip saddr @allowed tcp dport 22 accept; tcp dport { 22, 2222 } ip saddr 10.0.0.0/8 drop;
  //   ip6 saddr 2001:db8::/32 tcp dport 22 reject with tcp reset; tcp dport 22 jump ssh;
  //   counter reject with icmpx type admin-prohibited
  // ssh: ip saddr != 198.19.0.0/16 return; tcp flags syn limit rate 3/minute accept; tcp dport 1-1024 goto final
  // final: drop.   table ip raw, chain pre (prerouting, raw): notrack
  const tables = parseNftRuleset(fixture('nft-inet-filter.json'))!;
  const cases: [string, string, Expected, number?][] = [
    ['an address of the named set (a prefix element)', '198.18.0.77/32', { verdict: 'accept' }],
    ['the single address of the named set, at its exact value', '10.0.0.1/32', { verdict: 'accept' }],
    [
      'the next address after it falls to the 10/8 drop',
      '10.0.0.2/32',
      { verdict: 'drop', rule: /rule handle 10: tcp dport \{ 22, 2222 \} ip saddr 10\.0\.0\.0\/8 drop$/ },
    ],
    [
      '10/8 on the other port of the anonymous set',
      '10.9.9.9/32',
      { verdict: 'drop', rule: /handle 10/ },
      2222,
    ],
    [
      'the first address after the set prefix /24',
      '198.18.1.0/32',
      {
        verdict: 'reject',
        rule: /handle 13: counter reject with icmpx admin-prohibited/,
        rejectWith: 'icmpx admin-prohibited',
      },
    ],
    [
      'IPv6 in 2001:db8::/32 is rejected with a reset',
      '2001:db8:5::1/128',
      {
        verdict: 'reject',
        rule: /handle 11: ip6 saddr 2001:db8::\/32 tcp dport 22 reject with tcp reset/,
        rejectWith: 'tcp reset',
      },
    ],
    [
      // `ip saddr != 198.19.0.0/16 return` implies IPv4: it does not hold for IPv6, which goes on to the limit.
      'IPv6 outside it: the IPv4-only return does not hold, so the rate limit decides',
      '2001:db9::1/128',
      { verdict: 'unknown', reason: /limit/ },
    ],
    [
      '198.19/16 reaches the rate limit: accept or the goto-final drop, so unknown',
      '198.19.0.1/32',
      { verdict: 'unknown', reason: /limit/ },
    ],
    [
      'a /16 source only partly in the set: unknown, naming the partial match',
      '198.18.0.0/16',
      { verdict: 'unknown', reason: /part of 198\.18\.0\.0\/16/ },
    ],
    [
      'another port: not 22, not the jump, so the final reject',
      '10.0.0.1/32',
      { verdict: 'reject', rule: /handle 13/ },
      80,
    ],
  ];
  for (const [title, source, expected, port] of cases) {
    it(title, () => check(tables, source, expected, port));
  }
  it('names the table, chain and handle of every rule it reads', () => {
    const input = tables.find((t) => t.title === 'table inet filter')?.chains.get('input');
    assert.equal(input?.rules.length, 8);
    assert.match(
      input?.rules[0]?.name ?? '',
      /^table inet filter chain input, rule handle 5: ct state established,related accept$/,
    );
  });
});

describe('iptables-save (iptables-nft): INPUT policy DROP, a fail2ban chain, multiport, comment, LOG', () => {
  // -P INPUT DROP; -A INPUT -i lo -j ACCEPT; conntrack RELATED,ESTABLISHED ACCEPT;
  // -p tcp -m multiport --dports 22 -j f2b-sshd; -s 198.18.5.0/24 --dport 22 ACCEPT (comment "office vpn");
  // --dport 22 -m limit -j LOG; -s 10.0.0.0/8 --dport 22 ACCEPT; -p tcp -j REJECT --reject-with tcp-reset
  // f2b-sshd: -s 198.18.5.7/32 -j REJECT --reject-with icmp-port-unreachable; -j RETURN
  const tables = parseIptablesSave(fixture('iptables-save-fail2ban.txt'), 'ipv4');
  const cases: [string, string, Expected, number?][] = [
    [
      'the banned address is rejected in f2b-sshd',
      '198.18.5.7/32',
      {
        verdict: 'reject',
        rule: /^iptables filter chain f2b-sshd, rule 1: -A f2b-sshd -s 198\.18\.5\.7\/32 -j REJECT/,
        rejectWith: 'icmp-port-unreachable',
      },
    ],
    ['its neighbour returns and is accepted by the office rule', '198.18.5.8/32', { verdict: 'accept' }],
    ['10/8 is accepted past the LOG rule, whatever its limit', '10.200.0.1/32', { verdict: 'accept' }],
    [
      'elsewhere: the tcp-reset REJECT, rule 7',
      '192.0.2.1/32',
      {
        verdict: 'reject',
        rule: /chain INPUT, rule 7: -A INPUT -p tcp -j REJECT --reject-with tcp-reset$/,
        rejectWith: 'tcp-reset',
      },
    ],
    ['another port from 10/8 also meets rule 7', '10.200.0.1/32', { verdict: 'reject', rule: /rule 7/ }, 80],
  ];
  for (const [title, source, expected, port] of cases) {
    it(title, () => check(tables, source, expected, port));
  }
  it('ip6tables: policy DROP decides outside the accepted /48', () => {
    const v6 = parseIptablesSave(fixture('ip6tables-save.txt'), 'ipv6');
    check(v6, '2001:db8:1::9/128', { verdict: 'accept' });
    check(v6, '2001:db8:2::9/128', {
      verdict: 'drop',
      policy: /^policy drop of ip6tables filter chain INPUT$/,
    });
  });
});

describe('the host ruleset: iptables-nft tables are read from iptables-save, not from their xt expressions', () => {
  const section = (text: string, rc = 0) => ({ text, rc });
  it('replaces nft’s ip filter table with iptables-save’s and keeps the verdicts', () => {
    const ruleset = hostRuleset(
      new Map([
        ['nft', section(fixture('nft-iptables-nft.json'))],
        ['iptables-version', section('iptables v1.8.9 (nf_tables)')],
        ['iptables', section(fixture('iptables-save-fail2ban.txt'))],
        ['ip6tables', section(fixture('ip6tables-save.txt'))],
      ]),
    );
    assert.ok('tables' in ruleset, JSON.stringify(ruleset));
    assert.deepEqual(ruleset.tables.map((t) => t.title).sort(), ['ip6tables filter', 'iptables filter']);
    check(ruleset.tables, '198.18.5.7/32', {
      verdict: 'reject',
      rule: /f2b-sshd, rule 1/,
      rejectWith: 'icmp-port-unreachable',
    });
  });
  it('nft alone reads xt matches as unknown rather than guessing', () => {
    const tables = parseNftRuleset(fixture('nft-iptables-nft.json'))!;
    check(tables, '192.0.2.1/32', { verdict: 'unknown', reason: /xt/ });
  });
  it('a section cut at its cap (no rc line) makes the firewall unknown, never allowed', () => {
    const ruleset = hostRuleset(new Map([['nft', { text: '{"nftables": [' }]]));
    assert.deepEqual(ruleset, { unknown: 'the nft ruleset was longer than the check reads' });
  });
  it('neither tool installed: unknown with the reason', () => {
    const ruleset = hostRuleset(
      new Map([
        ['nft', section('', 127)],
        ['iptables', section('', 127)],
      ]),
    );
    assert.deepEqual(ruleset, { unknown: 'neither nft nor iptables-save is installed' });
  });
});

describe('walk semantics on small hand-written rulesets', () => {
  const nft = (ruleset: object[]) => parseNftRuleset(JSON.stringify({ nftables: ruleset }))!;
  const table = (family: string, name: string) => ({ table: { family, name, handle: 1 } });
  const chain = (
    family: string,
    t: string,
    name: string,
    hook?: string,
    prio?: number,
    policy = 'accept',
  ) => ({
    chain: { family, table: t, name, handle: 1, ...(hook ? { type: 'filter', hook, prio, policy } : {}) },
  });
  const rule = (family: string, t: string, c: string, handle: number, expr: object[]) => ({
    rule: { family, table: t, chain: c, handle, expr },
  });
  const dport22 = { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 22 } };

  it('accept in one base chain does not stop a later base chain from dropping (hook order, then priority)', () => {
    const tables = nft([
      table('inet', 'a'),
      chain('inet', 'a', 'in', 'input', 10),
      rule('inet', 'a', 'in', 2, [dport22, { drop: null }]),
      table('ip', 'b'),
      chain('ip', 'b', 'pre', 'prerouting', -150),
      rule('ip', 'b', 'pre', 3, [dport22, { accept: null }]),
    ]);
    check(tables, '198.18.0.1/32', {
      verdict: 'drop',
      rule: /^table inet a chain in, rule handle 2: tcp dport 22 drop$/,
    });
  });
  it('a drop at a lower priority wins over an accept at a higher one on the same hook', () => {
    const tables = nft([
      table('inet', 'a'),
      chain('inet', 'a', 'late', 'input', 10),
      rule('inet', 'a', 'late', 2, [dport22, { accept: null }]),
      chain('inet', 'a', 'early', 'input', -10),
      rule('inet', 'a', 'early', 3, [dport22, { reject: { type: 'tcp reset' } }]),
    ]);
    check(tables, '198.18.0.1/32', { verdict: 'reject', rule: /handle 3/, rejectWith: 'tcp reset' });
  });
  it('a return in a base chain applies its policy; ct state before conntrack (-300) is unknown', () => {
    const ctNew = { match: { op: 'in', left: { ct: { key: 'state' } }, right: 'new' } };
    const tables = nft([
      table('ip', 't'),
      chain('ip', 't', 'in', 'input', 0, 'drop'),
      rule('ip', 't', 'in', 2, [{ return: null }]),
      rule('ip', 't', 'in', 3, [{ accept: null }]),
    ]);
    check(tables, '198.18.0.1/32', { verdict: 'drop', policy: /^policy drop of table ip t chain in$/ });
    const raw = nft([
      table('ip', 'r'),
      chain('ip', 'r', 'pre', 'prerouting', -300),
      rule('ip', 'r', 'pre', 2, [ctNew, { drop: null }]),
    ]);
    check(raw, '198.18.0.1/32', { verdict: 'unknown', reason: /before conntrack/ });
    const filter = nft([
      table('ip', 'f'),
      chain('ip', 'f', 'in', 'input', 0),
      rule('ip', 'f', 'in', 2, [ctNew, { drop: null }]),
    ]);
    check(filter, '198.18.0.1/32', { verdict: 'drop', rule: /ct state new drop/ });
  });
  it('daddr is judged against the host address when known, unknown otherwise', () => {
    const daddr = {
      match: { op: '==', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: '10.0.1.25' },
    };
    const tables = nft([
      table('ip', 't'),
      chain('ip', 't', 'in', 'input', 0),
      rule('ip', 't', 'in', 2, [daddr, { drop: null }]),
    ]);
    assert.equal(decide(tables, '198.18.0.1/32', 22, '10.0.1.25').verdict, 'drop');
    assert.equal(decide(tables, '198.18.0.1/32', 22, '10.0.1.26').verdict, 'accept');
    assert.equal(decide(tables, '198.18.0.1/32').verdict, 'unknown');
  });
  it('a counter-only rule with an unknown match changes nothing', () => {
    const limit = { limit: { rate: 1, per: 'second' } };
    const tables = nft([
      table('ip', 't'),
      chain('ip', 't', 'in', 'input', 0),
      rule('ip', 't', 'in', 2, [limit, { counter: null }]),
    ]);
    check(tables, '198.18.0.1/32', { verdict: 'accept' });
  });
  it('iptables: a DNAT in nat PREROUTING is not modelled, so unknown', () => {
    const tables = parseIptablesSave(
      '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 22 -j DNAT --to-destination 10.0.0.9:22\nCOMMIT\n',
      'ipv4',
    );
    check(tables, '198.18.0.1/32', { verdict: 'unknown', reason: /DNAT/ });
  });
  it('iptables: --tcp-flags as iptables-save prints --syn (mask, then the flags that must be set)', () => {
    const save = (flags: string) =>
      `*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 --tcp-flags ${flags} -j DROP\nCOMMIT\n`;
    check(parseIptablesSave(save('FIN,SYN,RST,ACK SYN'), 'ipv4'), '198.18.0.1/32', {
      verdict: 'drop',
      rule: /rule 1/,
    });
    check(parseIptablesSave(save('SYN,ACK ACK'), 'ipv4'), '198.18.0.1/32', { verdict: 'accept' });
    check(parseIptablesSave(save('ALL NONE'), 'ipv4'), '198.18.0.1/32', { verdict: 'accept' });
  });
  it('iptables: --syn matches a first SYN; ! --syn does not', () => {
    const save = (neg: string) =>
      `*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp ${neg}--syn --dport 22 -j DROP\nCOMMIT\n`;
    check(parseIptablesSave(save(''), 'ipv4'), '198.18.0.1/32', { verdict: 'drop', rule: /rule 1/ });
    check(parseIptablesSave(save('! '), 'ipv4'), '198.18.0.1/32', { verdict: 'accept' });
  });
});

describe('iptables rules on ipsets (-m set --match-set), read with the host’s `ipset save`', () => {
  // The sets of test/fixtures/host-check/ipset-save.txt (real ipset 7.17 output; members in ipset-save.test.ts):
  // f2b-sshd {10.20.0.5, 203.0.113.9}; blocklist 198.51.100.0/24 minus the nomatch 198.51.100.64/26 plus
  // 198.51.100.80/28, and 192.0.2.7; f2b-sshd6 {2001:db8::9}; webports hash:ip,port; allsets list:set.
  const ipsetSave = fixture('ipset-save.txt');
  const save = (...rules: string[]) =>
    [
      '*filter',
      ':INPUT ACCEPT [0:0]',
      ':FORWARD ACCEPT [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      ...rules,
      'COMMIT',
      '',
    ].join('\n');
  const F2B =
    '-A INPUT -p tcp -m multiport --dports 22 -m set --match-set f2b-sshd src -j REJECT --reject-with icmp-port-unreachable';
  const BLOCK = '-A INPUT -m set --match-set blocklist src -j DROP';
  const read = (
    iptables: string,
    ipset: { text: string; rc?: number } = { text: ipsetSave, rc: 0 },
    family = 'iptables',
  ) => {
    const ruleset = hostRuleset(
      new Map([
        ['iptables-version', { text: 'iptables v1.8.9 (legacy)', rc: 0 }],
        [family, { text: iptables, rc: 0 }],
        ['ipset', ipset],
      ]),
    );
    assert.ok('tables' in ruleset, JSON.stringify(ruleset));
    return ruleset.tables;
  };
  const tables = read(save(F2B, BLOCK));
  const cases: [string, string, Expected][] = [
    [
      'fail2ban’s set holds the address: its rule rejects, named',
      '10.20.0.5/32',
      {
        verdict: 'reject',
        rule: /^iptables filter chain INPUT, rule 1: -A INPUT .* -m set --match-set f2b-sshd src -j REJECT/,
        rejectWith: 'icmp-port-unreachable',
      },
    ],
    [
      'the next address is not in the set: it falls through to the policy',
      '10.20.0.6/32',
      { verdict: 'accept' },
    ],
    ['the address before it, too', '10.20.0.4/32', { verdict: 'accept' }],
    [
      'hash:net: the first address of the /24 is dropped',
      '198.51.100.0/32',
      { verdict: 'drop', rule: /rule 2:/ },
    ],
    ['the last address before the /24 falls through', '198.51.99.255/32', { verdict: 'accept' }],
    ['the last address of the /24 is dropped', '198.51.100.255/32', { verdict: 'drop', rule: /rule 2:/ }],
    ['the first address after the /24 falls through', '198.51.101.0/32', { verdict: 'accept' }],
    [
      'the last address before the nomatch hole is dropped',
      '198.51.100.63/32',
      { verdict: 'drop', rule: /rule 2:/ },
    ],
    ['the first address of the nomatch hole falls through', '198.51.100.64/32', { verdict: 'accept' }],
    [
      'a peer CIDR that holds members and non-members: unknown, saying so',
      '198.51.100.0/25',
      {
        verdict: 'unknown',
        reason: /part of 198\.51\.100\.0\/25 matches/,
      },
    ],
    [
      'a peer CIDR wholly inside the /28 within the hole is dropped',
      '198.51.100.80/28',
      { verdict: 'drop', rule: /rule 2:/ },
    ],
  ];
  for (const [title, source, expected] of cases) {
    it(title, () => check(tables, source, expected));
  }

  it('! --match-set: every address outside the set meets the rule, the set’s members pass', () => {
    const negated = read(
      save('-A INPUT -p tcp -m tcp --dport 22 -m set ! --match-set blocklist src -j DROP'),
    );
    check(negated, '198.51.100.1/32', { verdict: 'accept' });
    check(negated, '198.51.100.64/32', { verdict: 'drop', rule: /! --match-set blocklist src/ });
  });

  it('dst: judged against the host’s own address', () => {
    const dst = read(save('-A INPUT -m set --match-set blocklist dst -j DROP'));
    assert.equal(decide(dst, '10.0.0.1/32', 22, '192.0.2.7').verdict, 'drop');
    assert.equal(decide(dst, '10.0.0.1/32', 22, '192.0.2.8').verdict, 'accept');
    assert.equal(decide(dst, '10.0.0.1/32').verdict, 'unknown');
  });

  it('ip6tables on an inet6 set; an IPv4 rule on an inet6 set (iptables refuses it) never matches', () => {
    const v6 = read(save('-A INPUT -m set --match-set f2b-sshd6 src -j DROP'), undefined, 'ip6tables');
    check(v6, '2001:db8::9/128', { verdict: 'drop', rule: /^ip6tables filter chain INPUT, rule 1:/ });
    check(v6, '2001:db8::a/128', { verdict: 'accept' });
    const crossed = read(save('-A INPUT -m set --match-set f2b-sshd6 src -j DROP'));
    check(crossed, '10.20.0.5/32', { verdict: 'accept' });
    const crossedNot = read(save('-A INPUT -m set ! --match-set f2b-sshd6 src -j DROP'));
    check(crossedNot, '10.20.0.5/32', { verdict: 'drop', rule: /! --match-set f2b-sshd6 src/ });
    // ::a14:5 has the same 128-bit value as 10.20.0.5 has in 32: only the family tells them apart.
    const lookalike = { text: 'create v6 hash:ip family inet6\nadd v6 ::a14:5', rc: 0 };
    check(read(save('-A INPUT -m set --match-set v6 src -j DROP'), lookalike), '10.20.0.5/32', {
      verdict: 'accept',
    });
  });

  const unknowns: [string, string, RegExp][] = [
    [
      'two directions (src,dst), even on a one-dimension set',
      '-A INPUT -m set --match-set f2b-sshd src,dst -j DROP',
      /the ipset f2b-sshd looked up by src,dst/,
    ],
    [
      'a two-dimension type (hash:ip,port)',
      '-A INPUT -m set --match-set webports src,dst -j DROP',
      /the ipset webports \(its type hash:ip,port is not read\)/,
    ],
    [
      'a list:set',
      '-A INPUT -m set --match-set allsets src -j DROP',
      /the ipset allsets \(its type list:set is not read\)/,
    ],
    [
      'a set the listing does not have',
      '-A INPUT -m set --match-set ghost src -j DROP',
      /the ipset ghost \(which the ipset listing does not have\)/,
    ],
    [
      '--return-nomatch, which turns nomatch holes into matches',
      '-A INPUT -m set --match-set blocklist src --return-nomatch -j DROP',
      /--return-nomatch/,
    ],
  ];
  for (const [title, rule, reason] of unknowns) {
    it(`unknown, naming the set: ${title}`, () =>
      check(read(save(rule)), '198.51.100.1/32', { verdict: 'unknown', reason }));
  }

  it('the ipset listing missing, cut or failed: only the rules on sets are unknown, with why', () => {
    const rules = save('-A INPUT -s 192.0.2.0/24 -j DROP', F2B);
    const of = (ipset: { text: string; rc?: number }) => read(rules, ipset);
    check(of({ text: '', rc: 127 }), '10.20.0.5/32', {
      verdict: 'unknown',
      reason: /the ipset tool is not installed/,
    });
    check(of({ text: 'create f2b-sshd hash:ip' }), '10.20.0.5/32', {
      verdict: 'unknown',
      reason: /the ipset listing was longer than the check reads/,
    });
    check(
      of({ text: 'ipset v7.17: Kernel error received: Operation not permitted', rc: 1 }),
      '10.20.0.5/32',
      {
        verdict: 'unknown',
        reason: /listing the ipsets failed: ipset v7\.17: Kernel error received: Operation not permitted/,
      },
    );
    // The rule before the set's is judged as ever.
    check(of({ text: '', rc: 127 }), '192.0.2.1/32', { verdict: 'drop', rule: /rule 1:/ });
  });
});
