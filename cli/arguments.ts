/** Parsing of numeric command-line arguments, shared by every command so they all reject the same input. */
import { UsageError } from './usage-error.ts';

/**
 * A whole number from 1 to `max`, written in decimal digits only (`Number()` would take `0x16`, `1e2`, ` 7`).
 * Anything else is a UsageError naming the flag.
 */
export function positiveInteger(flag: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n > 0 && n <= max)) {
    const expected = max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : `1-${max}`;
    throw new UsageError(`bad number '${text}' for ${flag} (expected ${expected})`);
  }
  return n;
}
