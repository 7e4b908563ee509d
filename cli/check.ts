/**
 * `port22 check [--inventory <dir> | --region <r> [--profile <p>]] [--source <spec>]... [--no-probe] [--json]`
 * (DESIGN.md, "CLI"): the whole pipeline from this machine — discover, analyse, probe, signals, diagnose.
 * Exit 0 when every instance is healthy and nothing is exposed, 1 on any finding, 2 on bad input.
 */

import { writeHtmlReport } from '../lambda/adapters/local/html-report.ts';
import { loadInventoryDir } from '../lambda/adapters/local/inventory-dir.ts';
import { type Inventory, indexInventory } from '../lambda/core/inventory/model.ts';
import { InventoryError } from '../lambda/core/inventory/parse.ts';
import { zoneWords } from '../lambda/core/load-balancing/cross-zone.ts';
import { answerWords } from '../lambda/core/load-balancing/listeners.ts';
import { resolveSource, SourceSpecError } from '../lambda/core/reachability/analyze.ts';
import { AnalysisContext } from '../lambda/core/reachability/evaluation.ts';
import type { InstanceReport } from '../lambda/core/report/instance-report.ts';
import { terminalSafe } from '../lambda/core/report/safe-text.ts';
import { localPorts } from '../lambda/local-wiring.ts';
import { type CheckReport, runCheck } from '../lambda/pipeline.ts';
import { positiveInteger } from './arguments.ts';
import type { CommandDefinition } from './command.ts';
import { timeoutsFor } from './probe.ts';
import { UsageError } from './usage-error.ts';

export interface CheckFlags {
  inventory?: string;
  region?: string;
  profile?: string;
  source: string[];
  from?: string;
  probe: boolean;
  json?: boolean;
  port: string;
  concurrency?: string;
  timeoutMs?: string;
  signals?: string;
  state?: string;
  metricsFile?: string;
  html?: string;
  hostCheck?: boolean;
}

/** The evidence a reader needs first: for a healthy host the probe, otherwise what decided the code. */
function decisiveEvidence(i: InstanceReport): string {
  return i.evidence[0]?.detail ?? i.summary;
}

/**
 * The report as text. Names, ids, addresses and evidence come from tags, accounts and peers: each value
 * goes through terminalSafe, so none can move the cursor, retitle the window or break a line.
 */
export function formatCheckReport(report: CheckReport): string {
  const t = (text: string) => terminalSafe(text);
  const named = (id: string, name: string | undefined) => `${t(id)}${name ? ` (${t(name)})` : ''}`;
  const lines: string[] = [];
  const rows = report.instances.map((i) => [
    i.name === undefined ? '-' : t(i.name),
    t(i.instanceId),
    i.address ? t(`${i.address}:${i.port}`) : '-',
    i.diagnosis,
    t(decisiveEvidence(i)),
  ]);
  const widths = [0, 1, 2, 3].map((c) => Math.max(0, ...rows.map((r) => r[c]!.length)));
  for (const r of rows) lines.push(r.map((cell, c) => (c < 4 ? cell.padEnd(widths[c]!) : cell)).join('  '));

  const troubled = report.instances.filter((i) => !i.healthy);
  for (const i of troubled) {
    lines.push('', `${named(i.instanceId, i.name)}: ${i.diagnosis} [${i.severity}]`);
    lines.push(`  ${t(i.summary)}`);
    lines.push('  Evidence:');
    for (const e of i.evidence) lines.push(`    - ${t(e.detail)}`);
    if (i.remediation.length > 0) {
      lines.push('  Remediation:');
      i.remediation.forEach((step, n) => {
        lines.push(`    ${n + 1}. ${t(step)}`);
      });
    }
  }
  // A troubled instance lists its assumptions among its evidence; a healthy one's are listed here.
  const assumed = report.instances
    .filter((i) => i.healthy)
    .flatMap((i) =>
      i.evidence.filter((e) => e.code === 'ASSUMED').map((e) => `  ${t(i.instanceId)}: ${t(e.detail)}`),
    );
  if (assumed.length > 0) lines.push('', 'Assumed', ...assumed);
  const groups = report.groups ?? [];
  if (groups.length > 0) {
    lines.push('', 'Load-balanced groups');
    for (const g of groups) {
      const via = g.loadBalancers.map((b) => t(b.name ?? b.arn)).join(', ');
      lines.push(`  ${t(g.group)}${via ? ` (behind ${via})` : ''}: ${t(g.summary)}`);
      for (const l of g.listeners) {
        const crossZone = g.crossZone.find((c) => c.loadBalancer === l.loadBalancer);
        for (const a of l.addresses) {
          const zone = crossZone ? zoneWords(crossZone, a.zone) : undefined;
          const where = zone ?? a.zone;
          lines.push(
            `    ${t(l.loadBalancer)} ${t(l.protocol)} listener ${t(a.address)}:${l.port}${where ? ` (${t(where)})` : ''}: ${t(answerWords(a))}`,
          );
        }
      }
      for (const note of g.notes) lines.push(`    note: ${t(note)}`);
    }
  }
  if (report.findings.length > 0) {
    lines.push('', 'Findings');
    for (const f of report.findings) lines.push(`  ${f.code} ${t(f.resourceId)}: ${t(f.detail)}`);
  }
  if (report.unchecked > 0) {
    lines.push('', `Unchecked: ${report.unchecked}`);
    for (const u of report.uncheckedInstances) lines.push(`  ${named(u.instanceId, u.name)}: ${t(u.reason)}`);
  }
  if (report.alerts.sent.length > 0) {
    lines.push('', 'Alerts');
    for (const a of report.alerts.sent) lines.push(`  ${t(a.subject)}`);
  }
  if (report.errors.length > 0) {
    lines.push('', 'Errors');
    for (const e of report.errors) lines.push(`  ${t(e)}`);
  }
  const healthy = report.instances.length - troubled.length;
  lines.push(
    '',
    `${report.instances.length} instance(s): ${healthy} healthy, ${troubled.length} not; ${report.findings.length} finding(s); ${report.unchecked} unchecked`,
  );
  return `${lines.join('\n')}\n`;
}

/** 1 when anything needs attention: a failing instance, a finding, or an instance left unchecked. */
function checkExitStatus(report: CheckReport): number {
  const failing = report.instances.some((i) => !i.healthy);
  return failing || report.findings.length > 0 || report.unchecked > 0 ? 1 : 0;
}

/** The `check --json` document: the contract's fields, then alerts and errors. */
export function checkJson(report: CheckReport): object {
  return {
    instances: report.instances,
    findings: report.findings,
    unchecked: report.unchecked,
    groups: report.groups ?? [],
    uncheckedInstances: report.uncheckedInstances,
    alerts: report.alerts,
    errors: report.errors,
  };
}

async function runCheckCommand(flags: CheckFlags): Promise<{ report: CheckReport; exit: number }> {
  if (flags.inventory !== undefined && flags.region !== undefined)
    throw new UsageError('give either --inventory <dir> or --region <region>, not both');
  if (flags.inventory === undefined && flags.region === undefined)
    throw new UsageError('give --inventory <dir> (offline) or --region <region> (live account)');
  if (flags.profile !== undefined && flags.region === undefined)
    throw new UsageError('--profile needs --region');
  if (flags.hostCheck && flags.region === undefined)
    throw new UsageError('--host-check needs --region (it runs through Systems Manager in the account)');
  const port = positiveInteger('--port', flags.port, 65535);
  const concurrency =
    flags.concurrency === undefined ? undefined : positiveInteger('--concurrency', flags.concurrency);
  const totalMs =
    flags.timeoutMs === undefined ? undefined : positiveInteger('--timeout-ms', flags.timeoutMs);

  let inventory: Inventory | undefined;
  if (flags.inventory !== undefined) {
    try {
      inventory = await loadInventoryDir(flags.inventory);
    } catch (e) {
      if (e instanceof InventoryError) throw new UsageError(e.message);
      throw e;
    }
  }
  const live = inventory
    ? undefined
    : (await import('../lambda/wiring.ts')).awsPorts({
        ...(flags.region ? { region: flags.region } : {}),
        ...(flags.profile ? { profile: flags.profile } : {}),
        // Read-only and free of charge, for failing instances only (docs/evidence.md); the in-host check
        // runs a command on the instance, so it waits for the user's --host-check as the stack's config does.
        evidence: { console: true, ssm: flags.hostCheck === true },
      });
  const ports = localPorts({
    ...(inventory ? { inventory } : {}),
    ...(flags.inventory ? { inventoryDir: flags.inventory } : {}),
    ...(live ? { live } : {}),
    ...(flags.signals ? { signalsFile: flags.signals } : {}),
    ...(flags.state ? { state: flags.state } : {}),
    ...(flags.metricsFile ? { metricsFile: flags.metricsFile } : {}),
  });
  if (inventory === undefined) {
    // Read the account once up front: no credentials or no permission is bad input, not a finding.
    try {
      const loaded = await ports.inventory.load();
      inventory = loaded.inventory;
    } catch (e) {
      throw new UsageError(`reading ${flags.region}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const specs = [...(flags.from ? [flags.from] : []), ...flags.source];
  if (specs.length > 0) {
    // Name lookups only: runCheck analyses the paths, so a full analysis here would be done twice.
    const ctx = new AnalysisContext(indexInventory(inventory));
    try {
      for (const spec of specs) resolveSource(ctx, spec);
    } catch (e) {
      if (e instanceof SourceSpecError) throw new UsageError(e.message);
      throw e;
    }
  }
  const loaded = inventory;
  const report = await runCheck(
    { ...ports, inventory: { load: async () => ({ inventory: loaded, errors: [] }) } },
    {
      runId: `cli-${process.pid}-${Date.now()}`,
      ...(flags.from ? { proberSource: flags.from } : {}),
      sources: flags.source,
      port,
      probe: flags.probe,
      ...(concurrency ? { concurrency } : {}),
      ...(totalMs ? { timeouts: timeoutsFor(totalMs) } : {}),
      ...(flags.region ? { region: flags.region } : {}),
    },
  );
  return { report, exit: checkExitStatus(report) };
}

export const checkCommand: CommandDefinition = (command, setExit) => {
  command
    .option('--inventory <dir>', 'directory of `aws ec2 describe-*` JSON files (offline)')
    .option('--region <region>', 'read a live account in this region')
    .option('--profile <profile>', 'AWS profile for --region')
    .option(
      '--source <spec>',
      'a source that must reach SSH: CIDR, "internet", i-… or eni-… (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--from <spec>', "where this machine stands (i-…, eni-… or CIDR): analysed as the prober's path")
    .option('--no-probe', 'skip the active probe (static analysis and host signals only)')
    .option('--json', 'print the report as JSON')
    .option('--port <n>', 'SSH port (a port22:port tag overrides it per instance)', '22')
    .option('--concurrency <n>', 'probes in flight at once (default 64)')
    .option('--timeout-ms <n>', 'deadline for each probe in ms (default 10000)')
    .option('--signals <file>', 'host signals file ({ InstanceStatuses, MetricDataResults })')
    .option(
      '--state <dir|none>',
      'remember state in this directory (alerts as .eml files), or none (default: memory)',
    )
    .option('--metrics-file <file>', 'append the EMF metrics documents to this file')
    .option('--html <file>', 'also write the report as one self-contained HTML page')
    .option(
      '--host-check',
      'with --region: run the read-only in-host check (Systems Manager) on failing instances tagged port22:host-check=true',
    )
    .action(async (flags: CheckFlags) => {
      const { report, exit } = await runCheckCommand(flags);
      if (flags.from === undefined && flags.source.length === 0)
        process.stderr.write(
          'port22: note: no --from or --source, so no path is analysed and a failure cannot be traced to a ' +
            'security group, ACL or route (it shows as UNKNOWN); give --from <i-…|eni-…|CIDR> for where this machine stands\n',
        );
      process.stdout.write(
        flags.json ? `${JSON.stringify(checkJson(report), null, 2)}\n` : formatCheckReport(report),
      );
      if (flags.html !== undefined) {
        try {
          const written = await writeHtmlReport(
            flags.html,
            report,
            flags.region ? { region: flags.region } : {},
          );
          process.stderr.write(`report written to ${terminalSafe(written)}\n`);
        } catch (e) {
          // The report was printed; a file that cannot be written is bad input, said in one line.
          throw new UsageError(`cannot write ${flags.html}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      setExit(exit);
    });
};
