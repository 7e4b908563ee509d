/**
 * `port22 analyze --inventory <dir> [--source <spec>]... [--port 22] [--ephemeral <from-to>] [--json]`
 * (DESIGN.md, "CLI"): the static reachability proof over an inventory directory.
 * Exit 0 when every path is reachable and nothing is exposed, 1 on any finding, 2 on bad input.
 */
import { loadInventoryDir } from '../lambda/adapters/local/inventory-dir.ts';
import { InventoryError } from '../lambda/core/inventory/parse.ts';
import { parsePortRange } from '../lambda/core/net/port-range.ts';
import { analyze, SourceSpecError } from '../lambda/core/reachability/analyze.ts';
import type { AnalysisReport, Verdict } from '../lambda/core/reachability/types.ts';
import { terminalSafe as t } from '../lambda/core/report/safe-text.ts';
import { positiveInteger } from './arguments.ts';
import type { CommandDefinition } from './command.ts';
import { UsageError } from './usage-error.ts';

interface AnalyzeFlags {
  inventory: string;
  source: string[];
  port: string;
  ephemeral?: string;
  json?: boolean;
}

function verdictLine(v: Verdict): string {
  const state = v.unknown ? 'UNKNOWN' : !v.reachable ? 'UNREACHABLE' : v.partial ? 'PARTIAL' : 'reachable';
  const fam = v.family === 'ipv6' ? 'IPv6' : 'IPv4';
  return `  ${state.padEnd(11)} from ${t(v.source)} (${fam}) to ${v.address ? t(v.address) : '(no address)'}`;
}

/** Verdicts grouped by instance, each with its blockers' detail lines; exposure after. */
export function formatAnalyzeReport(report: AnalysisReport): string {
  const lines: string[] = [];
  const byInstance = new Map<string, Verdict[]>();
  for (const v of report.verdicts) {
    const list = byInstance.get(v.instanceId);
    if (list) list.push(v);
    else byInstance.set(v.instanceId, [v]);
  }
  for (const [id, verdicts] of byInstance) {
    lines.push(t(id));
    for (const v of verdicts) {
      lines.push(verdictLine(v));
      for (const b of v.blockers) {
        const rule = b.ruleNumber === undefined ? '' : ` rule ${b.ruleNumber}`;
        lines.push(`      ${b.code} ${t(b.resourceId)}${rule}: ${t(b.detail)}`);
      }
      for (const m of v.missing ?? [])
        lines.push(`      MISSING ${m.file} ${t(m.resourceId)}: ${t(m.detail)}`);
      for (const a of v.assumed ?? []) lines.push(`      assumed: ${t(a.detail)}`);
      for (const sh of v.shadowed ?? [])
        lines.push(`      SHADOWED ${t(sh.routeTableId)} ${t(sh.prefixListId)}: ${t(sh.detail)}`);
    }
  }
  if (report.exposure.length > 0) {
    lines.push('', 'Exposure');
    for (const f of report.exposure) lines.push(`  ${f.code} ${t(f.resourceId)}: ${t(f.detail)}`);
  }
  const unknown = report.verdicts.filter((v) => v.unknown).length;
  const unreachable = report.verdicts.filter((v) => !v.reachable && !v.unknown).length;
  const partial = report.verdicts.filter((v) => v.reachable && v.partial).length;
  const reachable = report.verdicts.length - unreachable - partial - unknown;
  lines.push(
    '',
    `${report.verdicts.length} paths: ${reachable} reachable, ${partial} partial, ${unreachable} unreachable${unknown > 0 ? `, ${unknown} unknown (data missing)` : ''}; ${report.exposure.length} exposure finding(s)`,
  );
  return `${lines.join('\n')}\n`;
}

/** An unknown path is a finding too (`reachable` is false): it is never counted as open. */
export function exitStatusOf(report: AnalysisReport): number {
  const finding = report.exposure.length > 0 || report.verdicts.some((v) => !v.reachable || v.partial);
  return finding ? 1 : 0;
}

export const analyzeCommand: CommandDefinition = (command, setExit) => {
  command
    .requiredOption('--inventory <dir>', 'directory of `aws ec2 describe-*` JSON files')
    .option(
      '--source <spec>',
      'CIDR, "internet", i-… or eni-… (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--port <n>', 'SSH port (a port22:port tag overrides it per instance)', '22')
    .option('--ephemeral <from-to>', "the sources' client port range (default 1024-65535)")
    .option('--json', 'print the report as JSON')
    .action(async (flags: AnalyzeFlags) => {
      const port = positiveInteger('--port', flags.port, 65535);
      const ephemeral = flags.ephemeral === undefined ? undefined : parsePortRange(flags.ephemeral);
      if (flags.ephemeral !== undefined && !ephemeral)
        throw new UsageError(`--ephemeral ${flags.ephemeral}: expected a port range like 1024-65535`);
      let report: AnalysisReport;
      try {
        const inventory = await loadInventoryDir(flags.inventory);
        report = analyze(inventory, {
          ...(flags.source.length > 0 ? { sources: flags.source } : {}),
          port,
          ...(ephemeral ? { ephemeral } : {}),
        });
      } catch (e) {
        if (e instanceof InventoryError || e instanceof SourceSpecError) throw new UsageError(e.message);
        throw e;
      }
      process.stdout.write(
        flags.json
          ? `${JSON.stringify({ verdicts: report.verdicts, exposure: report.exposure }, null, 2)}\n`
          : formatAnalyzeReport(report),
      );
      setExit(exitStatusOf(report));
    });
};
