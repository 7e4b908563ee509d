// Reads a NIST-style `.rsp` known-answer file under test/fixtures/crypto: `name = HEX` lines, `#` comments.
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
