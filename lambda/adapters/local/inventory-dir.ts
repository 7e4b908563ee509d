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
  PER_RESOURCE_DIRECTORIES,
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

  const perResource: Record<string, Map<string, unknown>> = {};
  for (const [sub, { key, raw }] of Object.entries(PER_RESOURCE_DIRECTORIES)) {
    const docs = new Map<string, unknown>();
    const names = await readdir(join(dir, sub)).catch(() => [] as string[]);
    for (const name of names.sort()) {
      if (!name.endsWith('.json')) continue;
      const file = `${sub}/${name}`;
      const id = name.slice(0, -'.json'.length);
      // A file the loader would skip is data the user meant to give: name it rather than drop it.
      if (!key.test(id))
        throw new InventoryError(`${file}: not a ${sub} file name (expected <${key.source}>.json)`);
      docs.set(id, parseJsonText(await readFile(join(dir, sub, name), 'utf8'), file));
    }
    perResource[raw] = docs;
  }
  return parseInventory({ documents, ...perResource } as RawInventory);
}
