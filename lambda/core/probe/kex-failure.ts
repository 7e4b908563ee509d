/**
 * Classifies how key exchange ended when it did not complete (RFC 4253 §7). The client library reports
 * negotiation failures as "Handshake failed: no matching <category>"; the category and the server's own
 * list (from its KEXINIT) go into the detail so a reader sees what did not match.
 *
 * A mismatch is the server's fault only if real clients fail too: when a current OpenSSH client would
 * agree with the server's offer, the prober is the limit and the outcome is `kex-unsupported-by-prober`
 * (the service answers; what the prober could not verify is named), never `kex-failed`.
 */
import { withoutProtocolMarkers } from './kexinit.ts';
import { ALGORITHM_CATEGORY, OPENSSH_CLIENT_VERSION, openSshClientWouldAgree } from './openssh-client.ts';
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

/** How ssh2 words each category in "no matching …" (its handshake code), to the KEXINIT list it names. */
const CATEGORIES: { match: RegExp; list: keyof OfferedAlgorithms }[] = [
  { match: /key exchange algorithm/i, list: 'kex' },
  { match: /host key/i, list: 'hostKey' },
  { match: /cipher/i, list: 'cipher' },
  { match: /MAC/, list: 'mac' },
  { match: /compression/i, list: 'compression' },
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
  if (/no matching/i.test(message)) return classifyMismatch(message, offered);
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

function classifyMismatch(message: string, offered?: OfferedAlgorithms): KexVerdict {
  const list = CATEGORIES.find((c) => c.match.test(message))?.list;
  const name = list === undefined ? 'algorithm' : ALGORITHM_CATEGORY[list];
  const serverList = list && offered ? withoutProtocolMarkers(offered[list]) : undefined;
  const offers = serverList ? `; server offers: ${serverList.join(',') || '(nothing)'}` : '';
  const openSsh = offered === undefined ? undefined : openSshClientWouldAgree(offered);
  if (openSsh?.agrees !== true) {
    const why =
      openSsh === undefined
        ? ''
        : `; an ${OPENSSH_CLIENT_VERSION} client finds no ${ALGORITHM_CATEGORY[openSsh.category]} in common either`;
    return { outcome: 'kex-failed', detail: `no matching ${name}${offers}${why}` };
  }
  const { choice } = openSsh;
  const unverified = list === undefined || list === 'compression' ? undefined : choice[list];
  return {
    outcome: 'kex-unsupported-by-prober',
    detail:
      `the prober lacks the ${name} this server requires${unverified ? ` (${unverified})` : ''}${offers}; ` +
      `an ${OPENSSH_CLIENT_VERSION} client would negotiate ${choice.kex}, ${choice.hostKey}, ${choice.cipher}` +
      (choice.mac ? `, ${choice.mac}` : '') +
      ', so the service answers SSH but its host key and auth methods are unverified',
  };
}
