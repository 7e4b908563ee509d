/**
 * Renders docs/diagnosis.md from the catalogue, the precedence list and the thresholds, so the doc cannot
 * drift from the code (test/scripts/diagnosis-doc.test.ts compares them). Run: `npx tsx scripts/diagnosis-doc.ts`.
 */
import { writeFileSync } from 'node:fs';
import { MAX_QUERIES_PER_CALL, plannedQueries } from '../lambda/adapters/aws/host-signals.ts';
import { CATALOGUE } from '../lambda/core/diagnose/catalogue.ts';
import { DEFAULT_THRESHOLDS } from '../lambda/core/diagnose/input.ts';
import { PRECEDENCE } from '../lambda/core/diagnose/precedence.ts';
import { DIAGNOSIS_CODES } from '../lambda/core/diagnose/types.ts';
import { OPENSSH_ADVISORIES } from '../lambda/core/findings/openssh-advisories.ts';

const INTRO = `# Diagnoses

Every monitored instance gets exactly one diagnosis per check. Rules in \`lambda/core/diagnose/rules/\`
(one per file) each look at the probe outcome, the static verdicts (for the prober's own path and for every
configured source) and the host signals, and either answer with a code and the evidence that decided it, or
stay silent. They are asked in a fixed order; the first answer wins.

This file is generated from the code (\`npx tsx scripts/diagnosis-doc.ts\`); a test fails when it is stale.`;

const DECISIONS = `## Decisions worth knowing

- **Stopped beats everything but a successful probe.** A refused or timed-out connection to a stopped
  instance is \`INSTANCE_STOPPED\`, never \`SSHD_NOT_LISTENING\`. The same holds for failed status checks.
- **Static blockers explain only silence.** A blocking security group, ACL or route explains a \`timeout\`
  (or \`unreachable\`); any other outcome proves packets got through, so the verdict is treated as stale.
- **A configured source that is blocked** while the prober gets through (e.g. the office CIDR lacks a rule)
  is a \`BLOCKED_BY_*\` diagnosis naming that source: the instance is not healthy for its users. It ranks
  after every host failure (those affect every source and are fixed first) and before \`DEGRADED_SLOW\` /
  \`HEALTHY\`. Within one path a security group is named before an ACL, an ACL before a route; the evidence
  lists every blocker.
- **Host firewall needs a known-open path.** \`HOST_FIREWALL_DROP\` / \`_REJECT\` need the prober's path
  analysed and open; without that analysis a timeout is \`UNKNOWN\` (a security group cannot be excluded).
  Unknown status checks do not block \`HOST_FIREWALL_DROP\` (the evidence says they are unknown).
- **Unknown is not zero.** \`ident-timeout\`/\`kex-timeout\` with CPU and memory unknown is \`UNKNOWN\`
  ("overload unconfirmed"), not \`RESOURCE_EXHAUSTION\`: only a signal that crossed its threshold counts.
- **\`port22:expect=closed\`**: not answering is \`EXPECTED_CLOSED\` whatever the reason (stopped included). An
  answer is diagnosed like any other instance and raises the \`UNEXPECTEDLY_OPEN\` finding.
- **The prober's limit is not the server's fault.** A key-exchange mismatch where a current OpenSSH client
  would agree with the server's KEXINIT is \`kex-unsupported-by-prober\` → \`SSH_ANSWERING_UNVERIFIED\`
  (\`info\`, counted healthy, no outage alert), never \`SSH_NEGOTIATION_FAILED\`; see docs/probe.md.
- **The console names causes, never excuses.** Console output is read only for failing instances, and only
  its current boot counts (the lines after the last \`Linux version\` banner). A kernel panic, emergency mode
  or an fsck prompt there is \`INSTANCE_IMPAIRED\` before any configuration, like a failed status check; the
  OOM killer killing sshd is \`RESOURCE_EXHAUSTION\` whatever the metrics say, and any other OOM kill counts
  as starvation for a slow or silent sshd; the ssh unit failing names why \`SSHD_NOT_LISTENING\`. A quiet
  console changes nothing. See docs/evidence.md.
- **No probe** (\`--no-probe\`, or a target the deadline left unprobed): the same rules run on static verdicts
  and signals; \`HEALTHY\` then needs at least one analysed path, all open.`;

/** Queries per instance, from the adapter's own plan: a plain instance, and a burstable one with a known AMI. */
const FEWEST = plannedQueries([{ instanceId: 'i-0' }]).length;
const MOST = plannedQueries([{ instanceId: 'i-0', instanceType: 't3.micro', imageId: 'ami-0' }]).length;

const SIGNALS = `## Host signals

Read by \`lambda/adapters/aws/host-signals.ts\` (production) or \`lambda/adapters/local/signals-file.ts\` (lab,
offline), over the last 15 minutes; the latest datapoint of each metric counts, and a metric with no datapoint
stays unknown (never 0).

| signal | source | period / statistic |
|---|---|---|
| state, SystemStatus, InstanceStatus | \`DescribeInstanceStatus\` with \`IncludeAllInstances\`, ≤ 100 ids per call, NextToken followed | — |
| CPUUtilization | AWS/EC2 | 300 s, Average |
| CPUCreditBalance (t2, t3, t3a, t4g only) | AWS/EC2 | 300 s, Minimum |
| StatusCheckFailed_System / _Instance | AWS/EC2 | 60 s, Maximum |
| mem_used_percent | CWAgent | 60 s, Maximum |

\`GetMetricData\` calls carry at most ${MAX_QUERIES_PER_CALL} queries (${FEWEST}–${MOST} per instance: ${Math.floor(MAX_QUERIES_PER_CALL / MOST)}–${Math.floor(MAX_QUERIES_PER_CALL / FEWEST)} instances per call)
and follow NextToken; a throttled call (\`Throttling\`, \`RequestLimitExceeded\`, …) is retried by the SDK
(adaptive mode, up to 8 attempts); a call that still fails is reported in \`errors\` and its signals stay unknown.
An id that no longer exists (\`InvalidInstanceID.NotFound\`) makes the batch be asked again with an
\`instance-id\` filter, which tolerates unknown ids.

**Memory and the CloudWatch agent's dimensions.** A metric query must name the exact dimension set, and the
agent publishes \`mem_used_percent\` with whatever its config appends. port22 asks for two sets and keeps the
newer datapoint: \`InstanceId\` alone (an \`append_dimensions\` of only InstanceId, or
\`aggregation_dimensions: [["InstanceId"]]\`), and the wizard's default \`ImageId, InstanceId, InstanceType\`
(plus \`AutoScalingGroupName\` for ASG members; needs the instance's type and AMI id). Other custom sets are not
found and memory stays unknown. Each query is a billed GetMetricData metric.

**Signals file** (\`FileSignalsSource\`): one JSON object holding both answers,
\`{ "InstanceStatuses": [...], "MetricDataResults": [...] }\`, each series labelled \`"<instance-id> <MetricName>"\`
(the label the live adapter gives every query). The file is a snapshot: its latest datapoints count whatever
their age. Example: \`test/fixtures/signals/lab-signals.json\`.`;

export function renderDiagnosisDoc(): string {
  const parts: string[] = [INTRO];

  parts.push(
    `## Precedence\n\n| # | rule | decides |\n|---|---|---|\n${PRECEDENCE.map(
      (p, i) => `| ${i + 1} | \`${p.name}\` | ${ruleCodes(p.name)} |`,
    ).join('\n')}`,
  );

  parts.push(
    `## Thresholds\n\nConfiguration (\`thresholds\` in the diagnosis input / stack config), merged over these defaults:\n\n| threshold | default | meaning |\n|---|---|---|\n` +
      [
        ['cpuPercent', DEFAULT_THRESHOLDS.cpuPercent, 'CPUUtilization ≥ this is starvation'],
        [
          'creditBalance',
          DEFAULT_THRESHOLDS.creditBalance,
          'CPUCreditBalance ≤ this is starvation (throttled to baseline)',
        ],
        ['memPercent', DEFAULT_THRESHOLDS.memPercent, 'mem_used_percent ≥ this is starvation'],
        ['slowIdentMs', DEFAULT_THRESHOLDS.slowIdentMs, 'an ident slower than this makes an ok probe slow'],
      ]
        .map(([k, v, m]) => `| \`${k}\` | ${v} | ${m} |`)
        .join('\n'),
  );

  parts.push(DECISIONS);

  const codes = DIAGNOSIS_CODES.map((code) => {
    const e = CATALOGUE[code];
    const steps =
      e.remediation.length === 0
        ? '_No remediation: nothing to do._'
        : e.remediation
            .map(
              (s, i) =>
                `${i + 1}. ${s.text}${s.when ? ` _(only when ${s.when.fact} = ${s.when.equals})_` : ''}${s.unless ? ` _(unless ${s.unless.fact} = ${s.unless.equals})_` : ''}`,
            )
            .join('\n');
    const sharper = (e.summaryWhen ?? [])
      .map((w) => `\n\nWhen ${w.when.fact} = ${w.when.equals}: \`${w.summary}\``)
      .join('');
    return `### \`${code}\` — ${e.severity}\n\n${e.meaning}\n\nSummary: \`${e.summary}\`${sharper}\n\n${steps}`;
  });
  parts.push(
    `## Codes\n\n\`{fact}\` placeholders are filled from the evidence; an unknown fact renders as \`<fact>\`.\n\n${codes.join('\n\n')}`,
  );

  parts.push(SIGNALS);

  parts.push(
    `## Security findings from the probe\n\n### OpenSSH advisories\n\n\`OUTDATED_OPENSSH\` when the ident's upstream version is inside one of these ranges (each checked against the OpenSSH release notes named) and the evidence does not clear it. A claim is stated as fact ("affected by") only on proof: a Debian/Ubuntu ident (\`OpenSSH_9.2p1 Debian-2+deb12u3\`, \`OpenSSH_8.9p1 Ubuntu-3ubuntu0.10\`) whose package version sorts below the vendor's fixed one (dpkg ordering), or, for Terrapin, a recorded KEXINIT without \`kex-strict-s-v00@openssh.com\` that offers chacha20-poly1305 or an -etm MAC. A package at or past the fix, or a KEXINIT with strict KEX, clears the advisory. Anything else, a bare \`OpenSSH_9.2p1\` included (a Debian build with \`DebianBanner no\` looks exactly like it), is "may be affected".\n\n| CVE | name | severity | affected | fixed in | release notes | fixed distribution packages |\n|---|---|---|---|---|---|---|\n${OPENSSH_ADVISORIES.map(
      (a) =>
        `| ${a.cve} | ${a.name} | ${a.severity} | ${a.from === '0.0' ? 'all before the fix' : `${a.from} –`} | ${a.fixedIn} | ${a.source} | ${a.distroFixes.map((f) => `${f.distro} \`${f.fixed}\` (${f.advisory})`).join(', ') || 'none on record'} |`,
    ).join(
      '\n',
    )}\n\n\`WEAK_ALGORITHMS_OFFERED\` when the server offers (or, without a recorded offer, negotiated) SHA-1 key exchange (\`diffie-hellman-group1-sha1\`, \`-group14-sha1\`, \`-group-exchange-sha1\`), \`ssh-rsa\`/\`ssh-dss\` host keys, CBC ciphers, 3DES, arcfour, \`hmac-md5*\`, 96-bit MACs or \`none\`. \`HOST_KEY_CHANGED\` when the host key differs from the one remembered; \`UNEXPECTEDLY_OPEN\` when a \`port22:expect=closed\` instance accepts a connection.`,
  );

  parts.push(
    `## What changed\n\n\`lambda/core/changes/path-config.ts\` snapshots the path configuration (security-group rules, ACL entries, routes) as sorted lines per resource, digests it (\`sha256:\` + hex of canonical JSON) and diffs two snapshots into lines such as:\n\n\`\`\`\nsg-0ab: inbound rule tcp/22 from 10.0.0.0/16 removed\nacl-0a1: inbound rule 90 deny tcp 22 from 0.0.0.0/0 added\nrtb-0c2: route 0.0.0.0/0 → igw-0d3 removed\n\`\`\``,
  );
  return `${parts.join('\n\n')}\n`;
}

/** What each rule decides, for the precedence table; rules not listed decide the code named like them. */
const RULE_CODES: Record<string, string> = {
  'source-blocked':
    '`BLOCKED_BY_SECURITY_GROUP` / `BLOCKED_BY_NETWORK_ACL` / `NO_ROUTE` / `BLOCKED_BY_NETWORK_FIREWALL` for a configured source',
  'prober-path-unknown': "`UNKNOWN` naming the data the prober's path lacks",
  'source-path-unknown': "`UNKNOWN` naming the data a configured source's path lacks",
  'sshd-oom-killed': '`RESOURCE_EXHAUSTION` when the console shows the OOM killer killing sshd',
};

function ruleCodes(name: string): string {
  return RULE_CODES[name] ?? `\`${name.toUpperCase().replaceAll('-', '_')}\``;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL('../docs/diagnosis.md', import.meta.url), renderDiagnosisDoc());
}
