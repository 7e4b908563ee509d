// The CLI as a user runs it: `node bin/port22.mjs <args>` in a child process, from the repository root.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO = new URL('../../', import.meta.url).pathname;

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `port22 <args>` to completion (bounded at 60 s). */
export function port22(...args: string[]): CliRun {
  const r = spawnSync(process.execPath, ['bin/port22.mjs', ...args], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of a fixture inventory without some of its optional files, removed after `use`. */
export function withoutFiles<T>(fixture: string, files: string[], use: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'port22-inventory-'));
  try {
    cpSync(fixture, dir, { recursive: true });
    for (const f of files) rmSync(join(dir, f));
    return use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
