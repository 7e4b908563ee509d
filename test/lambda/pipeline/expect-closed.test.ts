/**
 * `port22:expect=closed` means closed, end to end (DESIGN.md, "Tags and config"; issue 12, item 6): an
 * instance so tagged whose port answers in any way — accepts and says nothing, speaks HTTP, completes an
 * SSH handshake — is not healthy and raises exactly one UNEXPECTEDLY_OPEN security alert, and no second
 * one while it stays open. A configured source the security group blocks changes none of that (a blocked
 * source is why an *open* instance fails; for a closed one the only question is whether the port answered).
 *
 * Each peer is a real listener on loopback, reached through the lab's resolver: a bare TCP listener, Node's
 * own HTTP server, the ssh2 zoo's healthy server and, where this machine has it, real OpenSSH.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { LAB_TIMEOUTS } from '../../../lab/lab.ts';
import { sshdAvailable, startSshd } from '../../../lab/sshd.ts';
import { loadInventoryDir } from '../../../lambda/adapters/local/inventory-dir.ts';
import { MemoryStateStore } from '../../../lambda/adapters/memory/memory-state-store.ts';
import type { ProbeTarget } from '../../../lambda/core/probe/types.ts';
import { analyze } from '../../../lambda/core/reachability/analyze.ts';
import type { RenderedAlert } from '../../../lambda/core/state/instance-state.ts';
import type { Notifier } from '../../../lambda/ports.ts';
import { id, LAB, LAB_INVENTORY, labInput, runLab, sharedPipelineLab } from './pipeline-lab.ts';

const KNOCK = LAB['knock-1'];
/** A source knock-1's security group (sg-0b22000000000a002: 10.20.0.0/24 and the prober's group) blocks. */
const BLOCKED_SOURCE = '172.31.0.0/16';
const minute = (n: number) => new Date(Date.UTC(2026, 2, 9, 8, n));
/** Short phase deadlines: a silent peer costs the ident deadline, not the lab's default. */
const timeouts = { ...LAB_TIMEOUTS, identMs: 300, totalMs: 1500 };

class RecordingNotifier implements Notifier {
  readonly published: RenderedAlert[] = [];
  async publish(alert: RenderedAlert) {
    this.published.push(alert);
    return { messageId: `m-${this.published.length}` };
  }
}

/** A listener on a fresh loopback port; every accepted socket is kept so close() ends them too. */
async function listen(server: Server): Promise<{ target: ProbeTarget; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return {
    target: { host: '127.0.0.1', port: address.port },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Peer = { target: ProbeTarget; close: () => Promise<void> };

/** [what answers on knock-1's port, how to start it, the probe outcome it gives, or why it is skipped]. */
const PEERS: Array<[string, () => Promise<Peer>, string, (string | false)?]> = [
  // Accepts and never writes a byte: the connection was accepted, so the port is open.
  ['a TCP listener that accepts and stays silent', () => listen(createServer()), 'ident-timeout'],
  ['an HTTP server', () => listen(createHttpServer((_req, res) => res.end('ok'))), 'not-ssh'],
  [
    'an SSH server (ssh2), full handshake',
    async () => {
      const server = await lab().extraZoo('healthy');
      return { target: { host: server.host, port: server.port }, close: async () => {} };
    },
    'ok',
  ],
  [
    'real OpenSSH, full handshake',
    async () => {
      const sshd = await startSshd({ mode: 'healthy' });
      return { target: { host: sshd.host, port: sshd.port }, close: () => sshd.close() };
    },
    'ok',
    sshdAvailable() ?? false,
  ],
];

const lab = sharedPipelineLab([]);
const unexpectedlyOpen = (f: { code: string; resourceId: string }) =>
  f.code === 'UNEXPECTEDLY_OPEN' && f.resourceId === id(KNOCK.n);

describe('expect=closed means closed, through runCheck with real listeners', () => {
  const open: Peer[] = [];
  after(async () => {
    for (const peer of open) await peer.close();
  });

  it(`precondition: ${BLOCKED_SOURCE} is blocked from knock-1`, async () => {
    const { verdicts } = analyze(await loadInventoryDir(LAB_INVENTORY), { sources: [BLOCKED_SOURCE] });
    const knock = verdicts.filter((v) => v.instanceId === id(KNOCK.n));
    assert.deepEqual(
      knock.map((v) => [v.reachable, v.blockers.map((b) => `${b.code} ${b.resourceId}`).sort()]),
      // Its group admits 10.20.0.0/24 and the prober's group; its route table has no way back to 172.31/16.
      [[false, ['NO_ROUTE rtb-0b22000000000e001', 'SG_INGRESS_NO_MATCH sg-0b22000000000a002']]],
    );
  });

  for (const [what, start, outcome, skip = false] of PEERS) {
    for (const sources of [[], [BLOCKED_SOURCE]]) {
      const withSource = sources.length > 0 ? `, with ${BLOCKED_SOURCE} configured and blocked` : '';
      it(`${what}${withSource}: unhealthy, one UNEXPECTEDLY_OPEN alert, none again while open`, {
        skip,
      }, async () => {
        const peer = await start();
        open.push(peer);
        lab().resolver.route(KNOCK.address, peer.target);
        const state = new MemoryStateStore();
        const notifier = new RecordingNotifier();
        const check = (n: number) =>
          runLab(lab(), labInput(`closed-${n}`, ['knock-1'], { now: minute(n), timeouts, sources }), {
            state,
            notifier,
          });

        const first = await check(0);
        const [knock] = first.instances;
        assert.equal(knock?.instanceId, id(KNOCK.n));
        assert.equal(knock?.probe?.outcome, outcome);
        assert.equal(knock?.healthy, false);
        assert.notEqual(knock?.diagnosis, 'EXPECTED_CLOSED');
        // Other findings may come with it (the ssh2 server names an old OpenSSH): exactly one of this one.
        assert.equal(first.findings.filter(unexpectedlyOpen).length, 1, JSON.stringify(first.findings));
        const alerts = () => notifier.published.filter((a) => a.code === 'UNEXPECTEDLY_OPEN');
        assert.deepEqual(
          alerts().map((a) => a.kind),
          ['security'],
        );
        assert.match(alerts()[0]!.subject, /knock-1/);

        // Still open five and ten minutes later: still unhealthy, still no second alert.
        for (const n of [5, 10]) {
          const again = await check(n);
          assert.equal(again.instances[0]?.healthy, false);
          assert.equal(alerts().length, 1, `run at minute ${n} alerted again`);
        }
      });
    }
  }

  // The control: nothing listening is what expect=closed asks for, blocked source or not.
  for (const sources of [[], [BLOCKED_SOURCE]]) {
    it(`a refused port${sources.length ? ', with a blocked source' : ''}: EXPECTED_CLOSED, healthy, no alert`, async () => {
      const refused = await lab().extraZoo('refused');
      lab().resolver.route(KNOCK.address, { host: refused.host, port: refused.port });
      const notifier = new RecordingNotifier();
      const report = await runLab(
        lab(),
        labInput('closed-refused', ['knock-1'], { now: minute(0), timeouts, sources }),
        { state: new MemoryStateStore(), notifier },
      );
      assert.equal(report.instances[0]?.diagnosis, 'EXPECTED_CLOSED');
      assert.equal(report.instances[0]?.healthy, true);
      assert.deepEqual(
        report.findings.filter((f) => f.code === 'UNEXPECTEDLY_OPEN'),
        [],
      );
      assert.deepEqual(notifier.published, []);
    });
  }
});
