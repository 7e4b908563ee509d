/**
 * The differential tests' one assertion: port22's probe and OpenSSH's own client agree on a server.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import {
  keyscan,
  keyscanTypeOf,
  keyTypeOfSignatureAlgorithm,
  opensshClient,
} from '../../lab/openssh-client.ts';
import { probe } from '../../lambda/adapters/net/prober.ts';
import type { ProbeOutcome, ProbeResult, ProbeTarget } from '../../lambda/core/probe/types.ts';

/**
 * Runs OpenSSH's client, then port22's probe, on one server and asserts they agree: the probe is `ok`
 * exactly when ssh reached authentication, and then both saw the same auth methods and the same host key
 * (the probe's fingerprint is the one ssh-keyscan reports for its key type). `expected` is the outcome the
 * probe should give — for a server ssh could not reach, the one that names what happened.
 */
export async function assertAgreesWithOpenssh(
  t: TestContext,
  target: ProbeTarget,
  expected: ProbeOutcome,
): Promise<ProbeResult> {
  const client = await opensshClient(target.host, target.port);
  const result = await probe(target);
  t.diagnostic(`ssh: ${client.connected ? `methods ${client.authMethods?.join(',')}` : client.lastWords}`);
  t.diagnostic(
    `probe: ${result.outcome}${result.detail ? ` (${result.detail})` : ''} in ${result.phases.totalMs} ms`,
  );
  assert.equal(
    client.connected,
    expected === 'ok',
    `the test's expectation contradicts OpenSSH's client, which said: ${client.lastWords}\n${client.transcript}`,
  );
  assert.equal(result.outcome, expected, `probe said ${result.outcome}: ${result.detail ?? ''}`);
  if (expected !== 'ok') return result;

  assert.deepEqual(result.authMethods, client.authMethods, 'auth methods');
  assert.ok(result.hostKey, 'the probe reported no host key');
  const keyType = keyTypeOfSignatureAlgorithm(result.hostKey.algorithm);
  const { keys: scanned } = await keyscan([target.host], target.port, keyscanTypeOf(keyType));
  assert.deepEqual(
    scanned.map((k) => k.sha256),
    [result.hostKey.sha256],
    `ssh-keyscan -t ${keyscanTypeOf(keyType)} disagrees with the probe's ${result.hostKey.algorithm} key`,
  );
  assert.ok(client.hostKey, 'ssh -v printed no host key');
  // Servers with several keys may hand each client a different one; then ssh's must be among keyscan's too.
  if (client.hostKey.type === keyType) assert.equal(result.hostKey.sha256, client.hostKey.sha256);
  else {
    const { keys: all } = await keyscan([target.host], target.port);
    assert.ok(
      all.some((k) => k.sha256 === client.hostKey!.sha256),
      `ssh's key ${client.hostKey.sha256} not scanned`,
    );
  }
  return result;
}
