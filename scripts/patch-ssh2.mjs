#!/usr/bin/env node
// Opens ssh2's key exchange to methods defined outside it: npm's `postinstall` runs this after every install,
// before `prepare` bundles the CLI, so the bundles and the sources see the same ssh2.
//
// Why a patch: ssh2 1.17.0 picks its KeyExchange class in a switch inside a closure of
// lib/protocol/kex.js (createKeyExchange) and exports neither the switch nor the base class, so nothing
// outside can add a method — and the post-quantum hybrids OpenSSH defaults to (mlkem768x25519-sha256,
// sntrup761x25519-sha512) are missing. The patch adds only a door, three small insertions marked
// "port22 patch": an exported registry, the base class put into it, and one lookup before ssh2's
// "Unsupported key exchange algorithm". The methods themselves live in lambda/adapters/net/ssh2-hybrid-kex.ts
// (typed, tested); with no method registered ssh2 behaves exactly as before.
//
// Why not something else: a runtime wrapper cannot reach the closure, and a Node loader hook or a
// require.cache swap does not survive esbuild's bundles (the prebuilt CLI, the Lambda). A fork pins a copy of
// all of ssh2 instead of three lines.
//
// Guard: the anchors must each occur exactly once in the version this was written for (PATCHED_VERSION);
// any other ssh2 version fails the install with one line, and test/scripts/patch-ssh2.test.ts fails too.
// Idempotent: an already patched file is left alone.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PATCHED_VERSION = '1.17.0';
export const PATCH_MARKER = '// port22 patch (scripts/patch-ssh2.mjs)';

const RETURN_FACTORY =
  "  return (negotiated, ...args) => {\n    if (typeof negotiated !== 'object' || negotiated === null)\n";
// biome-ignore lint/suspicious/noTemplateCurlyInString: ssh2's source text, matched literally
const UNSUPPORTED = '      throw new Error(`Unsupported key exchange algorithm: ${kexType}`);\n';

/** Each anchor must occur exactly once; it is replaced by its replacement, which keeps the anchor's text. */
const EDITS = [
  {
    anchor: 'let MESSAGE_HANDLERS;\n',
    replacement: `let MESSAGE_HANDLERS;\n${PATCH_MARKER}: key exchange methods registered from outside ssh2.\nconst KEX_EXTENSIONS = { KeyExchange: undefined, methods: new Map() };\n`,
  },
  {
    anchor: RETURN_FACTORY,
    replacement: `  KEX_EXTENSIONS.KeyExchange = KeyExchange; ${PATCH_MARKER}\n${RETURN_FACTORY}`,
  },
  {
    anchor: UNSUPPORTED,
    replacement: `      const extension = KEX_EXTENSIONS.methods.get(kexType); ${PATCH_MARKER}\n      if (extension !== undefined) return extension(...args);\n${UNSUPPORTED}`,
  },
  {
    anchor: 'module.exports = {\n  KexInit,\n',
    replacement: `module.exports = {\n  KEX_EXTENSIONS, ${PATCH_MARKER}\n  KexInit,\n`,
  },
];

/** Applies the patch to the ssh2 under `ssh2Dir`; returns 'patched' or 'already patched'. Throws on mismatch. */
export function patchSsh2(ssh2Dir) {
  const { version } = JSON.parse(readFileSync(join(ssh2Dir, 'package.json'), 'utf8'));
  if (version !== PATCHED_VERSION) {
    throw new Error(
      `ssh2 ${version} installed, the patch was written for ${PATCHED_VERSION}: re-read lib/protocol/kex.js and update scripts/patch-ssh2.mjs`,
    );
  }
  const file = join(ssh2Dir, 'lib/protocol/kex.js');
  let text = readFileSync(file, 'utf8');
  if (text.includes(PATCH_MARKER)) return 'already patched';
  for (const edit of EDITS) {
    const count = text.split(edit.anchor).length - 1;
    if (count !== 1)
      throw new Error(`ssh2 kex.js: expected one "${edit.anchor.trim().slice(0, 40)}", found ${count}`);
    text = text.replace(edit.anchor, () => edit.replacement);
  }
  // Write beside and rename: a process reading ssh2 meanwhile sees the old file or the new one, never half.
  const tmp = `${file}.port22-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
  return 'patched';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    // The ssh2 this package loads, wherever npm put it (nested in a global install, hoisted in a checkout).
    const ssh2Dir = dirname(createRequire(import.meta.url).resolve('ssh2/package.json'));
    const outcome = patchSsh2(ssh2Dir);
    console.log(`patch-ssh2: ${outcome}`);
  } catch (e) {
    console.error(`patch-ssh2: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
