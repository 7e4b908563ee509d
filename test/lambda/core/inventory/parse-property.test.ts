// Property tests: the inventory parser fed random shapes and values. Whatever the input, the answer is a
// model or an InventoryError (the CLI's one line and exit 2): never another exception, never a hang. Runs
// are bounded in number; the CLI is run a few times on random inventories through the real child process.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeInventoryText,
  InventoryError,
  PER_RESOURCE_DIRECTORIES,
  parseInventory,
  parseJsonText,
  type RawInventory,
} from '../../../../lambda/core/inventory/parse.ts';
import { port22, REPO, withInventoryCopy } from '../../../cli/port22.ts';

/** The richest fixture: every document kind, per-resource directories included. */
const FIXTURE = `${REPO}test/fixtures/inventories/hub-and-spoke`;

type Json = unknown;

/** The fixture as the directory loader hands it over: `file → decoded JSON`, per-resource maps apart. */
function fixtureFiles(): Map<string, Json> {
  const files = new Map<string, Json>();
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else files.set(`${prefix}${name}`, JSON.parse(readFileSync(path, 'utf8')));
    }
  };
  walk(FIXTURE, '');
  return files;
}

function rawInventory(files: ReadonlyMap<string, Json>): RawInventory {
  const documents: Record<string, Json> = {};
  const perResource: Record<string, Map<string, Json>> = {};
  for (const [file, doc] of files) {
    const sub = Object.keys(PER_RESOURCE_DIRECTORIES).find((d) => file.startsWith(`${d}/`));
    if (sub === undefined) {
      documents[file] = doc;
      continue;
    }
    const raw = PER_RESOURCE_DIRECTORIES[sub as keyof typeof PER_RESOURCE_DIRECTORIES].raw;
    perResource[raw] ??= new Map();
    perResource[raw].set(file.slice(sub.length + 1, -'.json'.length), doc);
  }
  return { documents, ...perResource } as RawInventory;
}

/** The corpus' kinds of value: JSON of any shape, hostile and long strings, ids and addresses gone wrong. */
const value: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    'localhost',
    '10.20.1.999',
    '::ffff:10.0.0.1',
    'fe80::1%eth0',
    'i-0a0a0a0a0a0a0a0a0\r\nBcc: victim@example.com',
    '\u001b]0;owned\u0007',
    '\ud800',
    '',
    'sg-1',
    'i-0A0A0A0A0A0A0A0A0',
  ),
  fc.nat({ max: 5000 }).map((n) => 'x'.repeat(n)),
);

/** A path into a document: at each step the index picks a key or an element (modulo its size). */
const mutation = fc.record({ file: fc.nat(), path: fc.array(fc.nat(), { maxLength: 7 }), value });

/** `doc` with the value at `path` replaced (a deep copy: the fixture stays whole). */
function mutate(doc: Json, path: readonly number[], replacement: Json): Json {
  const copy = structuredClone(doc) as Json;
  if (path.length === 0 || copy === null || typeof copy !== 'object') return replacement;
  let node = copy as Record<string, Json> | Json[];
  for (const [depth, step] of path.entries()) {
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[step % keys.length]!;
    const child = (node as Record<string | number, Json>)[key];
    if (depth === path.length - 1 || child === null || typeof child !== 'object') {
      (node as Record<string | number, Json>)[key] = replacement;
      break;
    }
    node = child as Record<string, Json> | Json[];
  }
  return copy;
}

/** Parses, and says what came out: a model, or an InventoryError's message. Anything else fails the test. */
function outcome(raw: RawInventory): 'model' | string {
  try {
    parseInventory(raw);
    return 'model';
  } catch (e) {
    assert.ok(
      e instanceof InventoryError,
      `not an InventoryError: ${e instanceof Error ? e.stack : String(e)}`,
    );
    assert.ok(e.message.length < 4096, `an error of ${e.message.length} characters`);
    return e.message;
  }
}

describe('parseInventory on random shapes and values', () => {
  const files = fixtureFiles();
  const names = [...files.keys()];

  it('the fixture itself parses (the baseline every mutation departs from)', () =>
    assert.equal(outcome(rawInventory(files)), 'model'));

  it('one value replaced anywhere: a model or an InventoryError, nothing else', { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(mutation, ({ file, path, value: v }) => {
        const name = names[file % names.length]!;
        outcome(rawInventory(new Map(files).set(name, mutate(files.get(name), path, v))));
      }),
      { numRuns: 400 },
    );
  });

  it('several values replaced at once', { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 2, maxLength: 6 }), (mutations) => {
        const changed = new Map(files);
        for (const { file, path, value: v } of mutations) {
          const name = names[file % names.length]!;
          changed.set(name, mutate(changed.get(name), path, v));
        }
        outcome(rawInventory(changed));
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes as a file: text and JSON, or an InventoryError', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        try {
          parseJsonText(decodeInventoryText(bytes, 'describe-subnets.json'), 'describe-subnets.json');
        } catch (e) {
          assert.ok(e instanceof InventoryError, String(e));
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('port22 check|analyze --inventory on random inventories (the real CLI)', () => {
  const files = fixtureFiles();
  const names = [...files.keys()].filter((n) => !n.includes('/'));
  // A handful of runs: each is a child process of about a second.
  const samples = fc.sample(mutation, { numRuns: 4, seed: 22 });
  for (const [n, { file, path, value: v }] of samples.entries()) {
    const name = names[file % names.length]!;
    it(`run ${n + 1}: ${name}, a value replaced ${path.length} level(s) deep: exit 0, 1 or 2; on 2 one line`, () => {
      const r = withInventoryCopy(
        FIXTURE,
        (dir) => writeFileSync(join(dir, name), JSON.stringify(mutate(files.get(name), path, v))),
        (dir) =>
          port22(
            n % 2 === 0 ? 'check' : 'analyze',
            '--inventory',
            dir,
            ...(n % 2 === 0 ? ['--no-probe'] : []),
          ),
      );
      assert.ok([0, 1, 2].includes(r.status ?? -1), `exit ${r.status}: ${r.stderr}`);
      if (r.status === 2) assert.match(r.stderr, /^port22: [^\n]*\n$/);
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'a stack trace');
    });
  }

  it('a document that is not an object at all: exit 2, one line naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'port22-property-'));
    try {
      for (const f of ['describe-instances.json', 'describe-security-groups.json', 'describe-subnets.json'])
        writeFileSync(join(dir, f), '[1, "two", null]');
      const r = port22('analyze', '--inventory', dir);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /^port22: describe-instances\.json: [^\n]*\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
