import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import ssh2 from 'ssh2';
import { generateHostKey, startZooServer, ZOO_KINDS, type ZooKind } from '../../lab/zoo.ts';
import { probe } from '../../lambda/adapters/net/prober.ts';
import { collectUnhandled } from '../collect-unhandled.ts';

const timerCount = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

function open(port: number, host = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port }, () => resolve(s));
    s.on('error', reject);
  });
}

async function until(cond: () => boolean, ms = 1000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('zoo', () => {
  const unhandled = collectUnhandled();

  it('offers one kind per behaviour, each listening on loopback', async () => {
    assert.equal(new Set(ZOO_KINDS).size, ZOO_KINDS.length);
    for (const kind of ZOO_KINDS) {
      const zoo = await startZooServer(kind);
      try {
        assert.equal(zoo.kind, kind);
        assert.equal(zoo.host, '127.0.0.1');
        assert.ok(zoo.port > 0 && zoo.port < 65536);
        const sshKind = ['healthy', 'healthy-greeting', 'open-none-auth', 'slow-ident'].includes(kind);
        assert.equal(zoo.hostKeyFingerprint !== undefined, sshKind, `${kind} fingerprint`);
      } finally {
        await zoo.close();
      }
    }
  });

  it('refuses to listen anywhere but loopback', async () => {
    await assert.rejects(startZooServer('silent', { host: '0.0.0.0' }), /not a loopback address/);
    await assert.rejects(startZooServer('silent', { host: '198.18.0.1' }), /not a loopback address/);
  });

  it('counts connections: accepted, open now, and the peak', async () => {
    const zoo = await startZooServer('silent');
    try {
      const a = await open(zoo.port);
      const b = await open(zoo.port);
      await until(() => zoo.stats.open === 2);
      a.destroy();
      await until(() => zoo.stats.open === 1);
      b.destroy();
      await until(() => zoo.stats.open === 0);
      assert.deepEqual(zoo.stats, { accepted: 2, open: 0, peakOpen: 2 });
    } finally {
      await zoo.close();
    }
  });

  for (const kind of [
    'silent',
    'healthy',
    'one-byte-per-second',
    'no-newline-forever',
    'slow-ident',
  ] as ZooKind[]) {
    it(`${kind}: close() destroys open sockets and clears its timers`, async () => {
      const timersBefore = timerCount();
      const zoo = await startZooServer(kind, { intervalMs: 10, delayMs: 5000 });
      const client = await open(zoo.port);
      client.on('error', () => {});
      client.resume();
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      await until(() => zoo.stats.open === 1);
      await sleep(30);
      await zoo.close();
      await closed;
      await sleep(10);
      assert.equal(timerCount(), timersBefore, 'no timer left behind');
    });
  }

  it('every kind tolerates a client that vanishes at any moment', async () => {
    for (const kind of ZOO_KINDS) {
      if (kind === 'refused') continue;
      const zoo = await startZooServer(kind, { intervalMs: 5, delayMs: 20 });
      try {
        for (const [i, wait] of [0, 3, 15, 40].entries()) {
          // reset-before-ident may reset before the connect callback: that is its behaviour, not a failure.
          const s = await open(zoo.port).catch(() => undefined);
          if (s === undefined) continue;
          s.on('error', () => {});
          s.resume();
          if (i % 2 === 0) s.write('SSH-2.0-vanishing_client\r\n');
          await sleep(wait);
          if (i % 2 === 0) s.resetAndDestroy();
          else s.destroy();
        }
        await sleep(20);
        // Still serving: a probe gets a result (its outcome depends on the kind).
        const r = await probe(
          { host: zoo.host, port: zoo.port },
          { connectMs: 500, identMs: 300, kexMs: 300, authMs: 300, totalMs: 800 },
        );
        assert.notEqual(r.outcome, 'refused', `${kind} stopped accepting`);
      } finally {
        await zoo.close();
      }
    }
    assert.deepEqual(unhandled, []);
  });
});

describe('generateHostKey', () => {
  it('every key it returns parses (ssh2 alone writes a malformed one about once in 270)', () => {
    for (let i = 0; i < 1500; i++) {
      const parsed = ssh2.utils.parseKey(generateHostKey('ed25519').private);
      assert.ok(!(parsed instanceof Error), `key ${i}: ${String(parsed)}`);
    }
  });
});
