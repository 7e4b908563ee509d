/**
 * port22's probe beside OpenSSH's own client on SSH servers written by others: Debian's dropbear,
 * tinysshd, paramiko, AsyncSSH, libssh and Erlang/OTP's ssh. Same outcome, same auth methods, same host
 * key fingerprint — or a failing test. Each server starts once, on 127.0.0.1 and a high port.
 */
import { after, before, describe, it } from 'node:test';
import { opensshClientMissing } from '../../lab/openssh-client.ts';
import type { ProbeOutcome } from '../../lambda/core/probe/types.ts';
import { assertAgreesWithOpenssh } from './agreement.ts';
import {
  ASYNCSSH,
  DROPBEAR,
  ERLANG_SSH,
  LIBSSH,
  PARAMIKO,
  type RealServer,
  recipeMissing,
  type ServerRecipe,
  startServer,
  TINYSSHD,
} from './servers.ts';

interface Case {
  readonly recipe: ServerRecipe;
  readonly expected: ProbeOutcome;
}

const CASES: readonly Case[] = [
  { recipe: DROPBEAR, expected: 'ok' },
  // tinysshd offers only sntrup761x25519-sha512@openssh.com and curve25519-sha256.
  { recipe: TINYSSHD, expected: 'ok' },
  { recipe: PARAMIKO, expected: 'ok' },
  { recipe: ASYNCSSH, expected: 'ok' },
  { recipe: LIBSSH, expected: 'ok' },
  { recipe: ERLANG_SSH, expected: 'ok' },
];

const oracleMissing = await opensshClientMissing();

describe('differential: SSH servers written by others, probe vs OpenSSH client', () => {
  const running = new Map<ServerRecipe, RealServer>();
  const failedToStart = new Map<ServerRecipe, Error>();
  before(async () => {
    await Promise.all(
      CASES.filter((c) => !oracleMissing && !recipeMissing(c.recipe)).map(async ({ recipe }) => {
        try {
          running.set(recipe, await startServer(recipe));
        } catch (error) {
          failedToStart.set(recipe, error as Error);
        }
      }),
    );
  });
  after(() => Promise.all([...running.values()].map((s) => s.close())));

  for (const { recipe, expected } of CASES) {
    const skip = oracleMissing ?? recipeMissing(recipe);
    it(`${recipe.name}: ${expected}, as OpenSSH's client sees it`, { skip }, async (t) => {
      const server = running.get(recipe);
      if (!server) throw failedToStart.get(recipe) ?? new Error(`${recipe.name} not started`);
      await assertAgreesWithOpenssh(t, server, expected);
    });
  }
});
