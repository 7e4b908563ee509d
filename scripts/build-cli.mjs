#!/usr/bin/env node
// The prebuilt CLI: `node scripts/build-cli.mjs` (npm's `prepare`, so `npm ci` runs it) bundles bin/port22.ts
// with esbuild into dist/cli/, and bin/port22.mjs starts that bundle instead of compiling TypeScript at every
// start. Plain JavaScript, so nothing here needs compiling either.
//
// Never stale: the build records every source file it read (esbuild's metafile) with its mtime, size and
// SHA-1; bin/port22.mjs compares them at start-up (one stat per file, about a hundred; a file whose mtime
// moved but not its size is hashed, so a checkout or an npm tarball of the same bytes stays fresh) and
// rebuilds when any differs. A rebuild takes well under a second; where it cannot be written (a read-only
// checkout, a user who does not own it) the launcher runs the sources through tsx instead, slower but never
// stale.
//
// Layout: dist/cli/manifest.json names the current build directory, dist/cli/<build id>/, and the inputs.
// Each build writes a fresh directory and then replaces the manifest with one rename, so a CLI starting
// while another rebuilds reads either the old build or the new one, never half of each.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist/cli');
const MANIFEST = join(DIST, 'manifest.json');
const ENTRY = 'bin/port22.ts';
/** Changing how the CLI is built changes the build too. */
const SELF = relative(ROOT, fileURLToPath(import.meta.url));
/** Builds older than this that the manifest no longer names are removed; a CLI loads its chunks at start. */
const OLD_BUILD_MS = 60_000;

const sha1 = (path) => createHash('sha1').update(readFileSync(path)).digest('hex');

/**
 * The entry module of the current build, as a file URL, when every recorded input is unchanged; else
 * undefined. An input recorded as `null` changed while it was being built, so it never counts as fresh.
 */
export function freshCliEntry() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
  for (const [file, recorded] of Object.entries(manifest.inputs)) {
    if (recorded === null) return undefined;
    const [mtimeMs, size, digest] = recorded;
    const path = join(ROOT, file);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return undefined;
    }
    if (stat.size !== size) return undefined;
    // npm packs every file with the same old mtime, and git rewrites files it checks out again.
    if (stat.mtimeMs !== mtimeMs && sha1(path) !== digest) return undefined;
  }
  return pathToFileURL(join(DIST, manifest.entry)).href;
}

/**
 * esbuild puts every module into dist/cli/<build id>/, so a source's `import.meta.url` would name the
 * bundle, not the source (lab/fleet.ts finds the fleet's JSON next to itself). This gives each source its
 * own URL back, relative to the bundle, so the checkout can move (the lab test bind-mounts it elsewhere).
 */
function sourceUrlPlugin(outdir) {
  return {
    name: 'source-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const fromBundle = relative(outdir, args.path).split('\\').join('/');
        const url = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
        return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
      });
    },
  };
}

/**
 * Bundles the CLI into a new build directory and points the manifest at it.
 * @param {{ logLevel?: 'silent' | 'warning' }} [options] silent when the launcher rebuilds, so a failed
 *   rebuild falls back to the sources without printing anything of its own
 * @returns the new entry module's file URL
 */
export async function buildCli({ logLevel = 'warning' } = {}) {
  const { build } = await import('esbuild');
  const startedAt = Date.now();
  const id = `${startedAt.toString(36)}-${process.pid}`;
  const outdir = join(DIST, id);
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { port22: ENTRY },
    outdir,
    bundle: true,
    // Only the command being run is loaded (cli/main.ts imports each command lazily); without splitting,
    // every package any command imports (the AWS SDK, ssh2, the lab's dynalite) would load at every start.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.11',
    // Packages load from node_modules as they do under tsx: ssh2's optional native add-ons, the AWS SDK's
    // own files and the lab's emulators keep working unchanged, and the bundle is only port22's own code.
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel,
    plugins: [sourceUrlPlugin(outdir)],
  });
  const inputs = {};
  for (const file of [...Object.keys(result.metafile.inputs), SELF]) {
    const path = join(ROOT, file);
    const stat = statSync(path);
    // A file changed after the build began may not be what was bundled: record it as unknown.
    inputs[file] = stat.mtimeMs < startedAt ? [stat.mtimeMs, stat.size, sha1(path)] : null;
  }
  const manifest = { entry: `${id}/port22.mjs`, builtAt: new Date(startedAt).toISOString(), inputs };
  const temporary = `${MANIFEST}.${id}`;
  writeFileSync(temporary, `${JSON.stringify(manifest, null, 1)}\n`);
  renameSync(temporary, MANIFEST);
  removeOldBuilds(id);
  return pathToFileURL(join(DIST, manifest.entry)).href;
}

function removeOldBuilds(current) {
  for (const entry of readdirSync(DIST, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === current) continue;
    const path = join(DIST, entry.name);
    if (Date.now() - statSync(path).mtimeMs > OLD_BUILD_MS) rmSync(path, { recursive: true, force: true });
  }
}

/** The entry to run: the current build, rebuilt first if a source changed; undefined if it cannot be built. */
export async function cliEntry() {
  const fresh = freshCliEntry();
  if (fresh) return fresh;
  try {
    mkdirSync(DIST, { recursive: true });
    return await buildCli({ logLevel: 'silent' });
  } catch {
    return undefined;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  mkdirSync(DIST, { recursive: true });
  const entry = await buildCli();
  process.stdout.write(
    `built ${relative(ROOT, dirname(fileURLToPath(entry)))}/ (${relative(ROOT, MANIFEST)})\n`,
  );
}
