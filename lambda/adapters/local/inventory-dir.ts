/**
 * Reads an inventory directory (DESIGN.md, "Inventory directory") and hands the documents to the pure
 * parser. Only file access lives here; every validation message comes from lambda/core/inventory/parse.ts.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Inventory } from '../../core/inventory/model.ts';
import {
  InventoryError,
  OPTIONAL_FILES,
  parseInventory,
  parseJsonText,
  type RawInventory,
  REQUIRED_FILES,
} from '../../core/inventory/parse.ts';

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InventoryError(`${path}: cannot read (${(e as Error).message})`);
  }
}

export async function loadInventoryDir(dir: string): Promise<Inventory> {
  const s = await stat(dir).catch(() => undefined);
  if (!s?.isDirectory()) throw new InventoryError(`${dir}: not an inventory directory`);

  const documents: Record<string, unknown> = {};
  for (const file of [...REQUIRED_FILES, ...OPTIONAL_FILES]) {
    const text = await readIfPresent(join(dir, file));
    if (text !== undefined) documents[file] = parseJsonText(text, file);
  }

  const prefixListEntries = new Map<string, unknown>();
  const plDir = join(dir, 'prefix-list-entries');
  const names = await readdir(plDir).catch(() => [] as string[]);
  for (const name of names.sort()) {
    const m = /^(pl-[0-9a-zA-Z]+)\.json$/.exec(name);
    if (!m) continue;
    const file = `prefix-list-entries/${name}`;
    prefixListEntries.set(m[1]!, parseJsonText(await readFile(join(plDir, name), 'utf8'), file));
  }
  return parseInventory({ documents, prefixListEntries } as RawInventory);
}
