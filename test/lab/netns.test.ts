import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { describe, it } from 'node:test';
import {
  addNamespace,
  createNamespaceHost,
  type HostPolicy,
  hostPolicyRuleset,
  ipIn,
  LISTENER_IDENT,
  link30,
  listNamespaces,
  listNftRuleset,
  type NamespaceHost,
  netnsAvailable,
  readFlowCounters,
  sweepStale,
} from '../../lab/netns.ts';

const skip = netnsAvailable();

type Answer = { kind: 'data'; text: string } | { kind: 'error'; code: string } | { kind: 'silence' };

/** What a plain TCP connect from our namespace gets back within `ms`. */
function knock(host: string, port: number, ms: number): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setEncoding('latin1');
    const timer = setTimeout(() => finish({ kind: 'silence' }), ms);
    function finish(answer: Answer) {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    }
    socket.on('data', (text: string) => finish({ kind: 'data', text }));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish({ kind: 'error', code: error.code ?? error.message }),
    );
  });
}

function ours(host: NamespaceHost): { namespaces: string[]; links: string } {
  return {
    namespaces: listNamespaces().filter((name) => name === host.name),
    links: ipIn(undefined, '-o', 'link', 'show')
      .split('\n')
      .filter((line) => line.includes(`${host.vethName}@`))
      .join('\n'),
  };
}

async function withHost(policy: HostPolicy, body: (host: NamespaceHost) => Promise<void>): Promise<void> {
  const host = await createNamespaceHost({ policy });
  try {
    await body(host);
  } finally {
    await host.close();
  }
  assert.deepEqual(ours(host), { namespaces: [], links: '' }, 'namespace or veth left behind');
}

describe('lab/netns: addresses and rulesets (pure)', () => {
  const links = [
    { index: 0, network: '198.18.0.0/30', first: '198.18.0.1', second: '198.18.0.2' },
    { index: 1, network: '198.18.0.4/30', first: '198.18.0.5', second: '198.18.0.6' },
    { index: 64, network: '198.18.1.0/30', first: '198.18.1.1', second: '198.18.1.2' },
    { index: 16384, network: '198.19.0.0/30', first: '198.19.0.1', second: '198.19.0.2' },
    { index: 32767, network: '198.19.255.252/30', first: '198.19.255.253', second: '198.19.255.254' },
  ];
  for (const expected of links) {
    it(`link30(${expected.index}) is ${expected.network}`, () => {
      assert.deepEqual(link30(expected.index), expected);
    });
  }
  for (const index of [-1, 32768, 1.5]) {
    it(`link30(${index}) is outside 198.18.0.0/15`, () => {
      assert.throws(() => link30(index), RangeError);
    });
  }

  const rules: [HostPolicy, string | undefined][] = [
    ['accept', undefined],
    ['drop', 'tcp dport 2222 drop'],
    ['reject-tcp-reset', 'tcp dport 2222 reject with tcp reset'],
    ['reject-icmp-admin', 'tcp dport 2222 reject with icmpx type admin-prohibited'],
    ['drop-replies', undefined],
  ];
  for (const [policy, rule] of rules) {
    it(`${policy}: ${rule ?? 'no rule, chain policy accept'}`, () => {
      const ruleset = hostPolicyRuleset(policy, 2222);
      assert.match(ruleset, /type filter hook input priority filter; policy accept;/);
      const ruleLines = ruleset
        .split('\n')
        .filter((line) => line.includes('dport') && !line.includes('update @'));
      // Every policy counts the SSH packets in and the replies out, before any verdict.
      assert.match(ruleset, /tcp dport 2222 update @ssh_in \{ ip saddr \. tcp sport \}\n(?:.*\n)?\s*\}/);
      assert.match(ruleset, /tcp sport 2222 update @ssh_out \{ ip daddr \. tcp dport \}/);
      assert.deepEqual(
        ruleLines.map((line) => line.trim()),
        rule ? [rule] : [],
      );
      // Only drop-replies drops on the way out, after the reply was counted.
      const outDrop = /update @ssh_out \{ ip daddr \. tcp dport \}\n\s*tcp sport 2222 drop\n/;
      assert.equal(outDrop.test(ruleset), policy === 'drop-replies', ruleset);
    });
  }
});

describe('lab/netns: hosts behind nft, reached over a veth', () => {
  it('counts what nft saw: SYNs in from our address and port, replies out only where it answered', {
    skip,
  }, async () => {
    await withHost('drop', async (host) => {
      assert.deepEqual(await knock(host.hostAddress, host.port, 1500), { kind: 'silence' });
      const seen = readFlowCounters(host.name);
      assert.equal(seen.inbound.length, 1);
      assert.equal(seen.inbound[0]?.address, host.peerAddress);
      // The SYN and its retransmission after 1 s (Linux's initial RTO).
      assert.ok((seen.inbound[0]?.packets ?? 0) >= 2, JSON.stringify(seen));
      assert.deepEqual(seen.replies, []);
    });
    await withHost('accept', async (host) => {
      await knock(host.hostAddress, host.port, 1000);
      const seen = readFlowCounters(host.name);
      assert.equal(seen.replies[0]?.address, host.peerAddress);
      assert.equal(seen.replies[0]?.port, seen.inbound[0]?.port);
    });
    // A network ACL that lets the SYN in and drops the SYN-ACK: the client hears nothing, yet the host
    // received the SYN and answered it (flow logs: ACCEPT in, REJECT back).
    await withHost('drop-replies', async (host) => {
      assert.deepEqual(await knock(host.hostAddress, host.port, 1500), { kind: 'silence' });
      const seen = readFlowCounters(host.name);
      assert.equal(seen.inbound[0]?.address, host.peerAddress);
      assert.equal(seen.replies[0]?.address, host.peerAddress);
      assert.ok((seen.replies[0]?.packets ?? 0) >= 1, JSON.stringify(seen));
    });
  });

  it('accept: the listener answers with its ident', { skip }, async () => {
    await withHost('accept', async (host) => {
      assert.match(host.hostAddress, /^198\.1[89]\./);
      assert.deepEqual(await knock(host.hostAddress, host.port, 1000), {
        kind: 'data',
        text: `${LISTENER_IDENT}\r\n`,
      });
    });
  });

  it('drop: the SYN goes unanswered', { skip }, async () => {
    await withHost('drop', async (host) => {
      assert.match(listNftRuleset(host.name), /tcp dport 22 drop/);
      assert.deepEqual(await knock(host.hostAddress, host.port, 400), { kind: 'silence' });
    });
  });

  it('reject-tcp-reset: connect() is refused', { skip }, async () => {
    await withHost('reject-tcp-reset', async (host) => {
      assert.deepEqual(await knock(host.hostAddress, host.port, 1000), {
        kind: 'error',
        code: 'ECONNREFUSED',
      });
    });
  });

  it('reject-icmp-admin: connect() reports the host unreachable', { skip }, async () => {
    await withHost('reject-icmp-admin', async (host) => {
      // Several in a row: the namespace's ICMP rate limit is lifted, so every SYN gets its answer.
      for (let i = 0; i < 10; i++) {
        assert.deepEqual(await knock(host.hostAddress, host.port, 1000), {
          kind: 'error',
          code: 'EHOSTUNREACH',
        });
      }
    });
  });

  it('only the filtered port is affected', { skip }, async () => {
    await withHost('drop', async (host) => {
      // Nothing listens on 23, and the rule is for 22 only: the kernel itself answers with a reset.
      assert.deepEqual(await knock(host.hostAddress, 23, 1000), { kind: 'error', code: 'ECONNREFUSED' });
    });
  });

  it('several hosts coexist on distinct /30 links', { skip }, async () => {
    const hosts = await Promise.all([
      createNamespaceHost({ policy: 'accept' }),
      createNamespaceHost({ policy: 'accept', port: 2200 }),
    ]);
    try {
      const [a, b] = hosts as [NamespaceHost, NamespaceHost];
      assert.notEqual(a.name, b.name);
      assert.notEqual(a.hostAddress, b.hostAddress);
      assert.equal((await knock(a.hostAddress, 22, 1000)).kind, 'data');
      assert.equal((await knock(b.hostAddress, 2200, 1000)).kind, 'data');
    } finally {
      await Promise.all(hosts.map((host) => host.close()));
    }
  });

  it('sweepStale removes namespaces whose creating process is gone, and only those', { skip }, async () => {
    const deadPid = spawnSync('true').pid!;
    const stale = `port22-${deadPid}-crashed`;
    addNamespace(stale);
    const live = await createNamespaceHost({ policy: 'accept' });
    try {
      const removed = sweepStale();
      assert.ok(removed.includes(stale), `sweep removed ${removed.join(', ')}`);
      assert.ok(!listNamespaces().includes(stale));
      assert.ok(listNamespaces().includes(live.name), 'a live run’s namespace must survive the sweep');
    } finally {
      await live.close();
      spawnSync('ip', ['netns', 'del', stale]);
    }
  });
});
