// The hybrid key exchange classes on their own (reply checks, wire sizes), and end to end against tinysshd,
// an SSH server written independently of OpenSSH that offers sntrup761x25519 besides curve25519.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import ssh2 from 'ssh2';
import kexModule from 'ssh2/lib/protocol/kex.js';
import { hybridKexMethods } from '../../../../lambda/adapters/net/ssh2-hybrid-kex.ts';
import { openSshSha256Fingerprint } from '../../../../lambda/core/probe/fingerprint.ts';

const execFileAsync = promisify(execFile);
const TINYSSHD = '/usr/sbin/tinysshd';
const TINYSSHD_MAKEKEY = '/usr/sbin/tinysshd-makekey';

function missing(path: string, pkg: string): string | false {
  try {
    accessSync(path, fsConstants.X_OK);
    return false;
  } catch {
    return `${path} missing (Debian package ${pkg})`;
  }
}

/** A client-side exchange object for `method`, as ssh2's factory builds it after KEXINIT. */
function clientExchange(method: string) {
  hybridKexMethods();
  const make = kexModule.KEX_EXTENSIONS?.methods.get(method);
  assert.ok(make, `${method} not registered: is ssh2 patched?`);
  return make({ kex: method }, { _server: false }, Buffer.alloc(0));
}

describe('hybrid key exchange: the client side’s wire sizes and reply checks', () => {
  const cases = [
    { method: 'mlkem768x25519-sha256', init: 1184 + 32, reply: 1088 + 32, hash: 'sha256' },
    { method: 'sntrup761x25519-sha512', init: 1158 + 32, reply: 1039 + 32, hash: 'sha512' },
    { method: 'sntrup761x25519-sha512@openssh.com', init: 1158 + 32, reply: 1039 + 32, hash: 'sha512' },
  ];
  for (const c of cases) {
    it(`${c.method}: C_INIT is ${c.init} bytes, hashed with ${c.hash}, the same on every call`, () => {
      const exchange = clientExchange(c.method);
      assert.equal(exchange.getPublicKey().length, c.init);
      assert.equal(exchange.getPublicKey(), exchange.getPublicKey());
      assert.equal(exchange.hashName, c.hash);
    });

    it(`${c.method}: a reply one byte short or long is refused; S_REPLY is hashed as received`, () => {
      const exchange = clientExchange(c.method);
      for (const size of [c.reply - 1, c.reply + 1]) {
        const secret = exchange.computeSecret(Buffer.alloc(size, 1));
        assert.ok(secret instanceof Error);
        assert.equal(secret.message, `server reply is ${size} bytes, expected ${c.reply}`);
      }
      const reply = Buffer.concat([Buffer.alloc(1), Buffer.alloc(c.reply - 1, 7)]);
      assert.equal(exchange.convertPublicKey(reply), reply);
    });

    it(`${c.method}: an X25519 point of small order (all-zero shared secret) is refused`, () => {
      const exchange = clientExchange(c.method);
      // u = 0 is a point of order 1: every scalar maps it to zero (RFC 7748 §6.1). OpenSSL 3 already refuses
      // to derive it; ssh2-hybrid-kex.ts checks too, for a runtime that does not.
      const secret = exchange.computeSecret(Buffer.alloc(c.reply));
      assert.ok(secret instanceof Error);
      assert.match(secret.message, /all zero|failed during derivation/);
    });
  }

  it('the server side is not implemented, and says so instead of computing a wrong secret', () => {
    const make = kexModule.KEX_EXTENSIONS?.methods.get('mlkem768x25519-sha256');
    const exchange = make!({ kex: 'mlkem768x25519-sha256' }, { _server: true }, Buffer.alloc(0));
    const secret = exchange.computeSecret(Buffer.alloc(1216));
    assert.ok(secret instanceof Error);
    assert.match(secret.message, /only the client side/);
  });
});

const skipTinysshd = missing(TINYSSHD, 'tinysshd') || missing(TINYSSHD_MAKEKEY, 'tinysshd');

describe('sntrup761x25519-sha512@openssh.com against tinysshd', { skip: skipTinysshd }, () => {
  let keyDir: string;
  let server: net.Server;
  const children = new Set<ChildProcess>();
  let port: number;

  before(async () => {
    keyDir = join(mkdtempSync(join(tmpdir(), 'port22-tinysshd-')), 'keys');
    execFileSync(TINYSSHD_MAKEKEY, [keyDir], { timeout: 5000 });
    // tinysshd serves one connection on its stdin/stdout (an inetd-style server): one process per connection.
    server = net.createServer((socket) => {
      const child = spawn(TINYSSHD, [keyDir], { stdio: ['pipe', 'pipe', 'ignore'] });
      children.add(child);
      child.on('exit', () => {
        children.delete(child);
        socket.destroy();
      });
      socket.on('error', () => child.kill());
      socket.on('close', () => child.kill());
      child.stdin.on('error', () => socket.destroy());
      socket.pipe(child.stdin);
      child.stdout.pipe(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });

  after(async () => {
    for (const child of children) child.kill();
    await new Promise((resolve) => server.close(resolve));
    rmSync(join(keyDir, '..'), { recursive: true, force: true });
  });

  it('completes key exchange offering only the hybrid, with ssh-keyscan’s host key, and learns publickey', async () => {
    hybridKexMethods();
    const result = await new Promise<{ kex: string; hostKey: Buffer; methods: string[] }>(
      (resolve, reject) => {
        const client = new ssh2.Client();
        let kex = '';
        let hostKey = Buffer.alloc(0);
        const timer = setTimeout(() => reject(new Error('no answer from tinysshd within 5 s')), 5000);
        client.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        client.on('handshake', (negotiated) => {
          kex = negotiated.kex;
        });
        client.connect({
          host: '127.0.0.1',
          port,
          username: 'port22-probe',
          readyTimeout: 0,
          algorithms: { kex: ['sntrup761x25519-sha512@openssh.com'] } as never,
          hostVerifier: (key: Buffer) => {
            hostKey = Buffer.from(key);
            return true;
          },
          authHandler: (methodsLeft, _partial, next) => {
            if (methodsLeft === null || methodsLeft === undefined) {
              next('none');
              return;
            }
            clearTimeout(timer);
            client.end();
            resolve({ kex, hostKey, methods: [...methodsLeft] });
          },
        });
      },
    );
    assert.equal(result.kex, 'sntrup761x25519-sha512@openssh.com');
    assert.deepEqual(result.methods, ['publickey']);
    // Asynchronously: the proxy to tinysshd runs on this event loop.
    const scanned = await execFileAsync('ssh-keyscan', ['-p', String(port), '-t', 'ed25519', '127.0.0.1'], {
      timeout: 5000,
    });
    const listed = execFileSync('ssh-keygen', ['-lf', '-'], {
      input: scanned.stdout,
      timeout: 5000,
    }).toString();
    assert.equal(openSshSha256Fingerprint(result.hostKey), /SHA256:\S+/.exec(listed)?.[0]);
  });
});
