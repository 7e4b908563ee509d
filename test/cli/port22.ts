// The CLI as a user runs it: `node bin/port22.mjs <args>` in a child process, from the repository root.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * A copy of a fixture inventory, changed by `edit` (remove files, rewrite documents), removed after `use`.
 * The fixture itself is never touched.
 */
export function withInventoryCopy<T>(
  fixture: string,
  edit: (dir: string) => void,
  use: (dir: string) => T,
): T {
  const dir = mkdtempSync(join(tmpdir(), 'port22-inventory-'));
  try {
    cpSync(fixture, dir, { recursive: true });
    edit(dir);
    return use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A copy of a fixture inventory without some of its optional files. */
export function withoutFiles<T>(fixture: string, files: string[], use: (dir: string) => T): T {
  return withInventoryCopy(
    fixture,
    (dir) => {
      for (const f of files) rmSync(join(dir, f));
    },
    use,
  );
}

/** A copy of a fixture inventory whose describe-instances.json is changed by `edit`. */
export function withInstances<T>(
  fixture: string,
  edit: (doc: { Reservations: { Instances: Record<string, unknown>[] }[] }) => void,
  use: (dir: string) => T,
): T {
  return withInventoryCopy(
    fixture,
    (dir) => {
      const file = join(dir, 'describe-instances.json');
      const doc = JSON.parse(readFileSync(file, 'utf8'));
      edit(doc);
      writeFileSync(file, JSON.stringify(doc));
    },
    use,
  );
}
