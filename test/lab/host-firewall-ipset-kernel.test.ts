/**
 * iptables rules on ipsets, evaluated and then sent real SYNs: the evaluator must agree with the kernel. The
 * sets are made with the real `ipset` in the host namespace (ipsets belong to a network namespace), the rules
 * loaded with `iptables-restore`, and both read back by the in-host check's own script (its `ipset` section
 * packed as on a real host). Sources sit at the edges that matter: each end of a hash:net prefix, a `nomatch`
 * hole inside it and a member inside the hole, a hash:ip element with a running timeout and one without.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { netnsAvailable } from '../../lab/netns.ts';
import { hostCheckScript } from '../../lambda/core/evidence/host-check-script.ts';
import {
  evaluateFirewall,
  type FirewallDecision,
} from '../../lambda/core/evidence/host-firewall/evaluate.ts';
import { hostRuleset } from '../../lambda/core/evidence/host-firewall/ruleset.ts';
import { parseHostReport } from '../../lambda/core/evidence/host-report.ts';
import { parseAddress, parseCidr } from '../../lambda/core/net/cidr.ts';
import { expectedOnWire, FirewallBench, toolMissing } from './firewall-bench.ts';

const IPTABLES_RESTORE = '/usr/sbin/iptables-restore';
const IPSET = '/usr/sbin/ipset';
const skip = netnsAvailable() ?? toolMissing(IPTABLES_RESTORE, 'iptables') ?? toolMissing(IPSET, 'ipset');

const HOST = '198.18.201.1';
const NET = '198.18.201';
/**
 * blocklist holds 198.18.201.8/30 but not .10 (nomatch), and 198.18.201.128/25 but not .128/26 (nomatch)
 * except .130 (a member inside the hole): .7 and .12 sit just outside the /30, .8 and .11 at its ends, .191
 * and .192 either side of the hole's end. f2b-sshd holds .66 (timeout 600) and .11 (timeout 0); .67 is next.
 */
const SOURCES = [7, 8, 10, 11, 12, 66, 67, 130, 191, 192].map((n) => `${NET}.${n}`);
const SETS = [
  'create f2b-sshd hash:ip timeout 600',
  `add f2b-sshd ${NET}.66`,
  `add f2b-sshd ${NET}.11 timeout 0`,
  'create blocklist hash:net family inet',
  `add blocklist ${NET}.8/30`,
  `add blocklist ${NET}.10 nomatch`,
  `add blocklist ${NET}.128/25`,
  `add blocklist ${NET}.128/26 nomatch`,
  `add blocklist ${NET}.130`,
  'create hosts hash:ip',
  `add hosts ${HOST}`,
  'create pairs hash:ip,port',
  `add pairs ${NET}.7,tcp:22`,
  'create six hash:net family inet6',
  'add six 2001:db8::/32',
  '',
].join('\n');

const filter = (...rules: string[]) =>
  [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ...rules,
    'COMMIT',
    '',
  ].join('\n');

interface Case {
  readonly name: string;
  readonly iptables: string;
  /** What each source must get, read off the sets and rules above by hand (`unknown`: the evaluator's). */
  readonly expected: Readonly<Record<string, string>>;
}

const CASES: Case[] = [
  {
    name: "fail2ban's iptables-ipset action, then a hash:net blocklist with nomatch holes",
    iptables: filter(
      '-A INPUT -p tcp -m multiport --dports 22 -m set --match-set f2b-sshd src -j REJECT --reject-with icmp-port-unreachable',
      '-A INPUT -m set --match-set blocklist src -j DROP',
    ),
    expected: {
      '.7': 'accept',
      '.8': 'drop',
      '.10': 'accept',
      '.11': 'reject',
      '.12': 'accept',
      '.66': 'reject',
      '.67': 'accept',
      '.130': 'drop',
      '.191': 'accept',
      '.192': 'drop',
    },
  },
  {
    name: '! --match-set under policy DROP: members accepted, everyone else reset',
    iptables: filter(
      '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A INPUT -p tcp -m tcp --dport 22 -m set ! --match-set blocklist src -j REJECT --reject-with tcp-reset',
      '-A INPUT -p tcp -m set --match-set blocklist src -j ACCEPT',
    ).replace(':INPUT ACCEPT', ':INPUT DROP'),
    expected: {
      '.7': 'reject',
      '.8': 'accept',
      '.10': 'reject',
      '.11': 'accept',
      '.12': 'reject',
      '.66': 'reject',
      '.67': 'reject',
      '.130': 'accept',
      '.191': 'reject',
      '.192': 'accept',
    },
  },
  {
    name: 'two sets in one rule: the source in f2b-sshd and the destination (the host) in hosts',
    iptables: filter(
      '-A INPUT -m set --match-set f2b-sshd src -m set --match-set hosts dst -j DROP',
      '-A INPUT -m set ! --match-set hosts dst -j REJECT',
    ),
    expected: {
      '.7': 'accept',
      '.8': 'accept',
      '.10': 'accept',
      '.11': 'drop',
      '.12': 'accept',
      '.66': 'drop',
      '.67': 'accept',
      '.130': 'accept',
      '.191': 'accept',
      '.192': 'accept',
    },
  },
];

const bench = new FirewallBench({
  namespacePrefix: 'h14ipset-',
  vethPrefix: 'h14i',
  host: HOST,
  sources: SOURCES,
});

/** The firewall as the in-host check's script reads it in the host namespace, evaluated for each source. */
function evaluate(sources: readonly string[]): Map<string, FirewallDecision> {
  const report = parseHostReport(bench.inHost(['sh', '-s'], hostCheckScript(22)));
  assert.equal(report.sections.get('ipset')?.rc, 0, 'the script listed the ipsets');
  const read = hostRuleset(report.sections);
  assert.ok('tables' in read, JSON.stringify(read));
  const destination = parseAddress(HOST)!;
  return new Map(
    sources.map((s) => [
      s,
      evaluateFirewall(read.tables, { source: parseCidr(`${s}/32`)!, port: 22, destination }),
    ]),
  );
}

describe('iptables rules on ipsets: the evaluator agrees with the kernel (real sets, real SYNs)', () => {
  let noKernelSets: string | undefined;
  before(async () => {
    if (skip) return;
    await bench.start();
    try {
      bench.inHost([IPSET, 'restore'], SETS);
    } catch (e) {
      // The kernel may lack ip_set (a container without the module): say so rather than fail.
      noKernelSets = `the kernel would not create ipsets: ${String((e as { stderr?: string }).stderr ?? e).trim()}`;
    }
  });
  after(() => {
    if (!skip) bench.stop();
  });

  for (const c of CASES) {
    it(c.name, { skip: skip ?? false }, async (t) => {
      if (noKernelSets) return t.skip(noKernelSets);
      bench.inHost(['nft', 'flush', 'ruleset']);
      bench.inHost([IPTABLES_RESTORE, '--noflush'], c.iptables);
      const decisions = evaluate(SOURCES);
      assert.deepEqual(
        Object.fromEntries(SOURCES.map((s) => [s.slice(NET.length), decisions.get(s)!.verdict])),
        c.expected,
        'the evaluator against the hand-read expectation',
      );
      for (const source of SOURCES) {
        const decision = decisions.get(source)!;
        bench.resetCounters();
        const wire = await bench.knock(source);
        const context = `${source}: evaluator ${JSON.stringify(decision)}, wire ${wire}\n${c.iptables}`;
        assert.equal(wire, expectedOnWire(decision), context);
        if (decision.verdict !== 'unknown' && decision.rule !== undefined) {
          const packets = bench.namedRulePackets(decision.rule);
          assert.ok(
            packets !== undefined && packets >= 1,
            `the named rule counted ${packets} packets\n${context}`,
          );
        }
      }
    });
  }

  it('a two-dimension set (hash:ip,port) stays unknown, naming the set', { skip: skip ?? false }, (t) => {
    if (noKernelSets) return t.skip(noKernelSets);
    bench.inHost(['nft', 'flush', 'ruleset']);
    bench.inHost(
      [IPTABLES_RESTORE, '--noflush'],
      filter('-A INPUT -m set --match-set pairs src,dst -j DROP'),
    );
    const d = evaluate([`${NET}.7`]).get(`${NET}.7`)!;
    assert.equal(d.verdict, 'unknown');
    assert.match(
      d.verdict === 'unknown' ? d.reason : '',
      /the ipset pairs \(its type hash:ip,port is not read\)/,
    );
  });

  it('iptables refuses a rule on a set of the other family (so an inet6 set never meets an IPv4 packet)', {
    skip: skip ?? false,
  }, (t) => {
    if (noKernelSets) return t.skip(noKernelSets);
    bench.inHost(['nft', 'flush', 'ruleset']);
    assert.throws(
      () => bench.inHost(['iptables', '-A', 'INPUT', '-m', 'set', '--match-set', 'six', 'src', '-j', 'DROP']),
      (e: { stderr?: string }) =>
        /The protocol family of set six is IPv6, which is not applicable/.test(e.stderr ?? ''),
    );
  });
});
