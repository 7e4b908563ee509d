/**
 * The endpoints bench/probe-fanout.ts measures against, served from this separate process so that their
 * work (ssh2 key exchanges on the server side included) does not compete with the prober for its event
 * loop. Started by probe-fanout.ts; not meant to be run by hand.
 *
 * Every endpoint has its own loopback address (127.1.x.y — all of 127.0.0.0/8 is loopback on Linux, no
 * configuration needed) and all share one port number. Two reasons: the fan-out runs one probe per
 * *host* at a time (so it never trips sshd's MaxStartups), which would serialise 1,000 ports on one
 * address; and nmap scans hosts × ports, so only one shared port lets it scan exactly these endpoints.
 *
 * Protocol: prints one JSON line `{ port, endpoints: [{ kind, host }] }` once everything listens, then
 * serves until its stdin closes. startEndpoints and stopEndpoints are the parent's side of that protocol.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import ssh2, { type Connection } from 'ssh2';
import { sshHostKey } from '../lab/zoo.ts';

const { Server: SshServer } = ssh2;

export const ENDPOINT_KINDS = ['healthy', 'refused', 'closed-before-ident', 'ident-timeout'] as const;
export type EndpointKind = (typeof ENDPOINT_KINDS)[number];

export interface Endpoint {
  kind: EndpointKind;
  host: string;
}

export interface EndpointsReady {
  port: number;
  endpoints: Endpoint[];
  hostKeyFingerprint: string;
}

/** 127.1.0.1 … 127.1.3.250 for 1,000 endpoints: 250 per /24, skipping .0 and .251-.255 for tidiness. */
export function endpointAddress(i: number): string {
  return `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

/**
 * `size` of the endpoints, equal parts of each kind (the remainder dropped), spread evenly over each
 * kind's addresses, in their original order: a smaller set with the same mix, for a peer too slow to
 * be given all of them.
 */
export function stratifiedSample(endpoints: readonly Endpoint[], size: number): Endpoint[] {
  const kinds = [...new Set(endpoints.map((e) => e.kind))];
  const perKind = Math.floor(size / Math.max(1, kinds.length));
  const chosen = new Set<Endpoint>();
  for (const kind of kinds) {
    const mine = endpoints.filter((e) => e.kind === kind);
    const take = Math.min(perKind, mine.length);
    for (let i = 0; i < take; i++) chosen.add(mine[Math.floor((i * mine.length) / take)]!);
  }
  return endpoints.filter((e) => chosen.has(e));
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  const firstPort = Number(process.argv[3] ?? 2222);

  // One ssh2 server does every healthy key exchange; each healthy listener hands it its sockets.
  const { hostKey, fingerprint: hostKeyFingerprint } = sshHostKey();
  const ssh = new SshServer(
    { hostKeys: [hostKey], ident: 'OpenSSH_9.6p1 port22-bench' },
    (client: Connection) => {
      client.on('error', () => {});
      client.on('authentication', (ctx) => ctx.reject(['publickey', 'password']));
    },
  );
  ssh.on('error', () => {});

  const held = new Set<Socket>();
  const serve: Record<Exclude<EndpointKind, 'refused'>, (socket: Socket) => void> = {
    healthy: (socket) => ssh.injectSocket(socket),
    // FIN before any ident, as sshd does past MaxStartups or under hosts.deny.
    'closed-before-ident': (socket) => socket.end(),
    // Accept and say nothing: a hung sshd or a tarpit.
    'ident-timeout': (socket) => {
      held.add(socket);
      socket.once('close', () => held.delete(socket));
      socket.resume();
    },
  };

  // Find a port number free on every address we need (a wildcard listener elsewhere would clash).
  for (let port = firstPort; port < firstPort + 50; port++) {
    const servers: Server[] = [];
    const endpoints: Endpoint[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const kind = ENDPOINT_KINDS[i % ENDPOINT_KINDS.length]!;
        const host = endpointAddress(i);
        endpoints.push({ kind, host });
        // Nothing listens on a refused endpoint's address: the kernel answers the SYN with RST.
        if (kind === 'refused') continue;
        const handle = serve[kind];
        const server = createServer((socket) => {
          socket.on('error', () => {});
          handle(socket);
        });
        servers.push(server);
        await listen(server, host, port);
      }
    } catch {
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
      continue;
    }
    const ready: EndpointsReady = { port, endpoints, hostKeyFingerprint };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
    process.stdin.resume();
    process.stdin.on('end', () => {
      for (const socket of held) socket.destroy();
      process.exit(0);
    });
    return;
  }
  throw new Error(`no common free port in ${firstPort}-${firstPort + 49}`);
}

/** Starts this file as a child process serving `count` endpoints; resolves once they all listen. */
export async function startEndpoints(
  count: number,
  firstPort?: number,
): Promise<{ child: ChildProcess; ready: EndpointsReady }> {
  const script = fileURLToPath(import.meta.url);
  const args = [String(count), ...(firstPort === undefined ? [] : [String(firstPort)])];
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<EndpointsReady>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`endpoint server exited (${code}) before it was ready`)));
    lines.once('line', (line) => resolve(JSON.parse(line) as EndpointsReady));
  });
  return { child, ready };
}

/** Closes the child's stdin (its signal to stop) and waits for it to exit; SIGKILL after 3 s. */
export function stopEndpoints(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin?.end();
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`fanout-endpoints: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
