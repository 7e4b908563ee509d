/**
 * `node --import tsx bench/probe-command.ts [--runs 7] [--counts 1,20]`
 *
 * `port22 probe` as a whole command, start-up included, beside OpenSSH's `ssh-keyscan` on the same real
 * sshd endpoints (issue 10: "no slower than ssh-keyscan, while it also learns auth methods"):
 *
 * - `node bin/port22.mjs probe 127.2.0.1:P …` (the prebuilt CLI; ident, key exchange, host key, auth methods);
 * - `ssh-keyscan -p P 127.2.0.1 …` as a user types it: it tries every key type it knows, one connection each;
 * - `ssh-keyscan -t ed25519 -p P …`: one key exchange per host, as the probe does (the sshd has one key);
 * - `node -e 0`: the floor no Node.js command goes under.
 *
 * Real sshd (lab/sshd.ts) listens on 127.2.0.1 … 127.2.0.N, so each target is its own host (the probe
 * runs one connection per host at a time) and MaxStartups is raised so no tool is refused. Each figure is
 * the median of --runs runs, the commands taking turns; then where port22's time goes. Needs root (sshd).
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { type RunningSshd, sshdAvailable, startSshd } from '../lab/sshd.ts';
import type { ProbeResult } from '../lambda/core/probe/types.ts';
import { freshCliEntry } from '../scripts/build-cli.mjs';
import { type Command, median, medians, type Timing, timeOnce } from './command-timing.ts';
import { type BenchRow, emitBenchResult } from './result.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SSH_KEYSCAN = '/usr/bin/ssh-keyscan';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    counts: { type: 'string', default: '1,20' },
  },
});
const runs = Number(args.runs);
const counts = args.counts.split(',').map(Number);
const most = Math.max(...counts);
// One address per endpoint in 127.2.0.0/24; a bad flag is one line, not a stack trace.
if (
  !(runs >= 1 && Number.isInteger(runs)) ||
  !counts.every((n) => Number.isInteger(n) && n >= 1 && n <= 250)
) {
  console.error('probe-command: --runs must be a positive integer and --counts a list of 1-250');
  process.exit(2);
}

const hostAddress = (i: number) => `127.2.0.${i + 1}`;
const ms = (t: Timing) => `${Math.round(t.wallMs)} ms (CPU ${Math.round(t.cpuMs)} ms)`;
const cli = (args: readonly string[]): Command => ({
  file: process.execPath,
  args: ['bin/port22.mjs', ...args],
});

function skipped(reason: string): void {
  console.log(`skipped: ${reason}`);
  emitBenchResult({
    bench: 'probe-command',
    rows: [{ metric: 'port22 probe vs ssh-keyscan', value: `skipped: ${reason}` }],
  });
}

/**
 * sshd listens on at most 16 addresses (MAX_LISTEN_SOCKS in OpenSSH's sshd.c), so the endpoints are served
 * by one sshd per ADDRESSES_PER_SSHD addresses, all on one port and with one host key.
 */
const ADDRESSES_PER_SSHD = 10;

interface Endpoints {
  readonly port: number;
  readonly hostKeyFingerprint: string;
  readonly daemons: readonly RunningSshd[];
}

async function startEndpoints(): Promise<Endpoints> {
  const daemons: RunningSshd[] = [];
  try {
    for (let first = 0; first < most; first += ADDRESSES_PER_SSHD) {
      const last = Math.min(most, first + ADDRESSES_PER_SSHD);
      const more = Array.from(
        { length: last - first - 1 },
        (_, i) => `ListenAddress ${hostAddress(first + i + 1)}`,
      );
      const lead = daemons[0];
      daemons.push(
        await startSshd({
          mode: 'healthy',
          listenAddress: hostAddress(first),
          ...(lead ? { port: lead.port, hostKey: readFileSync(lead.hostKeyPath, 'utf8') } : {}),
          // start:rate:full — far above what the runs open at once, so no tool meets a MaxStartups drop.
          extraConfig: [...more, 'MaxStartups 200:30:400'],
        }),
      );
    }
  } catch (error) {
    await Promise.all(daemons.map((d) => d.close()));
    throw error;
  }
  return { port: daemons[0]!.port, hostKeyFingerprint: daemons[0]!.hostKeyFingerprint, daemons };
}

function measure(
  sshd: Endpoints,
  n: number,
): Promise<Record<'node' | 'port22' | 'keyscan' | 'keyscanOne', Timing>> {
  const hosts = Array.from({ length: n }, (_, i) => hostAddress(i));
  const port = String(sshd.port);
  return medians(
    {
      node: { file: process.execPath, args: ['-e', '0'] },
      port22: cli(['probe', ...hosts.map((h) => `${h}:${port}`)]),
      keyscan: { file: SSH_KEYSCAN, args: ['-p', port, ...hosts] },
      keyscanOne: { file: SSH_KEYSCAN, args: ['-t', 'ed25519', '-p', port, ...hosts] },
    },
    runs,
    // Every probe must be `ok` (exit 0): a refused endpoint would make port22 look fast.
    { cwd: ROOT, maxStatus: 0 },
  );
}

/** The probe's own phases, from `probe --json`: how much of the command is the wire and how much start-up. */
async function probePhases(
  sshd: Endpoints,
  n: number,
): Promise<{ totalMs: number; ok: number; methods: string }> {
  const targets = Array.from({ length: n }, (_, i) => `${hostAddress(i)}:${sshd.port}`);
  // Not execFileSync: sshd's log is read by this process, and a blocked event loop would stall sshd.
  const { stdout } = await run(process.execPath, ['bin/port22.mjs', 'probe', '--json', ...targets], {
    cwd: ROOT,
  });
  const results = JSON.parse(stdout) as ProbeResult[];
  return {
    totalMs: median(results.map((r) => r.phases.totalMs)),
    ok: results.filter((r) => r.outcome === 'ok' && r.hostKey?.sha256 === sshd.hostKeyFingerprint).length,
    methods: results[0]?.authMethods?.join(',') ?? '-',
  };
}

async function main(): Promise<void> {
  const cannot = sshdAvailable();
  if (cannot) return skipped(cannot);
  if (spawnSync(SSH_KEYSCAN, [], { stdio: 'ignore' }).error)
    return skipped(`${SSH_KEYSCAN} missing (Debian openssh-client)`);

  // The first run rebuilds the CLI if a source changed since the last build; it is not measured.
  await timeOnce(cli(['--version']), { cwd: ROOT });
  if (!freshCliEntry()) throw new Error('dist/cli/ is not a fresh build: nothing prebuilt to measure');

  const sshd = await startEndpoints();
  try {
    console.log(
      `${sshd.daemons.length} sshd (${spawnSync('/usr/sbin/sshd', ['-V'], { encoding: 'utf8' }).stderr.split(',')[0]?.trim()}) ` +
        `on ${hostAddress(0)}…${hostAddress(most - 1)} port ${sshd.port}, one ed25519 host key; node ${process.version}; ` +
        `median of ${runs} runs, wall (CPU user + system), output to /dev/null`,
    );
    // Start-up alone, measured together so the differences are not skewed by a change of machine load.
    const startup = await medians(
      {
        node: { file: process.execPath, args: ['-e', '0'] },
        ssh2: { file: process.execPath, args: ['-e', "require('ssh2')"] },
        version: cli(['--version']),
        probeHelp: cli(['probe', '--help']),
      },
      runs,
      {
        cwd: ROOT,
      },
    );
    const rows: BenchRow[] = [];
    for (const n of counts) {
      const t = await measure(sshd, n);
      const phases = await probePhases(sshd, n);
      console.log(`\n${n} endpoint${n === 1 ? '' : 's'}:`);
      console.log(`  node -e 0                         ${ms(t.node)}`);
      console.log(
        `  port22 probe                      ${ms(t.port22)} · ${phases.ok}/${n} ok, host key checked, auth methods ${phases.methods}`,
      );
      console.log(`  ssh-keyscan (every key type)      ${ms(t.keyscan)}`);
      console.log(`  ssh-keyscan -t ed25519            ${ms(t.keyscanOne)}`);
      const ratio = (peer: Timing) => t.port22.wallMs / peer.wallMs;
      console.log(
        `  port22 / ssh-keyscan = ${ratio(t.keyscan).toFixed(2)}× · port22 / ssh-keyscan -t ed25519 = ` +
          `${ratio(t.keyscanOne).toFixed(2)}× · port22 / node -e 0 = ${ratio(t.node).toFixed(2)}×`,
      );
      console.log(
        `  where port22's ${Math.round(t.port22.wallMs)} ms go: start-up to a ready probe command (probe --help) ` +
          `${Math.round(startup.probeHelp.wallMs)}, then probing, output and exit ` +
          `${Math.round(t.port22.wallMs - startup.probeHelp.wallMs)} (the probes' own median totalMs ${Math.round(phases.totalMs)})`,
      );
      for (const [peer, timing] of [
        ['ssh-keyscan', t.keyscan],
        ['ssh-keyscan -t ed25519', t.keyscanOne],
      ] as const) {
        rows.push({
          metric: `port22 probe, whole command, ${n} sshd endpoint${n === 1 ? '' : 's'}, median of ${runs}`,
          value: ms(t.port22),
          peer,
          peerValue: ms(timing),
          ratio: `${ratio(timing).toFixed(2)}× its time`,
          goal: 'no slower than ssh-keyscan',
          met: t.port22.wallMs <= timing.wallMs,
        });
      }
    }
    const plus = (a: Timing, b: Timing) => `+${Math.round(a.wallMs - b.wallMs)} ms`;
    console.log(
      `\nstart-up, median of ${runs}: node -e 0 ${ms(startup.node)} · require('ssh2') ${plus(startup.ssh2, startup.node)} · ` +
        `port22 --version ${ms(startup.version)} · port22 probe --help ${ms(startup.probeHelp)} ` +
        `(${plus(startup.probeHelp, startup.node)} over node -e 0)`,
    );
    emitBenchResult({ bench: 'probe-command', rows });
  } finally {
    await Promise.all(sshd.daemons.map((d) => d.close()));
  }
}

await main();
