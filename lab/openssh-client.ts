/**
 * OpenSSH's own client tools as an oracle (test/differential) and as a peer (bench/): what `ssh` makes of a
 * server. `ssh -v` says whether the connection reached
 * authentication and which methods the server lists ("Authentications that can continue:", RFC 4252 §5.1);
 * `ssh-keyscan | ssh-keygen -lf -` gives the host keys' fingerprints. Both run non-interactively, with no
 * user config, no known_hosts and a bounded run time.
 */
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SSH = '/usr/bin/ssh';
const SSH_KEYSCAN = '/usr/bin/ssh-keyscan';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';
/** ssh's ConnectTimeout also bounds its banner exchange; the process itself is killed a little later. */
const CONNECT_TIMEOUT_S = 3;
const RUN_LIMIT_MS = 8000;

export interface ClientVerdict {
  /** The client finished key exchange and reached authentication (the `ok` class). */
  readonly connected: boolean;
  /** The server's list after the `none` request, in its order; `['none']` when it let us in. */
  readonly authMethods?: readonly string[];
  /** "Server host key: <type> <SHA256:…>" */
  readonly hostKey?: { readonly type: string; readonly sha256: string };
  /** The last line ssh printed that is not debug output, e.g. its reason for giving up. */
  readonly lastWords: string;
  /** ssh -v's whole stderr, for failure messages. */
  readonly transcript: string;
}

export interface KeyscanKey {
  readonly host: string;
  readonly bits: number;
  readonly sha256: string;
  /** ssh-keygen's name: `ED25519`, `ECDSA`, `RSA`. */
  readonly type: string;
}

/** Reasons OpenSSH's client tools cannot serve as the oracle here, or `undefined`. */
export async function opensshClientMissing(): Promise<string | undefined> {
  for (const tool of [SSH, SSH_KEYSCAN, SSH_KEYGEN]) {
    try {
      await run(tool, ['-V'], { timeout: 2000 });
    } catch (error) {
      // ssh-keyscan and ssh-keygen reject -V but exist: only a missing file matters.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return `${tool} missing (Debian openssh-client)`;
    }
  }
  return undefined;
}

/** `ssh -v` as a user with no keys and no password would run it, stopping after the `none` request. */
export async function opensshClient(host: string, port: number): Promise<ClientVerdict> {
  const args = [
    '-v',
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'PreferredAuthentications=none',
    '-o',
    `ConnectTimeout=${CONNECT_TIMEOUT_S}`,
    '-o',
    'ConnectionAttempts=1',
    '-p',
    String(port),
    `port22-probe@${host}`,
    'true',
  ];
  const transcript = await run(SSH, args, { timeout: RUN_LIMIT_MS, killSignal: 'SIGKILL' }).then(
    (r) => r.stderr,
    (error: { stderr?: string }) => error.stderr ?? '',
  );
  const methods = /^debug1: Authentications that can continue: (\S+)/m.exec(transcript)?.[1];
  const authenticated = /^Authenticated to /m.test(transcript);
  const key = /^debug1: Server host key: (\S+) (SHA256:\S+)/m.exec(transcript);
  const lastWords =
    transcript
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('debug'))
      .at(-1) ?? '';
  return {
    connected: methods !== undefined || authenticated,
    ...(methods !== undefined
      ? { authMethods: methods.split(',') }
      : authenticated
        ? { authMethods: ['none'] }
        : {}),
    ...(key ? { hostKey: { type: key[1]!, sha256: key[2]! } } : {}),
    lastWords,
    transcript,
  };
}

export interface KeyscanRun {
  readonly keys: readonly KeyscanKey[];
  /** Wall time of ssh-keyscan alone (start-up included; not the ssh-keygen that reads its output). */
  readonly scanMs: number;
}

/**
 * `ssh-keyscan -p PORT [-t TYPE] HOST... | ssh-keygen -lf -`: the host keys the servers offer (of that
 * type), each with the host it came from. ssh-keyscan scans all hosts at once.
 */
export async function keyscan(hosts: readonly string[], port: number, type?: string): Promise<KeyscanRun> {
  const typeArgs = type === undefined ? [] : ['-t', type];
  const started = performance.now();
  const scanned = await run(
    SSH_KEYSCAN,
    ['-T', String(CONNECT_TIMEOUT_S), '-p', String(port), ...typeArgs, ...hosts],
    {
      timeout: RUN_LIMIT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 16 * 1024 * 1024,
    },
  ).then(
    (r) => r.stdout,
    (error: { stdout?: string }) => error.stdout ?? '',
  );
  const scanMs = performance.now() - started;
  if (scanned.trim() === '') return { keys: [], scanMs };
  const listed = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      SSH_KEYGEN,
      ['-l', '-E', 'sha256', '-f', '-'],
      { timeout: RUN_LIMIT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
    child.stdin?.end(scanned);
  });
  // "256 SHA256:… [127.0.0.1]:2222 (ED25519)"; the host is bracketed when the port is not 22.
  const keys = [...listed.matchAll(/^(\d+) (SHA256:\S+) \[?([^\]\s]+)\]?(?::\d+)? \((\S+)\)$/gm)].map(
    (m) => ({
      bits: Number(m[1]),
      sha256: m[2]!,
      host: m[3]!,
      type: m[4]!,
    }),
  );
  return { keys, scanMs };
}

/**
 * The key type a host key signature algorithm signs with: RFC 8332 §3 names RSA keys `ssh-rsa` whatever
 * the signature hash; every other algorithm here is named after its key type.
 */
export function keyTypeOfSignatureAlgorithm(algorithm: string): string {
  return algorithm === 'rsa-sha2-256' || algorithm === 'rsa-sha2-512' ? 'ssh-rsa' : algorithm;
}

/** ssh-keyscan's `-t` name for a key type (`ssh-ed25519` → `ed25519`, `ecdsa-sha2-nistp256` → `ecdsa`). */
export function keyscanTypeOf(keyType: string): string {
  if (keyType.startsWith('ecdsa-sha2-')) return 'ecdsa';
  if (keyType === 'ssh-rsa') return 'rsa';
  return keyType.replace(/^ssh-/, '');
}
