/**
 * Reading the server's identification string (RFC 4253 §4.2), as a bounded state machine over chunks.
 *
 * The server may send other lines before `SSH-protoversion-softwareversion SP comments CR LF`; the ident
 * line itself is at most 255 bytes including CR LF. Like OpenSSH's kex_exchange_identification(), a NUL
 * byte or a CR not followed by LF makes the banner invalid. Everything a peer sends is untrusted: the reader
 * keeps at most one line (capped) plus a short sample, and gives up after a bounded number of lines.
 */

/** RFC 4253 §4.2: the ident line is at most 255 bytes including CR LF. */
const MAX_IDENT_BYTES = 255;

export interface IdentLimits {
  /**
   * Lines allowed before the ident. OpenSSH's client accepts 1024 (SSH_MAX_PRE_BANNER_LINES in ssh.h,
   * enforced in kex_exchange_identification()); the probe matches it so that it never calls "not SSH" a
   * server that `ssh` itself would talk to.
   */
  readonly maxPreambleLines: number;
  /** Longest pre-ident line, in bytes: OpenSSH's SSH_MAX_BANNER_LEN (the ident itself is capped at 255). */
  readonly maxLineBytes: number;
  /** Total bytes accepted before the ident line starts. */
  readonly maxPreambleBytes: number;
}

const DEFAULT_IDENT_LIMITS: IdentLimits = {
  maxPreambleLines: 1024,
  maxLineBytes: 8192,
  // Pre-ident lines are discarded as they end, so this bounds the time spent reading, not memory.
  maxPreambleBytes: 1024 * 8192,
};

/** A parsed identification line. */
export interface Ident {
  /** The whole line without CR LF. */
  readonly line: string;
  /** `2.0`, `1.99`, `1.5`, … */
  readonly protoVersion: string;
  /** The softwareversion part, e.g. `OpenSSH_9.6p1`. */
  readonly software: string;
  readonly comments?: string;
}

export type IdentParse = { ok: true; ident: Ident } | { ok: false; reason: string };

// protoversion and softwareversion are printable US-ASCII without spaces or '-' (for protoversion).
const IDENT_LINE = /^SSH-([0-9]+\.[0-9]+)-([\x21-\x7e]+)(?: ([\x20-\x7e]*))?$/;

/** Parses one ident line (without its line terminator). */
export function parseIdentLine(line: string): IdentParse {
  const m = IDENT_LINE.exec(line);
  if (m === null) return { ok: false, reason: `malformed identification ${quoteSample(line)}` };
  const [, protoVersion, software, comments] = m;
  return {
    ok: true,
    ident: { line, protoVersion: protoVersion!, software: software!, ...(comments ? { comments } : {}) },
  };
}

/**
 * `SSH-2.0-` speaks SSH 2; `SSH-1.99-` is a server that speaks both 1 and 2 (RFC 4253 §5.1), so a
 * version-2 client proceeds. Anything else (`SSH-1.5-`, `SSH-1.3-`) is a protocol this probe cannot use.
 */
export function speaksSsh2(ident: Ident): boolean {
  return ident.protoVersion === '2.0' || ident.protoVersion === '1.99';
}

export type IdentReadStep =
  | { kind: 'need-more' }
  /** `identLine` is the raw line including its terminator; `rest` the bytes that followed it in the same read. */
  | { kind: 'ident'; ident: Ident; identLine: Uint8Array; rest: Uint8Array; preambleLines: number }
  | { kind: 'not-ssh'; reason: string };

/** What the bytes read so far amount to when the peer stops talking (close, reset or deadline). */
export type IdentEndVerdict =
  | { kind: 'nothing' }
  /** Only a prefix of a plausible ident arrived (`SSH-2.0-Open…`), or only pre-ident text lines. */
  | { kind: 'partial'; detail: string }
  | { kind: 'not-ssh'; reason: string };

export interface IdentReader {
  feed(chunk: Uint8Array): IdentReadStep;
  /** Classifies what was seen when no ident came. */
  atEnd(): IdentEndVerdict;
  /** Total bytes fed. */
  readonly bytesSeen: number;
}

const SSH_PREFIX = 'SSH-';
const LF = 0x0a;
const CR = 0x0d;

export function createIdentReader(limits: IdentLimits = DEFAULT_IDENT_LIMITS): IdentReader {
  // Only the current line is kept, capped at maxLineBytes: memory is bounded whatever the peer sends.
  let line: number[] = [];
  let expectLf = false;
  let preambleLines = 0;
  let preambleBytes = 0;
  let firstLine: string | undefined;
  let bytesSeen = 0;
  let done: IdentReadStep | undefined;

  const notSsh = (reason: string): IdentReadStep => {
    done = { kind: 'not-ssh', reason };
    return done;
  };

  const currentLine = () => String.fromCharCode(...line);

  function feed(chunk: Uint8Array): IdentReadStep {
    if (done !== undefined) return done;
    bytesSeen += chunk.length;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === LF) {
        const text = currentLine();
        const terminatorBytes = expectLf ? 2 : 1;
        expectLf = false;
        line = [];
        if (text.startsWith(SSH_PREFIX)) {
          if (text.length + terminatorBytes > MAX_IDENT_BYTES) {
            return notSsh(`identification line longer than ${MAX_IDENT_BYTES} bytes`);
          }
          const parsed = parseIdentLine(text);
          if (!parsed.ok) return notSsh(parsed.reason);
          const identLine = new Uint8Array(text.length + terminatorBytes);
          for (let k = 0; k < text.length; k++) identLine[k] = text.charCodeAt(k);
          if (terminatorBytes === 2) identLine[text.length] = CR;
          identLine[identLine.length - 1] = LF;
          done = { kind: 'ident', ident: parsed.ident, identLine, rest: chunk.slice(i + 1), preambleLines };
          return done;
        }
        firstLine ??= text;
        preambleLines += 1;
        preambleBytes += text.length + terminatorBytes;
        if (preambleLines > limits.maxPreambleLines) {
          return notSsh(`more than ${limits.maxPreambleLines} lines before the identification`);
        }
        if (preambleBytes > limits.maxPreambleBytes) {
          return notSsh(`more than ${limits.maxPreambleBytes} bytes before the identification`);
        }
        continue;
      }
      if (expectLf) return notSsh('CR not followed by LF in the identification');
      if (c === CR) {
        expectLf = true;
        continue;
      }
      if (c === 0) return notSsh(`NUL byte in the identification ${quoteSample(currentLine())}`);
      if (bytesSeen - chunk.length + i === 0 && c < 0x20 && c !== 0x09) {
        // The very first byte is binary: no text line, so no identification. Which protocol it is (a TLS
        // record, a MySQL greeting) is service-identification.ts's to say, from the prober's sample.
        return notSsh(`binary data ${hexSample(chunk.subarray(i, i + 8))}`);
      }
      line.push(c);
      // The line grows one byte at a time: look at its start once, as it passes the ident's limit.
      if (line.length === MAX_IDENT_BYTES - 1 && String.fromCharCode(...line.slice(0, 4)) === SSH_PREFIX) {
        return notSsh(`identification line longer than ${MAX_IDENT_BYTES} bytes`);
      }
      if (line.length > limits.maxLineBytes) {
        return notSsh(`line longer than ${limits.maxLineBytes} bytes without a newline`);
      }
      if (preambleBytes + line.length > limits.maxPreambleBytes) {
        return notSsh(`more than ${limits.maxPreambleBytes} bytes before the identification`);
      }
    }
    return { kind: 'need-more' };
  }

  function atEnd(): IdentEndVerdict {
    if (done?.kind === 'not-ssh') return { kind: 'not-ssh', reason: done.reason };
    if (bytesSeen === 0) return { kind: 'nothing' };
    const partial = currentLine();
    if (preambleLines > 0 && isIdentPrefix(partial)) {
      // Text lines then silence or a close: OpenSSH 9 says "Exceeded MaxStartups" (or "Not allowed at this
      // time" for PerSourcePenalties) before closing, so these are an SSH server refusing, not another service.
      return {
        kind: 'partial',
        detail: `${preambleLines} line(s) before any identification, first ${quoteSample(firstLine ?? '')}`,
      };
    }
    if (isIdentPrefix(partial)) {
      return { kind: 'partial', detail: `partial identification ${quoteSample(partial)}` };
    }
    return { kind: 'not-ssh', reason: `no identification, got ${quoteSample(partial)}` };
  }

  return {
    feed,
    atEnd,
    get bytesSeen() {
      return bytesSeen;
    },
  };
}

/** `SSH-2.0-Op` could still become an ident; `HELLO` cannot. */
function isIdentPrefix(s: string): boolean {
  const n = Math.min(s.length, SSH_PREFIX.length);
  return s.slice(0, n) === SSH_PREFIX.slice(0, n) && /^[\x20-\x7e]*$/.test(s);
}

/** A short, printable rendering of peer bytes for a `detail` (peer text is never echoed raw). */
export function quoteSample(s: string, max = 48): string {
  const cut = s.length > max ? s.slice(0, max) : s;
  const escaped = cut.replace(
    /[^\x20-\x7e]/g,
    (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return `"${escaped}${s.length > max ? '…' : ''}"`;
}

function hexSample(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
