/**
 * The network prober: one probe walks connect → ident → key exchange → `none` authentication over a real
 * socket, each phase under its own deadline, and returns what the wire said (DESIGN.md, "Probe outcomes").
 *
 * The ident is read here, on the raw socket, with the bounded reader from lambda/core/probe (a hostile peer
 * can never make us buffer more than a few KiB); only a server that sent a valid SSH 2 ident gets our own
 * ident, and the socket is then handed to ssh2's Client with the bytes already read pushed back in front.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import ssh2, { type Client as Ssh2Client, type NegotiatedAlgorithms as Ssh2Negotiated } from 'ssh2';
import { keyTypeOfBlob, openSshSha256Fingerprint } from '../../core/probe/fingerprint.ts';
import { createIdentReader, type IdentReadStep, speaksSsh2 } from '../../core/probe/ident.ts';
import { classifyKexEnd, type KexEnd } from '../../core/probe/kex-failure.ts';
import { createKexinitReader } from '../../core/probe/kexinit.ts';
import {
  outcomeForDeadline,
  outcomeForSocketError,
  type ProbePhase,
} from '../../core/probe/socket-errors.ts';
import {
  DEFAULT_TIMEOUTS,
  type OfferedAlgorithms,
  type ProbeOutcome,
  type ProbePhases,
  type ProbeResult,
  type ProbeTarget,
  type ProbeTimeouts,
} from '../../core/probe/types.ts';
import type { Prober } from '../../ports.ts';
import { hybridKexMethods } from './ssh2-hybrid-kex.ts';

// ssh2 is CommonJS without named-export hints: take the class off the default export.
const { Client } = ssh2;

/** The user name sent with the `none` request; sshd logs it as "invalid user port22-probe". */
const PROBE_USER = 'port22-probe';
/**
 * A key exchange moves a few KiB. A server that keeps sending (SSH_MSG_IGNORE floods are valid packets)
 * past this is cut off instead of being parsed until the deadline.
 */
const MAX_KEX_BYTES = 256 * 1024;
/** How long a clean disconnect may take before the socket is destroyed anyway. */
const DISCONNECT_GRACE_MS = 1000;
/** Part of the 100 ms the contract allows past totalMs that may go to waiting for the socket to close. */
const CLOSE_WAIT_SLACK_MS = 50;

/**
 * ssh2 offers a modern subset by default; a health checker must also reach old servers, so it offers
 * every algorithm ssh2 implements (defaults first, then the legacy ones appended). The post-quantum hybrids
 * (ssh2-hybrid-kex.ts) come right after ssh2's defaults: a server that also speaks curve25519 or ECDH gets
 * that, which costs the prober nothing, and a post-quantum-only server still finds its method.
 */
const OFFER_EVERYTHING = {
  kex: { append: [...hybridKexMethods(), /./] },
  serverHostKey: { append: /./ },
  cipher: { append: /./ },
  hmac: { append: /./ },
  compress: { append: /./ },
} as never;

/** Probes one target. Never throws and never rejects: every failure is an outcome. */
export async function probe(target: ProbeTarget, timeouts?: Partial<ProbeTimeouts>): Promise<ProbeResult> {
  const limits = { ...DEFAULT_TIMEOUTS, ...definedOnly(timeouts) };
  try {
    return await new ProbeRun(target, limits).run();
  } catch (e) {
    return {
      target,
      outcome: 'unreachable',
      phases: { totalMs: 0 },
      detail: `probe error: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}

export const netProber: Prober = { probe };

type PhaseKey = 'connectMs' | 'identMs' | 'kexMs' | 'authMs';
const PHASE_KEY: Record<ProbePhase, PhaseKey> = {
  connect: 'connectMs',
  ident: 'identMs',
  kex: 'kexMs',
  auth: 'authMs',
};

class ProbeRun {
  private readonly started = performance.now();
  private phase: ProbePhase = 'connect';
  private phaseStarted = this.started;
  private timer: NodeJS.Timeout | undefined;
  private settled = false;
  private resolve!: (r: ProbeResult) => void;
  private socket: Socket | undefined;
  private client: Ssh2Client | undefined;
  private readonly reader = createIdentReader();
  private readonly phases: Partial<ProbePhases> = {};
  private readonly found: Omit<ProbeResult, 'target' | 'outcome' | 'phases' | 'detail'> = {};
  private hostKeyBlob: Buffer | undefined;
  private offered: OfferedAlgorithms | undefined;

  constructor(
    private readonly target: ProbeTarget,
    private readonly limits: ProbeTimeouts,
  ) {}

  run(): Promise<ProbeResult> {
    return new Promise<ProbeResult>((resolve) => {
      this.resolve = resolve;
      const { host, port } = this.target;
      if (!Number.isInteger(port) || port < 1 || port > 65535 || host === '') {
        this.finish('unreachable', `invalid target ${host}:${port}`);
        return;
      }
      this.startPhase('connect', this.limits.connectMs);
      const socket = connect({ host, port, noDelay: true });
      this.socket = socket;
      // Listeners stay for the socket's whole life: a late error after the result is out must not crash.
      socket.on('error', (err) => this.onSocketError(err));
      socket.on('end', () => this.onPeerClosed());
      socket.on('close', () => this.onPeerClosed());
      socket.once('connect', () => this.onConnected());
    });
  }

  // ── phases ────────────────────────────────────────────────────────────────────────────────────────

  private onConnected(): void {
    if (this.settled) return;
    this.endPhase();
    this.startPhase('ident', this.limits.identMs);
    this.socket!.on('data', this.onIdentData);
  }

  private readonly onIdentData = (chunk: Buffer): void => {
    if (this.settled || this.phase !== 'ident') return;
    const step = this.reader.feed(chunk);
    if (step.kind === 'need-more') return;
    if (step.kind === 'not-ssh') {
      this.finish('not-ssh', step.reason);
      return;
    }
    this.endPhase();
    this.found.ident = step.ident.line;
    this.found.software = step.ident.software;
    if (!speaksSsh2(step.ident)) {
      this.finish('protocol-unsupported', `server speaks SSH protocol ${step.ident.protoVersion} only`);
      return;
    }
    this.startKeyExchange(step);
  };

  private startKeyExchange(step: Extract<IdentReadStep, { kind: 'ident' }>): void {
    const socket = this.socket!;
    socket.removeListener('data', this.onIdentData);
    socket.pause();
    // ssh2 reads the server ident itself: give it back the bytes we consumed, ident line first.
    socket.unshift(Buffer.concat([step.identLine, step.rest]));
    let skip = step.identLine.length;
    let kexBytes = 0;
    const kexinit = createKexinitReader();
    let kexinitDone = false;
    socket.on('data', (chunk: Buffer) => {
      if (this.settled) return;
      const after = skip > 0 ? chunk.subarray(Math.min(skip, chunk.length)) : chunk;
      skip = Math.max(0, skip - chunk.length);
      kexBytes += after.length;
      if (!kexinitDone && after.length > 0) {
        const r = kexinit.feed(after);
        if (r.kind !== 'need-more') kexinitDone = true;
        if (r.kind === 'kexinit') this.offered = r.offer;
      }
      if (this.phase === 'kex' && kexBytes > MAX_KEX_BYTES) {
        this.finish('kex-failed', `server sent more than ${MAX_KEX_BYTES / 1024} KiB during key exchange`);
      }
    });

    this.startPhase('kex', this.limits.kexMs);
    const client = new Client();
    this.client = client;
    client.on('error', (err: Error & { code?: string | number }) => this.onClientError(err));
    client.on('close', () => this.onPeerClosed());
    client.on('handshake', (negotiated: Ssh2Negotiated) => this.onHandshake(negotiated));
    client.on('ready', () => {
      // USERAUTH_SUCCESS for `none`: the server lets anyone in without credentials.
      this.found.authMethods = ['none'];
      this.finish('ok', 'server accepted the none method: no authentication required');
    });
    client.connect({
      sock: socket,
      username: PROBE_USER,
      readyTimeout: 0, // our own phase deadlines apply
      keepaliveInterval: 0,
      algorithms: OFFER_EVERYTHING,
      hostVerifier: (keyBlob: Buffer) => {
        this.hostKeyBlob = Buffer.from(keyBlob);
        return true;
      },
      authHandler: (methodsLeft, _partial, next) => {
        // First call: nothing tried yet. RFC 4252 §5.2: the answer to `none` lists the methods that can continue.
        if (methodsLeft === null || methodsLeft === undefined) {
          next('none');
          return;
        }
        this.found.authMethods = [...methodsLeft];
        this.finish('ok');
      },
    });
  }

  private onHandshake(negotiated: Ssh2Negotiated): void {
    if (this.settled || this.phase !== 'kex') return;
    this.endPhase();
    this.found.kex = { kex: negotiated.kex, hostKey: negotiated.serverHostKey, cipher: negotiated.cs.cipher };
    if (this.hostKeyBlob !== undefined) {
      this.found.hostKey = {
        algorithm: negotiated.serverHostKey ?? keyTypeOfBlob(this.hostKeyBlob) ?? 'unknown',
        sha256: openSshSha256Fingerprint(this.hostKeyBlob),
      };
    }
    this.startPhase('auth', this.limits.authMs);
  }

  // ── failures ──────────────────────────────────────────────────────────────────────────────────────

  private onSocketError(err: Error & { code?: string; errors?: { code?: string }[] }): void {
    if (this.settled) return;
    // With autoSelectFamily, a name with several addresses fails as an AggregateError of per-address errors.
    const code = err.code ?? err.errors?.[0]?.code;
    const detail = `${code ?? 'error'}: ${err.message}`;
    switch (this.phase) {
      case 'connect':
        this.finish(outcomeForSocketError('connect', code), detail);
        return;
      case 'ident': {
        const end = this.reader.atEnd();
        if (end.kind === 'not-ssh') this.finish('not-ssh', `${end.reason}, then ${code ?? 'error'}`);
        else {
          const outcome = outcomeForSocketError('ident', code);
          this.finish(outcome, end.kind === 'partial' ? `${detail} after ${end.detail}` : detail);
        }
        return;
      }
      case 'kex':
        this.finishKex({ kind: 'reset', code });
        return;
      case 'auth':
        this.finish('ok', `authentication methods not learned: ${detail}`);
        return;
    }
  }

  private onPeerClosed(): void {
    if (this.settled) return;
    switch (this.phase) {
      case 'connect':
        this.finish('refused', 'connection closed while connecting');
        return;
      case 'ident': {
        const end = this.reader.atEnd();
        if (end.kind === 'not-ssh') this.finish('not-ssh', `${end.reason}, then closed`);
        else if (end.kind === 'partial') this.finish('closed-before-ident', `closed after ${end.detail}`);
        else this.finish('closed-before-ident', 'connection closed by the server before any identification');
        return;
      }
      case 'kex':
        this.finishKex({ kind: 'closed' });
        return;
      case 'auth':
        this.finish('ok', 'authentication methods not learned: connection closed after key exchange');
        return;
    }
  }

  private onClientError(err: Error & { code?: string | number }): void {
    if (this.settled) return;
    if (this.phase === 'auth') {
      this.finish('ok', `authentication methods not learned: ${err.message}`);
      return;
    }
    const end: KexEnd = { kind: 'error', message: err.message };
    if (err.code !== undefined) end.code = err.code;
    this.finishKex(end);
  }

  private finishKex(end: KexEnd): void {
    const verdict = classifyKexEnd(end, this.offered);
    this.finish(verdict.outcome, verdict.detail);
  }

  private onDeadline(): void {
    if (this.settled) return;
    const outcome = outcomeForDeadline(this.phase);
    const waited = Math.round(performance.now() - this.phaseStarted);
    switch (this.phase) {
      case 'connect':
        this.finish(outcome, `no answer to the connection attempt within ${waited} ms`);
        return;
      case 'ident': {
        const end = this.reader.atEnd();
        if (end.kind === 'not-ssh') this.finish('not-ssh', end.reason);
        else {
          const partial = end.kind === 'partial' ? ` (got ${end.detail})` : '';
          this.finish(outcome, `no identification within ${waited} ms${partial}`);
        }
        return;
      }
      case 'kex':
        this.finish(outcome, `key exchange not finished within ${waited} ms`);
        return;
      case 'auth':
        this.finish(outcome, `authentication methods not learned within ${waited} ms`);
        return;
    }
  }

  // ── bookkeeping ───────────────────────────────────────────────────────────────────────────────────

  /** Arms one timer for the phase: its own deadline, cut short by what is left of the total. */
  private startPhase(phase: ProbePhase, phaseMs: number): void {
    this.phase = phase;
    const now = performance.now();
    this.phaseStarted = now;
    const leftOfTotal = this.started + this.limits.totalMs - now;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onDeadline(), Math.max(0, Math.min(phaseMs, leftOfTotal)));
  }

  private endPhase(): void {
    this.phases[PHASE_KEY[this.phase]] = round(performance.now() - this.phaseStarted);
  }

  private finish(outcome: ProbeOutcome, detail?: string): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    const key = PHASE_KEY[this.phase];
    if (this.phases[key] === undefined && this.socket !== undefined) this.endPhase();
    const result: ProbeResult = {
      target: this.target,
      outcome,
      phases: { ...this.phases, totalMs: round(performance.now() - this.started) },
      ...this.found,
      ...(this.offered ? { serverAlgorithms: this.offered } : {}),
      ...(detail !== undefined ? { detail } : {}),
    };
    this.teardown(outcome === 'ok' && this.client !== undefined);
    // Resolve once the socket is gone, so a caller that serialises probes per host (fanout) never has two
    // of our connections open on one sshd, even for a moment (MaxStartups counts until the close). A
    // server that never closes cannot push us past the total deadline: the wait is capped by what is left.
    const socket = this.socket;
    if (socket === undefined || socket.closed) {
      this.resolve(result);
      return;
    }
    const left = this.started + this.limits.totalMs + CLOSE_WAIT_SLACK_MS - performance.now();
    const cap = setTimeout(() => this.resolve(result), Math.max(0, Math.min(DISCONNECT_GRACE_MS, left)));
    socket.once('close', () => {
      clearTimeout(cap);
      this.resolve(result);
    });
  }

  /**
   * A session that reached key exchange ends with SSH_MSG_DISCONNECT then FIN (ssh2's end()), so sshd logs
   * a clean "Disconnected" rather than a reset; everything else is destroyed at once.
   */
  private teardown(clean: boolean): void {
    const socket = this.socket;
    if (socket === undefined) return;
    if (!clean) {
      socket.destroy();
      return;
    }
    this.client!.end();
    const grace = setTimeout(() => socket.destroy(), DISCONNECT_GRACE_MS);
    grace.unref();
    socket.once('close', () => clearTimeout(grace));
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function definedOnly(t: Partial<ProbeTimeouts> | undefined): Partial<ProbeTimeouts> {
  const out: Partial<ProbeTimeouts> = {};
  for (const [k, v] of Object.entries(t ?? {})) {
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[k as keyof ProbeTimeouts] = v;
  }
  return out;
}
