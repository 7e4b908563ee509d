/**
 * The second look's branches over real sockets (the real-server cases are in prober-real-services.test.ts):
 * raw loopback servers that behave, connection by connection, the way each branch assumes.
 */
import assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { probe } from '../../../../lambda/adapters/net/prober.ts';

const TIMEOUTS = { connectMs: 1000, identMs: 1000, kexMs: 1000, authMs: 1000, totalMs: 3000 };

/** Serves connection n (0-based) with `behave(socket, n)` and probes it once. */
async function probeServer(behave: (s: Socket, n: number) => void) {
  let n = 0;
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    behave(s, n++);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return { result: await probe({ host: '127.0.0.1', port }, TIMEOUTS), connections: n };
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
}

describe('the second look', () => {
  it('a service that closes on any bytes (ours and a ClientHello) → not-ssh', async () => {
    const { result, connections } = await probeServer((s) => s.once('data', () => s.end()));
    assert.equal(result.outcome, 'not-ssh', result.detail);
    assert.match(
      result.detail ?? '',
      /waits for the client .* closes on both an SSH identification and a TLS ClientHello/,
    );
    assert.equal(connections, 2, 'one second look, no more');
  });

  it('closes at accept, then serves an SSH identification: an sshd dropping some connections', async () => {
    const { result } = await probeServer((s, n) => (n === 0 ? s.end() : s.write('SSH-2.0-OpenSSH_9.9\r\n')));
    assert.equal(result.outcome, 'closed-before-ident', result.detail);
    assert.match(result.detail ?? '', /second connection got the identification "SSH-2\.0-OpenSSH_9\.9"/);
  });

  it('resets at accept, twice: reset-before-ident, the refusal confirmed', async () => {
    const { result } = await probeServer((s) => s.resetAndDestroy());
    assert.equal(result.outcome, 'reset-before-ident', result.detail);
  });

  it('closes only on an SSH identification, silent otherwise → not-ssh, waits for the client', async () => {
    const { result } = await probeServer((s) =>
      s.on('data', (d: Buffer) => {
        if (d.toString('latin1').startsWith('SSH-')) s.end();
      }),
    );
    assert.equal(result.outcome, 'not-ssh', result.detail);
    assert.match(
      result.detail ?? '',
      /waits for the client \(sshd speaks first\) and closed on our SSH identification/,
    );
    assert.ok(result.phases.totalMs <= TIMEOUTS.totalMs + 100, `${result.phases.totalMs} ms`);
  });

  it('a close long after our identification is a refusal, with no second look (TCP wrappers after a slow DNS lookup)', async () => {
    const { result, connections } = await probeServer((s) => setTimeout(() => s.resetAndDestroy(), 600));
    assert.equal(result.outcome, 'reset-before-ident', result.detail);
    assert.match(
      result.detail ?? '',
      /ECONNRESET.*, 6\d\d ms after our identification: too late to be an answer to it/,
    );
    assert.equal(connections, 1);
  });

  it('no time left for a second look: the close stands as a refusal', async () => {
    let n = 0;
    const server = createServer((s) => {
      n++;
      s.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await probe({ host: '127.0.0.1', port }, { ...TIMEOUTS, totalMs: 200 });
      assert.equal(result.outcome, 'closed-before-ident');
      assert.equal(n, 1);
    } finally {
      server.close();
    }
  });
});
