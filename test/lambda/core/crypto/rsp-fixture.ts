// Reads a NIST-style `.rsp` known-answer file under test/fixtures/crypto: `name = HEX` lines, `#` comments.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

export function readRsp(name: string): Record<string, Buffer> {
  const text = readFileSync(new URL(`../../../fixtures/crypto/${name}`, import.meta.url), 'utf8');
  const fields: Record<string, Buffer> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+) = ([0-9A-Fa-f]+)$/.exec(line.trim());
    if (m) fields[m[1]!] = Buffer.from(m[2]!, 'hex');
  }
  return fields;
}

/** Asserts that the record holds exactly these fields' lengths: a truncated or missing field fails here, by name. */
export function assertFieldLengths(record: Record<string, Buffer>, lengths: Record<string, number>): void {
  const actual = Object.fromEntries(Object.keys(lengths).map((name) => [name, record[name]?.length]));
  assert.deepEqual(actual, lengths);
}

/** Bytes as lowercase hex, so a KAT mismatch shows both values readably. */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
