/**
 * Real OpenSSH sshd for the lab and the tests: a throw-away host key and config in a temp dir, one
 * foreground daemon (`sshd -D -e`) on a high loopback port (or inside a network namespace), and the
 * configurations the probe must recognise — MaxStartups exhausted, post-quantum-only key exchange, UMAC-only
 * MACs.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  accessSync,
  appendFileSync,
  constants,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atExit } from './exit-cleanup.ts';

const SSHD_PATH = '/usr/sbin/sshd';
const SSH_KEYGEN_PATH = '/usr/bin/ssh-keygen';
/** sshd refuses to start without its privilege-separation directory (sshd(8), UsePrivilegeSeparation). */
const PRIVSEP_DIR = '/run/sshd';

/**
 * The post-quantum-only key exchange of a hardened OpenSSH 9.x (`restricted-kex`): a hybrid that ssh2 1.x
 * itself lacks (its SUPPORTED_KEX stops at curve25519/ecdh/diffie-hellman) and the prober adds
 * (lambda/adapters/net/ssh2-hybrid-kex.ts), so the probe must reach this server as OpenSSH's client does.
 */
export const PQ_ONLY_KEX = 'sntrup761x25519-sha512@openssh.com';

/**
 * The UMAC-only MACs of a hardened OpenSSH (`restricted-mac`), with CTR ciphers so no AEAD cipher brings its
 * own integrity: OpenSSH's client agrees on umac-64-etm, ssh2 implements no UMAC, so the probe can only say
 * the server answers (`kex-unsupported-by-prober`).
 */
export const UMAC_ONLY_CIPHERS = 'aes128-ctr,aes256-ctr';
export const UMAC_ONLY_MACS = 'umac-64-etm@openssh.com,umac-128-etm@openssh.com';

export type SshdMode = 'healthy' | 'maxstartups' | 'restricted-kex' | 'restricted-mac';

export interface SshdOptions {
  readonly mode: SshdMode;
  /** @default a free port chosen by the kernel (ephemeral range, well above 1024); 22 inside `netns` */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly listenAddress?: string;
  /** Run sshd inside this network namespace (`ip netns exec`). @default the current namespace */
  readonly netns?: string;
  /** How long to wait for "Server listening on …". @default 5000 */
  readonly startTimeoutMs?: number;
  /** Extra sshd_config lines, appended last (sshd uses the first value it reads, so these cannot override). */
  readonly extraConfig?: readonly string[];
  /**
   * An OpenSSH-format private host key to serve instead of a fresh one, so a host keeps its identity across
   * restarts (the lab's second run must not look like a host key change). @default a fresh ed25519 key
   */
  readonly hostKey?: string;
  /**
   * A file that gets every line sshd logs (its `-e` stderr) in the format Debian 12's rsyslog writes
   * /var/log/auth.log in (`<RFC 3339 time> <host> sshd[<pid>]: <message>`), for a log reader such as fail2ban
   * to follow as it follows auth.log: fail2ban's sshd filter needs the syslog prefix and a time on each line.
   * @default none
   */
  readonly logFile?: string;
}

export interface RunningSshd {
  readonly host: string;
  readonly port: number;
  readonly hostKeyPath: string;
  /** What `ssh-keygen -lf` prints for the host key: `SHA256:` + unpadded base64. */
  readonly hostKeyFingerprint: string;
  readonly pid: number;
  readonly mode: SshdMode;
  /** The last lines sshd wrote to stderr (`-e`), for test failure messages. */
  log(): string;
  /**
   * Opens `n` TCP connections that read sshd's ident and then stay silent, so each holds one
   * unauthenticated "startup" slot until LoginGraceTime. Resolves when all `n` were served an ident.
   */
  holdConnections(n: number): Promise<void>;
  /** Closes the held connections. */
  releaseConnections(): void;
  /** Stops sshd, closes held connections and removes the temp dir. Idempotent. */
  close(): Promise<void>;
}

/** A reason to skip real-sshd tests on this machine, or `undefined` when they can run. */
export function sshdAvailable(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (sshd needs root)';
  for (const path of [SSHD_PATH, SSH_KEYGEN_PATH]) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      return `${path} missing (Debian package openssh-server)`;
    }
  }
  return undefined;
}

/** A port that was free a moment ago: bind :0, read the port, release it. */
export async function freeLoopbackPort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Makes a throw-away ed25519 key pair; returns the private key path and its `ssh-keygen -lf` fingerprint. */
function makeHostKey(dir: string): { path: string; fingerprint: string } {
  const path = join(dir, 'ssh_host_ed25519_key');
  execFileSync(SSH_KEYGEN_PATH, ['-q', '-t', 'ed25519', '-N', '', '-C', 'port22-lab', '-f', path], {
    stdio: 'ignore',
  });
  return { path, fingerprint: keyFingerprint(`${path}.pub`) };
}

/** Installs a given private host key (mode 0600, as sshd demands) and derives its public half. */
function installHostKey(dir: string, privateKey: string): { path: string; fingerprint: string } {
  const path = join(dir, 'ssh_host_key');
  writeFileSync(path, privateKey.endsWith('\n') ? privateKey : `${privateKey}\n`, { mode: 0o600 });
  const publicKey = execFileSync(SSH_KEYGEN_PATH, ['-y', '-f', path], { encoding: 'utf8' });
  writeFileSync(`${path}.pub`, publicKey);
  return { path, fingerprint: keyFingerprint(`${path}.pub`) };
}

/** The SHA256 fingerprint `ssh-keygen -lf` prints ("256 SHA256:… comment (ED25519)"). */
function keyFingerprint(publicKeyPath: string): string {
  const line = execFileSync(SSH_KEYGEN_PATH, ['-l', '-E', 'sha256', '-f', publicKeyPath], {
    encoding: 'utf8',
  });
  const fingerprint = line.split(/\s+/).find((word) => word.startsWith('SHA256:'));
  if (!fingerprint) throw new Error(`unexpected ssh-keygen -lf output: ${line.trim()}`);
  return fingerprint;
}

function configFor(opts: {
  mode: SshdMode;
  port: number;
  listenAddress: string;
  hostKeyPath: string;
  extra: readonly string[];
}): string {
  const lines = [
    `Port ${opts.port}`,
    `ListenAddress ${opts.listenAddress}`,
    `HostKey ${opts.hostKeyPath}`,
    'PidFile none',
    'UsePAM no',
    'PasswordAuthentication yes',
    'PubkeyAuthentication yes',
    // Off so the `none` request lists exactly publickey,password (keyboard-interactive would be added).
    'KbdInteractiveAuthentication no',
    // A lab daemon must not read or touch the machine's real accounts' keys.
    'AuthorizedKeysFile none',
    'PermitRootLogin no',
    'LogLevel VERBOSE',
    // Short, so connections left open by a crashed test do not pin sshd children for two minutes.
    'LoginGraceTime 30',
  ];
  if (opts.mode === 'maxstartups') {
    // start:rate:full — with one unauthenticated connection open, refuse every further one with
    // probability 100 % (sshd_config(5), MaxStartups). sshd answers a dropped connection by closing it.
    lines.push('MaxStartups 1:100:1');
  }
  if (opts.mode === 'restricted-kex') lines.push(`KexAlgorithms ${PQ_ONLY_KEX}`);
  if (opts.mode === 'restricted-mac') lines.push(`Ciphers ${UMAC_ONLY_CIPHERS}`, `MACs ${UMAC_ONLY_MACS}`);
  lines.push(...opts.extra);
  return `${lines.join('\n')}\n`;
}

/** Starts sshd and resolves once it logs that it listens. Throws with sshd's own words when it cannot start. */
export async function startSshd(opts: SshdOptions): Promise<RunningSshd> {
  const skip = sshdAvailable();
  if (skip) throw new Error(`cannot start sshd: ${skip}`);
  mkdirSync(PRIVSEP_DIR, { recursive: true, mode: 0o755 });

  const dir = mkdtempSync(join(tmpdir(), 'port22-sshd-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  let forgetDir = atExit(removeDir);
  try {
    const hostKey = opts.hostKey === undefined ? makeHostKey(dir) : installHostKey(dir, opts.hostKey);
    const host = opts.listenAddress ?? '127.0.0.1';
    // A port picked by the kernel may be taken again before sshd binds it: retry a few times.
    const attempts = opts.port === undefined ? 3 : 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      // Inside a namespace of our own nothing else listens, so the real SSH port is free.
      const port = opts.port ?? (opts.netns ? 22 : await freeLoopbackPort(host));
      const configPath = join(dir, 'sshd_config');
      writeFileSync(
        configPath,
        configFor({
          mode: opts.mode,
          port,
          listenAddress: host,
          hostKeyPath: hostKey.path,
          extra: opts.extraConfig ?? [],
        }),
      );
      try {
        const child = await spawnSshd(configPath, opts.netns, opts.startTimeoutMs ?? 5000, opts.logFile);
        forgetDir();
        forgetDir = () => {};
        return running(child, { host, port, dir, hostKey, mode: opts.mode });
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  } catch (error) {
    removeDir();
    forgetDir();
    throw error;
  }
}

interface SpawnedSshd {
  child: ChildProcess;
  pid: number;
  log: () => string;
}

async function spawnSshd(
  configPath: string,
  netns: string | undefined,
  timeoutMs: number,
  logFile: string | undefined,
): Promise<SpawnedSshd> {
  const sshdArgs = ['-D', '-e', '-f', configPath];
  const child = netns
    ? spawn('ip', ['netns', 'exec', netns, SSHD_PATH, ...sshdArgs], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(SSHD_PATH, sshdArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  // Keep only the tail of the log: a held-open sshd may log for a long time.
  let tail = '';
  let partial = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-8192);
    if (logFile === undefined) return;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    // rsyslog's RFC 3339 high-precision time: microseconds and a numeric zone.
    const at = new Date().toISOString().replace('Z', '000+00:00');
    appendFileSync(logFile, lines.map((l) => `${at} port22-lab sshd[${child.pid}]: ${l}\n`).join(''));
  });
  const log = () => tail;
  const killNow = () => {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  };
  const forget = atExit(killNow);

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      done();
      killNow();
      reject(new Error(`sshd did not start listening within ${timeoutMs} ms:\n${tail}`));
    }, timeoutMs);
    const onData = () => {
      if (/Server listening on \S+ port \d+/.test(tail)) {
        done();
        resolve();
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      done();
      reject(new Error(`sshd exited (${signal ?? code}) before listening:\n${tail}`));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    function done() {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  }).catch((error: unknown) => {
    forget();
    throw error;
  });
  // `ip netns exec` execs the command, so the child's pid is sshd's pid either way.
  return { child, pid: child.pid!, log };
}

function running(
  spawned: SpawnedSshd,
  info: {
    host: string;
    port: number;
    dir: string;
    hostKey: { path: string; fingerprint: string };
    mode: SshdMode;
  },
): RunningSshd {
  const held = new Set<net.Socket>();
  const removeDir = () => rmSync(info.dir, { recursive: true, force: true });
  const killAndRemove = () => {
    for (const socket of held) socket.destroy();
    try {
      spawned.child.kill('SIGKILL');
    } catch {
      // already gone
    }
    removeDir();
  };
  const forget = atExit(killAndRemove);
  let closed: Promise<void> | undefined;

  const releaseConnections = () => {
    for (const socket of held) socket.destroy();
    held.clear();
  };

  return {
    host: info.host,
    port: info.port,
    hostKeyPath: info.hostKey.path,
    hostKeyFingerprint: info.hostKey.fingerprint,
    pid: spawned.pid,
    mode: info.mode,
    log: spawned.log,
    releaseConnections,
    async holdConnections(n) {
      // sshd forwards a dropped-or-served decision only after its child reports back over the startup
      // pipe, so a slot freed a moment ago may still count: retry a refused hold a bounded number of times.
      const deadline = Date.now() + 5000;
      while (held.size < n) {
        if (Date.now() > deadline)
          throw new Error(`could hold only ${held.size} of ${n} connections to sshd`);
        const socket = await holdOne(info.host, info.port);
        if (socket) held.add(socket);
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close() {
      closed ??= (async () => {
        releaseConnections();
        const exited =
          spawned.child.exitCode !== null || spawned.child.signalCode !== null
            ? Promise.resolve()
            : new Promise<void>((resolve) => spawned.child.once('exit', () => resolve()));
        // SIGTERM: sshd's listener exits at once; its per-connection children notice the closed socket.
        spawned.child.kill('SIGTERM');
        const timer = setTimeout(() => spawned.child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
        removeDir();
        forget();
      })();
      return closed;
    },
  };
}

/** One silent connection that sshd accepted and served its ident on; `undefined` if sshd dropped it. */
function holdOne(host: string, port: number): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let seen = '';
    const timer = setTimeout(() => finish(undefined), 2000);
    function finish(result: net.Socket | undefined) {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.removeAllListeners('close');
      if (!result) socket.destroy();
      else socket.on('error', () => {});
      resolve(result);
    }
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      seen = (seen + chunk).slice(0, 512);
      if (/^SSH-2\.0-/m.test(seen)) finish(socket);
    });
    socket.on('error', () => finish(undefined));
    socket.on('close', () => finish(undefined));
  });
}
