/**
 * The catalogue: for every diagnosis code, its severity, a one-line summary template and the ordered
 * remediation steps an operator runs. Templates name facts as `{fact}`; a fact a rule could not know renders
 * as `<fact>` so the command still reads as a command with a blank to fill. docs/diagnosis.md is generated
 * from this table (scripts/diagnosis-doc.ts) and a test keeps the two equal.
 */
import type { Facts } from './input.ts';
import type { DiagnosisCode, Severity } from './types.ts';

export interface RemediationStep {
  text: string;
  /** Only when the fact has this value (e.g. `family` = `ipv6`). */
  when?: { fact: string; equals: string };
  /** Not when the fact has this value. */
  unless?: { fact: string; equals: string };
}

export interface CatalogueEntry {
  severity: Severity;
  /** What the code means, for the docs. */
  meaning: string;
  summary: string;
  /**
   * Sharper summaries for when a fact has a value (the console named the cause); the first that holds
   * replaces `summary`.
   */
  summaryWhen?: ReadonlyArray<{ when: { fact: string; equals: string }; summary: string }>;
  remediation: RemediationStep[];
}

const GET_IN =
  'Get a shell without SSH: `aws ssm start-session --target {instanceId}` (Session Manager), or the EC2 serial console: `aws ec2-instance-connect send-serial-console-ssh-public-key --instance-id {instanceId} --serial-port 0 --ssh-public-key file://key.pub`, then `ssh -i key {instanceId}.port0@serial-console.ec2-instance-connect.<region>.aws`';

/** fail2ban bans with host firewall rules, so a dropping or rejecting rule may be a ban to lift. */
const LIFT_FAIL2BAN_BAN =
  'A rule of fail2ban (chain or set `f2b-<jail>`) is a ban: lift it with `fail2ban-client set <jail> unbanip <address>` rather than opening the firewall';

export const CATALOGUE: Readonly<Record<DiagnosisCode, CatalogueEntry>> = {
  HEALTHY: {
    severity: 'ok',
    meaning:
      'SSH answers: identification, key exchange and the auth-method query succeeded (or, without a probe, every analysed path is open and the host signals are fine).',
    summary: 'SSH on {instanceId} is healthy: {basis}',
    remediation: [],
  },
  DEGRADED_SLOW: {
    severity: 'warning',
    meaning:
      'The probe succeeded but the identification line came later than `slowIdentMs`, and no host signal shows starvation.',
    summary:
      'SSH on {instanceId} answers slowly: identification after {identMs} ms (threshold {slowIdentMs} ms)',
    remediation: [
      {
        text: 'See where the time goes from a client on the same path: `ssh -vvv -p {port} <user>@{address}`',
      },
      {
        text: 'On the host: `uptime`, `top -b -n 1 | head -20`, `iostat -x 1 3` (load, steal time, I/O wait)',
      },
      {
        text: "`journalctl -u ssh -u sshd --since '-1h'` for slow PAM/DNS lookups; consider `UseDNS no` in /etc/ssh/sshd_config",
      },
    ],
  },
  BLOCKED_BY_SECURITY_GROUP: {
    severity: 'critical',
    meaning:
      'A security group on the path has no rule that admits tcp/port from the source (ingress on the instance, or egress on the source side). Security groups drop silently, so a probe times out.',
    summary:
      'Security group {groupId} has no {sgDirection} rule letting {source} reach {instanceId} on tcp/{port}',
    remediation: [
      {
        text: "Look at the group's rules: `aws ec2 describe-security-groups --group-ids {groupId} --query 'SecurityGroups[].[IpPermissions,IpPermissionsEgress]'`",
      },
      {
        text: 'Add the missing rule: `aws ec2 authorize-security-group-{sgDirection} --group-id {groupId} --protocol tcp --port {port} --cidr {cidr}`',
        when: { fact: 'family', equals: 'ipv4' },
      },
      {
        text: "Add the missing rule: `aws ec2 authorize-security-group-{sgDirection} --group-id {groupId} --ip-permissions 'IpProtocol=tcp,FromPort={port},ToPort={port},Ipv6Ranges=[{CidrIpv6={cidr}}]'`",
        when: { fact: 'family', equals: 'ipv6' },
      },
      {
        text: 'Prefer a narrow source over 0.0.0.0/0; for ad-hoc access use Session Manager (`aws ssm start-session --target {instanceId}`) instead of opening tcp/{port}',
      },
    ],
  },
  BLOCKED_BY_NETWORK_ACL: {
    severity: 'critical',
    meaning:
      "A network ACL denies the SSH packets or their return traffic (NACLs are stateless: replies go to the client's ephemeral ports, 1024-65535 for Lambda and NAT gateways). A partial ephemeral allow makes failures intermittent.",
    summary: 'Network ACL {aclId} rule {ruleNumber} blocks {aclTraffic} between {source} and {instanceId}',
    remediation: [
      {
        text: "Look at the ACL's entries: `aws ec2 describe-network-acls --network-acl-ids {aclId} --query 'NetworkAcls[].Entries'`",
      },
      {
        text: 'Add an allow evaluated before rule {ruleNumber} (rules are evaluated lowest number first; pick a free number below it): `aws ec2 create-network-acl-entry --network-acl-id {aclId} {aclDirectionFlag} --rule-number {allowRuleNumber} --protocol tcp --port-range From={aclPortFrom},To={aclPortTo} {aclCidrFlag} {aclCidr} --rule-action allow`',
      },
      {
        text: 'If rule {ruleNumber} is a deliberate deny, replace it instead: `aws ec2 replace-network-acl-entry --network-acl-id {aclId} {aclDirectionFlag} --rule-number {ruleNumber} --protocol tcp --port-range From={aclPortFrom},To={aclPortTo} {aclCidrFlag} {aclCidr} --rule-action allow`',
      },
    ],
  },
  BLOCKED_BY_NETWORK_FIREWALL: {
    severity: 'critical',
    meaning:
      "An AWS Network Firewall on the path (a route sends the traffic through its endpoint) drops or rejects SSH: a stateless rule or default action, a stateful rule, or the policy's stateful default action (strict order). DROP is silent, so a probe times out; REJECT sends a TCP reset, so the connection is refused; `aws:drop_established` lets the handshake through and the identification line never arrives.",
    summary:
      'Network Firewall {firewallName} {firewallAction} SSH from {source} to {instanceId}: {firewallRule}',
    remediation: [
      {
        text: 'Look at the rule group and its rule {firewallRule}: `aws network-firewall describe-rule-group --rule-group-arn {ruleGroupArn}`',
        when: { fact: 'firewallRuleScope', equals: 'rule-group' },
      },
      {
        text: "Look at the policy's default actions and rule order: `aws network-firewall describe-firewall-policy --firewall-policy-arn {policyArn} --query 'FirewallPolicy.[StatelessDefaultActions,StatefulDefaultActions,StatefulEngineOptions]'`",
        when: { fact: 'firewallRuleScope', equals: 'policy' },
      },
      {
        text: "Confirm in the firewall's alert/flow logs which rule fired: `aws network-firewall describe-logging-configuration --firewall-name {firewallName}`",
      },
      {
        text: 'Change the rule, or put a pass rule for the SSH flow ahead of it (stateful, e.g. `pass tcp {cidr} any -> <instance-private-address> {port} (flow:to_server; sid:<free-sid>;)`): take the token with `aws network-firewall describe-rule-group --rule-group-arn {ruleGroupArn} --query UpdateToken --output text`, then `aws network-firewall update-rule-group --rule-group-arn {ruleGroupArn} --update-token <token> --rules file://rules.suricata` (or `--rule-group file://rule-group.json`)',
        when: { fact: 'firewallRuleScope', equals: 'rule-group' },
      },
      {
        text: 'Add a pass rule for the SSH flow to a stateful rule group the policy references (it is decided before the default action), or change the default action: `aws network-firewall update-firewall-policy --firewall-policy-arn {policyArn} --update-token <token> --firewall-policy file://policy.json` (token: `aws network-firewall describe-firewall-policy --firewall-policy-arn {policyArn} --query UpdateToken --output text`)',
        when: { fact: 'firewallRuleScope', equals: 'policy' },
      },
      {
        text: 'For ad-hoc access without opening the firewall, use Session Manager: `aws ssm start-session --target {instanceId}`',
      },
    ],
  },
  NO_ROUTE: {
    severity: 'critical',
    meaning:
      'No route carries the traffic: no matching route, a blackhole route (its target was deleted), or an internet source and no public address.',
    summary: 'No route from {source} to {instanceId}: {blockerDetail}',
    remediation: [
      {
        text: 'Look at the routes: `aws ec2 describe-route-tables --route-table-ids {routeTableId}`',
        when: { fact: 'resourceType', equals: 'route-table' },
      },
      {
        text: "Look at the addresses: `aws ec2 describe-network-interfaces --network-interface-ids {eniId} --query 'NetworkInterfaces[].[PrivateIpAddress,Association.PublicIp,Ipv6Addresses]'`",
        when: { fact: 'resourceType', equals: 'network-interface' },
      },
      {
        text: 'Add the missing route: `aws ec2 create-route --route-table-id {routeTableId} --destination-cidr-block <destination-cidr> --gateway-id <igw-…>` (or `--nat-gateway-id`, `--transit-gateway-id`, `--vpc-peering-connection-id`)',
        when: { fact: 'blocker', equals: 'NO_ROUTE' },
        unless: { fact: 'routeOwner', equals: 'transit-gateway' },
      },
      {
        text: 'Point the blackhole route at a live target: `aws ec2 replace-route --route-table-id {routeTableId} --destination-cidr-block <destination-cidr> --gateway-id <igw-…>`',
        when: { fact: 'blocker', equals: 'BLACKHOLE_ROUTE' },
        unless: { fact: 'routeOwner', equals: 'transit-gateway' },
      },
      {
        text: 'Look at the transit gateway route table: `aws ec2 search-transit-gateway-routes --transit-gateway-route-table-id {transitGatewayResourceId} --filters Name=state,Values=active,blackhole`; add or replace the route with `aws ec2 create-transit-gateway-route` / `replace-transit-gateway-route`, or enable propagation with `aws ec2 enable-transit-gateway-route-table-propagation`',
        when: { fact: 'resourceType', equals: 'transit-gateway-route-table' },
      },
      {
        text: 'Look at the attachment: `aws ec2 describe-transit-gateway-vpc-attachments --transit-gateway-attachment-ids {transitGatewayResourceId}`; add a subnet in the missing Availability Zone with `aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id {transitGatewayResourceId} --add-subnet-ids <subnet-…>`, or associate it with a route table (`aws ec2 associate-transit-gateway-route-table`)',
        when: { fact: 'resourceType', equals: 'transit-gateway-attachment' },
      },
      {
        text: 'Exclude the VPC from Block Public Access: `aws ec2 create-vpc-block-public-access-exclusion --vpc-id {vpcId} --internet-gateway-exclusion-mode allow-bidirectional` (or a subnet with `--subnet-id`), or turn it off with `aws ec2 modify-vpc-block-public-access-options --internet-gateway-block-mode off`',
        when: { fact: 'blocker', equals: 'BLOCK_PUBLIC_ACCESS' },
      },
      {
        text: 'Give the network interface a public address: `aws ec2 allocate-address` then `aws ec2 associate-address --network-interface-id {eniId} --allocation-id <eipalloc-…>`, or reach it through a bastion or Session Manager',
        when: { fact: 'blocker', equals: 'NO_PUBLIC_IP' },
      },
    ],
  },
  INSTANCE_STOPPED: {
    severity: 'critical',
    meaning:
      'The instance is not running (pending, stopping, stopped, shutting-down, terminated): nothing can answer SSH, whatever the probe saw.',
    summary: '{instanceId} is {state}: nothing can answer SSH until it runs',
    remediation: [
      {
        text: "Find out why: `aws ec2 describe-instances --instance-ids {instanceId} --query 'Reservations[].Instances[].[State.Name,StateReason.Message,StateTransitionReason]'`",
      },
      { text: 'Start it if it should run: `aws ec2 start-instances --instance-ids {instanceId}`' },
      {
        text: 'If it is meant to be down, say so: `aws ec2 create-tags --resources {instanceId} --tags Key=port22:expect,Value=closed`',
      },
    ],
  },
  INSTANCE_IMPAIRED: {
    severity: 'critical',
    meaning:
      'An EC2 status check fails: the system check (AWS hardware, power, network) or the instance check (the OS: kernel panic, full disk, bad network config); or the console output of the current boot shows a kernel panic, emergency mode or an fsck prompt (status checks lag by minutes).',
    summary: '{instanceId} fails its EC2 {failedCheck} status check',
    summaryWhen: [
      {
        when: { fact: 'cause', equals: 'console' },
        summary: '{consoleEvent} on {instanceId} at {consoleAt}: {consoleMessage}',
      },
    ],
    remediation: [
      {
        text: 'Confirm: `aws ec2 describe-instance-status --instance-ids {instanceId} --include-all-instances`',
      },
      {
        text: 'System check failed: stop and start (not reboot) to move to healthy hardware — instance-store data is lost and a non-Elastic public IP changes: `aws ec2 stop-instances --instance-ids {instanceId} && aws ec2 wait instance-stopped --instance-ids {instanceId} && aws ec2 start-instances --instance-ids {instanceId}`',
      },
      {
        text: 'Instance check failed: read the console for a kernel panic, fsck prompt or full disk: `aws ec2 get-console-output --instance-id {instanceId} --latest --output text`',
      },
      { text: GET_IN },
      {
        text: 'A kernel panic: reboot (`aws ec2 reboot-instances --instance-ids {instanceId}`); if it panics again, boot the previous kernel from the serial console (GRUB menu) and look at what changed (a kernel or driver update, `panic_on_oom`)',
        when: { fact: 'consoleKind', equals: 'kernel-panic' },
      },
      {
        text: 'Emergency mode or an fsck prompt: from the serial console, `fsck -y <device>` the volume it names, or mark a volume that may be missing `nofail` in /etc/fstab; without a console password, stop the instance, attach its root volume to a rescue instance and repair it there',
        unless: { fact: 'consoleKind', equals: 'kernel-panic' },
      },
      { text: 'Then reboot if the OS is wedged: `aws ec2 reboot-instances --instance-ids {instanceId}`' },
    ],
  },
  SSHD_NOT_LISTENING: {
    severity: 'critical',
    meaning:
      'The configuration lets the SYN through and the host answered it with a reset: nothing listens on the port (sshd stopped, crashed, or listens elsewhere), or a host firewall rejects with tcp-reset.',
    summary:
      'Nothing listens on {address}:{port} of {instanceId}: the connection was refused (TCP reset){hostProof}',
    summaryWhen: [
      {
        when: { fact: 'cause', equals: 'console' },
        summary:
          '{sshUnit} failed on {instanceId} at {consoleAt}: {unitFailure}; nothing listens on {address}:{port} (connection refused){hostProof}',
      },
    ],
    remediation: [
      { text: GET_IN },
      {
        text: "`systemctl status sshd` (Debian/Ubuntu: `systemctl status ssh`) and `journalctl -u ssh -u sshd --since '-1h'`",
      },
      {
        text: 'Read why {sshUnit} failed: `journalctl -b -u {sshUnit}` (a bad sshd_config line, missing host keys, a port already taken)',
        when: { fact: 'cause', equals: 'console' },
      },
      { text: 'Check the configuration before restarting: `sshd -t`, then `systemctl restart sshd`' },
      {
        text: 'Check what listens where: `ss -ltnp | grep :{port}` (compare with Port/ListenAddress in /etc/ssh/sshd_config)',
      },
      {
        text: 'A firewall REJECT with tcp-reset looks the same: `iptables -S | grep -i reject`, `nft list ruleset | grep -i reject`',
      },
    ],
  },
  HOST_FIREWALL_DROP: {
    severity: 'critical',
    meaning:
      'Security groups, ACLs and routes allow the path and the status checks pass, yet the SYN is never answered: a host firewall drops it (or the kernel hung).',
    summary:
      'The path to {instanceId}:{port} is open in AWS and its status checks pass, but the SYN went unanswered for {connectMs} ms: a host firewall drops it{hostProof}',
    remediation: [
      { text: GET_IN },
      {
        text: 'List the host firewall: `iptables -S`, `nft list ruleset`, `ufw status verbose` (or `firewall-cmd --list-all`)',
      },
      {
        text: 'Allow SSH: `ufw allow {port}/tcp`, or `iptables -I INPUT -p tcp --dport {port} -j ACCEPT`, or `nft insert rule inet filter input tcp dport {port} accept`',
      },
      { text: LIFT_FAIL2BAN_BAN },
      {
        text: 'No rule drops it? Look for a hung kernel: `aws ec2 get-console-output --instance-id {instanceId} --latest --output text`, then `aws ec2 reboot-instances --instance-ids {instanceId}`',
      },
    ],
  },
  HOST_FIREWALL_REJECT: {
    severity: 'critical',
    meaning:
      'The path is open in AWS but the connection was answered with ICMP unreachable/prohibited — a host firewall REJECT rule (AWS security groups never reject, they drop) — or with a TCP reset that the in-host check shows a REJECT rule sending.',
    summary:
      '{instanceId} rejects tcp/{port} with {answer} while the path is open in AWS: a host firewall REJECT rule{hostProof}',
    remediation: [
      { text: GET_IN },
      {
        text: 'Find the rule: `iptables -S | grep -i reject`, `nft list ruleset | grep -i reject`, `ufw status verbose`',
      },
      {
        text: 'Allow SSH ahead of it: `ufw allow {port}/tcp`, or `iptables -I INPUT -p tcp --dport {port} -j ACCEPT`, or `nft insert rule inet filter input tcp dport {port} accept`',
      },
      { text: LIFT_FAIL2BAN_BAN },
    ],
  },
  SSHD_REFUSING_CONNECTIONS: {
    severity: 'critical',
    meaning:
      'The connection was accepted, then closed or reset before sshd sent its identification: MaxStartups full, PerSourcePenalties, fail2ban or /etc/hosts.deny, or an IPS resetting the flow. sshd names its own refusals: `Exceeded MaxStartups` (OpenSSH 8.2-9.7), `Not allowed at this time` (9.8 and later, for MaxStartups and PerSourcePenalties alike); before 8.2 it closes without a word.',
    summary:
      'sshd on {instanceId} accepted the connection, then {how} before its identification{said} ({outcome} after {failedAtMs} ms){hostProof}',
    remediation: [
      { text: GET_IN },
      {
        text: "Look for the reason: `journalctl -u ssh -u sshd --since '-1h' | grep -Ei 'MaxStartups|drop|penalt|refused'`",
      },
      {
        text: "OpenSSH 9.8+ writes `Not allowed at this time` both when MaxStartups is full and when PerSourcePenalties refuses this source: sshd's `drop connection #… from [<address>]:…` log line ends with which (`Maxstartups`, or `penalty: …` with the reason)",
        when: { fact: 'refusal', equals: 'not-allowed-at-this-time' },
      },
      {
        text: 'If it is a penalty against port22 itself (its probes disconnect without authenticating, and OpenSSH 10.3+ penalises the invalid user they name), exempt the prober subnets: `PerSourcePenaltyExemptList <prober subnet CIDRs>` in /etc/ssh/sshd_config, then `sshd -t && systemctl reload sshd`; `sshd -T | grep -i persourcepenalt` shows the settings in force',
        when: { fact: 'refusal', equals: 'not-allowed-at-this-time' },
      },
      {
        text: '`Exceeded MaxStartups` (OpenSSH 8.2-9.7): unauthenticated connections fill the MaxStartups queue; count them with `ss -tn state established sport = :{port} | wc -l`',
        when: { fact: 'refusal', equals: 'exceeded-maxstartups' },
      },
      {
        text: 'Raise MaxStartups if unauthenticated connections pile up: set e.g. `MaxStartups 30:30:100` in /etc/ssh/sshd_config, then `sshd -t && systemctl reload sshd`',
      },
      {
        text: 'Check fail2ban: `fail2ban-client status sshd`, and unban a wrongly banned client with `fail2ban-client set sshd unbanip <address>`',
      },
      { text: 'Check TCP wrappers: `cat /etc/hosts.deny /etc/hosts.allow`' },
      {
        text: 'If the host looks fine, look for an IPS or network firewall on the path that resets SSH flows',
      },
    ],
  },
  RESOURCE_EXHAUSTION: {
    severity: 'critical',
    meaning:
      'sshd answered late or not at all (ident-timeout, kex-timeout, or an ident slower than slowIdentMs) while CPU, CPU credits or memory crossed their thresholds, or the console shows the OOM killer at work; or the OOM killer killed sshd itself and SSH fails.',
    summary: '{instanceId} is starved ({starvation}) and SSH suffers: {outcome} after {failedAtMs} ms',
    summaryWhen: [
      {
        when: { fact: 'cause', equals: 'oom-sshd' },
        summary:
          'The OOM killer killed sshd (pid {oomPid}) on {instanceId} at {consoleAt}; SSH fails: {outcome} after {failedAtMs} ms',
      },
    ],
    remediation: [
      { text: GET_IN },
      {
        text: "Find the consumer: `top -b -n 1 | head -20`, `free -m`, `dmesg -T | grep -Ei 'oom|killed process'`",
      },
      {
        text: 'Keep the OOM killer off sshd: `systemctl edit ssh` (sshd on Amazon Linux and RHEL), add `[Service]` `OOMScoreAdjust=-1000`, then `systemctl restart ssh`; and give the memory hog a limit (`MemoryMax=` on its unit) or the instance more memory',
        when: { fact: 'cause', equals: 'oom-sshd' },
      },
      {
        text: 'Burstable instance out of credits: `aws ec2 modify-instance-credit-specification --instance-credit-specifications InstanceId={instanceId},CpuCredits=unlimited`',
      },
      {
        text: 'Or give it more room: stop it, then `aws ec2 modify-instance-attribute --instance-id {instanceId} --instance-type <larger-type>` and start it',
      },
    ],
  },
  NOT_SSH_SERVICE: {
    severity: 'critical',
    meaning:
      'Something answers on the port but it does not speak SSH (HTTP, TLS, garbage): another service took the port, or the wrong port is monitored.',
    summary: 'Port {port} of {instanceId} answers, but not with SSH: {detail}',
    remediation: [
      { text: GET_IN },
      { text: 'See which process owns the port: `ss -ltnp | grep :{port}`' },
      {
        text: 'If sshd runs on another port, tell port22: `aws ec2 create-tags --resources {instanceId} --tags Key=port22:port,Value=<sshd-port>`',
      },
    ],
  },
  SSH_NEGOTIATION_FAILED: {
    severity: 'critical',
    meaning:
      'sshd answered but the SSH handshake failed: no algorithm in common, a bad signature, SSH-1 only, or the server closed during key exchange.',
    summary: 'sshd on {instanceId} ({software}) answered, but key exchange failed: {outcome} — {detail}',
    remediation: [
      { text: 'See what the client and server disagree on: `ssh -vvv -p {port} <user>@{address}`' },
      {
        text: "Compare with the server's configuration: `sshd -T | grep -E '^(kexalgorithms|ciphers|macs|hostkeyalgorithms)'`",
      },
      {
        text: "Look for the server's side of it: `journalctl -u ssh -u sshd --since '-1h' | grep -Ei 'no matching|kex|fatal'`",
      },
      {
        text: 'Missing host keys make sshd fail key exchange: `ls -l /etc/ssh/ssh_host_*`, regenerate with `ssh-keygen -A`',
      },
    ],
  },
  SSH_ANSWERING_UNVERIFIED: {
    severity: 'info',
    meaning:
      "sshd answered and offers algorithms a current OpenSSH client negotiates, but the prober implements none of them in one category (e.g. a post-quantum-only key exchange), so the host key and auth methods went unverified. The server is fine: this is the prober's limit, counted healthy and never alerted on.",
    summary:
      'sshd on {instanceId} ({software}) answers SSH; the prober could not verify its host key and auth methods: {detail}',
    remediation: [
      {
        text: 'Nothing to change on the server: an OpenSSH client negotiates with it. To check by hand from a host on the same path, `ssh-keyscan -p {port} {address} | ssh-keygen -lf -` (host key fingerprints) and `ssh -v -p {port} <user>@{address}` (the `kex: algorithm:` line and the offered auth methods)',
      },
      {
        text: 'To let port22 verify it too, and only if your policy allows it: add one algorithm the prober implements in the category the detail names, alongside the current ones, e.g. `KexAlgorithms +curve25519-sha256` or `MACs +hmac-sha2-256-etm@openssh.com` in /etc/ssh/sshd_config, then `sshd -t && systemctl reload sshd`',
      },
    ],
  },
  EXPECTED_CLOSED: {
    severity: 'ok',
    meaning: 'The instance is tagged `port22:expect=closed` and does not answer on the port, as intended.',
    summary: '{instanceId} is tagged port22:expect=closed and does not answer on tcp/{port}, as intended',
    remediation: [],
  },
  UNKNOWN: {
    severity: 'warning',
    meaning:
      'The evidence does not single out a cause (e.g. a silent sshd with unknown load, a timeout with no static analysis of the prober path, or no evidence at all), or a path needs data the inventory lacks (a subnet\'s network ACL or route table, an ENI\'s security group): AWS always has these, so their absence is never read as "allowed" or as a block.',
    summary: 'Could not determine the state of SSH on {instanceId}: {reason}',
    remediation: [
      {
        text: 'Collect what the inventory lacks, then analyse again: {collect}',
        when: { fact: 'cause', equals: 'missing-data' },
      },
      { text: GET_IN, unless: { fact: 'cause', equals: 'missing-data' } },
      {
        text: "`systemctl status sshd`, `ss -ltnp | grep :{port}`, `journalctl -u ssh -u sshd --since '-1h'`",
        unless: { fact: 'cause', equals: 'missing-data' },
      },
      {
        text: 'Check load: `top -b -n 1 | head -20`, `free -m`',
        unless: { fact: 'cause', equals: 'missing-data' },
      },
      {
        text: 'Check the status checks: `aws ec2 describe-instance-status --instance-ids {instanceId} --include-all-instances`',
        unless: { fact: 'cause', equals: 'missing-data' },
      },
    ],
  },
};

/** Fills `{fact}` from the facts; an unknown fact becomes `<fact>`. */
export function renderTemplate(template: string, facts: Facts): string {
  return template.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (_, name: string) =>
    facts[name] === undefined ? `<${name}>` : String(facts[name]),
  );
}

/** The entry's summary for these facts: the first `summaryWhen` that holds, else `summary`. */
export function summaryTemplate(code: DiagnosisCode, facts: Facts): string {
  const entry = CATALOGUE[code];
  const sharper = entry.summaryWhen?.find((s) => String(facts[s.when.fact]) === s.when.equals);
  return sharper?.summary ?? entry.summary;
}

export function renderRemediation(code: DiagnosisCode, facts: Facts): string[] {
  return CATALOGUE[code].remediation
    .filter((s) => s.when === undefined || String(facts[s.when.fact]) === s.when.equals)
    .filter((s) => s.unless === undefined || String(facts[s.unless.fact]) !== s.unless.equals)
    .map((s) => renderTemplate(s.text, facts));
}
