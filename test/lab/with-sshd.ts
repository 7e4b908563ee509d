// Real OpenSSH for a test body, and proof afterwards that it left nothing behind.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { processAlive } from '../../lab/process-alive.ts';
import { type RunningSshd, type SshdMode, startSshd } from '../../lab/sshd.ts';

/** Runs `body` against an sshd in `mode`, then asserts its process and its temp directory are gone. */
export async function withSshd(mode: SshdMode, body: (sshd: RunningSshd) => Promise<void>): Promise<void> {
  const sshd = await startSshd({ mode });
  try {
    await body(sshd);
  } finally {
    await sshd.close();
  }
  assert.ok(!processAlive(sshd.pid), `sshd pid ${sshd.pid} still running after close()`);
  assert.ok(!existsSync(dirname(sshd.hostKeyPath)), 'temp dir left behind');
}
