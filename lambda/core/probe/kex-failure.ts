/**
 * Classifies how key exchange ended when it did not complete (RFC 4253 §7). The client library reports
 * negotiation failures as "Handshake failed: no matching <category>"; the category and the server's own
 * list (from its KEXINIT) go into the detail so a reader sees what did not match.
 */
import type { OfferedAlgorithms, ProbeOutcome } from './types.ts';

/** What the transport saw: an error from the SSH client library, or the connection going away. */
export type KexEnd =
  | { kind: 'error'; message: string; code?: string | number }
  | { kind: 'closed' }
  | { kind: 'reset'; code?: string };

export interface KexVerdict {
  outcome: ProbeOutcome;
  detail: string;
}

const CATEGORIES: { match: RegExp; name: string; list: keyof OfferedAlgorithms }[] = [
  { match: /key exchange algorithm/i, name: 'key exchange algorithm', list: 'kex' },
  { match: /host key/i, name: 'host key algorithm', list: 'hostKey' },
  { match: /cipher/i, name: 'cipher', list: 'cipher' },
  { match: /MAC/, name: 'MAC', list: 'mac' },
  { match: /compression/i, name: 'compression', list: 'compression' },
];

// RFC 4253 §11.1 SSH_MSG_DISCONNECT reason codes a server sends when it refuses the exchange.
const DISCONNECT_REASONS: Record<number, string> = {
  2: 'protocol error',
  3: 'key exchange failed',
  5: 'MAC error',
  11: 'by application',
  12: 'too many connections',
  13: 'auth cancelled by user',
  14: 'no more auth methods available',
};

export function classifyKexEnd(end: KexEnd, offered?: OfferedAlgorithms): KexVerdict {
  switch (end.kind) {
    case 'closed':
      return { outcome: 'closed-during-kex', detail: 'connection closed by the server during key exchange' };
    case 'reset':
      return {
        outcome: 'closed-during-kex',
        detail: `connection reset by the server during key exchange${end.code ? ` (${end.code})` : ''}`,
      };
    case 'error':
      return classifyKexError(end, offered);
  }
}

function classifyKexError(end: Extract<KexEnd, { kind: 'error' }>, offered?: OfferedAlgorithms): KexVerdict {
  const message = end.message.replace(/^Handshake failed: /, '');
  if (/no matching/i.test(message)) {
    const category = CATEGORIES.find((c) => c.match.test(message));
    const serverList = category && offered ? offered[category.list] : undefined;
    const name = category?.name ?? 'algorithm';
    return {
      outcome: 'kex-failed',
      detail:
        `no matching ${name}` + (serverList ? `; server offers: ${serverList.join(',') || '(nothing)'}` : ''),
    };
  }
  if (typeof end.code === 'number') {
    // The server sent SSH_MSG_DISCONNECT during key exchange: it refused to continue.
    const reason = DISCONNECT_REASONS[end.code] ?? `reason ${end.code}`;
    return { outcome: 'kex-failed', detail: `server disconnected (${reason}): ${message}` };
  }
  if (typeof end.code === 'string') {
    if (end.code === 'ECONNRESET' || end.code === 'EPIPE')
      return classifyKexEnd({ kind: 'reset', code: end.code });
    return { outcome: 'closed-during-kex', detail: `${end.code}: ${message}` };
  }
  if (/connection lost before handshake/i.test(message)) {
    return classifyKexEnd({ kind: 'closed' });
  }
  // Signature verification failures, garbage instead of a packet ("Bad packet length"), bad padding.
  return { outcome: 'kex-failed', detail: message };
}
