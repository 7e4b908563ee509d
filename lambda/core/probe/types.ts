/**
 * The probe's public vocabulary (DESIGN.md, "Probe outcomes"): what the wire said, phase by phase.
 */

import type { SshdRefusal } from './service-identification.ts';

/** The longest pre-authentication banner a probe keeps, in bytes (sshd sends the whole `Banner` file). */
export const BANNER_MAX_BYTES = 2048;

/** Where a probe connects. `host` is an IPv4/IPv6 literal or a name; `port` 1-65535. */
export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
}

export const PROBE_OUTCOMES = [
  'ok',
  'refused',
  'timeout',
  'unreachable',
  'reset-before-ident',
  'closed-before-ident',
  'ident-timeout',
  'not-ssh',
  'protocol-unsupported',
  'kex-failed',
  // The server offers only algorithms the prober lacks, yet a current OpenSSH client would agree with it:
  // the service answers SSH; host key and auth methods are unverified. Never a failure of the server.
  'kex-unsupported-by-prober',
  'closed-during-kex',
  'kex-timeout',
] as const;

export type ProbeOutcome = (typeof PROBE_OUTCOMES)[number];

/**
 * Outcomes that mean SSH users get in: `ok`, and `kex-unsupported-by-prober` (a current OpenSSH client
 * agrees with the server; only the prober lacks the algorithm). `port22 probe` exits 0 on these alone, as
 * the diagnosis counts the second one healthy (SSH_ANSWERING_UNVERIFIED).
 */
export const SSH_SERVICEABLE_OUTCOMES: ReadonlySet<ProbeOutcome> = new Set([
  'ok',
  'kex-unsupported-by-prober',
]);

/** Milliseconds spent in each phase that was reached; `totalMs` always. */
export interface ProbePhases {
  connectMs?: number;
  identMs?: number;
  kexMs?: number;
  authMs?: number;
  totalMs: number;
}

export interface HostKeyInfo {
  /**
   * The negotiated host key (signature) algorithm, e.g. `ssh-ed25519`, `ecdsa-sha2-nistp256`,
   * `rsa-sha2-512`: for an RSA key this is how it signed, not what the key is.
   */
  algorithm: string;
  /** The key's own type, named in its blob (RFC 4253 §6.6): `ssh-rsa` for every RSA key, `ssh-ed25519`, … */
  keyType?: string;
  /** The key type as `ssh-keygen -l` prints it in parentheses: `RSA`, `ED25519`, `ECDSA`, `DSA`, … */
  type?: string;
  /** The key size as `ssh-keygen -l` prints it first (RSA modulus bits, 256 for ED25519, the ECDSA curve). */
  bits?: number;
  /** OpenSSH form: `SHA256:` + unpadded base64 of the SHA-256 of the key blob, as `ssh-keygen -lf` prints. */
  sha256: string;
}

export interface NegotiatedAlgorithms {
  kex: string;
  hostKey: string;
  cipher: string;
}

/** One probe's result, exactly the `probe --json` element shape. */
export interface ProbeResult {
  target: ProbeTarget;
  outcome: ProbeOutcome;
  phases: ProbePhases;
  /** The full identification line, without CR LF. */
  ident?: string;
  /** The softwareversion part of the ident (`OpenSSH_9.2p1`). */
  software?: string;
  hostKey?: HostKeyInfo;
  authMethods?: string[];
  kex?: NegotiatedAlgorithms;
  /**
   * The pre-authentication banner (SSH_MSG_USERAUTH_BANNER, RFC 4252 §5.4, sshd_config `Banner`), as sent:
   * at most BANNER_MAX_BYTES of it, unescaped (printers must make it safe for a terminal).
   */
  banner?: string;
  /** For `not-ssh`: the service named from its bytes (`HTTP`, `TLS`, `FTP`, …) and what it said. */
  service?: { name: string; detail: string };
  /**
   * For `closed-before-ident`: what sshd wrote before closing, when it wrote one of its refusals
   * (`Exceeded MaxStartups`: OpenSSH 8.2-9.7; `Not allowed at this time`: 9.8+, MaxStartups or PerSourcePenalties).
   */
  refusal?: SshdRefusal;
  /** Human detail: the OS error, what did not match in key exchange, the bytes seen instead of an ident. */
  detail?: string;
  /**
   * The algorithm lists the server offered in its KEXINIT (RFC 4253 §7.1), when it sent one — also when
   * negotiation failed. Input for weak-algorithm findings (WEAK_ALGORITHMS_OFFERED), for Terrapin (the
   * `kex-strict-s-v00@openssh.com` marker stays in `kex` as sent) and for deciding whether an OpenSSH client
   * would agree where the prober could not (`kex-unsupported-by-prober`).
   */
  serverAlgorithms?: OfferedAlgorithms;
  /**
   * True when a fan-out's overall deadline passed before this target was started: no packet was sent, the
   * outcome `timeout` is a placeholder and the result counts as no probe at all.
   */
  neverStarted?: boolean;
}

/** What a server offers in its KEXINIT, in its order of preference. */
export interface OfferedAlgorithms {
  kex: string[];
  hostKey: string[];
  /** Client-to-server ciphers (OpenSSH offers the same list both ways). */
  cipher: string[];
  /** Client-to-server MACs. */
  mac: string[];
  compression: string[];
}

/** Per-phase deadlines, in milliseconds. The probe never runs past `totalMs` + 100 ms. */
export interface ProbeTimeouts {
  connectMs: number;
  identMs: number;
  kexMs: number;
  authMs: number;
  totalMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<ProbeTimeouts> = Object.freeze({
  connectMs: 3000,
  identMs: 5000,
  kexMs: 5000,
  authMs: 3000,
  totalMs: 10000,
});
