/**
 * Saying what a non-SSH service is, from the first bytes it sent, and telling a refusing sshd from a service
 * that closed on our identification (docs/probe.md, "Services that are not SSH").
 *
 * The signatures follow nmap's service probes (nmap-service-probes: the NULL probe's greetings, the
 * GetRequest / SSLSessionReq answers): a protocol is named only from bytes that protocol alone sends first.
 * Everything here reads at most the sample the prober kept (SERVICE_SAMPLE_BYTES); peer text is quoted,
 * never echoed raw.
 */
import { quoteSample } from './ident.ts';

/** How many of the server's first bytes the prober keeps for naming the service. */
export const SERVICE_SAMPLE_BYTES = 2048;

/** `sample` with as much of `chunk` appended as fits in SERVICE_SAMPLE_BYTES (`sample` itself once full). */
export function appendToSample<T extends Uint8Array>(
  sample: T,
  chunk: Uint8Array,
): T | Uint8Array<ArrayBuffer> {
  if (sample.length >= SERVICE_SAMPLE_BYTES) return sample;
  const next = new Uint8Array(Math.min(SERVICE_SAMPLE_BYTES, sample.length + chunk.length));
  next.set(sample);
  next.set(chunk.subarray(0, next.length - sample.length), sample.length);
  return next;
}

/** A non-SSH service named from its bytes: `name` is the protocol, `detail` what it said. */
export interface ServiceIdentification {
  readonly name: string;
  readonly detail: string;
}

/** RFC 8446 §6 (and RFC 5246 §7.2): the alert descriptions a server sends to a client it cannot talk to. */
const TLS_ALERTS: Readonly<Record<number, string>> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  22: 'record_overflow',
  40: 'handshake_failure',
  42: 'bad_certificate',
  47: 'illegal_parameter',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  109: 'missing_extension',
  112: 'unrecognized_name',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

/** RFC 8446 §4: handshake message types a server sends first. */
const TLS_HANDSHAKE: Readonly<Record<number, string>> = {
  2: 'ServerHello',
  11: 'Certificate',
  12: 'ServerKeyExchange',
  14: 'ServerHelloDone',
};

const TLS_CONTENT_ALERT = 0x15;
const TLS_CONTENT_HANDSHAKE = 0x16;

/** A TLS record header (RFC 8446 §5.1): content type 20-23, legacy version 3.x. */
function tlsRecord(b: Uint8Array): ServiceIdentification | undefined {
  if (b.length < 3 || b[0]! < 0x14 || b[0]! > 0x17 || b[1] !== 0x03 || b[2]! > 0x04) return undefined;
  const version = `record version 3.${b[2]}`;
  if (b[0] === TLS_CONTENT_ALERT) {
    if (b.length < 7) return { name: 'TLS', detail: `alert record (${version})` };
    const level = b[5] === 2 ? 'fatal' : b[5] === 1 ? 'warning' : `level ${b[5]}`;
    const description = TLS_ALERTS[b[6]!] ?? `description ${b[6]}`;
    return { name: 'TLS', detail: `${level} alert ${description} (${version})` };
  }
  if (b[0] === TLS_CONTENT_HANDSHAKE) {
    const type = b.length > 5 ? (TLS_HANDSHAKE[b[5]!] ?? `handshake message ${b[5]}`) : 'handshake record';
    return { name: 'TLS', detail: `${type} (${version})` };
  }
  return { name: 'TLS', detail: `record type ${b[0]} (${version})` };
}

/** The first line of the sample as latin1 text (without its terminator), at most 256 bytes read. */
export function firstLine(b: Uint8Array): string {
  let end = 0;
  while (end < b.length && end < 256 && b[end] !== 0x0a) end++;
  return String.fromCharCode(...b.subarray(0, end)).replace(/\r$/, '');
}

/** The value of one header in an HTTP reply's head, if present within the sample. */
function httpHeader(text: string, name: string): string | undefined {
  const m = new RegExp(`\\r?\\n${name}:[ \\t]*([^\\r\\n]*)`, 'i').exec(text);
  return m?.[1];
}

/** Greetings a server sends first (nmap's NULL probe), or the error its protocol answers garbage with. */
const TEXT_PROTOCOLS: readonly { name: string; line: RegExp }[] = [
  { name: 'SMTP', line: /^220[ -].*\bE?SMTP\b/i },
  { name: 'FTP', line: /^220[ -].*ftp/i },
  { name: 'FTP', line: /^500 OOPS: / }, // vsftpd's fatal-configuration greeting
  { name: 'FTP or SMTP', line: /^220[ -]/ },
  { name: 'POP3', line: /^\+OK\b/ },
  { name: 'IMAP', line: /^\* (OK|PREAUTH|BYE)\b/i },
  { name: 'Redis', line: /^-(ERR|NOAUTH|DENIED|WRONGPASS)\b/ },
  { name: 'memcached', line: /^(ERROR|CLIENT_ERROR .*)$/ },
  { name: 'VNC', line: /^RFB \d{3}\.\d{3}$/ },
  { name: 'NNTP', line: /^20[01] .*\b(NNTP|news)/i },
];

/**
 * Names the service that sent `sample` (its first bytes), or `undefined` when they match no known protocol.
 * An SSH identification is not a service here: callers only ask once the bytes were found not to be SSH.
 */
export function identifyService(sample: Uint8Array): ServiceIdentification | undefined {
  if (sample.length === 0) return undefined;
  const tls = tlsRecord(sample);
  if (tls) return tls;
  // MySQL / MariaDB greet first (nmap: `^.\0\0\0\x0a(\d[\w.-]+)\0`): a 3-byte length, sequence 0, protocol 10.
  if (sample.length > 5 && sample[3] === 0 && sample[4] === 0x0a) {
    const end = sample.indexOf(0, 5);
    const version = String.fromCharCode(...sample.subarray(5, end > 5 ? Math.min(end, 69) : 5));
    if (/^\d[\w.~+-]*$/.test(version)) return { name: 'MySQL', detail: `server version ${version}` };
  }
  // …or refuse a host with an error packet (0xff, then error code 1130 "Host … is not allowed").
  if (sample.length > 7 && sample[3] === 0 && sample[4] === 0xff) {
    return { name: 'MySQL', detail: `error packet ${quoteSample(firstLine(sample.subarray(7)))}` };
  }
  // PostgreSQL answers a malformed startup packet with an ErrorResponse ('E', int32 length, fields).
  if (sample[0] === 0x45 && sample.length > 5 && sample[1] === 0 && sample[2] === 0) {
    return { name: 'PostgreSQL', detail: 'ErrorResponse to a non-PostgreSQL start-up' };
  }
  const text = String.fromCharCode(...sample);
  const line = firstLine(sample);
  const status = /^HTTP\/\d(?:\.\d)? \d{3}(?: [\x20-\x7e]*)?$/.exec(line);
  if (status) {
    const server = httpHeader(text, 'Server');
    return {
      name: 'HTTP',
      detail: `${quoteSample(line)}${server ? `, Server: ${quoteSample(server)}` : ''}`,
    };
  }
  // An HTTP server that read our identification as an HTTP/0.9 request line answers with a bare HTML body,
  // no status line (Python's http.server does: "Bad request syntax ('SSH-2.0-…')").
  if (/^\s*<(!DOCTYPE HTML|html)\b/i.test(text)) {
    const title = /<title>([^<]{0,80})<\/title>/i.exec(text)?.[1];
    const code = /Error code:\s*(\d{3})/.exec(text)?.[1];
    const what = [title ? `title ${quoteSample(title)}` : '', code ? `error code ${code}` : '']
      .filter(Boolean)
      .join(', ');
    return {
      name: 'HTTP',
      detail: `HTML document without a status line (HTTP/0.9 reply)${what ? `: ${what}` : ''}`,
    };
  }
  for (const p of TEXT_PROTOCOLS) {
    if (p.line.test(line)) return { name: p.name, detail: `greeting ${quoteSample(line)}` };
  }
  // Telnet opens with option negotiation: IAC (255) then WILL/WONT/DO/DONT (251-254).
  if (sample[0] === 0xff && sample.length > 1 && sample[1]! >= 0xfb) {
    return { name: 'Telnet', detail: 'option negotiation (IAC)' };
  }
  return undefined;
}

/**
 * What sshd writes to a connection it drops before its identification (sshd.c, drop_connection()):
 * OpenSSH 8.2-9.7 `Exceeded MaxStartups`; 9.8 and later `Not allowed at this time` for both MaxStartups and
 * PerSourcePenalties; before 8.2 nothing at all (a bare close).
 */
export type SshdRefusal = 'exceeded-maxstartups' | 'not-allowed-at-this-time';

const REFUSAL_LINES: Readonly<Record<string, SshdRefusal>> = {
  'Exceeded MaxStartups': 'exceeded-maxstartups',
  'Not allowed at this time': 'not-allowed-at-this-time',
};

/** The refusal sshd wrote, if `line` (one pre-identification line, without CR LF) is one. */
export function sshdRefusal(line: string): SshdRefusal | undefined {
  return REFUSAL_LINES[line];
}

/** The text sshd writes for a refusal, for details and evidence. */
export function sshdRefusalText(refusal: SshdRefusal): string {
  return Object.keys(REFUSAL_LINES).find((text) => REFUSAL_LINES[text] === refusal)!;
}
