/**
 * The order the rules are asked in; the first answer wins. It reads like a troubleshooter eliminating
 * variables, from what the operator declared, to the host's existence, to the network, to sshd itself:
 *
 *  1. expected-closed            the operator said closed, and it does not answer
 *  2. instance-stopped           not running explains every failed probe (never "sshd not listening")
 *  3. instance-impaired          a failed status check (or a panic on the console) explains a failed probe first
 *  4. blocked-by-security-group  on the prober's path, explaining a timeout (or without a probe)
 *  5. blocked-by-network-acl     likewise, incl. a partial ephemeral allow (intermittent timeouts)
 *  6. no-route                   likewise, incl. blackhole routes and a missing public address
 *  7. blocked-by-network-firewall  an AWS Network Firewall rule on the prober's path (DROP ↔ timeout, REJECT ↔ refused)
 *  8. prober-path-unknown        UNKNOWN: nothing known blocks the prober's path, but data it needs is missing
 *  9. sshd-oom-killed            RESOURCE_EXHAUSTION: the console shows the OOM killer killing sshd, SSH fails
 * 10. sshd-not-listening         refused: the host's kernel answered with a reset (no REJECT rule proven)
 * 11. host-firewall-reject       ICMP unreachable with the AWS path open (or a reset the in-host check proves a REJECT)
 * 12. host-firewall-drop         timeout with the AWS path open and status checks not failing
 * 13. sshd-refusing-connections  accepted, then closed/reset before the ident
 * 14. resource-exhaustion        slow or silent sshd with CPU/credits/memory over threshold, or OOM kills
 * 15. not-ssh-service            something else answers on the port
 * 16. ssh-negotiation-failed     kex-failed, protocol-unsupported, closed-during-kex
 * 17. source-blocked             a configured source is blocked although the host works for the prober
 * 18. source-path-unknown        UNKNOWN: a configured source's path needs data the inventory lacks
 * 19. ssh-answering-unverified   kex-unsupported-by-prober: OpenSSH would agree, the prober cannot
 * 20. degraded-slow              ok but slow, no starvation
 * 21. healthy                    ok (or, without a probe, every analysed path open)
 * 22. unknown                    everything else, with the evidence
 */
import type { Rule } from './input.ts';
import { blockedByNetworkAcl } from './rules/blocked-by-network-acl.ts';
import { blockedByNetworkFirewall } from './rules/blocked-by-network-firewall.ts';
import { blockedBySecurityGroup } from './rules/blocked-by-security-group.ts';
import { degradedSlow } from './rules/degraded-slow.ts';
import { expectedClosed } from './rules/expected-closed.ts';
import { healthy } from './rules/healthy.ts';
import { hostFirewallDrop } from './rules/host-firewall-drop.ts';
import { hostFirewallReject } from './rules/host-firewall-reject.ts';
import { instanceImpaired } from './rules/instance-impaired.ts';
import { instanceStopped } from './rules/instance-stopped.ts';
import { noRoute } from './rules/no-route.ts';
import { notSshService } from './rules/not-ssh-service.ts';
import { proberPathUnknown } from './rules/prober-path-unknown.ts';
import { resourceExhaustion } from './rules/resource-exhaustion.ts';
import { sourceBlocked } from './rules/source-blocked.ts';
import { sourcePathUnknown } from './rules/source-path-unknown.ts';
import { sshAnsweringUnverified } from './rules/ssh-answering-unverified.ts';
import { sshNegotiationFailed } from './rules/ssh-negotiation-failed.ts';
import { sshdNotListening } from './rules/sshd-not-listening.ts';
import { sshdOomKilled } from './rules/sshd-oom-killed.ts';
import { sshdRefusingConnections } from './rules/sshd-refusing-connections.ts';
import { unknown } from './rules/unknown.ts';

export const PRECEDENCE: ReadonlyArray<{ name: string; rule: Rule }> = [
  { name: 'expected-closed', rule: expectedClosed },
  { name: 'instance-stopped', rule: instanceStopped },
  { name: 'instance-impaired', rule: instanceImpaired },
  { name: 'blocked-by-security-group', rule: blockedBySecurityGroup },
  { name: 'blocked-by-network-acl', rule: blockedByNetworkAcl },
  { name: 'no-route', rule: noRoute },
  { name: 'blocked-by-network-firewall', rule: blockedByNetworkFirewall },
  { name: 'prober-path-unknown', rule: proberPathUnknown },
  { name: 'sshd-oom-killed', rule: sshdOomKilled },
  { name: 'sshd-not-listening', rule: sshdNotListening },
  { name: 'host-firewall-reject', rule: hostFirewallReject },
  { name: 'host-firewall-drop', rule: hostFirewallDrop },
  { name: 'sshd-refusing-connections', rule: sshdRefusingConnections },
  { name: 'resource-exhaustion', rule: resourceExhaustion },
  { name: 'not-ssh-service', rule: notSshService },
  { name: 'ssh-negotiation-failed', rule: sshNegotiationFailed },
  { name: 'source-blocked', rule: sourceBlocked },
  { name: 'source-path-unknown', rule: sourcePathUnknown },
  { name: 'ssh-answering-unverified', rule: sshAnsweringUnverified },
  { name: 'degraded-slow', rule: degradedSlow },
  { name: 'healthy', rule: healthy },
  { name: 'unknown', rule: unknown },
];
