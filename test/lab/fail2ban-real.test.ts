/**
 * The oracle for everything port22 assumes about fail2ban: Debian's own fail2ban-server (its filter.d/sshd.conf
 * and action.d files, copied from /etc/fail2ban) runs inside a namespace host beside real OpenSSH sshd, reads
 * sshd's log, and bans a peer that failed to log in with OpenSSH's client. Then the wire shows the ban (the
 * banned source refused, another served sshd's ident), the in-host check's own script reads the host, and
 * the reading and the diagnosis must name the ban — for each ban action a Debian host is likely to use.
 *
 * Nothing leaves the test's namespaces: fail2ban's config, socket, pid file, database (`:memory:`) and log
 * are in a temp dir, and its iptables rules and ipsets belong to the host namespace, deleted with it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { atExit } from '../../lab/exit-cleanup.ts';
import { execInNamespace, netnsAvailable } from '../../lab/netns.ts';
import { type RunningSshd, sshdAvailable, startSshd } from '../../lab/sshd.ts';
import { diagnose } from '../../lambda/core/diagnose/diagnose.ts';
import { hostCheckScript, SSM_INLINE_OUTPUT_LIMIT } from '../../lambda/core/evidence/host-check-script.ts';
import { readHostCheck } from '../../lambda/core/evidence/host-reading.ts';
import { parseHostReport } from '../../lambda/core/evidence/host-report.ts';
import { PROBER_PEER } from '../../lambda/core/evidence/observations.ts';
import { FirewallBench, toolMissing } from './firewall-bench.ts';

const FAIL2BAN_SERVER = '/usr/bin/fail2ban-server';
const FAIL2BAN_CLIENT = '/usr/bin/fail2ban-client';
const IPSET = '/usr/sbin/ipset';
const skip =
  netnsAvailable() ??
  sshdAvailable() ??
  toolMissing(FAIL2BAN_SERVER, 'fail2ban') ??
  toolMissing('/usr/sbin/iptables', 'iptables') ??
  toolMissing('/usr/bin/ssh', 'openssh-client') ??
  toolMissing('/usr/bin/unshare', 'util-linux');

const HOST = '198.18.214.1';
/** The peer that fails to log in (and so is banned), and one that never tries. */
const BANNED = '198.18.214.7';
const OTHER = '198.18.214.8';
const ID = 'i-0f2b0f2b0f2b0f2b0';

/** Every wait is bounded: fail2ban polls its log once a second, so a ban lands within a few. */
const BAN_WAIT_MS = 15_000;

const bench = new FirewallBench({
  namespacePrefix: 'h14f2b-',
  vethPrefix: 'h14f',
  host: HOST,
  sources: [BANNED, OTHER],
  listener: false,
});

/** fail2ban-server in the host namespace, on a config dir that is a copy of Debian's plus our jail. */
class Fail2ban {
  readonly conf: string;
  readonly socket: string;
  private child: ChildProcess | undefined;
  private forget: (() => void) | undefined;
  private stderr = '';

  constructor(dir: string, banaction: string, logFile: string) {
    this.conf = join(dir, `conf-${banaction}`);
    this.socket = join(dir, `${banaction}.sock`);
    cpSync('/etc/fail2ban', this.conf, { recursive: true });
    // The client reads the socket's path from fail2ban.local too: the script's plain `fail2ban-client`
    // finds this server once this dir is mounted on /etc/fail2ban.
    writeFileSync(
      join(this.conf, 'fail2ban.local'),
      [
        '[Definition]',
        'loglevel = INFO',
        `logtarget = ${join(dir, `${banaction}.log`)}`,
        `socket = ${this.socket}`,
        `pidfile = ${join(dir, `${banaction}.pid`)}`,
        'dbfile = :memory:',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(this.conf, 'jail.local'),
      [
        '[sshd]',
        'enabled = true',
        'port = ssh',
        `logpath = ${logFile}`,
        'backend = polling',
        'maxretry = 2',
        'findtime = 600',
        'bantime = 600',
        `banaction = ${banaction}`,
        '',
      ].join('\n'),
    );
  }

  async start(): Promise<void> {
    this.child = spawn(
      'ip',
      ['netns', 'exec', bench.hostNs, FAIL2BAN_SERVER, '-f', '-x', '-c', this.conf, '-s', this.socket],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      this.stderr = (this.stderr + c).slice(-4000);
    });
    this.forget = atExit(() => this.stop());
    await until('fail2ban-server answers ping', () => this.client(['ping']).status === 0, 10_000);
  }

  client(args: readonly string[]) {
    return spawnSync(FAIL2BAN_CLIENT, ['-c', this.conf, '-s', this.socket, ...args], {
      encoding: 'utf8',
      timeout: 5000,
    });
  }

  status(): string {
    const r = this.client(['status', 'sshd']);
    return `${r.stdout}${r.status === 0 ? '' : `(exit ${r.status}) ${r.stderr}\nserver: ${this.stderr}`}`;
  }

  stop(): void {
    this.child?.kill('SIGKILL');
    this.forget?.();
    this.forget = undefined;
  }
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One login as a user that does not exist, with OpenSSH's client from `source`: what the client printed. */
function failedLogin(source: string): string {
  const r = spawnSync(
    'ip',
    [
      ...['netns', 'exec', bench.peerNs, 'ssh', '-F', '/dev/null', '-b', source],
      ...['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'],
      ...['-o', 'ConnectTimeout=3', '-o', 'IdentitiesOnly=yes', `nosuchuser@${HOST}`, 'true'],
    ],
    { encoding: 'utf8', timeout: 8000 },
  );
  return r.stderr;
}

/** The first line a TCP server at HOST:22 sends to `source`, or connect()'s error code. */
function firstLineFrom(source: string): string {
  const js = `const s = require('node:net').connect({ host: '${HOST}', port: 22, localAddress: '${source}' });
s.setTimeout(3000, () => { console.log('silence'); process.exit(0); });
s.on('data', (d) => { console.log(String(d).split('\\r\\n')[0]); process.exit(0); });
s.on('error', (e) => { console.log(e.code); process.exit(0); });`;
  return execFileSync('ip', ['netns', 'exec', bench.peerNs, process.execPath, '-e', js], {
    encoding: 'utf8',
    timeout: 6000,
  }).trim();
}

/**
 * The in-host check's script as the lab runs it (its own PID namespace, so only this host's sshd shows),
 * in a private mount namespace where this server's config dir is /etc/fail2ban: the script's plain
 * `fail2ban-client status sshd` then asks this server, as it would ask the system's on a real host.
 */
async function runScript(f2b: Fail2ban): Promise<string> {
  const run = await execInNamespace(
    bench.hostNs,
    [
      ...['unshare', '--mount', '--pid', '--fork', '--mount-proc', 'sh', '-c'],
      `mount --bind '${f2b.conf}' /etc/fail2ban && exec sh -s`,
    ],
    { input: hostCheckScript(22), timeoutMs: 20_000, maxBytes: SSM_INLINE_OUTPUT_LIMIT },
  );
  assert.ok(!run.timedOut, 'the script finished');
  return run.stdout;
}

const VARIANTS = [
  { banaction: 'iptables-multiport', needs: undefined },
  { banaction: 'iptables-ipset-proto6', needs: toolMissing(IPSET, 'ipset') },
] as const;

describe('real fail2ban bans a real failed SSH login; the in-host check and the diagnosis name it', () => {
  let dir = '';
  let sshd: RunningSshd | undefined;
  const logFile = () => join(dir, 'sshd.log');
  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'port22-f2b-'));
    await bench.start();
    sshd = await startSshd({
      mode: 'healthy',
      netns: bench.hostNs,
      listenAddress: HOST,
      port: 22,
      logFile: logFile(),
    });
  });
  after(async () => {
    await sshd?.close();
    if (!skip) bench.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const v of VARIANTS) {
    it(`banaction ${v.banaction}`, { skip: skip ?? v.needs ?? false }, async () => {
      // Each variant starts from an empty log and firewall: no earlier failure counts, no earlier rule decides.
      writeFileSync(logFile(), '');
      bench.inHost(['iptables', '-F']);
      bench.inHost(['iptables', '-X']);
      const f2b = new Fail2ban(dir, v.banaction, logFile());
      await f2b.start();
      try {
        const listed = () => f2b.status().split(/\s+/).includes(BANNED);
        const said: string[] = [];
        // maxretry 2: two failures ban; a few more tries cover a failure fail2ban read late.
        for (let i = 0; i < 4 && !listed(); i++) {
          said.push(failedLogin(BANNED));
          await new Promise((r) => setTimeout(r, 1200));
        }
        await until(`fail2ban lists ${BANNED}`, listed, BAN_WAIT_MS).catch((e: Error) => {
          throw new Error(`${e.message}\n${f2b.status()}\nssh: ${said.join('|')}\nsshd: ${sshd!.log()}`);
        });

        // (a) the wire: the banned source is refused (REJECT's icmp-port-unreachable), the other served.
        assert.equal(await bench.knock(BANNED), 'ECONNREFUSED');
        assert.match(firstLineFrom(OTHER), /^SSH-2\.0-OpenSSH_/);

        // (b) the script, run in the host, reads fail2ban's jail.
        const output = await runScript(f2b);
        const report = parseHostReport(output);
        assert.equal(report.sections.get('fail2ban')?.rc, 0, output);
        assert.deepEqual(report.fail2banBanned, [BANNED]);

        // (c) the reading: the ban, and the firewall's decision for each peer.
        const found = readHostCheck(output, {
          instanceId: ID,
          address: HOST,
          port: 22,
          diagnosis: 'SSHD_NOT_LISTENING',
          peers: [
            { name: PROBER_PEER, cidrs: [`${BANNED}/32`] },
            { name: 'other', cidrs: [`${OTHER}/32`] },
          ],
          tags: {},
        });
        const host = found.observations!.host!;
        const prober = host.firewall.find((d) => d.peer === PROBER_PEER)!.decision;
        const other = host.firewall.find((d) => d.peer === 'other')!.decision;
        assert.equal(prober.verdict, 'reject', JSON.stringify(prober));
        assert.equal(prober.verdict === 'reject' && prober.rejectWith, 'icmp-port-unreachable');
        assert.match(prober.verdict === 'reject' ? (prober.rule ?? '') : '', /\bf2b-sshd\b/);
        assert.equal(other.verdict, 'accept', JSON.stringify(other));
        // The jail list and the jail's rule are one ban, told once, in fail2ban's own words.
        assert.deepEqual(host.banned, [{ peer: PROBER_PEER, address: BANNED, by: 'fail2ban jail sshd' }]);

        // (d) the diagnosis of the refused probe from the banned source.
        const d = diagnose({
          instanceId: ID,
          expect: 'open',
          probe: {
            target: { host: HOST, port: 22 },
            outcome: 'refused',
            phases: { connectMs: 1, totalMs: 1 },
          },
          proberVerdict: {
            instanceId: ID,
            address: HOST,
            source: 'eni-prober',
            family: 'ipv4',
            reachable: true,
            blockers: [],
          },
          sourceVerdicts: [],
          observations: found.observations!,
        });
        // The probe saw what connect() saw (ECONNREFUSED above): the REJECT, with the ban that put it there.
        assert.equal(d.code, 'HOST_FIREWALL_REJECT', d.summary);
        assert.ok(
          d.summary.endsWith(`(fail2ban jail sshd banned the prober's address ${BANNED})`),
          d.summary,
        );
      } finally {
        f2b.stop();
      }
    });
  }
});
