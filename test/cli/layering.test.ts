// The CLI's layering, read from the import statements themselves (TypeScript's own pre-processor finds
// static, type-only and dynamic imports): no import cycle among the modules the CLI reaches, and nothing
// the lab reaches is under cli/ (the lab is a library the CLI uses, never the other way round).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const ROOT = new URL('../../', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/**
 * Every module reachable from `entries` through relative imports, each with the modules it imports;
 * `packages` collects the package imports (`@aws-sdk/client-ec2`, `node:net`) met on the way.
 */
function importGraph(entries: readonly string[], packages = new Set<string>()): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const todo = [...entries];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (graph.has(file)) continue;
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const names = importedFiles.map((i) => i.fileName);
    for (const name of names) if (!name.startsWith('.')) packages.add(name);
    const imports = names
      .filter((name) => name.startsWith('.') && name.endsWith('.ts'))
      .map((name) => resolve(dirname(file), name));
    graph.set(file, imports);
    todo.push(...imports);
  }
  return graph;
}

/** The first cycle a depth-first walk meets, as the modules along it, or undefined. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const walk = (node: string): string[] | undefined => {
    const at = path.indexOf(node);
    if (at >= 0) return [...path.slice(at), node];
    if (done.has(node)) return undefined;
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = walk(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(node);
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = walk(node);
    if (cycle) return cycle;
  }
  return undefined;
}

const shown = (files: readonly string[]) => files.map((f) => relative(ROOT, f)).join(' → ');

describe('CLI layering', () => {
  it('findCycle finds a cycle (the shape cli/ had: main → commands → analyze → main) and none in a tree', () => {
    const cyclic = new Map([
      ['main', ['commands', 'usage-error']],
      ['commands', ['analyze']],
      ['analyze', ['main', 'usage-error']],
    ]);
    assert.deepEqual(findCycle(cyclic), ['main', 'commands', 'analyze', 'main']);
    const diamond = new Map([
      ['main', ['probe', 'check']],
      ['check', ['probe']],
    ]);
    assert.equal(findCycle(diamond), undefined);
    assert.deepEqual(findCycle(new Map([['self', ['self']]])), ['self', 'self']);
  });

  it('no import cycle among the modules cli/ reaches', () => {
    const graph = importGraph(sourceFiles('cli'));
    assert.ok(graph.size > 50, `walked ${graph.size} modules: the walk follows imports out of cli/`);
    const cycle = findCycle(graph);
    assert.equal(cycle && shown(cycle), undefined);
  });

  it('nothing lab/ reaches is under cli/', () => {
    const graph = importGraph(sourceFiles('lab'));
    const cli = join(ROOT, 'cli/');
    const offenders = [...graph].flatMap(([file, imports]) =>
      imports.filter((i) => i.startsWith(cli)).map((i) => shown([file, i])),
    );
    assert.deepEqual(offenders, []);
  });

  it('a run from files loads no AWS SDK: the local wiring reaches no @aws-sdk package (check --region imports it)', () => {
    const packages = new Set<string>();
    const graph = importGraph([join(ROOT, 'lambda/local-wiring.ts')], packages);
    assert.ok(graph.has(join(ROOT, 'lambda/pipeline.ts')), 'the walk reaches the pipeline');
    assert.ok(packages.has('ssh2'), 'the walk sees package imports (the prober imports ssh2)');
    assert.deepEqual(
      [...packages].filter((p) => p.startsWith('@aws-sdk/')),
      [],
    );
  });
});
