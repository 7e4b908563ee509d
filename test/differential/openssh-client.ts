/**
 * The oracle: what OpenSSH's own client makes of a server. `ssh -v` says whether the connection reached
 * authentication and which methods the server lists ("Authentications that can continue:", RFC 4252 §5.1);
 * `ssh-keyscan | ssh-keygen -lf -` gives the host keys' fingerprints. Both run non-interactively, with no
 * user config, no known_hosts and a bounded run time.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { probe } from '../../lambda/adapters/net/prober.ts';
import type { ProbeOutcome, ProbeResult, ProbeTarget } from '../../lambda/core/probe/types.ts';

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

/** `ssh-keyscan -p PORT [-t TYPE] HOST | ssh-keygen -lf -`: every host key the server offers that type of. */
export async function keyscan(host: string, port: number, type?: string): Promise<KeyscanKey[]> {
  const typeArgs = type === undefined ? [] : ['-t', type];
  const scanned = await run(
    SSH_KEYSCAN,
    ['-T', String(CONNECT_TIMEOUT_S), '-p', String(port), ...typeArgs, host],
    {
      timeout: RUN_LIMIT_MS,
      killSignal: 'SIGKILL',
    },
  ).then(
    (r) => r.stdout,
    (error: { stdout?: string }) => error.stdout ?? '',
  );
  if (scanned.trim() === '') return [];
  const listed = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      SSH_KEYGEN,
      ['-l', '-E', 'sha256', '-f', '-'],
      { timeout: RUN_LIMIT_MS },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
    child.stdin?.end(scanned);
  });
  // "256 SHA256:… [127.0.0.1]:2222 (ED25519)"
  return [...listed.matchAll(/^(\d+) (SHA256:\S+) .* \((\S+)\)$/gm)].map((m) => ({
    bits: Number(m[1]),
    sha256: m[2]!,
    type: m[3]!,
  }));
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

/**
 * Runs OpenSSH's client, then port22's probe, on one server and asserts they agree: the probe is `ok`
 * exactly when ssh reached authentication, and then both saw the same auth methods and the same host key
 * (the probe's fingerprint is the one ssh-keyscan reports for its key type). `expected` is the outcome the
 * probe should give — for a server ssh could not reach, the one that names what happened.
 */
export async function assertAgreesWithOpenssh(
  t: TestContext,
  target: ProbeTarget,
  expected: ProbeOutcome,
): Promise<ProbeResult> {
  const client = await opensshClient(target.host, target.port);
  const result = await probe(target);
  t.diagnostic(`ssh: ${client.connected ? `methods ${client.authMethods?.join(',')}` : client.lastWords}`);
  t.diagnostic(
    `probe: ${result.outcome}${result.detail ? ` (${result.detail})` : ''} in ${result.phases.totalMs} ms`,
  );
  assert.equal(
    client.connected,
    expected === 'ok',
    `the test's expectation contradicts OpenSSH's client, which said: ${client.lastWords}\n${client.transcript}`,
  );
  assert.equal(result.outcome, expected, `probe said ${result.outcome}: ${result.detail ?? ''}`);
  if (expected !== 'ok') return result;

  assert.deepEqual(result.authMethods, client.authMethods, 'auth methods');
  assert.ok(result.hostKey, 'the probe reported no host key');
  const keyType = keyTypeOfSignatureAlgorithm(result.hostKey.algorithm);
  const scanned = await keyscan(target.host, target.port, keyscanTypeOf(keyType));
  assert.deepEqual(
    scanned.map((k) => k.sha256),
    [result.hostKey.sha256],
    `ssh-keyscan -t ${keyscanTypeOf(keyType)} disagrees with the probe's ${result.hostKey.algorithm} key`,
  );
  assert.ok(client.hostKey, 'ssh -v printed no host key');
  // Servers with several keys may hand each client a different one; then ssh's must be among keyscan's too.
  if (client.hostKey.type === keyType) assert.equal(result.hostKey.sha256, client.hostKey.sha256);
  else {
    const all = await keyscan(target.host, target.port);
    assert.ok(
      all.some((k) => k.sha256 === client.hostKey!.sha256),
      `ssh's key ${client.hostKey.sha256} not scanned`,
    );
  }
  return result;
}
