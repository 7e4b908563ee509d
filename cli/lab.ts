/**
 * `port22 lab [--dir <path>] [--fix <instance> | --reset] [--json]` (DESIGN.md, "CLI"): the built-in demo.
 * Starts the lab fleet, runs the whole pipeline on it, prints the report, the alerts this run sent and
 * where the files are, and leaves nothing running. Exit 0 whenever the lab ran (its findings are the
 * point), 2 with one line on a real error.
 */
import { relative } from 'node:path';
import { fixLabHost, type LabProgress, type LabRun, LabUsageError, resetLab, runLab } from '../lab/lab.ts';
import { terminalSafe } from '../lambda/core/report/safe-text.ts';
import { checkJson, formatCheckReport } from './check.ts';
import type { CommandDefinition } from './command.ts';
import { UsageError } from './usage-error.ts';

export interface LabFlags {
  dir: string;
  fix?: string;
  reset?: boolean;
  json?: boolean;
}

/** A path as the user would type it from here. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

const hostList = (hosts: readonly { name: string }[]) => hosts.map((h) => h.name.split(' ')[0]).join(', ');

/** What the lab could not run on this machine, one line each. */
function formatLabNotes(run: LabRun): string[] {
  const notes: string[] = [];
  if (run.leftOut) {
    const kept =
      run.leftOut.configOnly.length > 0
        ? `; ${hostList(run.leftOut.configOnly)} checked on configuration alone`
        : '';
    notes.push(
      `lab: no network namespaces (${run.leftOut.reason}): ${hostList(run.leftOut.hosts)} left out${kept}`,
    );
  }
  if (run.standIns)
    notes.push(
      `lab: no real OpenSSH (${run.standIns.reason}): ${hostList(run.standIns.hosts)} served by in-process stand-ins`,
    );
  return notes;
}

/** The lab's own lines after the report: alerts of this run, what is still down, fixes, files. */
function formatLabFooter(run: LabRun): string {
  const lines: string[] = [];
  const sent = run.report.alerts.sent;
  if (sent.length > 0) {
    lines.push(
      `Alerts sent this run (${sent.length}, first failure alerts in the lab; production waits for 2)`,
    );
    for (const line of run.alertLines) lines.push(`  ${line.replace(run.paths.root, shown(run.paths.root))}`);
  }
  const down = `${run.stillDown.count} instances still down, already alerted at ${run.stillDown.alertedAt}`;
  if (sent.length === 0) lines.push(run.stillDown.count > 0 ? `no new alerts: ${down}` : 'no new alerts');
  else if (run.stillDown.count > 0 && sent.every((a) => a.kind !== 'alert'))
    lines.push(`no other new alerts: ${down}`);
  for (const f of run.report.alerts.failed)
    lines.push(`  alert not sent: ${terminalSafe(f.subject)}: ${terminalSafe(f.error ?? '')}`);
  if (run.fixes.length > 0) {
    lines.push('', 'Fixed with --fix');
    for (const f of run.fixes) lines.push(`  ${f.name} (${f.instanceId}): ${f.change}`);
  }
  const p = run.paths;
  lines.push(
    '',
    'Files',
    `  report   ${shown(p.report)}`,
    `  alerts   ${shown(p.outbox)}/ (.eml, one per alert)`,
    `  metrics  ${shown(run.metricsFile)} (EMF)`,
    `  state    ${shown(p.dynamodb)}/ (DynamoDB table via dynalite)`,
    `  fleet    ${shown(p.fleet)}/ (the inventory this run read)`,
  );
  return `${lines.join('\n')}\n`;
}

/** A single updating line on a terminal, a line every second or so otherwise. */
function progressPrinter(
  stream: NodeJS.WriteStream = process.stderr,
  clock: () => number = Date.now,
): { update(p: LabProgress): void; end(): void } {
  const started = clock();
  let lastLine = 0;
  let last: LabProgress | undefined;
  const text = (p: LabProgress) =>
    `probing ${p.done}/${p.total} targets (${p.inFlight} in flight) ${((clock() - started) / 1000).toFixed(1)} s`;
  // On a terminal the line keeps ticking while probes wait on their deadlines.
  let ticker: NodeJS.Timeout | undefined;
  const draw = () => {
    if (last) stream.write(`\r\x1b[K${text(last)}`);
  };
  return {
    update(p) {
      last = p;
      if (stream.isTTY) {
        draw();
        ticker ??= setInterval(draw, 200).unref();
      } else if (clock() - lastLine >= 1000) {
        lastLine = clock();
        stream.write(`${text(p)}\n`);
      }
    },
    end() {
      if (ticker) clearInterval(ticker);
      if (stream.isTTY) stream.write('\r\x1b[K');
      if (last) stream.write(`probed ${last.done} targets in ${((clock() - started) / 1000).toFixed(1)} s\n`);
    },
  };
}

async function runLabCommand(flags: LabFlags, out: (s: string) => void, err: (s: string) => void) {
  if (flags.fix !== undefined && flags.reset) throw new UsageError('give --fix or --reset, not both');
  try {
    if (flags.reset) {
      const removed = await resetLab(flags.dir);
      out(
        removed.length > 0
          ? `lab reset: removed ${removed.join(', ')} from ${shown(flags.dir)}\n`
          : `lab reset: nothing to remove in ${shown(flags.dir)}\n`,
      );
      return;
    }
    if (flags.fix !== undefined) {
      const { fix, already } = await fixLabHost(flags.dir, flags.fix);
      out(
        already
          ? `${fix.name} (${fix.instanceId}) was already fixed at ${fix.at}\n`
          : `fixed ${fix.name} (${fix.instanceId}): ${fix.change}\nrun \`port22 lab\` again to see it recover\n`,
      );
      return;
    }
  } catch (error) {
    if (error instanceof LabUsageError) throw new UsageError(error.message);
    throw error;
  }
  // The SDK's notice about future Node.js support concerns AWS endpoints; the lab only talks to dynalite.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const progress = progressPrinter();
  let run: LabRun;
  try {
    run = await runLab({ dir: flags.dir, onProgress: (p) => progress.update(p) });
  } finally {
    progress.end();
  }
  const notes = formatLabNotes(run);
  if (flags.json) {
    for (const n of notes) err(`${n}\n`);
    out(`${JSON.stringify(checkJson(run.report), null, 2)}\n`);
    return;
  }
  const instances = run.fleet.hosts.length;
  out(`port22 lab: ${instances} instances of a fictional VPC, served by real peers on this machine\n`);
  for (const n of notes) out(`${n}\n`);
  out('\n');
  // The alerts are listed with their files below, not twice.
  out(formatCheckReport({ ...run.report, alerts: { ...run.report.alerts, sent: [] } }));
  out('\n');
  out(formatLabFooter(run));
}

export const labCommand: CommandDefinition = (command, setExit) => {
  command
    .option('--dir <path>', 'where the lab keeps its state, alerts, metrics and report', '.port22')
    .option('--fix <instance>', 'repair one broken host (instance id or Name); the next run shows it recover')
    .option('--reset', 'remove everything the lab wrote under --dir')
    .option('--json', 'print the report as JSON (as `port22 check --json`)')
    .action(async (flags: LabFlags) => {
      await runLabCommand(
        flags,
        (s) => process.stdout.write(s),
        (s) => process.stderr.write(s),
      );
      setExit(0);
    });
};
