/**
 * How the prober handler is bundled: shared by the `ProberFunction` construct (through NodejsFunction's
 * local esbuild) and by bench/bundle.ts, so the benchmark measures exactly what is deployed.
 */
import { fileURLToPath } from 'node:url';

/** The project root: the directory holding package.json and package-lock.json. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The handler module; it exports `handler`. */
export const PROBER_ENTRY = fileURLToPath(new URL('../lambda/handlers/check.ts', import.meta.url));

/** esbuild's target for the Lambda runtime the prober uses (Node.js 24). */
export const PROBER_ESBUILD_TARGET = 'node24';

/**
 * Modules left out of the bundle.
 * - `@aws-sdk/*`: the Node.js 18+ Lambda runtimes ship AWS SDK v3, so bundling it only adds cold-start weight.
 * - `cpu-features` and `*.node`: ssh2's optional native add-ons. ssh2 loads both inside try/catch
 *   (lib/protocol/constants.js, lib/protocol/crypto.js) and falls back to node:crypto and its WASM
 *   Poly1305, so leaving them out keeps the bundle pure JavaScript and the same for x86_64 and arm64.
 *   esbuild has no loader for `.node` files; marking them external leaves the `require` to fail at run
 *   time, which is the fallback path ssh2 already takes when the add-on was never compiled.
 */
export const PROBER_EXTERNALS: readonly string[] = ['@aws-sdk/*', 'cpu-features', '*.node'];
