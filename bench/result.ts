/**
 * How a benchmark hands its headline figures to `npm run bench` (bench/run.ts): besides its own readable
 * output, it prints exactly one line `BENCH_RESULT {json}` on stdout, a `BenchResult`. bench/run.ts runs
 * every benchmark as a child process, picks those lines out of their output and, once all have run,
 * prints one table of every figure beside its peer. Kept free of I/O except `emitBenchResult`, so the
 * parsing and the table can be tested as plain data.
 */

export const BENCH_RESULT_PREFIX = 'BENCH_RESULT ';

/** One headline figure. Values are display strings, already rounded and with their unit. */
export interface BenchRow {
  /** What was measured, e.g. "wall time, 1,000 endpoints". */
  readonly metric: string;
  /** port22's figure. */
  readonly value: string;
  /** The tool or service compared against, e.g. "nmap -sV". */
  readonly peer?: string;
  readonly peerValue?: string;
  /** How port22 compares, e.g. "52×" or "≥ 97×" when the peer was stopped before it finished. */
  readonly ratio?: string;
  /** The target the figure is held to, e.g. "< 200 MB". */
  readonly goal?: string;
  /** Whether the goal was met; absent when the row has no goal. */
  readonly met?: boolean;
}

export interface BenchResult {
  /** The benchmark's name, its file name without `.ts`. */
  readonly bench: string;
  readonly rows: readonly BenchRow[];
}

export function emitBenchResult(result: BenchResult): void {
  process.stdout.write(`${BENCH_RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

function isRow(value: unknown): value is BenchRow {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  const optionalString = (key: string) => row[key] === undefined || typeof row[key] === 'string';
  return (
    typeof row.metric === 'string' &&
    typeof row.value === 'string' &&
    ['peer', 'peerValue', 'ratio', 'goal'].every(optionalString) &&
    (row.met === undefined || typeof row.met === 'boolean')
  );
}

/** The result a line carries, or undefined when it is not a well-formed result line. */
export function parseBenchResult(line: string): BenchResult | undefined {
  if (!line.startsWith(BENCH_RESULT_PREFIX)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(BENCH_RESULT_PREFIX.length));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { bench, rows } = parsed as Record<string, unknown>;
  if (typeof bench !== 'string' || !Array.isArray(rows) || !rows.every(isRow)) return undefined;
  return { bench, rows };
}

export const TABLE_COLUMNS = [
  'benchmark',
  'figure',
  'port22',
  'peer',
  'peer figure',
  'ratio',
  'goal',
  'met',
] as const;

/** What one benchmark run left behind: its result lines (none if it crashed early) and its exit status. */
export interface BenchOutcome {
  readonly bench: string;
  readonly results: readonly BenchResult[];
  readonly exitCode: number;
}

function metCell(met: boolean | undefined): string {
  if (met === undefined) return '';
  return met ? 'yes' : 'NO';
}

/** The cells of the table, one array per row, in the order of TABLE_COLUMNS. */
export function tableCells(outcomes: readonly BenchOutcome[]): string[][] {
  const cells: string[][] = [];
  for (const outcome of outcomes) {
    const rows = outcome.results.flatMap((r) => r.rows);
    if (rows.length === 0) {
      // A benchmark that printed nothing still gets a line, so a crash cannot hide as a missing row.
      cells.push([outcome.bench, `no result (exit ${outcome.exitCode})`, '', '', '', '', '', 'NO']);
      continue;
    }
    for (const row of rows) {
      cells.push([
        outcome.bench,
        row.metric,
        row.value,
        row.peer ?? '',
        row.peerValue ?? '',
        row.ratio ?? '',
        row.goal ?? '',
        metCell(row.met),
      ]);
    }
  }
  return cells;
}

/**
 * One Markdown pipe table, padded so it also reads as aligned columns in a terminal. A `|` inside a
 * cell is escaped so it cannot split the cell.
 */
export function renderBenchTable(outcomes: readonly BenchOutcome[]): string {
  const rows = [[...TABLE_COLUMNS], ...tableCells(outcomes)].map((r) =>
    r.map((cell) => cell.replaceAll('|', '\\|')),
  );
  const widths = TABLE_COLUMNS.map((_, c) => Math.max(3, ...rows.map((r) => [...r[c]!].length)));
  const line = (r: readonly string[]) =>
    `| ${r.map((cell, c) => cell + ' '.repeat(widths[c]! - [...cell].length)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}
