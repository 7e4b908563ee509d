/**
 * The second, bounded look at a server that closed right after our identification without a byte
 * (lambda/core/probe/second-look.ts says why and judges the result): one fresh connection, silence for
 * silenceMs(), then a TLS ClientHello. Never more than SERVICE_SAMPLE_BYTES kept, never past `budgetMs`.
 */
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type SecondLook, silenceMs, tlsClientHello } from '../../core/probe/second-look.ts';
import { appendToSample } from '../../core/probe/service-identification.ts';
import type { ProbeTarget } from '../../core/probe/types.ts';

/** How long to wait for an answer once the ClientHello is out, at most (within the budget). */
const ANSWER_MS = 1000;

export function secondLook(target: ProbeTarget, budgetMs: number): Promise<SecondLook> {
  return new Promise<SecondLook>((resolve) => {
    const started = performance.now();
    const socket = connect({ host: target.host, port: target.port, noDelay: true });
    let connectedAt: number | undefined;
    let helloSent = false;
    let bytes = new Uint8Array(0);
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const done = (look: SecondLook) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      socket.destroy();
      resolve(look);
    };
    timers.push(
      setTimeout(
        () =>
          done(connectedAt === undefined ? { kind: 'failed', reason: 'no connection in time' } : answered()),
        Math.max(0, budgetMs),
      ),
    );
    const answered = (): SecondLook => {
      if (!helloSent) return bytes.length > 0 ? { kind: 'spoke-first', bytes } : { kind: 'silent' };
      return bytes.length > 0 ? { kind: 'answered-client-hello', bytes } : { kind: 'silent' };
    };
    const ended = () => {
      if (connectedAt === undefined) return done({ kind: 'failed', reason: 'closed while connecting' });
      if (!helloSent) {
        return done({ kind: 'closed-unprompted', bytes, afterMs: performance.now() - connectedAt });
      }
      done({ kind: 'answered-client-hello', bytes });
    };
    socket.on('error', (err: Error & { code?: string }) => {
      if (connectedAt === undefined) done({ kind: 'failed', reason: err.code ?? err.message });
      else ended();
    });
    socket.on('end', ended);
    socket.on('close', ended);
    socket.on('data', (chunk: Buffer) => {
      bytes = appendToSample(bytes, chunk);
      // A greeting or an answer is what we came for; a little more of it may follow in the same burst.
      timers.push(setTimeout(() => done(answered()), 50));
    });
    socket.once('connect', () => {
      connectedAt = performance.now();
      timers.push(
        setTimeout(
          () => {
            if (bytes.length > 0) return done(answered());
            helloSent = true;
            socket.write(tlsClientHello());
            const left = budgetMs - (performance.now() - started);
            timers.push(setTimeout(() => done(answered()), Math.max(0, Math.min(ANSWER_MS, left))));
          },
          silenceMs(connectedAt - started),
        ),
      );
    });
  });
}
