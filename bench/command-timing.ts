/**
 * Timing whole commands as a user runs them: wall time from spawn to exit, and the CPU time (user +
 * system) the command used, read from /proc after it was waited for. On a shared machine, waiting for a
 * core inflates wall time but hardly CPU time, so both are reported. Commands take turns, so load falls
 * on all of them alike.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc counts CPU time in ticks of 10 ms (`getconf CLK_TCK`). */
const MS_PER_TICK = 10;

/** CPU time (user + system) of the children this process has waited for, in ms (Linux's /proc). */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name in parentheses; cutime and cstime are fields 16 and 17 of the line.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * MS_PER_TICK;
}

export interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** A command line: the executable and its arguments. */
export interface Command {
  readonly file: string;
  readonly args: readonly string[];
}

/**
 * One run, output to /dev/null. Exit statuses up to `maxStatus` count as a finished run (a probe or an
 * analysis exits 1 on findings); anything else (a crash, bad usage) ends the benchmark. Asynchronous, so
 * servers this process runs (a lab sshd whose log it reads) keep being served while the command runs.
 */
export async function timeOnce(
  command: Command,
  options: { cwd?: string; maxStatus?: number } = {},
): Promise<Timing> {
  const cpuBefore = childrenCpuMs();
  const started = process.hrtime.bigint();
  const child = spawn(command.file, command.args, { cwd: options.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, sig) => resolve([code, sig]));
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (status === null || status > (options.maxStatus ?? 1))
    throw new Error(`${command.file} ${command.args.join(' ')}: exit ${status ?? signal}: ${stderr.trim()}`);
  return { wallMs, cpuMs: childrenCpuMs() - cpuBefore };
}

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Medians of `runs` runs of each command, the commands taking turns. */
export async function medians<K extends string>(
  commands: Record<K, Command>,
  runs: number,
  options: { cwd?: string; maxStatus?: number } = {},
): Promise<Record<K, Timing>> {
  const names = Object.keys(commands) as K[];
  const times = new Map<K, Timing[]>(names.map((k) => [k, []]));
  for (let r = 0; r < runs; r++)
    for (const name of names) times.get(name)!.push(await timeOnce(commands[name], options));
  return Object.fromEntries(
    names.map((name) => {
      const ts = times.get(name)!;
      return [name, { wallMs: median(ts.map((t) => t.wallMs)), cpuMs: median(ts.map((t) => t.cpuMs)) }];
    }),
  ) as Record<K, Timing>;
}
