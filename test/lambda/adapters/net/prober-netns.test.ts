import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createNamespaceHost,
  type HostPolicy,
  LISTENER_IDENT,
  listNamespaces,
  type NamespaceHost,
  netnsAvailable,
} from '../../../../lab/netns.ts';
import { type RunningSshd, sshdAvailable, startSshd } from '../../../../lab/sshd.ts';
import { probe } from '../../../../lambda/adapters/net/prober.ts';
import type { ProbeResult } from '../../../../lambda/core/probe/types.ts';

const skip = netnsAvailable() ?? sshdAvailable();
const CONNECT_MS = 500;
const timeouts = { connectMs: CONNECT_MS, identMs: 1000, kexMs: 2000, authMs: 1000, totalMs: 3000 };

/** A namespace host running real sshd on port 22, behind `policy`. */
async function withFirewalledSshd(
  policy: HostPolicy,
  body: (host: NamespaceHost, sshd: RunningSshd) => Promise<void>,
): Promise<void> {
  const host = await createNamespaceHost({ policy, listener: 'none' });
  let sshd: RunningSshd | undefined;
  try {
    sshd = await startSshd({ mode: 'healthy', netns: host.name, listenAddress: host.hostAddress, port: 22 });
    await body(host, sshd);
  } finally {
    await sshd?.close();
    await host.close();
  }
  assert.ok(!listNamespaces().includes(host.name), `namespace ${host.name} left behind`);
}

async function timed(fn: () => Promise<ProbeResult>): Promise<{ result: ProbeResult; wallMs: number }> {
  const started = performance.now();
  const result = await fn();
  return { result, wallMs: performance.now() - started };
}

describe('probe through nft-filtered network namespaces', () => {
  it('accept: real sshd in the namespace → ok', { skip }, async () => {
    await withFirewalledSshd('accept', async (host, sshd) => {
      const result = await probe({ host: host.hostAddress, port: 22 }, timeouts);
      assert.equal(result.outcome, 'ok', result.detail);
      assert.equal(result.hostKey?.sha256, sshd.hostKeyFingerprint);
      assert.match(result.software ?? '', /^OpenSSH_/);
    });
  });

  it(`drop → timeout within the connect deadline (${CONNECT_MS} ms + 100 ms)`, { skip }, async () => {
    await withFirewalledSshd('drop', async (host) => {
      const { result, wallMs } = await timed(() => probe({ host: host.hostAddress, port: 22 }, timeouts));
      assert.equal(result.outcome, 'timeout', result.detail);
      assert.ok(wallMs >= CONNECT_MS - 5, `gave up after ${wallMs} ms, before the deadline`);
      assert.ok(wallMs <= CONNECT_MS + 100, `took ${wallMs} ms`);
      assert.equal(result.ident, undefined);
    });
  });

  it('reject with tcp reset → refused, at once', { skip }, async () => {
    await withFirewalledSshd('reject-tcp-reset', async (host) => {
      const { result, wallMs } = await timed(() => probe({ host: host.hostAddress, port: 22 }, timeouts));
      assert.equal(result.outcome, 'refused', result.detail);
      assert.ok(wallMs < CONNECT_MS, `took ${wallMs} ms`);
    });
  });

  it('reject with icmp admin-prohibited → unreachable, at once', { skip }, async () => {
    await withFirewalledSshd('reject-icmp-admin', async (host) => {
      const { result, wallMs } = await timed(() => probe({ host: host.hostAddress, port: 22 }, timeouts));
      assert.equal(result.outcome, 'unreachable', result.detail);
      assert.match(result.detail ?? '', /EHOSTUNREACH|unreachable|prohibited/i);
      assert.ok(wallMs < CONNECT_MS, `took ${wallMs} ms`);
    });
  });

  it('accept with the bare ident listener → its ident is read, key exchange never starts', {
    skip,
  }, async () => {
    const host = await createNamespaceHost({ policy: 'accept' });
    try {
      const result = await probe({ host: host.hostAddress, port: host.port }, { ...timeouts, kexMs: 300 });
      assert.equal(result.ident, LISTENER_IDENT);
      assert.equal(result.outcome, 'kex-timeout', result.detail);
    } finally {
      await host.close();
    }
    assert.ok(!listNamespaces().includes(host.name));
  });
});
