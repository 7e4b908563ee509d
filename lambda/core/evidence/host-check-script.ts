/**
 * The in-host check (DESIGN.md, "Evidence kinds": `host`): one read-only POSIX shell script, sent as it is by
 * Systems Manager's `AWS-RunShellScript` and run by the lab inside its namespace hosts. It reads what an
 * operator reads by hand once SSH fails — sshd's service state, who listens on the port, the settings sshd
 * runs with, the host firewall, fail2ban and sshguard bans, sshd's last log lines, load, memory and disk — and
 * writes nothing anywhere.
 *
 * Every section sits between marker lines and is capped on its own, so one runaway section (a firewall of
 * thousands of rules) cannot push the others out, and the whole output stays under the 24,000 characters
 * GetCommandInvocation returns inline (`StandardOutputContent`: "the first 24,000 characters written by the
 * plugin"). A section whose `rc` line is missing was cut at its cap.
 */

/** The marker lines around each section; the parser reads exactly these. */
export const SECTION_BEGIN = '### port22:begin ';
export const SECTION_END = '### port22:end ';
export const SECTION_RC = '### port22:rc ';

/** The AWS-owned Systems Manager document that runs shell commands on Linux nodes: how the script is sent. */
export const RUN_SHELL_SCRIPT_DOCUMENT = 'AWS-RunShellScript';

/**
 * The first line of a packed section: the rest is the command's output, gzipped and base64-encoded on one
 * line. A firewall's listing repeats itself (the same keys, chains and matches on every rule), so it packs
 * to a small fraction of its size (measured in docs/evidence.md), and a cap that held a few dozen rules holds
 * hundreds. Hosts without gzip or base64 send the output as it is.
 */
export const PACKED_MARKER = 'port22:packed gzip+base64';

/** GetCommandInvocation's StandardOutputContent holds the first 24,000 characters of the output. */
export const SSM_INLINE_OUTPUT_LIMIT = 24_000;

/** The sections, in output order, with each one's cap in bytes and the command that fills it. */
export const HOST_CHECK_SECTIONS = [
  { name: 'meta', cap: 200, sh: 'echo "port=$P"; echo "uid=$(id -u)"; date -u +now=%Y-%m-%dT%H:%M:%SZ' },
  {
    name: 'service',
    cap: 1200,
    // systemd's view when it runs (ExecMainStatus is the last exit status); without it, the init script's.
    sh: `if [ -d /run/systemd/system ] && have systemctl; then for u in ssh sshd; do echo "unit=$u"; t systemctl show "$u" -p LoadState -p ActiveState -p SubState -p Result -p ExecMainCode -p ExecMainStatus -p ExecMainExitTimestamp -p InactiveEnterTimestamp -p ActiveEnterTimestamp; done; elif have service; then echo "unit=ssh"; t service ssh status || t service sshd status; fi`,
  },
  {
    name: 'processes',
    cap: 600,
    sh: 'if have pgrep; then pgrep -a -x sshd || pgrep -a sshd; else ps -e -o pid= -o args= | grep "[s]shd"; fi',
  },
  {
    name: 'listeners',
    cap: 800,
    sh: 'if have ss; then ss -H -ltnp "( sport = :$P )"; elif have netstat; then netstat -ltnp | grep ":$P "; else echo "no ss or netstat"; exit 127; fi',
  },
  {
    name: 'sshd-settings',
    cap: 800,
    // sshd -T prints the effective settings (defaults included); it needs root and the host keys.
    sh: 'S=$(command -v sshd || echo /usr/sbin/sshd); t "$S" -T 2>&1 | grep -Ei \'^(port|listenaddress|maxstartups|persourcepenalties|persourcepenaltyexemptlist|maxauthtries|usedns) |error|bad|missing\'',
  },
  // Rulesets are packed (see `packed` in the script): a Docker or Kubernetes host's runs to tens of KB.
  { name: 'nft', cap: 8000, sh: 'have nft || exit 127; packed nft -j list ruleset' },
  { name: 'iptables-version', cap: 100, sh: 'have iptables || exit 127; iptables -V' },
  { name: 'iptables', cap: 3000, sh: 'have iptables-save || exit 127; packed iptables-save' },
  { name: 'ip6tables', cap: 2000, sh: 'have ip6tables-save || exit 127; packed ip6tables-save' },
  // The sets iptables rules match on (fail2ban's iptables-ipset actions keep their bans there).
  { name: 'ipset', cap: 1500, sh: 'have ipset || exit 127; packed ipset save' },
  { name: 'ufw', cap: 500, sh: 'have ufw || exit 127; t ufw status' },
  { name: 'firewalld', cap: 500, sh: 'have firewall-cmd || exit 127; t firewall-cmd --state' },
  {
    name: 'fail2ban',
    cap: 1000,
    sh: 'have fail2ban-client || exit 127; for j in sshd ssh; do t fail2ban-client status "$j" && exit 0; done; exit 1',
  },
  { name: 'sshguard', cap: 200, sh: 'have pgrep || exit 127; pgrep -a -x sshguard' },
  {
    name: 'log',
    cap: 2000,
    sh: 'if have journalctl && [ -d /run/systemd/system ]; then t journalctl -u ssh -u sshd -n 15 --no-pager -o short-iso; else for f in /var/log/auth.log /var/log/secure; do [ -r "$f" ] && { grep sshd "$f" | tail -n 15; exit 0; }; done; exit 1; fi',
  },
  { name: 'load', cap: 100, sh: 'cat /proc/loadavg; nproc 2>/dev/null' },
  { name: 'memory', cap: 200, sh: "grep -E '^(MemTotal|MemAvailable|SwapTotal|SwapFree):' /proc/meminfo" },
  { name: 'disk', cap: 300, sh: 'df -Pk /' },
] as const;

export type HostCheckSection = (typeof HOST_CHECK_SECTIONS)[number]['name'];

/**
 * The script. `head -c` caps each section after the command's own output and its exit status, so a missing
 * `rc` line means the section was cut. Each command runs under `timeout 5` where coreutils has it: a hung
 * `fail2ban-client` must not spend the whole command's time.
 */
export function hostCheckScript(port: number): string {
  const lines = [
    '#!/bin/sh',
    '# port22 in-host check: reads only; writes nothing on this host.',
    `P=${port}`,
    'LC_ALL=C; export LC_ALL',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH',
    'have() { command -v "$1" >/dev/null 2>&1; }',
    'if have timeout; then t() { timeout 5 "$@"; }; else t() { "$@"; }; fi',
    // The command's own exit status survives the packing: a failed listing is not sent as an empty one.
    `packed() { o=$(t "$@") || return $?; if have gzip && have base64; then echo '${PACKED_MARKER}'; printf '%s\\n' "$o" | gzip -9 -n | base64 | tr -d '\\n'; echo; else printf '%s\\n' "$o"; fi; }`,
    `section() { echo "${SECTION_BEGIN}$1"; { (eval "$3") 2>&1; echo "${SECTION_RC}$?"; } | head -c "$2"; echo; echo "${SECTION_END}$1"; }`,
    ...HOST_CHECK_SECTIONS.map((s) => `section ${s.name} ${s.cap} ${shellQuote(s.sh)}`),
  ];
  return `${lines.join('\n')}\n`;
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'"'"'`)}'`;
}
