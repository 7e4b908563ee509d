/**
 * The probe against real servers nobody here wrote (docs/probe.md, "Services that are not SSH"): Python's
 * http.server, `openssl s_server` and vsftpd wait for (or greet) the client and must come out `not-ssh`,
 * named, in milliseconds; real sshd must see exactly one identification from us, and its refusals, banner
 * and host keys must read as OpenSSH's own tools read them.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type RunningSshd, sshdAvailable, startSshd } from '../../../../lab/sshd.ts';
import { probe } from '../../../../lambda/adapters/net/prober.ts';

const TIMEOUTS = { connectMs: 2000, identMs: 2000, kexMs: 3000, authMs: 2000, totalMs: 5000 };

/** Debian installs it in /usr/sbin, which a non-root PATH may lack. */
const VSFTPD = '/usr/sbin/vsftpd';

function missing(binary: string, pkg: string): string | undefined {
  return spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0
    ? undefined
    : `${binary} missing (Debian package ${pkg})`;
}

/** A free loopback port: bind :0, read it, release it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts `cmd`, waits (bounded) until the port accepts connections, and returns the child. */
async function startServer(cmd: string, args: string[], port: number, cwd?: string): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  // What the server said before it gave up (vsftpd: "500 OOPS: …"), for the error below.
  let said = '';
  const keep = (chunk: Buffer) => {
    said = (said + chunk.toString()).slice(-400);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const deadline = Date.now() + 5000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = createServer().listen(port, '127.0.0.1');
      s.once('listening', () => s.close(() => resolve(false)));
      s.once('error', () => resolve(true));
    });
    if (up) return child;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`${cmd} did not listen on ${port} (exit ${child.exitCode}): ${said.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'port22-real-services-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('probe against real services that are not SSH', () => {
  it('python3 -m http.server → not-ssh, HTTP, in milliseconds', {
    skip: missing('python3', 'python3'),
  }, async () => {
    const port = await freePort();
    const child = await startServer(
      'python3',
      ['-m', 'http.server', String(port), '--bind', '127.0.0.1'],
      port,
      tmp,
    );
    try {
      const result = await probe({ host: '127.0.0.1', port }, TIMEOUTS);
      assert.equal(result.outcome, 'not-ssh', result.detail);
      assert.equal(result.service?.name, 'HTTP');
      // It read our identification as an HTTP/0.9 request line: a bare 400 page, no status line.
      assert.match(result.service?.detail ?? '', /without a status line .*error code 400/);
      assert.ok(result.phases.totalMs < 1000, `${result.phases.totalMs} ms`);
    } finally {
      await stop(child);
    }
  });

  it('openssl s_server → closes on our identification; the second look names TLS', {
    skip: missing('openssl', 'openssl'),
  }, async () => {
    const port = await freePort();
    const key = join(tmp, 'tls-key.pem');
    const cert = join(tmp, 'tls-cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=port22-test',
      ],
      { stdio: 'ignore' },
    );
    const child = await startServer(
      'openssl',
      ['s_server', '-accept', `127.0.0.1:${port}`, '-key', key, '-cert', cert, '-quiet'],
      port,
    );
    try {
      const result = await probe({ host: '127.0.0.1', port }, TIMEOUTS);
      assert.equal(result.outcome, 'not-ssh', result.detail);
      assert.deepEqual(result.service, { name: 'TLS', detail: 'ServerHello (record version 3.3)' });
      assert.match(result.detail ?? '', /TLS ClientHello on a second connection/);
      // One silence of at least 200 ms on the second connection, then the answer: well under a second.
      assert.ok(result.phases.totalMs >= 200 && result.phases.totalMs < 1500, `${result.phases.totalMs} ms`);
    } finally {
      await stop(child);
    }
  });

  it('vsftpd → not-ssh, FTP, from its greeting', { skip: missing(VSFTPD, 'vsftpd') }, async () => {
    const empty = join(tmp, 'ftp-empty');
    mkdirSync(empty, { recursive: true });
    const conf = join(tmp, 'vsftpd.conf');
    const startVsftpd = async (port: number) => {
      writeFileSync(
        conf,
        [
          `listen=YES`,
          'listen_address=127.0.0.1',
          `listen_port=${port}`,
          'background=NO',
          'anonymous_enable=YES',
          `anon_root=${empty}`,
          'local_enable=NO',
          `secure_chroot_dir=${empty}`,
          'run_as_launching_user=YES',
          '',
        ].join('\n'),
      );
      return startServer(VSFTPD, [conf], port);
    };
    // A port found free can be taken before vsftpd binds it while the rest of the suite runs (vsftpd then
    // exits at once): a second free port, once, before the test fails with what vsftpd said.
    let port = await freePort();
    let child: ChildProcess;
    try {
      child = await startVsftpd(port);
    } catch {
      port = await freePort();
      child = await startVsftpd(port);
    }
    try {
      const result = await probe({ host: '127.0.0.1', port }, TIMEOUTS);
      assert.equal(result.outcome, 'not-ssh', result.detail);
      assert.equal(result.service?.name, 'FTP');
      assert.match(result.service?.detail ?? '', /^greeting "220 \(vsFTPd \d/);
      assert.ok(result.phases.totalMs < 1000, `${result.phases.totalMs} ms`);
    } finally {
      await stop(child);
    }
  });
});

describe('our identification on the wire', () => {
  it('goes out once, first, before any KEXINIT — even though ssh2 also writes one', async () => {
    const received: Buffer[] = [];
    const server = createServer((s: Socket) => {
      s.on('data', (d) => received.push(d));
      s.on('error', () => {});
      s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7\r\n');
      setTimeout(() => s.destroy(), 400);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await probe({ host: '127.0.0.1', port }, { ...TIMEOUTS, totalMs: 2000 });
      const sent = Buffer.concat(received);
      const text = sent.toString('latin1');
      assert.ok(text.startsWith('SSH-2.0-port22\r\n'), JSON.stringify(text.slice(0, 40)));
      assert.equal(text.split('SSH-2.0-').length - 1, 1, 'exactly one identification');
      // Right after it, ssh2's KEXINIT packet: uint32 length, padding length, then message 20 (RFC 4253 §7.1).
      assert.equal(sent[16 + 5], 20);
    } finally {
      server.close();
    }
  });
});

const skipSshd = sshdAvailable();
const sshdVersion = skipSshd ? '' : spawnSync('/usr/sbin/sshd', ['-V'], { encoding: 'utf8' }).stderr;
/** drop_connection() in sshd.c: 8.2-9.7 write "Exceeded MaxStartups", 9.8+ "Not allowed at this time". */
function expectedRefusal(version: string): string {
  const m = /OpenSSH_(\d+)\.(\d+)/.exec(version);
  const [major, minor] = [Number(m?.[1]), Number(m?.[2])];
  return major > 9 || (major === 9 && minor >= 8) ? 'not-allowed-at-this-time' : 'exceeded-maxstartups';
}

describe('probe against real OpenSSH sshd: refusals, banner, host keys', () => {
  it('MaxStartups full → closed- or reset-before-ident with the refusal sshd wrote', {
    skip: skipSshd,
  }, async () => {
    const sshd = await startSshd({ mode: 'maxstartups' });
    try {
      await sshd.holdConnections(1);
      const result = await probe({ host: sshd.host, port: sshd.port }, TIMEOUTS);
      // sshd closes with our identification unread, so Linux often ends it with RST, not FIN (RFC 2525 §2.17).
      assert.ok(
        result.outcome === 'closed-before-ident' || result.outcome === 'reset-before-ident',
        `${result.outcome}: ${result.detail}`,
      );
      assert.equal(result.refusal, expectedRefusal(sshdVersion), result.detail);
      assert.ok(result.phases.totalMs < 1000, `${result.phases.totalMs} ms`);
    } finally {
      await sshd.close();
    }
  });

  it('DenyUsers * refuses after the identification, not before: ok, methods still listed', {
    skip: skipSshd,
  }, async () => {
    const sshd = await startSshd({ mode: 'healthy', extraConfig: ['DenyUsers *'] });
    try {
      const result = await probe({ host: sshd.host, port: sshd.port }, TIMEOUTS);
      assert.equal(result.outcome, 'ok', result.detail);
      assert.deepEqual([...(result.authMethods ?? [])].sort(), ['password', 'publickey']);
    } finally {
      await sshd.close();
    }
  });

  it('Banner → the banner file, verbatim, in the result', { skip: skipSshd }, async () => {
    const banner = join(tmp, 'banner.txt');
    const text = 'Authorised use only.\r\nAll access is logged — port22 test.\r\n';
    writeFileSync(banner, text);
    const sshd = await startSshd({ mode: 'healthy', extraConfig: [`Banner ${banner}`] });
    try {
      const result = await probe({ host: sshd.host, port: sshd.port }, TIMEOUTS);
      assert.equal(result.outcome, 'ok', result.detail);
      assert.equal(result.banner, text);
    } finally {
      await sshd.close();
    }
  });

  it('a Banner over 2 KiB is cut to its first 2048 bytes', { skip: skipSshd }, async () => {
    const banner = join(tmp, 'long-banner.txt');
    writeFileSync(banner, 'x'.repeat(5000));
    const sshd = await startSshd({ mode: 'healthy', extraConfig: [`Banner ${banner}`] });
    try {
      const result = await probe({ host: sshd.host, port: sshd.port }, TIMEOUTS);
      assert.equal(result.banner, 'x'.repeat(2048));
    } finally {
      await sshd.close();
    }
  });

  for (const [keygenType, bits, algorithms] of [
    ['rsa', '3072', 'rsa-sha2-512'],
    ['rsa', '3072', 'ssh-rsa'],
    ['ecdsa', '384', 'ecdsa-sha2-nistp384'],
    ['ed25519', undefined, 'ssh-ed25519'],
  ] as const) {
    it(`host key ${keygenType} signing as ${algorithms} reads as ssh-keyscan | ssh-keygen -lf - reads it`, {
      skip: skipSshd,
    }, async () => {
      const dir = mkdtempSync(join(tmp, 'hostkey-'));
      const keyPath = join(dir, `key_${keygenType}`);
      execFileSync('ssh-keygen', [
        '-q',
        '-t',
        keygenType,
        ...(bits ? ['-b', bits] : []),
        '-N',
        '',
        '-f',
        keyPath,
      ]);
      const sshd: RunningSshd = await startSshd({
        mode: 'healthy',
        extraConfig: [`HostKey ${keyPath}`, `HostKeyAlgorithms ${algorithms}`],
      });
      try {
        const result = await probe({ host: sshd.host, port: sshd.port }, TIMEOUTS);
        assert.equal(result.outcome, 'ok', result.detail);
        const scanned = execFileSync(
          'sh',
          [
            '-c',
            `ssh-keyscan -t ${algorithms === 'ssh-rsa' ? 'rsa' : keygenType === 'ecdsa' ? 'ecdsa' : keygenType} -p ${sshd.port} ${sshd.host} 2>/dev/null | ssh-keygen -lf -`,
          ],
          { encoding: 'utf8' },
        ).trim();
        // "3072 SHA256:… [127.0.0.1]:port (RSA)"
        const m = /^(\d+) (SHA256:\S+) .* \(([A-Z0-9-]+)\)$/.exec(scanned);
        assert.ok(m, scanned);
        assert.deepEqual(
          { bits: result.hostKey?.bits, sha256: result.hostKey?.sha256, type: result.hostKey?.type },
          { bits: Number(m[1]), sha256: m[2], type: m[3] },
        );
        assert.equal(result.hostKey?.algorithm, algorithms);
        assert.equal(
          result.hostKey?.keyType,
          keygenType === 'rsa' ? 'ssh-rsa' : keygenType === 'ecdsa' ? 'ecdsa-sha2-nistp384' : 'ssh-ed25519',
        );
      } finally {
        await sshd.close();
      }
    });
  }
});
