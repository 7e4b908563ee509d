/**
 * The server's SSH_MSG_KEXINIT (RFC 4253 §7.1): the algorithm lists it offers. It is the first binary
 * packet after the ident (§4.2 / §7.1) and travels in clear, framed as §6 describes:
 * uint32 packet_length, byte padding_length, payload, padding (no MAC before the first NEWKEYS).
 *
 * Recording the offer (not only the negotiated choice) lets a later step report weak algorithms, and lets a
 * failed negotiation name what the server wanted.
 */
import type { OfferedAlgorithms } from './types.ts';

const SSH_MSG_KEXINIT = 20;
/** Real KEXINITs are 1-2 KiB; a bigger first packet is not worth buffering. */
const MAX_KEXINIT_PACKET = 16 * 1024;

export type KexinitReadStep =
  | { kind: 'need-more' }
  | { kind: 'kexinit'; offer: OfferedAlgorithms }
  | { kind: 'invalid'; reason: string };

export interface KexinitReader {
  feed(chunk: Uint8Array): KexinitReadStep;
}

/** Feeds the bytes that follow the ident line; keeps at most MAX_KEXINIT_PACKET + 4 bytes. */
export function createKexinitReader(): KexinitReader {
  const parts: Uint8Array[] = [];
  let have = 0;
  let need: number | undefined;
  let done: KexinitReadStep | undefined;

  return {
    feed(chunk) {
      if (done !== undefined) return done;
      const take = need === undefined ? chunk : chunk.subarray(0, Math.max(0, need - have));
      parts.push(take);
      have += take.length;
      if (need === undefined && have >= 4) {
        const head = concat(parts, have);
        const packetLength = readUint32(head, 0);
        if (packetLength < 5 + 17 || packetLength > MAX_KEXINIT_PACKET) {
          done = { kind: 'invalid', reason: `first packet length ${packetLength} is not a KEXINIT` };
          return done;
        }
        need = 4 + packetLength;
        parts.length = 0;
        const kept = head.subarray(0, Math.min(head.length, need));
        parts.push(kept);
        have = kept.length;
      }
      if (need === undefined || have < need) return { kind: 'need-more' };
      const packet = concat(parts, have);
      parts.length = 0;
      done = parseKexinitPacket(packet);
      return done;
    },
  };
}

/** Parses one whole unencrypted packet holding a KEXINIT. */
export function parseKexinitPacket(packet: Uint8Array): KexinitReadStep {
  const invalid = (reason: string): KexinitReadStep => ({ kind: 'invalid', reason });
  if (packet.length < 6) return invalid('packet too short');
  const packetLength = readUint32(packet, 0);
  const paddingLength = packet[4]!;
  const payloadEnd = 4 + packetLength - paddingLength;
  if (packetLength + 4 > packet.length || payloadEnd <= 5) return invalid('bad packet framing');
  const payload = packet.subarray(5, payloadEnd);
  if (payload[0] !== SSH_MSG_KEXINIT) return invalid(`first packet is message ${payload[0]}, not KEXINIT`);
  let at = 1 + 16; // message number, 16-byte cookie
  const lists: string[][] = [];
  for (let n = 0; n < 10; n++) {
    if (at + 4 > payload.length) return invalid('truncated name-list');
    const len = readUint32(payload, at);
    at += 4;
    if (at + len > payload.length) return invalid('truncated name-list');
    const text = String.fromCharCode(...payload.subarray(at, at + len));
    at += len;
    // RFC 4251 §5: a name-list is comma-separated US-ASCII names, none of them empty.
    if (!/^[\x21-\x7e]*$/.test(text)) return invalid('name-list is not printable ASCII');
    lists.push(text === '' ? [] : text.split(','));
  }
  const [kex, hostKey, cipher, , mac, , compression] = lists;
  return {
    kind: 'kexinit',
    offer: { kex: kex!, hostKey: hostKey!, cipher: cipher!, mac: mac!, compression: compression! },
  };
}

/** RFC 4251 §5 uint32: four bytes, most significant first (the caller checks `at + 4 <= b.length`). */
export function readUint32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Names in the kex list that are not key exchange methods but protocol signals: `ext-info-s`/`ext-info-c`
 * (RFC 8308 §2.1) and OpenSSH's strict-KEX markers `kex-strict-s-v00@openssh.com` /
 * `kex-strict-c-v00@openssh.com` (OpenSSH PROTOCOL §1.10, the Terrapin countermeasure). They are kept in
 * the recorded offer, where findings read them, and left out wherever the offer is shown as algorithms.
 */
export function isProtocolMarker(name: string): boolean {
  return /^ext-info-[cs]$/.test(name) || /^kex-strict-[cs]-v\d+@openssh\.com$/.test(name);
}

export function withoutProtocolMarkers(names: readonly string[]): string[] {
  return names.filter((name) => !isProtocolMarker(name));
}

/** The server announced strict key exchange (OpenSSH ≥ 9.6, and distribution backports of it). */
export function offersStrictKex(offer: OfferedAlgorithms): boolean {
  return offer.kex.includes('kex-strict-s-v00@openssh.com');
}
