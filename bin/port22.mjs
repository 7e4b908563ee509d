#!/usr/bin/env node
// Runs the TypeScript CLI entry through tsx, so `npx port22 …` works from a checkout after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('./port22.ts');
