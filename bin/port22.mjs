#!/usr/bin/env node
// The `port22` command. Runs the prebuilt CLI (dist/cli/, built by scripts/build-cli.mjs at `npm ci` and
// rebuilt here first whenever a source changed since), so no TypeScript is compiled at start-up. Only
// where dist/ cannot be written does it run the sources through tsx.
import { cliEntry } from '../scripts/build-cli.mjs';

const entry = await cliEntry();
if (entry) await import(entry);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./port22.ts');
}
