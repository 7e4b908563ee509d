import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, it } from 'node:test';
import { Client } from 'ssh2';
import { opensshClient, opensshClientMissing } from '../../lab/openssh-client.ts';
import { sshdAvailable, startSshd } from '../../lab/sshd.ts';
import { generateHostKey } from '../../lab/zoo.ts';
import { withSshd } from './with-sshd.ts';

const skip = sshdAvailable();
const skipWithClient = skip ?? (await opensshClientMissing());

/** Everything the peer sends until it closes, or until `ms` pass. */
function readUntilClose(host: string, port: number, ms: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, ms);
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

describe('lab/sshd: real OpenSSH on loopback', () => {
  it('healthy: listens on a high loopback port and speaks OpenSSH', { skip }, async () => {
    await withSshd('healthy', async (sshd) => {
      assert.equal(sshd.host, '127.0.0.1');
      assert.ok(sshd.port > 1024);
      const { text } = await readUntilClose(sshd.host, sshd.port, 300);
      assert.match(text, /^SSH-2\.0-OpenSSH_\d/);
    });
  });

  it('healthy: the fingerprint is the SHA-256 of the public key blob (OpenSSH form)', { skip }, async () => {
    await withSshd('healthy', async (sshd) => {
      const blob = Buffer.from(readFileSync(`${sshd.hostKeyPath}.pub`, 'utf8').split(' ')[1]!, 'base64');
      const expected = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
      assert.equal(sshd.hostKeyFingerprint, expected);
    });
  });

  it('hostKey: a given key survives a restart (same fingerprint, the one ssh2 computes)', {
    skip,
  }, async () => {
    const key = generateHostKey('ed25519');
    const fingerprints: string[] = [];
    for (let run = 0; run < 2; run += 1) {
      await withSshd('healthy', async (sshd) => {
        fingerprints.push(sshd.hostKeyFingerprint);
      });
    }
    const a = await startSshd({ mode: 'healthy', hostKey: key.private });
    const b = await startSshd({ mode: 'healthy', hostKey: key.private });
    try {
      const blob = Buffer.from(key.public.split(' ')[1]!, 'base64');
      const expected = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
      assert.equal(a.hostKeyFingerprint, expected);
      assert.equal(b.hostKeyFingerprint, expected);
      assert.notEqual(fingerprints[0], fingerprints[1], 'without hostKey each start makes a fresh key');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('maxstartups: with one held connection, the next is dropped before any ident', { skip }, async () => {
    await withSshd('maxstartups', async (sshd) => {
      await sshd.holdConnections(1);
      const { text, closed } = await readUntilClose(sshd.host, sshd.port, 2000);
      assert.ok(closed, 'sshd should close the dropped connection');
      assert.doesNotMatch(text, /SSH-2\.0-/);
      sshd.releaseConnections();
    });
  });

  it('restricted-kex: ssh2 with its own defaults (no hybrids) finds no common key exchange method', {
    skip,
  }, async () => {
    await withSshd('restricted-kex', async (sshd) => {
      const error = await new Promise<Error>((resolve) => {
        const client = new Client();
        client.on('error', resolve);
        client.on('ready', () => {
          client.end();
          resolve(new Error('unexpectedly authenticated'));
        });
        client.connect({ host: sshd.host, port: sshd.port, username: 'nobody', readyTimeout: 3000 });
      });
      assert.match(error.message, /no matching key exchange/i);
      // sshd's side of the story arrives on its stderr a moment later.
      const deadline = Date.now() + 2000;
      while (!/Unable to negotiate/.test(sshd.log()) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.match(sshd.log(), /Unable to negotiate with 127\.0\.0\.1 .*no matching key exchange method/);
    });
  });

  it('restricted-mac: OpenSSH’s client gets in with umac-64-etm, ssh2 finds no common MAC', {
    skip: skipWithClient,
  }, async () => {
    await withSshd('restricted-mac', async (sshd) => {
      const client = await opensshClient(sshd.host, sshd.port);
      assert.equal(client.connected, true, client.transcript);
      assert.deepEqual(client.authMethods, ['publickey', 'password']);
      assert.match(
        client.transcript,
        /kex: server->client cipher: aes128-ctr MAC: umac-64-etm@openssh\.com /,
      );
      const error = await new Promise<Error>((resolve) => {
        const ssh2 = new Client();
        ssh2.on('error', resolve);
        ssh2.on('ready', () => {
          ssh2.end();
          resolve(new Error('unexpectedly authenticated'));
        });
        ssh2.connect({ host: sshd.host, port: sshd.port, username: 'nobody', readyTimeout: 3000 });
      });
      assert.match(error.message, /no matching .*MAC/i);
    });
  });

  it('startSshd fails with sshd’s own words on a port already in use', { skip }, async () => {
    await withSshd('healthy', async (sshd) => {
      await assert.rejects(startSshd({ mode: 'healthy', port: sshd.port }), /Address already in use|exited/);
    });
  });
});
