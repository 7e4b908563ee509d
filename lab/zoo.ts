/**
 * The SSH server zoo: in-process servers on loopback, port 0, one per wire behaviour a probe must tell
 * apart (DESIGN.md, "Probe outcomes") plus a corpus of hostile peers. Well-behaved kinds are real ssh2
 * `Server`s; misbehaving ones are raw `node:net` servers writing exactly the bytes that misbehave.
 *
 * Every server tolerates the client vanishing at any moment, and `close()` destroys every open socket and
 * clears every timer it armed.
 */
import { randomBytes } from 'node:crypto';
import { createServer, isIPv4, type Server as NetServer, type Socket } from 'node:net';
import ssh2, { type Connection } from 'ssh2';
import { openSshSha256Fingerprint } from '../lambda/core/probe/fingerprint.ts';

// ssh2 is CommonJS without named-export hints: take the classes off the default export.
const { Server: SshServer, utils: sshUtils } = ssh2;
type SshServer = InstanceType<typeof SshServer>;

export const ZOO_KINDS = [
  /** ssh2 Server; offers publickey,password and rejects every attempt. */
  'healthy',
  /** Like healthy, with two lines before the ident (RFC 4253 §4.2 allows them). */
  'healthy-greeting',
  /** Accepts the `none` method: a server with no authentication at all. */
  'open-none-auth',
  /** Sends its ident only after `delayMs` (default 1500), then behaves like healthy. */
  'slow-ident',
  /** Accepts and never sends a byte. */
  'silent',
  /** Accepts, then FIN before any ident (sshd MaxStartups, hosts.deny). */
  'close-before-ident',
  /** Accepts, then RST before any ident. */
  'reset-before-ident',
  /** What OpenSSH 9 does past MaxStartups: one text line, then FIN, no ident. */
  'exceeded-maxstartups',
  /** An HTTP server answering the client's first bytes with a 400, as nginx does. */
  'not-ssh-http',
  /** A TLS ServerHello record, sent once the client's first bytes arrive. */
  'not-ssh-tls',
  /** `SSH-1.5-`: protocol 1 only. */
  'ssh1',
  /** A valid ident, then text where the KEXINIT packet should be. */
  'garbage-after-ident',
  /** A valid ident, then FIN. */
  'close-after-ident',
  /** Ident and KEXINIT, then RST once the client sends its key-exchange init. */
  'reset-during-kex',
  /**
   * KEXINIT offering only a key exchange method no current client implements: OpenSSH 8.0's experimental
   * sntrup4591761 hybrid, removed in 8.5 and rejected by OpenSSH's client too, so it stays a real
   * negotiation failure (the prober does have the sntrup761 and ML-KEM hybrids).
   */
  'kex-mismatch',
  /**
   * KEXINIT whose only MACs are UMAC with a CTR cipher: a current OpenSSH client agrees (umac-64-etm), the
   * prober (ssh2 has no UMAC) cannot — the prober is the limit, not the server.
   */
  'mac-beyond-prober',
  /** KEXINIT offering only a cipher the client lacks. */
  'cipher-mismatch',
  /** A valid ident, then nothing: key exchange never starts. */
  'slow-kex',
  /** `SSH-2.0-…` that never ends: no newline, forever. */
  'no-newline-forever',
  /** A valid ident, one byte every `intervalMs` (default 1000). */
  'one-byte-per-second',
  /** `lines` (default 5000) lines before the ident. */
  'many-pre-ident-lines',
  /** An ident line longer than the 255 bytes RFC 4253 §4.2 allows. */
  'overlong-ident',
  /** NUL bytes inside the ident. */
  'nul-bytes',
  /** Megabytes of bytes with no newline, as fast as the socket takes them. */
  'megabyte-flood',
  /** A valid ident, then an endless stream of SSH_MSG_IGNORE packets instead of a KEXINIT. */
  'ignore-flood',
  /** A port that was bound and then closed: connecting gets RST. */
  'refused',
] as const;

export type ZooKind = (typeof ZOO_KINDS)[number];

export interface ZooOptions {
  /** OpenSSH-format private host key for ssh2 kinds. @default a fresh ed25519 key */
  readonly hostKey?: string | Buffer;
  /** A loopback address to listen on (any of 127.0.0.0/8, or ::1). @default '127.0.0.1' */
  readonly host?: string;
  /** slow-ident: delay before the ident. @default 1500 */
  readonly delayMs?: number;
  /** one-byte-per-second: pause between bytes. @default 1000 */
  readonly intervalMs?: number;
  /** many-pre-ident-lines: how many lines. @default 5000 */
  readonly lines?: number;
  /** megabyte-flood / ignore-flood: bytes per connection before giving up. @default 16 MiB */
  readonly floodBytes?: number;
}

export interface ZooStats {
  /** Connections accepted so far. */
  accepted: number;
  /** Connections open now. */
  open: number;
  /** Most connections open at the same time. */
  peakOpen: number;
}

export interface ZooServer {
  readonly kind: ZooKind;
  readonly host: string;
  readonly port: number;
  /** OpenSSH `SHA256:` fingerprint of the host key (ssh2 kinds only). */
  readonly hostKeyFingerprint?: string;
  readonly stats: ZooStats;
  close(): Promise<void>;
}

/** The ident raw zoo servers send (the software part is what `probe` reports). */
const ZOO_IDENT = 'SSH-2.0-OpenSSH_9.6p1 port22-zoo';
const SSH2_KINDS = new Set<ZooKind>(['healthy', 'healthy-greeting', 'open-none-auth', 'slow-ident']);

export async function startZooServer(kind: ZooKind, opts: ZooOptions = {}): Promise<ZooServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new Error(`zoo: ${host} is not a loopback address`);
  if (kind === 'refused') return startRefused(host);

  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const stats: ZooStats = { accepted: 0, open: 0, peakOpen: 0 };
  const clock: Clock = {
    after(ms, fn) {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
      return t;
    },
    every(ms, fn) {
      const t = setInterval(fn, ms);
      timers.add(t);
      return t;
    },
    cancel(t) {
      clearTimeout(t);
      timers.delete(t);
    },
  };

  let ssh: { server: SshServer; fingerprint: string } | undefined;
  if (SSH2_KINDS.has(kind)) ssh = makeSshServer(kind, opts);

  const behave = behaviours[kind];
  const server: NetServer = createServer((socket) => {
    sockets.add(socket);
    stats.accepted += 1;
    stats.open += 1;
    stats.peakOpen = Math.max(stats.peakOpen, stats.open);
    socket.on('error', () => {}); // the client may reset at any point
    socket.once('close', () => {
      sockets.delete(socket);
      stats.open -= 1;
    });
    if (ssh !== undefined) {
      const inject = () => {
        if (!socket.destroyed) ssh!.server.injectSocket(socket);
      };
      if (kind === 'slow-ident') clock.after(opts.delayMs ?? 1500, inject);
      else inject();
      return;
    }
    behave?.(socket, clock, opts);
  });
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  return {
    kind,
    host,
    port,
    ...(ssh ? { hostKeyFingerprint: ssh.fingerprint } : {}),
    stats,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Clock {
  after(ms: number, fn: () => void): NodeJS.Timeout;
  every(ms: number, fn: () => void): NodeJS.Timeout;
  cancel(t: NodeJS.Timeout): void;
}

type Behaviour = (socket: Socket, clock: Clock, opts: ZooOptions) => void;

// ── ssh2 kinds ────────────────────────────────────────────────────────────────────────────────────────

/**
 * A fresh SSH key pair that ssh2 (and OpenSSH) can read back. ssh2's generateKeyPairSync writes a malformed
 * OpenSSH private key about once in 270 tries (74 of 20,000 ed25519 keys here; `ssh-keygen -y` rejects them
 * too), which made servers fail to start at random; a bounded retry makes that vanishingly rare.
 */
export function generateHostKey(
  type: 'ed25519' | 'rsa' = 'ed25519',
  bits = 2048,
): { private: string; public: string } {
  for (let attempt = 1; ; attempt++) {
    const pair =
      type === 'rsa'
        ? sshUtils.generateKeyPairSync('rsa', { bits })
        : sshUtils.generateKeyPairSync('ed25519');
    if (!(sshUtils.parseKey(pair.private) instanceof Error) || attempt >= 16) return pair;
  }
}

/** A host key for an ssh2 `Server` (`hostKey`, or a fresh ed25519 key) and its OpenSSH fingerprint. */
export function sshHostKey(hostKey: string | Buffer = generateHostKey('ed25519').private): {
  hostKey: string | Buffer;
  fingerprint: string;
} {
  const parsed = sshUtils.parseKey(hostKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined || key instanceof Error) throw new Error(`bad host key: ${String(key)}`);
  return { hostKey, fingerprint: openSshSha256Fingerprint(key.getPublicSSH()) };
}

function makeSshServer(kind: ZooKind, opts: ZooOptions): { server: SshServer; fingerprint: string } {
  const { hostKey, fingerprint } = sshHostKey(opts.hostKey);
  const server = new SshServer(
    {
      hostKeys: [hostKey],
      ident: 'OpenSSH_9.6p1 port22-zoo',
      ...(kind === 'healthy-greeting'
        ? { greeting: 'Welcome to the port22 zoo\r\nAuthorized use only' }
        : {}),
    },
    (client: Connection) => {
      client.on('error', () => {});
      client.on('authentication', (ctx) => {
        if (kind === 'open-none-auth' && ctx.method === 'none') ctx.accept();
        else ctx.reject(['publickey', 'password']);
      });
      client.on('ready', () => client.end());
    },
  );
  server.on('error', () => {});
  return { server, fingerprint };
}

// ── raw kinds ─────────────────────────────────────────────────────────────────────────────────────────

const IDENT_LINE = `${ZOO_IDENT}\r\n`;

/** A real-looking server KEXINIT offer; the mismatch kinds replace one list. */
const OFFER = {
  kex: ['curve25519-sha256', 'ecdh-sha2-nistp256', 'kex-strict-s-v00@openssh.com'],
  hostKey: ['ssh-ed25519', 'rsa-sha2-512'],
  cipher: ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes256-gcm@openssh.com'],
  mac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-256'],
  compression: ['none'],
};

/** An unencrypted binary packet (RFC 4253 §6): length, padding length, payload, ≥4 bytes of padding. */
export function sshPacket(payload: Buffer): Buffer {
  let padding = 8 - ((5 + payload.length) % 8);
  if (padding < 4) padding += 8;
  const packet = Buffer.alloc(5 + payload.length + padding);
  packet.writeUInt32BE(1 + payload.length + padding, 0);
  packet[4] = padding;
  payload.copy(packet, 5);
  return packet;
}

/** SSH_MSG_KEXINIT (RFC 4253 §7.1) with the given lists, the same both ways. */
export function kexinitPacket(offer: typeof OFFER): Buffer {
  const nameList = (names: string[]) => {
    const text = Buffer.from(names.join(','), 'ascii');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(text.length, 0);
    return Buffer.concat([len, text]);
  };
  const payload = Buffer.concat([
    Buffer.from([20]),
    randomBytes(16),
    nameList(offer.kex),
    nameList(offer.hostKey),
    nameList(offer.cipher),
    nameList(offer.cipher),
    nameList(offer.mac),
    nameList(offer.mac),
    nameList(offer.compression),
    nameList(offer.compression),
    nameList([]),
    nameList([]),
    Buffer.from([0, 0, 0, 0, 0]), // first_kex_packet_follows = false, reserved uint32 0
  ]);
  return sshPacket(payload);
}

/** A TLS 1.2 ServerHello handshake record (RFC 5246 §7.4.1.3), what a TLS service on port 22 would send. */
function tlsServerHello(): Buffer {
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]), // server_version TLS 1.2
    randomBytes(32),
    Buffer.from([0x00]), // empty session id
    Buffer.from([0xc0, 0x2f]), // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    Buffer.from([0x00]), // null compression
  ]);
  const handshake = Buffer.concat([Buffer.from([0x02, 0x00, 0x00, body.length]), body]);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x03, 0x00, handshake.length]), handshake]);
}

/** Writes `next()` chunks while the socket takes them, until `next()` returns undefined; honours backpressure. */
function pump(socket: Socket, next: () => Buffer | undefined): void {
  const write = () => {
    while (!socket.destroyed) {
      const chunk = next();
      if (chunk === undefined) return;
      if (!socket.write(chunk)) {
        socket.once('drain', write);
        return;
      }
    }
  };
  write();
}

/** `chunk` repeated until `limit` bytes were handed out. */
function repeat(chunk: Buffer, limit: number): () => Buffer | undefined {
  let sent = 0;
  return () => {
    if (sent >= limit) return undefined;
    sent += chunk.length;
    return chunk;
  };
}

/** Calls `onPacket(n)` for each client binary packet after the client's ident (reads at most 64 KiB). */
function countClientPackets(socket: Socket, onPacket: (n: number) => void): void {
  let buf = Buffer.alloc(0);
  let identSeen = false;
  let packets = 0;
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    if (buf.length > 64 * 1024) {
      socket.destroy();
      return;
    }
    if (!identSeen) {
      const nl = buf.indexOf(0x0a);
      if (nl < 0) return;
      identSeen = true;
      buf = buf.subarray(nl + 1);
    }
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
      buf = buf.subarray(4 + buf.readUInt32BE(0));
      packets += 1;
      onPacket(packets);
    }
  });
}

const behaviours: Partial<Record<ZooKind, Behaviour>> = {
  silent: () => {},
  'close-before-ident': (s) => s.end(),
  'reset-before-ident': (s) => s.resetAndDestroy(),
  'exceeded-maxstartups': (s) => s.end('Exceeded MaxStartups\r\n'),
  // Real HTTP and TLS servers wait for the client's first bytes (RFC 4253's client sends its ident at once).
  'not-ssh-http': (s) =>
    s.once('data', () =>
      s.end('HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'),
    ),
  'not-ssh-tls': (s) => s.once('data', () => s.write(tlsServerHello())),
  ssh1: (s) => s.write('SSH-1.5-OpenSSH_1.2.3\r\n'),
  'garbage-after-ident': (s) => s.write(`${IDENT_LINE}This is not an SSH packet, it is plain text.\r\n`),
  'close-after-ident': (s) => s.end(IDENT_LINE),
  'reset-during-kex': (s) => {
    s.write(Buffer.concat([Buffer.from(IDENT_LINE), kexinitPacket(OFFER)]));
    // Packet 1 is the client's KEXINIT, packet 2 its ECDH/DH init: the exchange is under way.
    countClientPackets(s, (n) => {
      if (n >= 2 && !s.destroyed) s.resetAndDestroy();
    });
  },
  'kex-mismatch': (s) =>
    s.write(
      Buffer.concat([
        Buffer.from(IDENT_LINE),
        kexinitPacket({
          ...OFFER,
          kex: ['sntrup4591761x25519-sha512@tinyssh.org', 'kex-strict-s-v00@openssh.com'],
        }),
      ]),
    ),
  'mac-beyond-prober': (s) =>
    s.write(
      Buffer.concat([
        Buffer.from(IDENT_LINE),
        kexinitPacket({
          ...OFFER,
          cipher: ['aes128-ctr', 'aes256-ctr'],
          mac: ['umac-64-etm@openssh.com', 'umac-128-etm@openssh.com'],
        }),
      ]),
    ),
  'cipher-mismatch': (s) =>
    s.write(
      Buffer.concat([
        Buffer.from(IDENT_LINE),
        kexinitPacket({ ...OFFER, cipher: ['rijndael-cbc@lysator.liu.se'] }),
      ]),
    ),
  'slow-kex': (s) => s.write(IDENT_LINE),
  'no-newline-forever': (s, clock) => {
    s.write('SSH-2.0-OpenSSH_9.6p1');
    const t = clock.every(20, () => {
      if (s.destroyed) clock.cancel(t);
      else s.write('x'.repeat(16));
    });
  },
  'one-byte-per-second': (s, clock, opts) => {
    let at = 0;
    const t = clock.every(opts.intervalMs ?? 1000, () => {
      if (s.destroyed || at >= IDENT_LINE.length) clock.cancel(t);
      else s.write(IDENT_LINE.slice(at, ++at));
    });
  },
  'many-pre-ident-lines': (s, _clock, opts) => {
    const lines = opts.lines ?? 5000;
    let n = 0;
    pump(s, () => {
      n += 1;
      if (n > lines + 1) return undefined;
      return Buffer.from(n <= lines ? `banner line ${n}\r\n` : IDENT_LINE);
    });
  },
  'overlong-ident': (s) => s.write(`SSH-2.0-OpenSSH_9.6p1 ${'A'.repeat(300)}\r\n`),
  'nul-bytes': (s) => s.write('SSH-2.0-Open\0SSH_9.6p1\r\n'),
  'megabyte-flood': (s, _clock, opts) => {
    const chunk = Buffer.alloc(64 * 1024, 'A');
    pump(s, repeat(chunk, opts.floodBytes ?? 16 * 1024 * 1024));
  },
  'ignore-flood': (s, _clock, opts) => {
    s.write(IDENT_LINE);
    // SSH_MSG_IGNORE (RFC 4253 §11.2): valid packets a client must accept and discard.
    const ignore = sshPacket(Buffer.concat([Buffer.from([2, 0, 0, 0x7f, 0xf0]), Buffer.alloc(0x7ff0, 0x20)]));
    pump(s, repeat(ignore, opts.floodBytes ?? 16 * 1024 * 1024));
  },
};

async function startRefused(host: string): Promise<ZooServer> {
  // Bind an ephemeral port and release it: nothing listens there now, so a SYN gets RST.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, host, resolve));
  const address = probe.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return {
    kind: 'refused',
    host,
    port,
    stats: { accepted: 0, open: 0, peakOpen: 0 },
    close: async () => {},
  };
}

/** The zoo only ever listens on loopback: 127.0.0.0/8 or ::1. */
function isLoopback(host: string): boolean {
  return host === '::1' || (isIPv4(host) && host.startsWith('127.'));
}
