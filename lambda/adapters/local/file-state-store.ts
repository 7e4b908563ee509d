/**
 * StateStore in a directory, one JSON file per record (`instances/<id>.json`, `groups/<name>.json`), so
 * `port22 check --state <dir>` remembers host keys, failure counts and pending alerts between runs on one
 * machine. Conditional writes compare the stored version first; a file is replaced by rename, so a reader
 * never sees half a record. Two processes writing the same directory at once are not serialised (use the
 * DynamoDB store for that).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GroupState, InstanceState, RecordScope } from '../../core/state/instance-state.ts';
import type { PendingRecords, StateStore } from '../../ports.ts';
import { pendingRecords } from '../memory/memory-state-store.ts';
import { makeDirectory } from './make-directory.ts';

/**
 * The longest file name kept readable. File systems cap a name at 255 bytes (ext4, XFS, APFS); the rest is
 * room for the temporary suffix (`.<pid>-<n>-<hex>.tmp`).
 */
const READABLE_NAME_MAX = 128;

let writeCounter = 0;

/**
 * A record's file name: the key itself when it is short and made of safe characters (instance ids, most
 * group names), so the directory stays readable; otherwise a SHA-256 of the key, so a 256-character
 * `port22:group` tag or one full of `/` and `..` is still one bounded, safe name.
 */
export function stateFileName(key: string): string {
  if (key.length <= READABLE_NAME_MAX && /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(key) && !key.startsWith('.'))
    return `${key}.json`;
  return `sha256-${createHash('sha256').update(key).digest('hex')}.json`;
}

export class FileStateStore implements StateStore {
  constructor(private readonly directory: string) {}

  get(instanceIds: readonly string[]): Promise<Map<string, InstanceState>> {
    return this.readAll<InstanceState>('instances', instanceIds);
  }

  getGroups(groups: readonly string[]): Promise<Map<string, GroupState>> {
    return this.readAll<GroupState>('groups', groups);
  }

  put(state: InstanceState, expectedVersion: number): Promise<'ok' | 'conflict'> {
    return this.write('instances', state.instanceId, state, expectedVersion);
  }

  putGroup(state: GroupState, expectedVersion: number): Promise<'ok' | 'conflict'> {
    return this.write('groups', state.group, state, expectedVersion);
  }

  /**
   * Reads every record: a state directory holds one machine's fleet, small enough to read whole, and a
   * file's name may be a hash, so its key is read from the record itself.
   */
  async listPending(scope: RecordScope, limit: number): Promise<PendingRecords> {
    const instances = await this.readEvery<InstanceState>('instances');
    const groups = await this.readEvery<GroupState>('groups');
    return pendingRecords(
      instances.map((record) => ({ key: record.instanceId, record })),
      groups.map((record) => ({ key: record.group, record })),
      scope,
      limit,
    );
  }

  private async readEvery<T>(kind: string): Promise<T[]> {
    let names: string[];
    try {
      names = await readdir(join(this.directory, kind));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out: T[] = [];
    // Temporary files of a write in progress end in `.tmp`; only finished records end in `.json`.
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const record = await this.readFile<T>(join(this.directory, kind, name));
      if (record !== undefined) out.push(record);
    }
    return out;
  }

  private path(kind: string, key: string): string {
    return join(this.directory, kind, stateFileName(key));
  }

  private read<T>(kind: string, key: string): Promise<T | undefined> {
    return this.readFile<T>(this.path(kind, key));
  }

  private async readFile<T>(path: string): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    // A hand-edited or truncated file: name it, rather than let a bare SyntaxError stop the run unexplained.
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      throw new Error(`${path}: not a port22 state record: ${(error as Error).message}`);
    }
    if (
      typeof record !== 'object' ||
      record === null ||
      !Number.isSafeInteger((record as { version?: unknown }).version)
    )
      throw new Error(`${path}: not a port22 state record: no whole-number "version"`);
    return record as T;
  }

  private async readAll<T>(kind: string, keys: readonly string[]): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    for (const key of keys) {
      const value = await this.read<T>(kind, key);
      if (value !== undefined) out.set(key, value);
    }
    return out;
  }

  private async write<T extends { version: number }>(
    kind: string,
    key: string,
    state: T,
    expectedVersion: number,
  ): Promise<'ok' | 'conflict'> {
    const stored = (await this.read<T>(kind, key))?.version ?? 0;
    if (stored !== expectedVersion) return 'conflict';
    const path = this.path(kind, key);
    await makeDirectory(join(this.directory, kind));
    // Unique per write: two runs (or two writes of one run) never share a temporary file, so neither
    // renames the other's away.
    const tmp = `${path}.${process.pid}-${++writeCounter}-${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ ...state, version: expectedVersion + 1 }, null, 2)}\n`, 'utf8');
    await rename(tmp, path);
    return 'ok';
  }
}
