/**
 * The host firewall evaluator against the kernel: a host namespace with a listener on tcp/22 and a peer
 * namespace with several source addresses (198.18.200.0/24, between our two namespaces only). For each ruleset
 * — hand-written nft and iptables ones, and seeded random ones drawn from the matches the evaluator models —
 * it is loaded with the real `nft` / `iptables-restore`, read back the way the in-host check reads it (`nft -j
 * list ruleset`, `iptables-save`), and evaluated for each source. Then each source sends a real SYN, and the
 * wire must agree: accept ↔ connected, drop ↔ silence, reject ↔ refused or unreachable as the reject type
 * says. The rule the evaluator names must be the one whose counter the SYN moved.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { netnsAvailable } from '../../lab/netns.ts';
import { evaluateFirewall } from '../../lambda/core/evidence/host-firewall/evaluate.ts';
import { hostRuleset } from '../../lambda/core/evidence/host-firewall/ruleset.ts';
import { parseCidr } from '../../lambda/core/net/cidr.ts';
import { expectedOnWire, FirewallBench, toolMissing } from './firewall-bench.ts';

const IPTABLES_RESTORE = '/usr/sbin/iptables-restore';
const skip = netnsAvailable();
const iptablesSkip = skip ?? toolMissing(IPTABLES_RESTORE, 'iptables');

/** Neighbours on purpose: .10/.11 sit either side of /31 and /32 boundaries, .66 and .130 in other quarters. */
const SOURCES = ['198.18.200.10', '198.18.200.11', '198.18.200.66', '198.18.200.130'];
const bench = new FirewallBench({
  namespacePrefix: 'h13host-',
  vethPrefix: 'h13k',
  host: '198.18.200.1',
  sources: SOURCES,
});

interface Ruleset {
  readonly name: string;
  readonly nft?: string;
  readonly iptables?: string;
}

// ------------------------------------------------------------------------------------------------------
// Hand-written rulesets: the shapes real hosts have.

const HAND_WRITTEN: Ruleset[] = [
  {
    name: 'nft: policy drop, an interval set, a jump to a chain that returns and one that drops',
    nft: `table inet filter {
  set ok { type ipv4_addr; flags interval; elements = { 198.18.200.8/31, 198.18.200.128/25 } }
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related counter accept
    iifname "lo" counter accept
    ip saddr @ok tcp dport 22 counter accept
    tcp dport 22 counter jump ssh
    counter reject with icmpx type admin-prohibited
  }
  chain ssh {
    ip saddr 198.18.200.64/26 counter return
    ip saddr 198.18.200.11 counter drop
  }
}`,
  },
  {
    name: 'nft: two base chains on input and one on prerouting, by priority',
    nft: `table inet a {
  chain pre {
    type filter hook prerouting priority -150; policy accept;
    ip saddr 198.18.200.66 counter drop
  }
  chain late {
    type filter hook input priority 10; policy accept;
    tcp dport 22 ip saddr 198.18.200.0/25 counter reject with tcp reset
  }
  chain early {
    type filter hook input priority -10; policy accept;
    ip saddr 198.18.200.10 counter accept
  }
}
table ip b {
  chain in {
    type filter hook input priority 0; policy accept;
    ip saddr != 198.18.200.0/26 tcp dport { 22, 2222 } counter reject
  }
}`,
  },
  {
    name: 'iptables: fail2ban chain, multiport, conntrack, comment, tcp-reset',
    iptables: `*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:f2b-sshd - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd
-A INPUT -s 198.18.200.0/26 -p tcp -m tcp --dport 22 -m comment --comment "office vpn" -j ACCEPT
-A INPUT -s 198.18.200.128/25 -p tcp -j REJECT --reject-with tcp-reset
-A f2b-sshd -s 198.18.200.11/32 -j REJECT --reject-with icmp-port-unreachable
-A f2b-sshd -j RETURN
COMMIT
`,
  },
  {
    name: 'iptables and native nft together: iptables filter INPUT beside an nft table at priority -5',
    nft: `table inet early {
  chain input {
    type filter hook input priority -5; policy accept;
    ip saddr 198.18.200.130 counter drop
  }
}`,
    iptables: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 198.18.200.8/30 -p tcp --syn --dport 22 -j REJECT --reject-with icmp-admin-prohibited
-A INPUT -s 198.18.200.0/24 -p tcp --dport 22 -m conntrack --ctstate NEW -g SSH
COMMIT
`
      .replace(':OUTPUT ACCEPT [0:0]\n', ':OUTPUT ACCEPT [0:0]\n:SSH - [0:0]\n')
      .replace('COMMIT', '-A SSH -s 198.18.200.64/26 -j DROP\nCOMMIT'),
  },
];

// ------------------------------------------------------------------------------------------------------
// Random rulesets, from a seeded generator: only matches and verdicts the evaluator models exactly, so it
// must answer every one of them (never "unknown").

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A seeded Fisher-Yates shuffle. */
function shuffled<T>(xs: readonly T[], r: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Every base chain lets established packets through first, as real firewalls do: the evaluator judges the SYN,
 * and a ruleset that let the SYN in but reset the handshake's last ACK would fail the connection for a reason
 * the SYN's verdict does not cover.
 */
const ESTABLISHED_NFT = '    ct state established,related accept';

const PREFIXES = [
  '198.18.200.0/24',
  '198.18.200.0/25',
  '198.18.200.128/25',
  '198.18.200.10/32',
  '198.18.200.11/32',
  '198.18.200.8/31',
  '198.18.200.64/26',
  '198.18.0.0/16',
  '10.0.0.0/8',
];

function randomNft(seed: number): Ruleset {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  // One match of each category at most: nft refuses contradictions such as `meta l4proto udp tcp dport 22`.
  const categories = [
    () =>
      pick([
        `ip saddr ${pick(PREFIXES)}`,
        `ip saddr != ${pick(PREFIXES)}`,
        `ip saddr { ${pick(PREFIXES)}, ${pick(PREFIXES)} }`,
      ]),
    () =>
      pick([
        `tcp dport ${pick(['22', '23', '{ 22, 80 }', '1-100', '100-200'])}`,
        'tcp flags syn',
        'meta l4proto tcp',
      ]),
    () => `ct state ${pick(['new', 'established,related', 'new,established'])}`,
    () => `iifname ${pick(['"lo"', '!= "lo"'])}`,
  ];
  const match = (n: number) =>
    shuffled(categories, r)
      .slice(0, n)
      .map((c) => c())
      .join(' ');
  const verdicts = [
    'accept',
    'drop',
    'reject with tcp reset',
    'reject with icmpx type admin-prohibited',
    'reject',
  ];
  const rules = (n: number, extra: readonly string[]) =>
    Array.from({ length: n }, () => {
      return `    ${match(1 + Math.floor(r() * 2))} counter ${pick([...verdicts, ...extra])}`;
    });
  const policy = pick(['accept', 'drop']);
  const lines = [
    'table inet t {',
    '  chain sub {',
    ...rules(2, ['return']),
    '  }',
    '  chain input {',
    `    type filter hook input priority ${pick([-10, 0, 10])}; policy ${policy};`,
    ESTABLISHED_NFT,
    ...rules(3 + Math.floor(r() * 3), ['jump sub', 'goto sub']),
    '  }',
  ];
  if (r() < 0.5) {
    lines.push(
      '  chain second {',
      `    type filter hook ${pick(['input', 'prerouting'])} priority ${pick([-150, 5])}; policy accept;`,
      ESTABLISHED_NFT,
      ...rules(2, []),
      '  }',
    );
  }
  lines.push('}');
  return { name: `random nft #${seed}`, nft: lines.join('\n') };
}

function randomIptables(seed: number): Ruleset {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  // One option of each category at most: iptables refuses a second -p.
  const categories = [
    () => pick([`-s ${pick(PREFIXES)}`, `! -s ${pick(PREFIXES)}`]),
    () =>
      pick([
        `-p tcp -m tcp --dport ${pick(['22', '23', '1:100'])}`,
        `-p tcp -m multiport --dports ${pick(['22,80', '80,443', '20:30'])}`,
        '-p tcp --syn',
      ]),
    () => `-m conntrack --ctstate ${pick(['NEW', 'RELATED,ESTABLISHED'])}`,
    () => '-i lo',
  ];
  const match = (n: number) =>
    shuffled(categories, r)
      .slice(0, n)
      .map((c) => c())
      .join(' ');
  const targets = [
    'ACCEPT',
    'DROP',
    'REJECT --reject-with tcp-reset',
    'REJECT --reject-with icmp-admin-prohibited',
    'REJECT',
  ];
  const rules = (chain: string, n: number, extra: readonly string[]) =>
    Array.from({ length: n }, () => {
      const target = pick([...targets, ...extra]);
      // iptables refuses a tcp-reset REJECT on a rule that does not say it is TCP.
      const drawn = match(1 + Math.floor(r() * 2));
      const matches = target.includes('tcp-reset') && !drawn.includes('-p tcp') ? `-p tcp ${drawn}` : drawn;
      return `-A ${chain} ${matches} ${target.startsWith('-g') ? target : `-j ${target}`}`;
    });
  return {
    name: `random iptables #${seed}`,
    iptables: [
      '*filter',
      `:INPUT ${pick(['ACCEPT', 'DROP'])} [0:0]`,
      ':FORWARD ACCEPT [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      ':SUB - [0:0]',
      '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      ...rules('INPUT', 3 + Math.floor(r() * 3), ['SUB', '-g SUB']),
      ...rules('SUB', 2, ['RETURN']),
      'COMMIT',
      '',
    ].join('\n'),
  };
}

const RANDOM_NFT = Array.from({ length: 14 }, (_, i) => randomNft(1000 + i));
const RANDOM_IPTABLES = Array.from({ length: 10 }, (_, i) => randomIptables(2000 + i));

describe('host firewall evaluator agrees with the kernel (real SYNs through real nft and iptables)', () => {
  before(async () => {
    if (!skip) await bench.start();
  });
  after(() => {
    if (!skip) bench.stop();
  });

  const all = [...HAND_WRITTEN, ...RANDOM_NFT, ...RANDOM_IPTABLES];
  it('covers at least 20 rulesets', () => assert.ok(all.length >= 20, String(all.length)));

  for (const ruleset of all) {
    const reason = ruleset.iptables ? iptablesSkip : skip;
    it(ruleset.name, { skip: reason ?? false }, async () => {
      bench.inHost(['nft', 'flush', 'ruleset']);
      if (ruleset.nft) bench.inHost(['nft', '-f', '-'], ruleset.nft);
      if (ruleset.iptables) bench.inHost([IPTABLES_RESTORE, '--noflush'], ruleset.iptables);
      const read = hostRuleset(bench.sections());
      assert.ok('tables' in read, JSON.stringify(read));
      for (const source of SOURCES) {
        const decision = evaluateFirewall(read.tables, { source: parseCidr(`${source}/32`)!, port: 22 });
        assert.notEqual(decision.verdict, 'unknown', `${source}: ${JSON.stringify(decision)}`);
        bench.resetCounters();
        const wire = await bench.knock(source);
        const context = `${source}: evaluator ${JSON.stringify(decision)}, wire ${wire}\n${ruleset.nft ?? ''}\n${ruleset.iptables ?? ''}`;
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
});
