/**
 * What the in-host check found on one instance, as the diagnosis rules read it (`Observations.host`).
 * Types only: observations.ts imports this file, so it must not import back.
 */
import type { FirewallDecision } from './host-firewall/evaluate.ts';
import type { ServiceState } from './host-report.ts';

export interface PeerFirewallDecision {
  /** `prober`, or the source spec. */
  readonly peer: string;
  readonly cidr: string;
  readonly decision: FirewallDecision;
}

export interface Ban {
  readonly peer: string;
  /** The banned address (fail2ban's list) or the peer CIDR a ban rule drops. */
  readonly address: string;
  /** `fail2ban jail sshd`, `sshguard`, `fail2ban's set f2b-sshd`. */
  readonly by: string;
  /** The ipset whose member the peer is, when the ban was found through one (fail2ban's `f2b-<jail>`). */
  readonly set?: string;
}

export interface HostReading {
  /** One decision per peer CIDR, the prober's first. */
  readonly firewall: readonly PeerFirewallDecision[];
  /** Why no firewall decision could be made (ruleset cut short, no tool). */
  readonly firewallUnknown?: string;
  /** Bans of peers' addresses: fail2ban's jail list, or a firewall rule in sshguard's or fail2ban's chains. */
  readonly banned: readonly Ban[];
  /** Something listens on the SSH port; `undefined` when `ss` could not tell. */
  readonly listening?: boolean;
  readonly service?: ServiceState;
  /** sshd's MaxStartups setting as sshd -T prints it (`10:30:100`). */
  readonly maxStartups?: string;
}
