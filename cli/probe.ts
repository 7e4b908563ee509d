/**
 * `port22 probe <host[:port]>... [--timeout-ms N] [--concurrency N] [--json]`: the active SSH probe from
 * this machine. Exit 0 when every target is `ok`, 1 when any is not, 2 on bad arguments.
 */
import { isIP } from 'node:net';
import { netProber } from '../lambda/adapters/net/prober.ts';
import { DEFAULT_CONCURRENCY, probeMany } from '../lambda/core/probe/fan-out.ts';
import {
  DEFAULT_TIMEOUTS,
  type ProbeResult,
  type ProbeTarget,
  type ProbeTimeouts,
  SSH_SERVICEABLE_OUTCOMES,
} from '../lambda/core/probe/types.ts';
import { terminalSafe } from '../lambda/core/report/safe-text.ts';
import { positiveInteger } from './arguments.ts';
import type { CommandDefinition } from './command.ts';
import { UsageError } from './usage-error.ts';

const DEFAULT_PORT = 22;

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 literal (`::1`, which cannot carry a port). */
export function parseTarget(spec: string): ProbeTarget {
  const s = spec.trim();
  if (s === '') throw new UsageError('empty target');
  let host: string;
  let port: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2];
    if (host === '') throw new UsageError(`empty host in '${spec}'`);
    if (isIP(host) !== 6) throw new UsageError(`'${host}' in '${spec}' is not an IPv6 address`);
  } else if ((s.match(/:/g) ?? []).length > 1) {
    if (isIP(s) !== 6)
      throw new UsageError(`'${spec}' is not an IPv6 address (write [addr]:port to give a port)`);
    host = s;
  } else {
    const colon = s.indexOf(':');
    host = colon < 0 ? s : s.slice(0, colon);
    port = colon < 0 ? undefined : s.slice(colon + 1);
    if (host === '') throw new UsageError(`empty host in '${spec}'`);
    if (!/^[A-Za-z0-9._-]+$/.test(host)) throw new UsageError(`bad host '${host}' in '${spec}'`);
  }
  return { host, port: port === undefined ? DEFAULT_PORT : parsePort(port, spec) };
}

function parsePort(text: string, spec: string): number {
  const n = /^[0-9]{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1 && n <= 65535)) throw new UsageError(`bad port '${text}' in '${spec}' (expected 1-65535)`);
  return n;
}

/** `--timeout-ms N` bounds the whole probe; each phase keeps its default unless that is longer than N. */
export function timeoutsFor(totalMs: number | undefined): ProbeTimeouts {
  if (totalMs === undefined) return DEFAULT_TIMEOUTS;
  const cap = (ms: number) => Math.min(ms, totalMs);
  return {
    connectMs: cap(DEFAULT_TIMEOUTS.connectMs),
    identMs: cap(DEFAULT_TIMEOUTS.identMs),
    kexMs: cap(DEFAULT_TIMEOUTS.kexMs),
    authMs: cap(DEFAULT_TIMEOUTS.authMs),
    totalMs,
  };
}

export function formatTarget(t: ProbeTarget): string {
  return isIP(t.host) === 6 ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

const ms = (v: number | undefined) => (v === undefined ? '-' : String(Math.round(v)));

/**
 * The host key as `ssh-keygen -l` names it (`RSA SHA256:…`), with the algorithm it signed with beside it
 * (`rsa-sha2-512`); a key type OpenSSH does not name is shown by its algorithm alone.
 */
function hostKeyCell(r: ProbeResult): string {
  const key = r.hostKey;
  if (!key) return '-';
  return key.type ? `${key.type} ${key.sha256} (${key.algorithm})` : `${key.algorithm} ${key.sha256}`;
}

/** The pre-authentication banners, after the table: each under its target, every line marked as the server's. */
export function renderBanners(results: ProbeResult[]): string {
  return results
    .filter((r) => r.banner !== undefined && r.banner !== '')
    .map((r) => {
      const lines = terminalSafe(r.banner!, { keepLines: true }).replace(/\n$/, '').split('\n');
      return `\nbanner from ${formatTarget(r.target)}:\n${lines.map((l) => `  | ${l}`).join('\n')}\n`;
    })
    .join('');
}

/** One line per target, columns aligned; the detail column last, so long text does not break alignment. */
export function renderTable(results: ProbeResult[]): string {
  const header = [
    'TARGET',
    'OUTCOME',
    'CONNECT',
    'IDENT',
    'KEX',
    'AUTH',
    'TOTAL',
    'SOFTWARE',
    'FINGERPRINT',
    'AUTH METHODS',
    'DETAIL',
  ];
  const rows = results.map((r) =>
    [
      formatTarget(r.target),
      r.outcome,
      ms(r.phases.connectMs),
      ms(r.phases.identMs),
      ms(r.phases.kexMs),
      ms(r.phases.authMs),
      ms(r.phases.totalMs),
      r.software ?? '-',
      hostKeyCell(r),
      r.authMethods?.join(',') || '-',
      r.detail ?? '',
    ].map((cell) => terminalSafe(cell)),
  );
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const numeric = new Set([2, 3, 4, 5, 6]);
  const line = (cells: string[]) =>
    cells
      .map((cell, c) =>
        c === cells.length - 1 ? cell : numeric.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

interface ProbeFlags {
  timeoutMs?: string;
  concurrency?: string;
  json?: boolean;
}

export async function runProbeCommand(specs: string[], flags: ProbeFlags): Promise<number> {
  const targets = specs.map(parseTarget);
  const totalMs =
    flags.timeoutMs === undefined ? undefined : positiveInteger('--timeout-ms', flags.timeoutMs);
  const concurrency =
    flags.concurrency === undefined
      ? DEFAULT_CONCURRENCY
      : positiveInteger('--concurrency', flags.concurrency);
  const progress = process.stderr.isTTY === true && targets.length >= 20;
  let done = 0;
  const results = await probeMany(netProber, targets, {
    concurrency,
    timeouts: timeoutsFor(totalMs),
    onResult: () => {
      done += 1;
      if (progress) process.stderr.write(`\rprobed ${done}/${targets.length}`);
    },
  });
  if (progress) process.stderr.write('\r\x1b[K');
  process.stdout.write(
    flags.json ? `${JSON.stringify(results, null, 2)}\n` : renderTable(results) + renderBanners(results),
  );
  return results.every((r) => SSH_SERVICEABLE_OUTCOMES.has(r.outcome)) ? 0 : 1;
}

export const probeCommand: CommandDefinition = (command, setExit) => {
  command
    .argument('<targets...>', 'host[:port] (default port 22); IPv6 as [addr]:port or bare addr')
    .option('--timeout-ms <n>', `deadline for each probe in ms (default ${DEFAULT_TIMEOUTS.totalMs})`)
    .option('--concurrency <n>', `probes in flight at once (default ${DEFAULT_CONCURRENCY})`)
    .option('--json', 'print the results as a JSON array')
    .action(async (specs: string[], flags: ProbeFlags) => {
      setExit(await runProbeCommand(specs, flags));
    });
};
