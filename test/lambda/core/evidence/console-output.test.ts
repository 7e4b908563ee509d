// The console parser on real-shaped console logs (test/fixtures/console/, CR LF line ends and systemd's colours
// as EC2 returns them). Each fixture is written from the messages' own sources: the kernel's printk strings
// (kernel/panic.c "Kernel panic - not syncing: %s", mm/oom_kill.c "%s: Killed process %d (%s) total-vm:…" and
// "oom-kill:…,task=%s,pid=%d,uid=%d", kernel/hung_task.c "INFO: task %s:%d blocked for more than %ld seconds.",
// kernel/watchdog.c "BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]"), systemd's job and unit results
// (src/core/job.c "Failed to start %s.", src/core/service.c "Main process exited, code=%s, status=%i/%s",
// "Failed with result '%s'", src/core/unit.c "A process of this unit has been killed by the OOM killer.",
// src/sulogin-shell "You are in emergency mode…"), e2fsprogs ("UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY.")
// and cloud-init (cloudinit/util.py "Failed running %s [%s]", cc_scripts_user "Failed to run module %s").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import {
  consoleEvidence,
  consoleFinding,
  MAX_CONSOLE_CHARS,
  MAX_LINE_CHARS,
  MAX_QUOTED_CHARS,
  MAX_SCAN_CHARS,
  parseConsoleOutput,
} from '../../../../lambda/core/evidence/console-output.ts';
import type { ConsoleEvent } from '../../../../lambda/core/evidence/console-reading.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/console/${name}`, import.meta.url), 'utf8');

/** What a test expects of an event: the fields it names, compared exactly. */
type Expected = Partial<ConsoleEvent> & Pick<ConsoleEvent, 'kind' | 'message'>;

const CASES: ReadonlyArray<{ fixture: string; events: Expected[] }> = [
  {
    fixture: 'kernel-panic.txt',
    events: [
      {
        kind: 'kernel-panic',
        message: 'Kernel panic - not syncing: Fatal exception in interrupt',
        uptimeSeconds: 8891.265104,
      },
    ],
  },
  {
    fixture: 'oom-kill-sshd.txt',
    events: [
      // Three kills; the one of sshd is the telling one. systemd's own line about ssh.service follows it, and
      // its "Main process exited" is the unit's most telling line.
      {
        kind: 'oom-kill',
        message: 'Out of memory: Killed process 612 (sshd)',
        process: 'sshd',
        pid: 612,
        uptimeSeconds: 6187.051733,
      },
      {
        kind: 'ssh-unit-failed',
        unit: 'ssh.service',
        message: 'Main process exited, code=killed, status=9/KILL',
        uptimeSeconds: 6187.06121,
      },
    ],
  },
  {
    fixture: 'oom-kill-other.txt',
    events: [
      {
        kind: 'oom-kill',
        message: 'Out of memory: Killed process 1433 (java)',
        process: 'java',
        pid: 1433,
        uptimeSeconds: 6120.64853,
      },
    ],
  },
  {
    fixture: 'ssh-unit-failed.txt',
    events: [
      {
        kind: 'ssh-unit-failed',
        unit: 'ssh.service',
        message: 'Main process exited, code=exited, status=255/EXCEPTION',
        uptimeSeconds: 5.210442,
        line: '[    5.210442] systemd[1]: ssh.service: Main process exited, code=exited, status=255/EXCEPTION',
      },
    ],
  },
  {
    // systemd before v250 names the unit by its Description only: Amazon Linux 2's sshd.service.
    fixture: 'sshd-unit-failed-al2.txt',
    events: [
      {
        kind: 'ssh-unit-failed',
        unit: 'sshd.service',
        message: 'Failed to start OpenSSH server daemon',
        line: '[FAILED] Failed to start OpenSSH server daemon.',
      },
    ],
  },
  {
    fixture: 'emergency-mode.txt',
    events: [{ kind: 'emergency-mode', message: 'You are in emergency mode' }],
  },
  {
    fixture: 'fsck-required.txt',
    events: [
      {
        kind: 'fsck-required',
        message: 'UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY',
        uptimeSeconds: 5.871301,
      },
    ],
  },
  {
    fixture: 'disk-full.txt',
    events: [
      {
        kind: 'disk-full',
        message: 'systemd-journald[244]: Failed to create new system journal: No space left on device',
        uptimeSeconds: 3.118201,
      },
    ],
  },
  {
    fixture: 'cloud-init-failed.txt',
    events: [
      // The newest of its kind: systemd's verdict on cloud-final after cloud-init's own warnings.
      {
        kind: 'cloud-init-failed',
        message: 'Failed to start cloud-final.service - Execute cloud user/final scripts',
      },
    ],
  },
  {
    fixture: 'hung-task.txt',
    events: [
      {
        kind: 'hung-task',
        message: 'INFO: task jbd2/nvme0n1p1-:187 blocked for more than 120 seconds',
        process: 'jbd2/nvme0n1p1-',
        pid: 187,
        uptimeSeconds: 1968.331845,
      },
    ],
  },
  {
    fixture: 'soft-lockup.txt',
    events: [
      {
        kind: 'soft-lockup',
        message: 'BUG: soft lockup - CPU#1 stuck for 23s! [kworker/1:2:4312]',
        process: 'kworker/1:2',
        pid: 4312,
        uptimeSeconds: 5203.112233,
      },
    ],
  },
];

/** Clean boots, and boots whose trouble is over: they must produce no event at all. */
const BENIGN = [
  'benign-debian12.txt',
  'benign-al2023.txt', // systemd-oomd.service "Userspace Out-Of-Memory (OOM) Killer" started: not a kill
  'benign-ssh-restarted.txt', // ssh.service failed once, then systemd restarted it: "Started" clears it
  'benign-previous-panic.txt', // the panic is the previous boot's; a new "Linux version" banner follows it
];

describe('parseConsoleOutput: one fixture per kind', () => {
  for (const c of CASES) {
    it(`${c.fixture} → ${c.events.map((e) => e.kind).join(', ')}`, () => {
      const reading = parseConsoleOutput(fixture(c.fixture));
      assert.equal(reading.events.length, c.events.length, JSON.stringify(reading.events, null, 1));
      for (const [i, expected] of c.events.entries()) {
        const got = reading.events[i]!;
        for (const [key, value] of Object.entries(expected))
          assert.deepEqual(got[key as keyof ConsoleEvent], value, `${c.fixture} event ${i} ${key}`);
      }
    });
  }
  for (const name of BENIGN) {
    it(`${name} → nothing`, () => {
      const reading = parseConsoleOutput(fixture(name));
      assert.deepEqual(reading.events, []);
      assert.ok(reading.lines > 10, 'the boot was read');
    });
  }
});

describe('parseConsoleOutput: lines, times and bounds', () => {
  it('reads only the current boot: the lines after the last "Linux version" banner', () => {
    const text = fixture('benign-previous-panic.txt');
    const banners = text.split('\r\n').filter((l) => l.includes('] Linux version 6.1.0-27-cloud-amd64'));
    assert.equal(banners.length, 2, 'the fixture holds two boots');
    const lastBoot = text.slice(text.lastIndexOf('[    0.000000] Linux version'));
    assert.equal(
      parseConsoleOutput(text).lines,
      lastBoot.split('\r\n').filter((l) => l.trim() !== '').length,
    );
  });

  it('without a banner (scrolled out of the 64 KB), every line counts', () => {
    const r = parseConsoleOutput(
      '[ 12.000000] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009',
    );
    assert.equal(
      r.events[0]?.message,
      'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009',
    );
  });

  // journalctl -o short-iso and rsyslog's RFC 3339 format carry the zone; `journalctl -o short` and RFC 3164
  // syslog carry neither year nor zone (taken from the capture, as UTC).
  const captured = new Date('2027-01-02T03:00:00Z');
  const TIMES: ReadonlyArray<[string, string, string | undefined, number | undefined]> = [
    [
      'ISO 8601 with offset',
      '2026-12-01T17:03:12.250000+01:00 ip-10-0-1-5 kernel: Kernel panic - not syncing: Fatal exception',
      '2026-12-01T16:03:12.250Z',
      undefined,
    ],
    [
      'syslog, this year',
      'Jan  2 02:59:58 ip-10-0-1-5 kernel: [ 812.5] Kernel panic - not syncing: Fatal exception',
      '2027-01-02T02:59:58.000Z',
      812.5,
    ],
    [
      'syslog, more than a day after the capture: last year',
      'Dec 31 23:59:59 ip-10-0-1-5 kernel: Kernel panic - not syncing: Fatal exception',
      '2026-12-31T23:59:59.000Z',
      undefined,
    ],
    [
      'syslog, exactly a day after the capture: still this year',
      'Jan  3 03:00:00 ip-10-0-1-5 kernel: Kernel panic - not syncing: Fatal exception',
      '2027-01-03T03:00:00.000Z',
      undefined,
    ],
    [
      'kernel time only',
      '[ 8891.265104] Kernel panic - not syncing: Fatal exception',
      undefined,
      8891.265104,
    ],
    ['no time at all', 'Kernel panic - not syncing: Fatal exception', undefined, undefined],
  ];
  for (const [name, line, at, uptime] of TIMES) {
    it(`time of a line: ${name}`, () => {
      const e = parseConsoleOutput(line, captured).events[0]!;
      assert.equal(e.kind, 'kernel-panic');
      assert.equal(e.at, at);
      assert.equal(e.uptimeSeconds, uptime);
    });
  }

  it('a syslog line without a capture time gets no wall-clock time (its year is unknown)', () => {
    const e = parseConsoleOutput('Jan  2 02:59:58 host kernel: Kernel panic - not syncing: x').events[0]!;
    assert.equal(e.at, undefined);
  });

  it('an over-long line is cut at MAX_LINE_CHARS; the evidence quotes it printable', () => {
    const reason = `${'x'.repeat(MAX_LINE_CHARS)}\x07\u202e`;
    const line = `[ 1.000000] Kernel panic - not syncing: ${reason}`;
    const reading = parseConsoleOutput(line);
    assert.equal(reading.events[0]!.line.length, MAX_LINE_CHARS);
    assert.equal(reading.events[0]!.line, line.slice(0, MAX_LINE_CHARS));
    const [evidence] = consoleEvidence(reading);
    assert.match(evidence!.detail, /…"$/);
    // A bell and a bidi override inside the limit are shown escaped, never raw.
    const short = consoleEvidence(
      parseConsoleOutput('[ 1.000000] Kernel panic - not syncing: \u202eevil\x1b]0;t\x07'),
    );
    assert.ok(!short[0]!.detail.includes('\u202e') && !short[0]!.detail.includes('\x07'));
    assert.match(short[0]!.detail, /\\x202e/);
  });

  it('the quote in evidence: a line of MAX_QUOTED_CHARS is whole, one character more is cut', () => {
    const prefix = '[ 1.000000] Kernel panic - not syncing: ';
    const at = `${prefix}${'y'.repeat(MAX_QUOTED_CHARS - prefix.length)}`;
    assert.equal(at.length, MAX_QUOTED_CHARS);
    assert.equal(consoleEvidence(parseConsoleOutput(at))[0]!.detail.endsWith('y"'), true);
    assert.equal(consoleEvidence(parseConsoleOutput(`${at}z`))[0]!.detail.endsWith('y…"'), true);
  });

  it('at most one event per kind, however many lines match', () => {
    const many = Array.from(
      { length: 500 },
      (_, i) =>
        `[ ${100 + i}.000000] INFO: task kworker/u4:${i}:${1000 + i} blocked for more than 120 seconds.`,
    ).join('\n');
    const r = parseConsoleOutput(many);
    assert.equal(r.events.length, 1);
    assert.equal(r.events[0]!.pid, 1499, 'the newest');
    assert.equal(consoleEvidence(r).length, 1);
  });

  it('input beyond MAX_CONSOLE_CHARS is cut oldest first, with the line the cut goes through: at the limit the first line counts, one more it does not', () => {
    const old = '[ 1.0] Kernel panic - not syncing: old\n';
    const fill = (n: number) => 'f'.repeat(n);
    const atLimit = old + fill(MAX_CONSOLE_CHARS - old.length);
    assert.equal(atLimit.length, MAX_CONSOLE_CHARS);
    assert.equal(parseConsoleOutput(atLimit).events[0]?.kind, 'kernel-panic');
    assert.deepEqual(parseConsoleOutput(`${atLimit}f`).events, []);
  });

  it("a line far over printk's 1024 characters is read up to MAX_SCAN_CHARS, in bounded time", () => {
    const started = performance.now();
    const huge = `[ 1.0] INFO: task ${'a:'.repeat(60_000)}1 blocked for more than 120 seconds.`;
    assert.deepEqual(parseConsoleOutput(huge).events, []);
    assert.ok(performance.now() - started < 2000, 'no quadratic scan');
    const within = `[ 1.0] ${'x'.repeat(MAX_SCAN_CHARS - 60)} Kernel panic - not syncing: late`;
    assert.ok(within.length <= MAX_SCAN_CHARS);
    assert.equal(parseConsoleOutput(within).events[0]?.kind, 'kernel-panic');
    assert.deepEqual(
      parseConsoleOutput(`${'x'.repeat(MAX_SCAN_CHARS)} Kernel panic - not syncing: late`).events,
      [],
    );
  });
});

describe('consoleEvidence and consoleFinding', () => {
  it('an event: kind console, its code, the time, the quoted line, the pid as value', () => {
    const [e] = consoleEvidence(parseConsoleOutput(fixture('oom-kill-other.txt')));
    assert.deepEqual(e, {
      kind: 'console',
      code: 'OOM_KILL',
      detail:
        'console: the OOM killer killed java (pid 1433) at 6120.6 s after boot: "[ 6120.648530] Out of memory: Killed process 1433 (java) total-vm:3461208kB, anon-rss:1650432kB, file-rss:0kB, shmem-rss:0kB, UID:1001 pgtables:3640kB oom_score_adj:0"',
      value: 1433,
    });
  });

  it('nothing found is one line saying what was read and when AWS updated it', () => {
    const f = consoleFinding(fixture('benign-al2023.txt'), new Date('2026-12-01T17:00:00Z'))!;
    assert.equal(f.evidence.length, 1);
    assert.equal(f.evidence[0]!.code, 'NOTHING_FOUND');
    assert.match(
      f.evidence[0]!.detail,
      /^console output \(\d+ lines of the current boot, updated 2026-12-01T17:00:00.000Z\): nothing that explains an SSH failure$/,
    );
    assert.equal(f.observations?.console?.capturedAt, '2026-12-01T17:00:00.000Z');
  });

  it('empty or blank output is no answer (not available), never "nothing found"', () => {
    assert.equal(consoleFinding(''), undefined);
    assert.equal(consoleFinding('\r\n  \r\n'), undefined);
  });
});
