import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BENCH_RESULT_PREFIX,
  type BenchOutcome,
  parseBenchResult,
  renderBenchTable,
  TABLE_COLUMNS,
  tableCells,
} from '../../bench/result.ts';

const probeRow = {
  metric: 'wall, 1,000 endpoints',
  value: '3.10 s',
  peer: 'nmap -sV',
  peerValue: '≥ 172 s (stopped)',
  ratio: '≥ 55×',
  goal: 'faster than nmap',
  met: true,
};

describe('parseBenchResult', () => {
  const cases: Array<{ name: string; line: string; expected: unknown }> = [
    {
      name: 'a well-formed line',
      line: `${BENCH_RESULT_PREFIX}${JSON.stringify({ bench: 'probe-fanout', rows: [probeRow] })}`,
      expected: { bench: 'probe-fanout', rows: [probeRow] },
    },
    {
      name: 'a row with only metric and value',
      line: `${BENCH_RESULT_PREFIX}{"bench":"bundle","rows":[{"metric":"size","value":"565 KiB"}]}`,
      expected: { bench: 'bundle', rows: [{ metric: 'size', value: '565 KiB' }] },
    },
    { name: 'an ordinary output line', line: '  wall 2817 ms · per probe p50 69 ms', expected: undefined },
    {
      name: 'the prefix not at the start',
      line: ` ${BENCH_RESULT_PREFIX}{"bench":"x","rows":[]}`,
      expected: undefined,
    },
    { name: 'broken JSON', line: `${BENCH_RESULT_PREFIX}{"bench":`, expected: undefined },
    { name: 'rows not an array', line: `${BENCH_RESULT_PREFIX}{"bench":"x","rows":{}}`, expected: undefined },
    {
      name: 'a row without a value',
      line: `${BENCH_RESULT_PREFIX}{"bench":"x","rows":[{"metric":"m"}]}`,
      expected: undefined,
    },
    {
      name: 'met not a boolean',
      line: `${BENCH_RESULT_PREFIX}{"bench":"x","rows":[{"metric":"m","value":"1","met":"yes"}]}`,
      expected: undefined,
    },
    { name: 'JSON null', line: `${BENCH_RESULT_PREFIX}null`, expected: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(parseBenchResult(c.line), c.expected));
  }
});

describe('tableCells', () => {
  it('one row per figure in benchmark order, met as yes / NO / empty', () => {
    const outcomes: BenchOutcome[] = [
      { bench: 'probe-fanout', exitCode: 0, results: [{ bench: 'probe-fanout', rows: [probeRow] }] },
      {
        bench: 'analyze-scale',
        exitCode: 0,
        results: [
          {
            bench: 'analyze-scale',
            rows: [
              { metric: '10k', value: '2.6 s', goal: '< 1 s', met: false },
              { metric: '1k', value: '0.3 s' },
            ],
          },
        ],
      },
    ];
    assert.deepEqual(tableCells(outcomes), [
      [
        'probe-fanout',
        'wall, 1,000 endpoints',
        '3.10 s',
        'nmap -sV',
        '≥ 172 s (stopped)',
        '≥ 55×',
        'faster than nmap',
        'yes',
      ],
      ['analyze-scale', '10k', '2.6 s', '', '', '', '< 1 s', 'NO'],
      ['analyze-scale', '1k', '0.3 s', '', '', '', '', ''],
    ]);
  });

  it('a benchmark that left no result still gets a failing line', () => {
    assert.deepEqual(tableCells([{ bench: 'bundle', exitCode: 1, results: [] }]), [
      ['bundle', 'no result (exit 1)', '', '', '', '', '', 'NO'],
    ]);
  });
});

describe('renderBenchTable', () => {
  const table = renderBenchTable([
    { bench: 'probe-fanout', exitCode: 0, results: [{ bench: 'probe-fanout', rows: [probeRow] }] },
    { bench: 'cost', exitCode: 0, results: [{ bench: 'cost', rows: [{ metric: 'a | b', value: '$13' }] }] },
  ]);
  const lines = table.split('\n');

  it('is a Markdown table: header, rule, one line per figure', () => {
    assert.equal(lines.length, 4);
    assert.deepEqual(
      lines[0]!
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
      [...TABLE_COLUMNS],
    );
    assert.match(lines[1]!, /^\|(-+\|){8}$/);
  });

  it('pads every line to the same width (≥ and × count as one column)', () => {
    const widths = new Set(lines.map((l) => [...l].length));
    assert.equal(widths.size, 1);
  });

  it('escapes a | inside a cell so the columns stay put', () => {
    assert.match(lines[3]!, /a \\\| b/);
    assert.equal(lines[3]!.split(/(?<!\\)\|/).length, 10);
  });
});
