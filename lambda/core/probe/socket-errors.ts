/**
 * What an operating-system socket error means for a probe, by the phase it happened in.
 *
 * Linux reports an ICMP destination-unreachable answer to a SYN as EHOSTUNREACH / ENETUNREACH (and
 * "administratively prohibited" as EHOSTUNREACH too, or EACCES/EPERM when a local filter rejects it),
 * an RST answering the SYN as ECONNREFUSED, and a SYN never answered within the kernel's retries as
 * ETIMEDOUT. After the connection is up, an RST surfaces as ECONNRESET (or EPIPE when we write into it).
 */
import type { ProbeOutcome } from './types.ts';

export type ProbePhase = 'connect' | 'ident' | 'kex' | 'auth';

const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EACCES', 'EPERM']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
// A name that does not resolve: no route to anything, the closest outcome the table has.
const NAME_RESOLUTION = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);

/**
 * The outcome for an OS error `code` (`ECONNREFUSED`, …) raised before the server identified itself. Later
 * errors are key-exchange ends (kex-failure.ts) or, once key exchange is done, still `ok`.
 */
export function outcomeForSocketError(phase: 'connect' | 'ident', code: string | undefined): ProbeOutcome {
  if (code !== undefined && UNREACHABLE.has(code)) return 'unreachable';
  if (code !== undefined && NAME_RESOLUTION.has(code)) return 'unreachable';
  switch (phase) {
    case 'connect':
      if (code === 'ECONNREFUSED') return 'refused';
      // An RST can only surface as ECONNRESET once the handshake completed: the server accepted, then
      // reset before we even saw the connection (sshd MaxStartups on a fast loopback does this).
      if (code !== undefined && RESET.has(code)) return 'reset-before-ident';
      if (code === 'ETIMEDOUT') return 'timeout';
      return 'unreachable';
    case 'ident':
      if (code === 'ETIMEDOUT') return 'ident-timeout';
      return 'reset-before-ident';
  }
}

/** The outcome when a phase's deadline passes. */
export function outcomeForDeadline(phase: ProbePhase): ProbeOutcome {
  switch (phase) {
    case 'connect':
      return 'timeout';
    case 'ident':
      return 'ident-timeout';
    case 'kex':
      return 'kex-timeout';
    case 'auth':
      // Key exchange finished: SSH works; only the method list is missing (reported in `detail`).
      return 'ok';
  }
}
