/**
 * Real, independently written servers for the differential tests: SSH servers from Debian (dropbear,
 * tinysshd, paramiko, AsyncSSH, libssh, Erlang/OTP's ssh) and services that are not SSH at all. Each runs
 * as its own process group on 127.0.0.1 and a high port, with throw-away keys in a temp dir; `close()`
 * kills the group and removes the dir, and an exit hook does the same if a test dies first.
 *
 * OpenSSH's sshd comes from lab/sshd.ts, which the rest of the project already uses.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { atExit } from '../../lab/exit-cleanup.ts';
import { freeLoopbackPort } from '../../lab/sshd.ts';

const HOST = '127.0.0.1';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';
/** Debian's python3-paramiko and python3-asyncssh install for the system interpreter, not a pyenv shim. */
const PYTHON = '/usr/bin/python3';
const SCRIPTS = fileURLToPath(new URL('./servers/', import.meta.url));
const ERLANG_LIB = '/usr/lib/erlang/lib';
const START_TIMEOUT_MS = 8000;

export interface RealServer {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The last lines the server wrote, for failure messages. */
  log(): string;
  /** Kills the server's process group and removes its temp dir. Idempotent. */
  close(): Promise<void>;
}

/** How to start one kind of server: what it needs installed, and its command line in a prepared dir. */
export interface ServerRecipe {
  readonly name: string;
  /**
   * What the server needs: executables or headers (absolute paths), Python modules (`python3:<module>`)
   * or Erlang applications (`erlang:<app>`).
   */
  readonly needs: readonly string[];
  /** The Debian packages that provide `needs`, for the skip reason (and .ci/run). */
  readonly packages: string;
  /** Prepares keys in `dir` and returns the command that serves on `port`. */
  command(dir: string, port: number): { file: string; args: string[] };
}

/** A reason the recipe cannot run on this machine, or `undefined`. */
export function recipeMissing(recipe: ServerRecipe): string | undefined {
  for (const need of recipe.needs) {
    if (need.startsWith('erlang:')) {
      // OTP applications live in /usr/lib/erlang/lib/<name>-<version> (Debian packages them one by one).
      const app = need.slice('erlang:'.length);
      if (!existsSync(ERLANG_LIB) || !readdirSync(ERLANG_LIB).some((d) => d.startsWith(`${app}-`)))
        return `Erlang application ${app} missing (Debian package ${recipe.packages})`;
      continue;
    }
    if (need.startsWith('python3:')) {
      const module = need.slice('python3:'.length);
      try {
        execFileSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' });
      } catch {
        return `${PYTHON} cannot import ${module} (Debian package ${recipe.packages})`;
      }
      continue;
    }
    try {
      // Headers only need to be readable; everything else is run.
      accessSync(need, need.endsWith('.h') ? constants.R_OK : constants.X_OK);
    } catch {
      return `${need} missing (Debian package ${recipe.packages})`;
    }
  }
  return undefined;
}

/** An OpenSSH-format private key of `type` at `dir/name` (ssh-keygen, as every server here can read it). */
function opensshKey(dir: string, name: string, type: 'ed25519' | 'ecdsa' | 'rsa', pem = false): string {
  const path = join(dir, name);
  const format = pem ? ['-m', 'PEM'] : [];
  const bits = type === 'rsa' ? ['-b', '2048'] : [];
  execFileSync(
    SSH_KEYGEN,
    ['-q', '-t', type, ...bits, ...format, '-N', '', '-C', 'port22-diff', '-f', path],
    {
      stdio: 'ignore',
    },
  );
  return path;
}

export const DROPBEAR: ServerRecipe = {
  name: 'dropbear',
  needs: ['/usr/sbin/dropbear', '/usr/bin/dropbearkey'],
  packages: 'dropbear-bin',
  command(dir, port) {
    const key = join(dir, 'dropbear_ed25519_host_key');
    execFileSync('/usr/bin/dropbearkey', ['-t', 'ed25519', '-f', key], { stdio: 'ignore' });
    // -F foreground, -E log to stderr, -R off: only the key given with -r.
    return { file: '/usr/sbin/dropbear', args: ['-F', '-E', '-p', `${HOST}:${port}`, '-r', key] };
  },
};

export const TINYSSHD: ServerRecipe = {
  name: 'tinysshd',
  needs: ['/usr/sbin/tinysshd', '/usr/sbin/tinysshd-makekey', '/usr/bin/tcpserver'],
  packages: 'tinysshd, ucspi-tcp',
  command(dir, port) {
    const keys = join(dir, 'tinyssh');
    execFileSync('/usr/sbin/tinysshd-makekey', [keys], { stdio: 'ignore' });
    // tinysshd serves one connection on stdin/stdout; tinysshd(8) runs it under tcpserver (-H -R: no DNS
    // or ident lookups, -l0: local name 0).
    return {
      file: '/usr/bin/tcpserver',
      args: ['-HRl0', HOST, String(port), '/usr/sbin/tinysshd', '-v', keys],
    };
  },
};

export const PARAMIKO: ServerRecipe = {
  name: 'paramiko',
  needs: [PYTHON, 'python3:paramiko'],
  packages: 'python3-paramiko',
  command(dir, port) {
    // An RSA key: the probe negotiates rsa-sha2-* while OpenSSH names the key ssh-rsa.
    const key = opensshKey(dir, 'rsa_key', 'rsa', true);
    return { file: PYTHON, args: [join(SCRIPTS, 'paramiko-server.py'), String(port), key] };
  },
};

export const ASYNCSSH: ServerRecipe = {
  name: 'asyncssh',
  needs: [PYTHON, 'python3:asyncssh'],
  packages: 'python3-asyncssh',
  command(dir, port) {
    const key = opensshKey(dir, 'ecdsa_key', 'ecdsa');
    return {
      file: PYTHON,
      args: ['-W', 'ignore', join(SCRIPTS, 'asyncssh-server.py'), String(port), key],
    };
  },
};

export const LIBSSH: ServerRecipe = {
  name: 'libssh',
  needs: ['/usr/bin/gcc', '/usr/include/libssh/server.h'],
  packages: 'libssh-dev, gcc',
  command(dir, port) {
    // Debian's libssh has no server binary: compile the smallest ssh_bind server (servers/libssh-server.c).
    const binary = join(dir, 'libssh-server');
    execFileSync('/usr/bin/gcc', ['-O1', '-o', binary, join(SCRIPTS, 'libssh-server.c'), '-lssh'], {
      stdio: 'pipe',
    });
    const key = opensshKey(dir, 'ecdsa_key', 'ecdsa');
    return { file: binary, args: [String(port), key] };
  },
};

export const ERLANG_SSH: ServerRecipe = {
  name: 'erlang-ssh',
  needs: ['/usr/bin/erl', 'erlang:ssh'],
  packages: 'erlang-base, erlang-ssh',
  command(dir, port) {
    // ssh:daemon reads its host keys from system_dir under OpenSSH's file names.
    opensshKey(dir, 'ssh_host_ed25519_key', 'ed25519');
    const options = `[{system_dir, "${dir}"}, {user_dir, "${dir}"}, {auth_methods, "publickey,password"}]`;
    const program =
      `ok = ssh:start(), {ok, _} = ssh:daemon({127,0,0,1}, ${port}, ${options}), ` +
      'receive after infinity -> ok end.';
    return { file: '/usr/bin/erl', args: ['-noshell', '-eval', program] };
  },
};

// ── not SSH ─────────────────────────────────────────────────────────────────────────────────────────

export const OPENSSL_S_SERVER: ServerRecipe = {
  name: 'openssl s_server',
  needs: ['/usr/bin/openssl'],
  packages: 'openssl',
  command(dir, port) {
    const key = join(dir, 'tls.key');
    const cert = join(dir, 'tls.crt');
    const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
    const subject = ['-subj', '/CN=localhost', '-days', '1'];
    execFileSync(
      '/usr/bin/openssl',
      ['req', '-x509', ...curve, '-nodes', '-keyout', key, '-out', cert, ...subject],
      {
        stdio: 'ignore',
      },
    );
    return {
      file: '/usr/bin/openssl',
      args: ['s_server', '-accept', `${HOST}:${port}`, '-cert', cert, '-key', key, '-quiet'],
    };
  },
};

export const PYTHON_HTTP_SERVER: ServerRecipe = {
  name: 'python3 -m http.server',
  needs: [PYTHON],
  packages: 'python3',
  command(dir, port) {
    return { file: PYTHON, args: ['-m', 'http.server', '--bind', HOST, '--directory', dir, String(port)] };
  },
};

/** A service that speaks first, as SMTP does (RFC 5321 §3.1: the server greets with 220). */
export const PYTHON_SMTPD: ServerRecipe = {
  name: 'python3 -m smtpd',
  needs: [PYTHON, 'python3:smtpd'],
  packages: 'python3 (3.11; smtpd left the standard library in 3.12)',
  command(_dir, port) {
    return {
      file: PYTHON,
      args: ['-W', 'ignore', '-m', 'smtpd', '-n', '-c', 'DebuggingServer', `${HOST}:${port}`],
    };
  },
};

/** Starts the recipe's server on a free loopback port; resolves once it accepts TCP connections. */
export async function startServer(recipe: ServerRecipe): Promise<RealServer> {
  const dir = mkdtempSync(join(tmpdir(), 'port22-diff-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const forgetDir = atExit(removeDir);
  let child: ChildProcess | undefined;
  let forgetChild = () => {};
  try {
    const port = await freeLoopbackPort(HOST);
    const { file, args } = recipe.command(dir, port);
    // Its own process group, so close() also ends what it forks (tcpserver's tinysshd, erl's beam).
    child = spawn(file, args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4096);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const started = child;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (started.pid !== undefined) process.kill(-started.pid, signal);
      } catch {
        // already gone
      }
    };
    forgetChild = atExit(() => killGroup('SIGKILL'));
    await waitForListener(started, port, () => tail);
    let closed: Promise<void> | undefined;
    return {
      name: recipe.name,
      host: HOST,
      port,
      log: () => tail,
      close() {
        closed ??= (async () => {
          const exited =
            started.exitCode !== null || started.signalCode !== null
              ? Promise.resolve()
              : new Promise<void>((resolve) => started.once('exit', () => resolve()));
          killGroup('SIGTERM');
          const timer = setTimeout(() => killGroup('SIGKILL'), 2000);
          await exited;
          clearTimeout(timer);
          // The leader may exit on SIGTERM before its children do: make sure nothing of the group stays.
          killGroup('SIGKILL');
          removeDir();
          forgetChild();
          forgetDir();
        })();
        return closed;
      },
    };
  } catch (error) {
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    forgetChild();
    removeDir();
    forgetDir();
    throw new Error(`${recipe.name} did not start: ${error instanceof Error ? error.message : error}`);
  }
}

/** Polls a TCP connect until it succeeds; rejects when the child exits first or START_TIMEOUT_MS passes. */
async function waitForListener(child: ChildProcess, port: number, log: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`exited (${child.signalCode ?? child.exitCode}):\n${log()}`);
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not listening on ${HOST}:${port} after ${START_TIMEOUT_MS} ms:\n${log()}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
