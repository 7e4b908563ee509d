/**
 * The network prober: one probe walks connect → ident → key exchange → `none` authentication over a real
 * socket, each phase under its own deadline, and returns what the wire said (DESIGN.md, "Probe outcomes").
 *
 * Our identification goes out at once on connect, as RFC 4253 §4.2 requires and OpenSSH's client does, so a
 * service that waits for the client (HTTP, TLS) answers and is named (core/probe/service-identification.ts).
 * The server's lines are read here, on the raw socket, with the bounded reader from lambda/core/probe (a
 * hostile peer can never make us buffer more than a few KiB). A server that sent a valid SSH 2 ident is
 * handed to ssh2's Client with the bytes already read pushed back in front; ssh2 is configured with the
 * same ident, so its exchange hash covers exactly the line we sent, and its own write of that line is
 * swallowed (handOverIdentWrite): one identification on the wire, never two.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import ssh2, { type Client as Ssh2Client, type NegotiatedAlgorithms as Ssh2Negotiated } from 'ssh2';
import { keyTypeOfBlob, openSshSha256Fingerprint } from '../../core/probe/fingerprint.ts';
import { keygenName } from '../../core/probe/host-key-type.ts';
import { createIdentReader, type IdentReadStep, speaksSsh2 } from '../../core/probe/ident.ts';
import { classifyKexEnd, type KexEnd } from '../../core/probe/kex-failure.ts';
import { createKexinitReader } from '../../core/probe/kexinit.ts';
import { couldBeAnswerToOurIdent, judgeSecondLook } from '../../core/probe/second-look.ts';
import {
  appendToSample,
  firstLine,
  identifyService,
  type ServiceIdentification,
  sshdRefusal,
} from '../../core/probe/service-identification.ts';
import {
  outcomeForDeadline,
  outcomeForSocketError,
  type ProbePhase,
} from '../../core/probe/socket-errors.ts';
import {
  BANNER_MAX_BYTES,
  DEFAULT_TIMEOUTS,
  type OfferedAlgorithms,
  type ProbeOutcome,
  type ProbePhases,
  type ProbeResult,
  type ProbeTarget,
  type ProbeTimeouts,
} from '../../core/probe/types.ts';
import type { Prober } from '../../ports.ts';
import { secondLook } from './second-look.ts';
import { hybridKexMethods } from './ssh2-hybrid-kex.ts';

// ssh2 is CommonJS without named-export hints: take the class off the default export.
const { Client } = ssh2;

/** The user name sent with the `none` request; sshd logs it as "invalid user port22-probe". */
const PROBE_USER = 'port22-probe';
/**
 * The softwareversion of our identification (RFC 4253 §4.2: printable, no spaces, no '-'). ssh2 gets it as
 * its `ident` option, so the line it hashes into the key exchange is the line we sent.
 */
const PROBE_SOFTWARE = 'port22';
const PROBE_IDENT = Buffer.from(`SSH-2.0-${PROBE_SOFTWARE}\r\n`, 'latin1');
/** The most a second look at a server that closed on our identification may take (docs/probe.md). */
const SECOND_LOOK_MAX_MS = 2000;
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
  /** The server's first bytes (bounded), to name a service that is not SSH. */
  private sample = new Uint8Array(0);
  /** A second look is under way: the first connection's late events must not decide. */
  private lookingAgain = false;

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
    this.socket!.write(PROBE_IDENT);
  }

  private readonly onIdentData = (chunk: Buffer): void => {
    if (this.settled || this.lookingAgain || this.phase !== 'ident') return;
    const before = this.sample;
    this.sample = appendToSample(this.sample, chunk);
    const step = this.reader.feed(chunk);
    if (step.kind === 'need-more') {
      // A first line in another protocol's words (an FTP or SMTP greeting, an HTML page) will not turn into
      // an SSH identification: say so now rather than at the deadline. Only a sample that grew can say more
      // than it did on the last chunk (a server may send up to the reader's limit of pre-ident lines).
      const grew = this.sample !== before;
      const service = grew && this.sample.includes(0x0a) ? identifyService(this.sample) : undefined;
      if (service) this.finishNotSsh(service);
      return;
    }
    if (step.kind === 'not-ssh') {
      this.finishNotSsh(identifyService(this.sample), step.reason);
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
    handOverIdentWrite(socket);
    const client = new Client();
    this.client = client;
    client.on('banner', (message: string) => this.keepBanner(message));
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
      ident: PROBE_SOFTWARE,
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
      const named = keygenName(this.hostKeyBlob);
      this.found.hostKey = {
        algorithm: negotiated.serverHostKey ?? keyTypeOfBlob(this.hostKeyBlob) ?? 'unknown',
        ...(named ?? {}),
        sha256: openSshSha256Fingerprint(this.hostKeyBlob),
      };
    }
    this.startPhase('auth', this.limits.authMs);
  }

  // ── failures ──────────────────────────────────────────────────────────────────────────────────────

  private onSocketError(err: Error & { code?: string; errors?: { code?: string }[] }): void {
    if (this.settled || this.lookingAgain) return;
    // With autoSelectFamily, a name with several addresses fails as an AggregateError of per-address errors.
    const code = err.code ?? err.errors?.[0]?.code;
    const detail = `${code ?? 'error'}: ${err.message}`;
    switch (this.phase) {
      case 'connect':
        this.finish(outcomeForSocketError('connect', code), detail);
        return;
      case 'ident': {
        const outcome = outcomeForSocketError('ident', code);
        if (outcome !== 'reset-before-ident') this.finish(outcome, detail);
        else this.identEnded('reset', code ?? 'error', detail);
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
    if (this.settled || this.lookingAgain) return;
    switch (this.phase) {
      case 'connect':
        this.finish('refused', 'connection closed while connecting');
        return;
      case 'ident':
        this.identEnded('closed', 'closed', 'connection closed by the server before any identification');
        return;
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
    if (this.settled || this.lookingAgain) return;
    const outcome = outcomeForDeadline(this.phase);
    const waited = Math.round(performance.now() - this.phaseStarted);
    switch (this.phase) {
      case 'connect':
        this.finish(outcome, `no answer to the connection attempt within ${waited} ms`);
        return;
      case 'ident': {
        const end = this.reader.atEnd();
        if (end.kind === 'not-ssh') this.finishNotSsh(identifyService(this.sample), end.reason);
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

  /**
   * The server closed (`FIN`) or reset the connection before any identification: another service (its bytes
   * name it), sshd refusing (its refusal line, or text lines and a close), or — with not a byte read — a
   * question for lookAgain. `how` says it in a detail (`closed`, `ECONNRESET`); `detail` is the OS's words.
   */
  private identEnded(end: 'closed' | 'reset', how: string, detail: string): void {
    const seen = this.reader.atEnd();
    const service = identifyService(this.sample);
    const outcome = end === 'reset' ? 'reset-before-ident' : 'closed-before-ident';
    if (seen.kind === 'not-ssh' || service) {
      this.finishNotSsh(
        service,
        `${seen.kind === 'not-ssh' ? seen.reason : 'no identification'}, then ${how}`,
      );
    } else if (seen.kind === 'partial') {
      const refusal = sshdRefusal(firstLine(this.sample));
      if (refusal) this.found.refusal = refusal;
      this.finish(
        outcome,
        end === 'reset' ? `${detail} after ${seen.detail}` : `closed after ${seen.detail}`,
      );
    } else this.lookAgain(end, detail);
  }

  /**
   * The server closed (or reset) after our identification without a byte: sshd refusing, or a service that
   * closed on our bytes. Too late to be an answer to our bytes, it is a refusal; otherwise a second look on a
   * fresh connection decides (core/probe/second-look.ts), within what is left of the total deadline; with no
   * time left the close stands as a refusal.
   */
  private lookAgain(first: 'closed' | 'reset', detail: string): void {
    this.endPhase();
    this.socket?.destroy();
    const left = this.started + this.limits.totalMs - performance.now();
    const budget = Math.min(SECOND_LOOK_MAX_MS, left);
    const fallback = first === 'reset' ? 'reset-before-ident' : 'closed-before-ident';
    const afterMs = this.phases.identMs ?? 0;
    if (!couldBeAnswerToOurIdent(afterMs, this.phases.connectMs ?? 0)) {
      this.finish(
        fallback,
        `${detail}, ${Math.round(afterMs)} ms after our identification: too late to be an answer to it (sshd refusing after a delay, e.g. TCP wrappers waiting on a reverse DNS lookup)`,
      );
      return;
    }
    if (budget < 250) {
      this.finish(fallback, detail);
      return;
    }
    this.lookingAgain = true;
    clearTimeout(this.timer);
    void secondLook(this.target, budget).then((look) => {
      this.lookingAgain = false;
      const verdict = judgeSecondLook(first, look);
      if (verdict.refusal) this.found.refusal = verdict.refusal;
      if (verdict.service) this.found.service = { ...verdict.service };
      const os = first === 'reset' ? ` (${detail})` : '';
      this.finish(
        verdict.outcome === 'closed-before-ident' ? fallback : verdict.outcome,
        `${verdict.detail}${os}`,
      );
    });
  }

  private finishNotSsh(service: ServiceIdentification | undefined, reason?: string): void {
    if (service) this.found.service = { ...service };
    this.finish(
      'not-ssh',
      service ? `${service.name}: ${service.detail}` : (reason ?? 'no SSH identification'),
    );
  }

  /** RFC 4252 §5.4: the banner may come more than once; keep the first BANNER_MAX_BYTES of them all. */
  private keepBanner(message: string): void {
    const kept = Buffer.from(`${this.found.banner ?? ''}${message}`, 'utf8');
    if (kept.length <= BANNER_MAX_BYTES) this.found.banner = kept.toString('utf8');
    // Cut on a character boundary: a UTF-8 continuation byte (10xxxxxx) never starts a character.
    else {
      let end = BANNER_MAX_BYTES;
      while (end > 0 && (kept[end]! & 0xc0) === 0x80) end--;
      this.found.banner = kept.subarray(0, end).toString('utf8');
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

/**
 * ssh2's Protocol writes its identification (`SSH-2.0-<ident>\r\n`) as its first write once started
 * (lib/protocol/Protocol.js, start()); we sent that very line on connect, so that one write is dropped. Any
 * other first write passes through, and the socket's own write is back in place after it either way. A
 * change in ssh2's behaviour shows as two idents on the wire, which the prober tests count.
 */
function handOverIdentWrite(socket: Socket): void {
  const write = socket.write;
  socket.write = ((data: unknown, ...rest: unknown[]) => {
    socket.write = write;
    if (Buffer.isBuffer(data) && data.equals(PROBE_IDENT)) return true;
    return (write as (...a: unknown[]) => boolean).call(socket, data, ...rest);
  }) as typeof socket.write;
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
