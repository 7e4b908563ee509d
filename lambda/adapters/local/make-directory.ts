/**
 * `mkdir -p` for paths a user names (--dir, --state, --html). Node's own `mkdir({ recursive: true })` spins
 * forever on a path under a pseudo file system that answers ENOENT for any new entry (e.g. /proc/x/y on
 * Linux, Node 20), so this walks up the ancestors itself and gives up with the file system's own error.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function makeDirectory(path: string, mode?: number): Promise<void> {
  try {
    await mkdir(path, mode === undefined ? {} : { mode });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw e;
    await makeDirectory(parent, mode);
    try {
      await mkdir(path, mode === undefined ? {} : { mode });
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
    }
  }
}
