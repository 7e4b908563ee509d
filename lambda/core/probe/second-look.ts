/**
 * "Connection closed by port 22": the peer closed right after our identification and sent nothing. sshd
 * refusing before its identification (MaxStartups before OpenSSH 8.2, hosts.deny, a filter in front) and a
 * service that waits for the client and closes on bytes it cannot parse (a TLS server) look the same on
 * that connection. A second, bounded look on a fresh connection tells them apart (docs/probe.md):
 *
 * 1. Connect and send nothing for a short while. sshd speaks first (it always sends its identification at
 *    once, RFC 4253 §4.2) and a refusal at accept closes at once, whatever the client sent. A service that
 *    waits for the client stays silent.
 * 2. Still silent: send a TLS ClientHello, the most common protocol among services that wait for the client,
 *    and name what answers.
 *
 * A close that comes later than a reaction to our bytes would is a refusal without a second look
 * (couldBeAnswerToOurIdent). This file is the pure half: the ClientHello bytes, the silence to wait, the
 * verdict. The adapter runs
 * the connection (lambda/adapters/net/second-look.ts).
 */
import { parseIdentLine, quoteSample } from './ident.ts';
import {
  firstLine,
  identifyService,
  type ServiceIdentification,
  type SshdRefusal,
  sshdRefusal,
  sshdRefusalText,
} from './service-identification.ts';
import type { ProbeOutcome } from './types.ts';

/** What happened on the second connection. `bytes` is the (bounded) sample the server sent, if any. */
export type SecondLook =
  /** The server closed or reset it during the silence, before we sent a byte. */
  | { kind: 'closed-unprompted'; bytes: Uint8Array; afterMs: number }
  /** The server sent bytes during the silence (a greeting, or an SSH identification). */
  | { kind: 'spoke-first'; bytes: Uint8Array }
  /** Silent until we sent the ClientHello; `bytes` is what came back (empty: it closed without a word). */
  | { kind: 'answered-client-hello'; bytes: Uint8Array }
  /** Silent throughout, even after the ClientHello, until the budget ran out. */
  | { kind: 'silent' }
  /** The second connection could not be made (refused, reset during connect, timed out). */
  | { kind: 'failed'; reason: string };

export interface SecondLookVerdict {
  outcome: Extract<ProbeOutcome, 'closed-before-ident' | 'not-ssh'>;
  detail: string;
  service?: ServiceIdentification;
  refusal?: SshdRefusal;
}

/**
 * How long the second connection stays silent before sending the ClientHello: three round trips (its connect
 * time), so a refusal at accept has time to arrive, never less than 200 ms, never more than 1 s.
 */
export function silenceMs(connectMs: number): number {
  return Math.min(1000, Math.max(200, Math.ceil(3 * connectMs)));
}

/**
 * Whether a close `afterMs` after our identification went out can be the server's reaction to it: within the
 * same window (silenceMs). A later close was decided by something else — sshd refusing after a delay, as
 * TCP wrappers do when their reverse DNS lookup is slow — so it needs no second look: it is a refusal.
 */
export function couldBeAnswerToOurIdent(afterMs: number, connectMs: number): boolean {
  return afterMs <= silenceMs(connectMs);
}

/** Decides between "sshd refusing" and "not SSH" from the second look (`first` says how the first one ended). */
export function judgeSecondLook(first: 'closed' | 'reset', look: SecondLook): SecondLookVerdict {
  const firstEnd = `${first === 'reset' ? 'reset' : 'closed'} before any identification, right after ours, without a byte`;
  const refusing = (why: string, refusal?: SshdRefusal): SecondLookVerdict => ({
    outcome: 'closed-before-ident',
    detail: `${firstEnd}; ${why}`,
    ...(refusal ? { refusal } : {}),
  });
  const notSsh = (service: ServiceIdentification | undefined, why: string): SecondLookVerdict => ({
    outcome: 'not-ssh',
    detail: service ? `${service.name}: ${service.detail} (${why})` : why,
    ...(service ? { service } : {}),
  });
  switch (look.kind) {
    case 'failed':
      return refusing(`a second connection failed too (${look.reason})`);
    case 'closed-unprompted': {
      const line = firstLine(look.bytes);
      const refusal = sshdRefusal(line);
      if (refusal)
        return refusing(
          `a second connection got ${quoteSample(sshdRefusalText(refusal))} and was closed`,
          refusal,
        );
      if (look.bytes.length === 0) {
        return refusing(
          `a second connection, sending nothing, was closed too after ${Math.round(look.afterMs)} ms: sshd or a filter in front of it refuses at accept`,
        );
      }
      const service = identifyService(look.bytes);
      if (service) return notSsh(service, 'sent unprompted on a second connection');
      return refusing(`a second connection got ${quoteSample(line)} and was closed`);
    }
    case 'spoke-first': {
      const line = firstLine(look.bytes);
      if (parseIdentLine(line).ok) {
        return refusing(
          `a second connection got the identification ${quoteSample(line)}: sshd refuses some connections (MaxStartups early drop, PerSourcePenalties)`,
        );
      }
      const refusal = sshdRefusal(line);
      if (refusal)
        return refusing(`a second connection got ${quoteSample(sshdRefusalText(refusal))}`, refusal);
      const service = identifyService(look.bytes);
      return notSsh(
        service,
        service
          ? 'greeting on a second connection'
          : `a second connection got ${quoteSample(line)} instead of an SSH identification`,
      );
    }
    case 'answered-client-hello': {
      const service = identifyService(look.bytes);
      if (service) return notSsh(service, 'the answer to a TLS ClientHello on a second connection');
      if (parseIdentLine(firstLine(look.bytes)).ok) {
        return refusing(`a second connection got an SSH identification, late: sshd refuses some connections`);
      }
      return notSsh(
        undefined,
        look.bytes.length === 0
          ? 'a service that waits for the client (sshd speaks first) and closes on both an SSH identification and a TLS ClientHello'
          : `a service that waits for the client (sshd speaks first); it answered a TLS ClientHello with ${quoteSample(firstLine(look.bytes))}`,
      );
    }
    case 'silent':
      return notSsh(
        undefined,
        'a service that waits for the client (sshd speaks first) and closed on our SSH identification',
      );
  }
}

/** Cipher suites a current TLS 1.2 / 1.3 server accepts (RFC 8446 §B.4, RFC 5289, RFC 7905). */
const CIPHER_SUITES = [
  0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
  0x002f, 0x0035,
];

/**
 * A TLS 1.2 ClientHello (RFC 5246 §7.4.1.2) any TLS 1.0-1.3 server answers, with a ServerHello or an
 * alert: both name it TLS. No SNI (we have no name to send) and a fixed random — it never completes.
 */
export function tlsClientHello(): Uint8Array {
  const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
  const ext = (type: number, body: number[]) => [...u16(type), ...u16(body.length), ...body];
  const groups = [0x001d, 0x0017, 0x0018].flatMap(u16); // x25519, secp256r1, secp384r1
  const sigAlgs = [0x0403, 0x0503, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601].flatMap(u16);
  const extensions = [
    ...ext(0x000a, [...u16(groups.length), ...groups]), // supported_groups
    ...ext(0x000b, [1, 0]), // ec_point_formats: uncompressed
    ...ext(0x000d, [...u16(sigAlgs.length), ...sigAlgs]), // signature_algorithms
  ];
  const suites = CIPHER_SUITES.flatMap(u16);
  const body = [
    0x03,
    0x03, // client_version TLS 1.2
    ...Array.from({ length: 32 }, (_, i) => i), // random
    0, // session_id
    ...u16(suites.length),
    ...suites,
    1,
    0, // compression: null
    ...u16(extensions.length),
    ...extensions,
  ];
  const handshake = [1, (body.length >> 16) & 0xff, ...u16(body.length), ...body];
  return Uint8Array.from([0x16, 0x03, 0x01, ...u16(handshake.length), ...handshake]);
}
