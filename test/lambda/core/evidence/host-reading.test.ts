/**
 * The in-host check's output read into evidence and into proven diagnoses. The namespace output is the
 * script's real output (test/fixtures/host-check/script-output-namespace.txt: nft's own `table inet filter`
 * with `ip saddr 198.18.9.0/24 tcp dport 22 drop`, beside the iptables-nft rules of
 * iptables-save-fail2ban.txt; python3 listening on 127.0.0.1:22; no systemd). The systemd and fail2ban sections are
 * written in the shapes `systemctl show -p …` and `fail2ban-client status sshd` print.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { diagnose } from '../../../../lambda/core/diagnose/diagnose.ts';
import {
  HOST_CHECK_SECTIONS,
  hostCheckScript,
  SECTION_BEGIN,
  SECTION_END,
  SECTION_RC,
} from '../../../../lambda/core/evidence/host-check-script.ts';
import { readHostCheck } from '../../../../lambda/core/evidence/host-reading.ts';
import { parseHostReport } from '../../../../lambda/core/evidence/host-report.ts';
import type { EvidenceRequest, SourceFinding } from '../../../../lambda/core/evidence/observations.ts';
import type { ProbeResult } from '../../../../lambda/core/probe/types.ts';
import type { Verdict } from '../../../../lambda/core/reachability/types.ts';

const NAMESPACE_OUTPUT = readFileSync(
  new URL('../../../fixtures/host-check/script-output-namespace.txt', import.meta.url),
  'utf8',
);
const ID = 'i-0123456789abcdef0';

function request(peers: EvidenceRequest['peers']): EvidenceRequest {
  return { instanceId: ID, address: '10.0.1.25', port: 22, diagnosis: 'HOST_FIREWALL_DROP', peers, tags: {} };
}

function section(name: string, text: string, rc = 0): string {
  return `${SECTION_BEGIN}${name}\n${text}\n${SECTION_RC}${rc}\n\n${SECTION_END}${name}\n`;
}

const FAILED_SSH = [
  'unit=ssh',
  'LoadState=loaded',
  'ActiveState=failed',
  'SubState=failed',
  'Result=exit-code',
  'ExecMainCode=1',
  'ExecMainStatus=255',
  'ExecMainExitTimestamp=Tue 2026-12-01 17:00:01 UTC',
  'InactiveEnterTimestamp=Tue 2026-12-01 17:00:01 UTC',
  'ActiveEnterTimestamp=Tue 2026-12-01 16:00:00 UTC',
  'unit=sshd',
  'LoadState=not-found',
  'ActiveState=inactive',
].join('\n');

const FAIL2BAN_STATUS = [
  'Status for the jail: sshd',
  '|- Filter',
  '|  |- Currently failed:\t0',
  '|  |- Total failed:\t7',
  '|  `- File list:\t/var/log/auth.log',
  '`- Actions',
  '   |- Currently banned:\t2',
  '   |- Total banned:\t2',
  '   `- Banned IP list:\t203.0.113.9 10.20.0.5',
].join('\n');

function probe(outcome: ProbeResult['outcome']): ProbeResult {
  return { target: { host: '10.0.1.25', port: 22 }, outcome, phases: { connectMs: 3, totalMs: 3 } };
}
const open: Verdict = {
  instanceId: ID,
  address: '10.0.1.25',
  source: 'eni-prober',
  family: 'ipv4',
  reachable: true,
  blockers: [],
};

/** The diagnosis of a probe on an open path, with what the in-host check found (or without it). */
function diagnoseWith(p: ProbeResult, found?: SourceFinding) {
  return diagnose({
    instanceId: ID,
    expect: 'open',
    probe: p,
    proberVerdict: open,
    sourceVerdicts: [],
    ...(found?.observations ? { observations: found.observations } : {}),
  });
}

describe('the script', () => {
  it('fits its sections, with markers, within GetCommandInvocation’s 24,000 inline characters', () => {
    const markers = HOST_CHECK_SECTIONS.reduce(
      (n, s) => n + SECTION_BEGIN.length + SECTION_END.length + 2 * s.name.length + 4,
      0,
    );
    const caps = HOST_CHECK_SECTIONS.reduce((n, s) => n + s.cap, 0);
    // AWS Systems Manager API Reference, GetCommandInvocation, StandardOutputContent: "The first 24,000
    // characters written by the plugin to stdout". Caps count bytes, so the bound holds for any text.
    assert.ok(caps + markers <= 24_000, `${caps} + ${markers}`);
  });
  it('its real output (run in a namespace) has every section, each closed by its rc line', () => {
    const report = parseHostReport(NAMESPACE_OUTPUT);
    assert.deepEqual(
      [...report.sections.keys()],
      HOST_CHECK_SECTIONS.map((s) => s.name),
    );
    assert.equal(report.port, 22);
    assert.deepEqual(report.listeners, [{ local: '127.0.0.1:22', process: 'python3' }]);
    assert.equal(report.sshdProcesses, 0);
    assert.equal(report.sshdSettings.get('maxstartups')?.[0], '10:30:100');
  });
  it('embeds the port and uses nothing that writes (no redirection into a file, no tee)', () => {
    const script = hostCheckScript(2222);
    assert.match(script, /^P=2222$/m);
    assert.doesNotMatch(script, /[^2&]>\s*[^&/\s]|>>|\btee\b|\brm\b|\bmv\b/);
  });
});

describe('readHostCheck', () => {
  it('names the nft rule that drops the prober, and says the source outside its range is accepted', () => {
    const found = readHostCheck(
      NAMESPACE_OUTPUT,
      request([
        { name: 'prober', cidrs: ['198.18.9.4/32'] },
        { name: '192.0.2.0/24', cidrs: ['192.0.2.0/24'] },
      ]),
    );
    const firewall = found.evidence.filter((e) => e.code.startsWith('FIREWALL_'));
    assert.deepEqual(
      firewall.map((e) => [e.code, e.detail]),
      [
        [
          'FIREWALL_DROP',
          'host firewall drops tcp/22 from the prober (198.18.9.4/32): table inet filter chain input, rule handle 2: ip saddr 198.18.9.0/24 tcp dport 22 drop',
        ],
        // nft's table accepts it (policy accept); iptables' INPUT, at the same priority and listed after, rejects.
        [
          'FIREWALL_REJECT',
          'host firewall rejects (with tcp-reset) tcp/22 from source 192.0.2.0/24 (192.0.2.0/24): iptables filter chain INPUT, rule 7: -A INPUT -p tcp -j REJECT --reject-with tcp-reset',
        ],
      ],
    );
    assert.ok(found.evidence.every((e) => e.kind === 'host'));
    assert.ok(
      found.evidence.some((e) => e.code === 'LISTENING' && /127\.0\.0\.1:22 \(python3\)/.test(e.detail)),
    );
  });

  it('HOST_FIREWALL_DROP becomes proven by the rule', () => {
    const found = readHostCheck(NAMESPACE_OUTPUT, request([{ name: 'prober', cidrs: ['198.18.9.4/32'] }]));
    const d = diagnoseWith({ ...probe('timeout'), phases: { totalMs: 3001 } }, found);
    assert.equal(d.code, 'HOST_FIREWALL_DROP');
    assert.match(
      d.summary,
      /a host firewall drops it — proven by the host's ruleset: table inet filter chain input, rule handle 2: ip saddr 198\.18\.9\.0\/24 tcp dport 22 drop$/,
    );
  });

  it('a prober both rulesets accept (iptables rule 6: 10.0.0.0/8): the summary says so', () => {
    const found = readHostCheck(NAMESPACE_OUTPUT, request([{ name: 'prober', cidrs: ['10.200.0.1/32'] }]));
    const d = diagnoseWith(probe('timeout'), found);
    assert.match(d.summary, /yet the host's ruleset accepts the prober's SYN, so look beyond it$/);
  });

  it('SSHD_NOT_LISTENING names the failed unit, its exit status and time, and the missing listener', () => {
    const out = section('meta', 'port=22') + section('service', FAILED_SSH) + section('listeners', '');
    const found = readHostCheck(out, request([{ name: 'prober', cidrs: ['10.20.0.5/32'] }]));
    const d = diagnoseWith(probe('refused'), found);
    assert.equal(d.code, 'SSHD_NOT_LISTENING');
    assert.match(
      d.summary,
      /— the in-host check: ssh\.service failed \(failed\), exited 255 at Tue 2026-12-01 17:00:01 UTC, result exit-code; nothing listens on port 22$/,
    );
  });

  it('a REJECT with tcp reset turns a refused probe into HOST_FIREWALL_REJECT, with the rule', () => {
    const save =
      '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 10.20.0.0/24 -p tcp --dport 22 -j REJECT --reject-with tcp-reset\nCOMMIT\n';
    const out = section('iptables-version', 'iptables v1.8.9 (legacy)') + section('iptables', save);
    const found = readHostCheck(out, request([{ name: 'prober', cidrs: ['10.20.0.5/32'] }]));
    const d = diagnoseWith(probe('refused'), found);
    assert.equal(d.code, 'HOST_FIREWALL_REJECT');
    assert.match(
      d.summary,
      /rejects tcp\/22 with a TCP reset .* proven by the host's ruleset: iptables filter chain INPUT, rule 1: /,
    );
    // iptables' default REJECT answers ICMP port-unreachable, which connect() also reports as refused.
    const plain = save.replace(' --reject-with tcp-reset', '');
    const icmp = readHostCheck(
      section('iptables-version', 'iptables v1.8.9 (legacy)') + section('iptables', plain),
      request([{ name: 'prober', cidrs: ['10.20.0.5/32'] }]),
    );
    assert.match(diagnoseWith(probe('refused'), icmp).summary, /rejects tcp\/22 with ICMP port unreachable /);
    // The same reset without the in-host check stays the wire's reading.
    const wire = diagnoseWith(probe('refused'));
    assert.equal(wire.code, 'SSHD_NOT_LISTENING');
  });

  it('SSHD_REFUSING_CONNECTIONS names the fail2ban ban of the prober; other bans are listed by peer', () => {
    const out = section('fail2ban', FAIL2BAN_STATUS);
    const found = readHostCheck(
      out,
      request([
        { name: 'prober', cidrs: ['10.20.0.5/32'] },
        { name: '203.0.113.0/24', cidrs: ['203.0.113.0/24'] },
      ]),
    );
    assert.deepEqual(found.observations?.host?.banned, [
      { peer: '203.0.113.0/24', address: '203.0.113.9', by: 'fail2ban jail sshd' },
      { peer: 'prober', address: '10.20.0.5', by: 'fail2ban jail sshd' },
    ]);
    const d = diagnoseWith(
      { ...probe('closed-before-ident'), phases: { connectMs: 2, identMs: 4, totalMs: 6 } },
      found,
    );
    assert.equal(d.code, 'SSHD_REFUSING_CONNECTIONS');
    assert.match(
      d.summary,
      /proven by the in-host check: fail2ban jail sshd banned the prober's address 10\.20\.0\.5$/,
    );
  });

  it('real fail2ban 1.0.2: its jail list and its ban rule are one ban, named in the REJECT’s proof', () => {
    // What fail2ban printed and the firewall it left after banning 198.18.214.7 (fixtures' README).
    const fixture = (name: string) =>
      readFileSync(new URL(`../../../fixtures/host-check/${name}`, import.meta.url), 'utf8');
    const status = fixture('fail2ban-1.0.2-status-sshd.txt');
    const variants = [
      {
        sections: section('iptables', fixture('fail2ban-1.0.2-iptables-multiport.txt')),
        rule: 'iptables filter chain f2b-sshd, rule 1: -A f2b-sshd -s 198.18.214.7/32 -j REJECT --reject-with icmp-port-unreachable',
      },
      {
        sections:
          section('iptables', fixture('fail2ban-1.0.2-iptables-ipset.txt')) +
          section('ipset', fixture('fail2ban-1.0.2-ipset-save.txt')),
        rule: 'iptables filter chain INPUT, rule 1: -A INPUT -p tcp -m multiport --dports 22 -m set --match-set f2b-sshd src -j REJECT --reject-with icmp-port-unreachable',
      },
    ];
    for (const v of variants) {
      const found = readHostCheck(
        section('iptables-version', 'iptables v1.8.9 (nf_tables)') + v.sections + section('fail2ban', status),
        request([
          { name: 'prober', cidrs: ['198.18.214.7/32'] },
          { name: 'other', cidrs: ['198.18.214.8/32'] },
        ]),
      );
      const host = found.observations?.host;
      assert.deepEqual(host?.banned, [{ peer: 'prober', address: '198.18.214.7', by: 'fail2ban jail sshd' }]);
      assert.deepEqual(
        host?.firewall.map((d) => [d.peer, d.decision.verdict]),
        [
          ['prober', 'reject'],
          ['other', 'accept'],
        ],
      );
      // connect() reports the REJECT's ICMP port-unreachable as ECONNREFUSED: the probe saw "refused".
      const d = diagnoseWith(probe('refused'), found);
      assert.equal(d.code, 'HOST_FIREWALL_REJECT');
      assert.ok(
        d.summary.endsWith(
          `proven by the host's ruleset: ${v.rule} (fail2ban jail sshd banned the prober's address 198.18.214.7)`,
        ),
        d.summary,
      );
    }
  });

  it('a ban in another jail’s chain (f2b-recidive) stays beside the sshd jail’s list', () => {
    const save =
      '*filter\n:INPUT ACCEPT [0:0]\n:f2b-recidive - [0:0]\n-A INPUT -j f2b-recidive\n-A f2b-recidive -s 10.20.0.5/32 -j DROP\n-A f2b-recidive -j RETURN\nCOMMIT\n';
    const found = readHostCheck(
      section('iptables-version', 'iptables v1.8.9 (legacy)') +
        section('iptables', save) +
        section('fail2ban', FAIL2BAN_STATUS),
      request([{ name: 'prober', cidrs: ['10.20.0.5/32'] }]),
    );
    assert.deepEqual(found.observations?.host?.banned, [
      { peer: 'prober', address: '10.20.0.5', by: 'fail2ban jail sshd' },
      { peer: 'prober', address: '10.20.0.5/32', by: 'fail2ban jail recidive' },
    ]);
  });

  it('a deciding rule in an f2b-<jail> chain or in sshguard’s chain is a ban of that peer', () => {
    const f2b = readFileSync(
      new URL('../../../fixtures/host-check/iptables-save-fail2ban.txt', import.meta.url),
      'utf8',
    );
    const sshguard =
      '*filter\n:INPUT ACCEPT [0:0]\n:sshguard - [0:0]\n-A INPUT -j sshguard\n-A sshguard -s 198.18.5.9/32 -j DROP\nCOMMIT\n';
    const read = (save: string, prober: string) =>
      readHostCheck(
        section('iptables-version', 'iptables v1.8.9 (legacy)') + section('iptables', save),
        request([{ name: 'prober', cidrs: [prober] }]),
      ).observations?.host?.banned;
    assert.deepEqual(read(f2b, '198.18.5.7/32'), [
      { peer: 'prober', address: '198.18.5.7/32', by: 'fail2ban jail sshd' },
    ]);
    assert.deepEqual(read(f2b, '198.18.5.8/32'), []);
    assert.deepEqual(read(sshguard, '198.18.5.9/32'), [
      { peer: 'prober', address: '198.18.5.9/32', by: 'sshguard' },
    ]);
    const running = readHostCheck(section('sshguard', '612 /usr/sbin/sshguard'), request([]));
    // Nothing else was collected: no load line from an absent section, and the firewall unknown.
    assert.deepEqual(
      running.evidence.map((e) => e.code),
      ['FIREWALL_UNKNOWN', 'SSHGUARD'],
    );
  });

  it('a deciding rule on fail2ban’s f2b-<jail> ipset is a ban by that set; `! --match-set` is not', () => {
    // fail2ban's iptables-ipset-proto6 action: one rule in INPUT on the jail's set (hash:ip, timeout).
    const ipset =
      'create f2b-sshd hash:ip family inet hashsize 1024 maxelem 65536 timeout 600\nadd f2b-sshd 10.20.0.5 timeout 412';
    const rule = (negated: boolean) =>
      `*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m multiport --dports 22 -m set ${negated ? '! ' : ''}--match-set f2b-sshd src -j REJECT --reject-with icmp-port-unreachable\nCOMMIT\n`;
    const read = (negated: boolean, prober: string) =>
      readHostCheck(
        section('iptables-version', 'iptables v1.8.9 (legacy)') +
          section('iptables', rule(negated)) +
          section('ipset', ipset),
        request([{ name: 'prober', cidrs: [prober] }]),
      );
    const banned = read(false, '10.20.0.5/32');
    assert.deepEqual(banned.observations?.host?.banned, [
      { peer: 'prober', address: '10.20.0.5/32', by: "fail2ban's set f2b-sshd", set: 'f2b-sshd' },
    ]);
    assert.deepEqual(
      banned.evidence.filter((e) => e.code === 'BANNED').map((e) => e.detail),
      ["fail2ban's set f2b-sshd holds 10.20.0.5/32 (the prober)"],
    );
    const d = diagnoseWith(
      { ...probe('closed-before-ident'), phases: { connectMs: 2, identMs: 4, totalMs: 6 } },
      banned,
    );
    assert.match(
      d.summary,
      /proven by the in-host check: fail2ban's set f2b-sshd holds the prober's address 10\.20\.0\.5\/32$/,
    );
    assert.deepEqual(read(false, '10.20.0.6/32').observations?.host?.banned, []);
    // Rejected for not being in the set: a rule on the set, but no ban.
    const outside = read(true, '10.20.0.6/32');
    assert.equal(outside.observations?.host?.firewall[0]?.decision.verdict, 'reject');
    assert.deepEqual(outside.observations?.host?.banned, []);
  });

  it('output cut inside the nft section: the firewall is unknown, and no firewall line claims a verdict', () => {
    const cut = NAMESPACE_OUTPUT.slice(0, NAMESPACE_OUTPUT.indexOf('"nftables"') + 40);
    const found = readHostCheck(cut, request([{ name: 'prober', cidrs: ['198.18.9.4/32'] }]));
    assert.deepEqual(
      found.evidence.filter((e) => e.code.startsWith('FIREWALL_')).map((e) => e.detail),
      ['host firewall not evaluated: the nft ruleset was longer than the check reads'],
    );
  });
});
