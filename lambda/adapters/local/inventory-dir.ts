/**
 * Reads an inventory directory (DESIGN.md, "Inventory directory") and hands the documents to the pure
 * parser. Only file access lives here; every validation message comes from lambda/core/inventory/parse.ts.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Inventory } from '../../core/inventory/model.ts';
import {
  decodeInventoryText,
  InventoryError,
  OPTIONAL_FILES,
  PER_RESOURCE_DIRECTORIES,
  parseInventory,
  parseJsonText,
  type RawInventory,
  REQUIRED_FILES,
} from '../../core/inventory/parse.ts';

/**
 * The largest inventory file read: `describe-instances` for 10,000 instances is about 60 MB; a bigger file
 * is not an account's output, and reading it whole would take the memory the run needs.
 */
export const MAX_INVENTORY_FILE_BYTES = 256 * 1024 * 1024;

/** A file's text, or undefined when it does not exist; `file` names it in the one-line error. */
async function readIfPresent(path: string, file: string): Promise<string | undefined> {
  const s = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw new InventoryError(`${file}: cannot read (${e.code ?? e.message})`);
  });
  if (s === undefined) return undefined;
  if (s.isDirectory()) throw new InventoryError(`${file}: a directory where a file should be`);
  if (!s.isFile()) throw new InventoryError(`${file}: not a regular file`);
  if (s.size > MAX_INVENTORY_FILE_BYTES)
    throw new InventoryError(
      `${file}: ${s.size} bytes, more than the ${MAX_INVENTORY_FILE_BYTES} an inventory file may have`,
    );
  try {
    return decodeInventoryText(await readFile(path), file);
  } catch (e) {
    if (e instanceof InventoryError) throw e;
    throw new InventoryError(
      `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

/** The names in a per-resource directory; none when it does not exist. */
async function namesIn(path: string, sub: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    if (code === 'ENOTDIR') throw new InventoryError(`${sub}: a file where a directory should be`);
    throw new InventoryError(`${sub}: cannot read (${code ?? (e as Error).message})`);
  }
}

export async function loadInventoryDir(dir: string): Promise<Inventory> {
  const s = await stat(dir).catch(() => undefined);
  if (!s?.isDirectory()) throw new InventoryError(`${dir}: not an inventory directory`);

  const documents: Record<string, unknown> = {};
  for (const file of [...REQUIRED_FILES, ...OPTIONAL_FILES]) {
    const text = await readIfPresent(join(dir, file), file);
    if (text !== undefined) documents[file] = parseJsonText(text, file);
  }

  const perResource: Record<string, Map<string, unknown>> = {};
  for (const [sub, { key, raw }] of Object.entries(PER_RESOURCE_DIRECTORIES)) {
    const docs = new Map<string, unknown>();
    for (const name of (await namesIn(join(dir, sub), sub)).sort()) {
      if (!name.endsWith('.json')) continue;
      const file = `${sub}/${name}`;
      const id = name.slice(0, -'.json'.length);
      // A file the loader would skip is data the user meant to give: name it rather than drop it.
      if (!key.test(id))
        throw new InventoryError(`${file}: not a ${sub} file name (expected <${key.source}>.json)`);
      const text = await readIfPresent(join(dir, sub, name), file);
      if (text !== undefined) docs.set(id, parseJsonText(text, file));
    }
    perResource[raw] = docs;
  }
  return parseInventory({ documents, ...perResource } as RawInventory);
}
