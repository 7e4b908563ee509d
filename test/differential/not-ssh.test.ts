/**
 * Real services that are not SSH, beside OpenSSH's own client: ssh fails on every one, and the probe must
 * say `not-ssh` — in milliseconds, not after a deadline. A TLS and an HTTP server wait for the client to
 * speak (RFC 4253 §4.2 has both sides send their identification at once); an SMTP server greets first.
 * A port nothing listens on is the control: both must call it refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { opensshClientMissing } from '../../lab/openssh-client.ts';
import { freeLoopbackPort } from '../../lab/sshd.ts';
import { DEFAULT_TIMEOUTS, type ProbeOutcome } from '../../lambda/core/probe/types.ts';
import { assertAgreesWithOpenssh } from './agreement.ts';
import {
  OPENSSL_S_SERVER,
  PYTHON_HTTP_SERVER,
  PYTHON_SMTPD,
  type RealServer,
  recipeMissing,
  type ServerRecipe,
  startServer,
} from './servers.ts';

interface Case {
  readonly recipe: ServerRecipe;
  readonly expected: ProbeOutcome;
  /** What the probe's detail must name the service as. */
  readonly names: RegExp;
}

const CASES: readonly Case[] = [
  { recipe: OPENSSL_S_SERVER, expected: 'not-ssh', names: /\bTLS\b/i },
  { recipe: PYTHON_HTTP_SERVER, expected: 'not-ssh', names: /\bHTTP\b/i },
  // Its "220 …" greeting is a line RFC 4253 §4.2 lets precede an ident, so only its answer to ours
  // ("500 Error: command … not recognized") shows it is not SSH; ssh itself waits out ConnectTimeout.
  { recipe: PYTHON_SMTPD, expected: 'not-ssh', names: /\bSMTP\b/i },
];

const oracleMissing = await opensshClientMissing();

describe('differential: services that are not SSH, probe vs OpenSSH client', { skip: oracleMissing }, () => {
  const running = new Map<ServerRecipe, RealServer>();
  const failedToStart = new Map<ServerRecipe, Error>();
  before(async () => {
    await Promise.all(
      CASES.filter((c) => !recipeMissing(c.recipe)).map(async ({ recipe }) => {
        try {
          running.set(recipe, await startServer(recipe));
        } catch (error) {
          failedToStart.set(recipe, error as Error);
        }
      }),
    );
  });
  after(() => Promise.all([...running.values()].map((s) => s.close())));

  for (const { recipe, expected, names } of CASES) {
    it(`${recipe.name}: ${expected}, named, before the ident deadline`, {
      skip: recipeMissing(recipe),
    }, async (t) => {
      const server = running.get(recipe);
      if (!server) throw failedToStart.get(recipe) ?? new Error(`${recipe.name} not started`);
      const result = await assertAgreesWithOpenssh(t, server, expected);
      assert.match(result.detail ?? '', names);
      // Decided by what the service said, not by waiting out the deadline for an ident that never comes.
      assert.ok(result.phases.totalMs < DEFAULT_TIMEOUTS.identMs, `took ${result.phases.totalMs} ms`);
    });
  }

  it('a port nothing listens on: refused, as ssh says', async (t) => {
    await assertAgreesWithOpenssh(t, { host: '127.0.0.1', port: await freeLoopbackPort() }, 'refused');
  });
});
