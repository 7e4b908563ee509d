// `port22 check` through the real CLI entry. Fixture inventories hold 10.x addresses, so every run that
// would probe uses --no-probe (DESIGN.md, "Addresses"): nothing here sends a packet.
import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatCheckReport } from '../../cli/check.ts';
import { port22, REPO, withInstances, withoutFiles } from './port22.ts';

const LAB = `${REPO}test/fixtures/inventories/pipeline-lab`;
const SIGNALS = `${REPO}test/fixtures/signals/pipeline-lab-signals.json`;
const PROBER = 'eni-0b22000000000f0a0';

const check = (...args: string[]) => port22('check', ...args);

interface CheckJson {
  instances: {
    instanceId: string;
    name?: string;
    address: string;
    diagnosis: string;
    summary: string;
    evidence: { kind: string; code: string; detail: string }[];
    remediation: string[];
    probe?: unknown;
  }[];
  findings: { code: string; resourceId: string; detail: string }[];
  unchecked: number;
}

/** The lab fixture with an internal NLB `ssh-nlb` (10.20.0.40) before web-2 (healthy) and api-1 (failing). */
function writeNlbInventory(dir: string): void {
  for (const f of readdirSync(LAB)) copyFileSync(join(LAB, f), join(dir, f));
  const lb = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/ssh-nlb/0b22000000000e01';
  const tg = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/ssh-pool/0b22000000000e02';
  const write = (file: string, doc: object) => writeFileSync(join(dir, file), JSON.stringify(doc));
  // 10.20.0.40 is inside ssh-from-port22's 10.20.0.0/24 (web-2's group), not https-only's (api-1's).
  write('elbv2-describe-load-balancers.json', {
    LoadBalancers: [
      {
        LoadBalancerArn: lb,
        LoadBalancerName: 'ssh-nlb',
        Scheme: 'internal',
        Type: 'network',
        AvailabilityZones: [
          { ZoneName: 'eu-west-1a', LoadBalancerAddresses: [{ PrivateIPv4Address: '10.20.0.40' }] },
        ],
      },
    ],
  });
  write('elbv2-describe-target-groups.json', {
    TargetGroups: [
      {
        TargetGroupArn: tg,
        TargetGroupName: 'ssh-pool',
        Protocol: 'TCP',
        Port: 22,
        TargetType: 'instance',
        LoadBalancerArns: [lb],
      },
    ],
  });
  mkdirSync(join(dir, 'elbv2-describe-target-health'));
  write('elbv2-describe-target-health/ssh-pool.json', {
    TargetHealthDescriptions: [
      { Target: { Id: 'i-0b220000000000002', Port: 22 }, TargetHealth: { State: 'healthy' } },
      {
        Target: { Id: 'i-0b220000000000003', Port: 22 },
        TargetHealth: {
          State: 'unhealthy',
          Reason: 'Target.FailedHealthChecks',
          Description: 'Health checks failed',
        },
      },
    ],
  });
}

describe('port22 check', () => {
  it('--from or --source naming a terminated instance: one line, exit 2', () => {
    const GUIDE = `${REPO}test/fixtures/inventories/vpc-guide-example`;
    const terminated = (doc: { Reservations: { Instances: Record<string, unknown>[] }[] }) => {
      doc.Reservations.push({
        Instances: [
          {
            InstanceId: 'i-03f68cb25c2250981',
            State: { Name: 'terminated', Code: 48 },
            NetworkInterfaces: [],
          },
        ],
      });
    };
    withInstances(GUIDE, terminated, (dir) => {
      for (const flag of ['--from', '--source']) {
        const r = check('--inventory', dir, flag, 'i-03f68cb25c2250981', '--no-probe');
        assert.equal(r.status, 2);
        assert.equal(
          r.stderr,
          'port22: source i-03f68cb25c2250981: the instance is terminated, so it has no network interface\n',
        );
      }
    });
  });
  it('--no-probe without describe-network-acls.json: UNKNOWN naming the file, not HEALTHY', () => {
    const GUIDE = `${REPO}test/fixtures/inventories/vpc-guide-example`;
    withoutFiles(GUIDE, ['describe-network-acls.json'], (dir) => {
      const r = check('--inventory', dir, '--from', 'i-0a1b2c3d4e5f60718', '--no-probe', '--json');
      assert.equal(r.status, 1);
      const app = (JSON.parse(r.stdout) as CheckJson).instances.find(
        (i) => i.instanceId === 'i-0b2c3d4e5f6071829',
      );
      assert.equal(app?.diagnosis, 'UNKNOWN');
      assert.match(app.summary, /describe-network-acls\.json is not in the inventory/);
      assert.deepEqual(app.remediation, [
        'Collect what the inventory lacks, then analyse again: `aws ec2 describe-network-acls --output json > describe-network-acls.json`',
      ]);
      const text = check('--inventory', dir, '--from', 'i-0a1b2c3d4e5f60718', '--no-probe').stdout;
      assert.match(
        text,
        /app-1 +i-0b2c3d4e5f6071829 +10\.0\.1\.25:22 +UNKNOWN +.*describe-network-acls\.json is not in the inventory/,
      );
    });
  });

  it('what a verdict assumes is evidence in --json and an "assumed: …" line in the text report', () => {
    const GUIDE = `${REPO}test/fixtures/inventories/vpc-guide-example`;
    const args = [
      '--inventory',
      GUIDE,
      '--from',
      'i-0a1b2c3d4e5f60718',
      '--source',
      'internet',
      '--no-probe',
    ];
    const bastion = (JSON.parse(check(...args, '--json').stdout) as CheckJson).instances.find(
      (i) => i.instanceId === 'i-0a1b2c3d4e5f60718',
    );
    assert.deepEqual(
      bastion?.evidence.filter((e) => e.code === 'ASSUMED').map((e) => e.detail),
      [
        'assumed: Block Public Access state unknown (describe-vpc-block-public-access-options.json is not in the inventory): assumed off (internet → 54.210.17.4, ipv4)',
      ],
    );
    assert.match(check(...args).stdout, /^ {4}- assumed: Block Public Access state unknown/m);
  });

  it('a healthy instance`s assumptions are listed too, escaped like every other line', () => {
    const report = {
      instances: [
        {
          instanceId: 'i-0ok',
          address: '10.0.1.5',
          port: 22,
          diagnosis: 'HEALTHY' as const,
          healthy: true,
          severity: 'ok' as const,
          summary: 'SSH answers',
          evidence: [
            { kind: 'probe' as const, code: 'ok', detail: 'probe ok' },
            // A firewall's name comes from the account: it must not drive the terminal.
            {
              kind: 'static' as const,
              code: 'ASSUMED',
              detail: 'assumed: firewall x\u001b]0;owned\u0007 passes',
            },
          ],
          remediation: [],
        },
      ],
      findings: [],
      unchecked: 0,
      uncheckedInstances: [],
      alerts: { sent: [], failed: [], dropped: [], conflicts: [] },
      errors: [],
      proberErrors: 0,
      metrics: [],
      runId: 'r',
      startedAt: '2026-01-01T00:00:00Z',
      durationMs: 1,
    };
    const text = formatCheckReport(report);
    assert.match(text, /\n\nAssumed\n {2}i-0ok: assumed: firewall x\\x1b\]0;owned\\x07 passes\n/);
    for (const raw of ['\u001b', '\u0007']) assert.equal(text.includes(raw), false);
  });

  it('--json --no-probe: the DESIGN.md shape, one diagnosis per monitored instance, exit 1', () => {
    const r = check('--inventory', LAB, '--from', PROBER, '--signals', SIGNALS, '--no-probe', '--json');
    assert.equal(r.stderr, '');
    assert.equal(r.status, 1);
    const out = JSON.parse(r.stdout) as CheckJson;
    assert.deepEqual(Object.keys(out).slice(0, 3), ['instances', 'findings', 'unchecked']);
    assert.equal(out.unchecked, 0);
    assert.equal(out.instances.length, 16);
    for (const i of out.instances) {
      assert.deepEqual(
        Object.keys(i).filter((k) =>
          ['instanceId', 'address', 'diagnosis', 'summary', 'evidence', 'remediation'].includes(k),
        ),
        ['instanceId', 'address', 'diagnosis', 'summary', 'evidence', 'remediation'],
      );
      assert.equal(i.probe, undefined, '--no-probe: no probe result');
    }
    const by = Object.fromEntries(out.instances.map((i) => [i.name, i.diagnosis]));
    assert.equal(by['api-1'], 'BLOCKED_BY_SECURITY_GROUP');
    assert.equal(by['db-1'], 'BLOCKED_BY_NETWORK_ACL');
    assert.equal(by['batch-1'], 'NO_ROUTE');
    assert.equal(by['worker-1'], 'INSTANCE_STOPPED');
    assert.equal(by['worker-2'], 'INSTANCE_IMPAIRED');
    assert.equal(by['knock-1'], 'EXPECTED_CLOSED');
    assert.equal(by['web-1'], 'HEALTHY');
    assert.deepEqual(out.findings.map((f) => f.code).sort(), [
      'NACL_SSH_OPEN_TO_INTERNET',
      'SSH_OPEN_TO_INTERNET',
    ]);
  });

  it('readable report: one line per instance, then details of the non-healthy ones, findings, unchecked', () => {
    const r = check('--inventory', LAB, '--from', PROBER, '--signals', SIGNALS, '--no-probe');
    assert.equal(r.status, 1);
    const lines = r.stdout.split('\n');
    assert.match(
      lines[0]!,
      /^web-1\s+i-0b220000000000001\s+10\.20\.1\.11:22\s+HEALTHY\s+configuration allows/,
    );
    assert.ok(
      lines.some((l) =>
        /^api-1\s+i-0b220000000000003\s+10\.20\.1\.13:22\s+BLOCKED_BY_SECURITY_GROUP\s+sg-0b22000000000a004/.test(
          l,
        ),
      ),
    );
    assert.ok(r.stdout.includes('\ni-0b220000000000003 (api-1): BLOCKED_BY_SECURITY_GROUP [critical]\n'));
    assert.ok(r.stdout.includes('  Remediation:\n    1. '));
    assert.ok(r.stdout.includes('\nFindings\n  SSH_OPEN_TO_INTERNET sg-0b22000000000a003'));
    assert.match(r.stdout, /\n16 instance\(s\): 11 healthy, 5 not; 2 finding\(s\); 0 unchecked\n$/);
  });

  it('an SSH target group: its line under Load-balanced groups and in --json groups (docs/load-balancers.md)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'port22-check-nlb-'));
    try {
      writeNlbInventory(dir);
      const line =
        "  ssh-pool (behind ssh-nlb): 1 of 2 SSH targets unhealthy: i-0b220000000000003 (api-1) failing the NLB's health check (Target.FailedHealthChecks), port22 says BLOCKED_BY_SECURITY_GROUP; security group sg-0b22000000000a004 allows no TCP 22 from the NLB ssh-nlb's private address 10.20.0.40 (the NLB's health checks and traffic come from it)";
      const text = check('--inventory', dir, '--from', PROBER, '--signals', SIGNALS, '--no-probe');
      assert.ok(text.stdout.includes(`\nLoad-balanced groups\n${line}\n`), text.stdout);
      const json = JSON.parse(
        check('--inventory', dir, '--from', PROBER, '--signals', SIGNALS, '--no-probe', '--json').stdout,
      );
      assert.deepEqual(
        json.groups.map((g: { group: string; members: number; unhealthy: number }) => [
          g.group,
          g.members,
          g.unhealthy,
        ]),
        [['ssh-pool', 2, 1]],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the NLB's listener: each node under its group, in --json groups[].listeners; --no-probe says why none was probed", () => {
    const dir = mkdtempSync(join(tmpdir(), 'port22-check-nlb-'));
    try {
      writeNlbInventory(dir);
      const lb =
        'arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/ssh-nlb/0b22000000000e01';
      const tg = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/ssh-pool/0b22000000000e02';
      mkdirSync(join(dir, 'elbv2-describe-listeners'));
      writeFileSync(
        join(dir, 'elbv2-describe-listeners/ssh-nlb.json'),
        JSON.stringify({
          Listeners: [
            {
              ListenerArn: `${lb.replace(':loadbalancer/', ':listener/')}/0b22000000000e03`,
              LoadBalancerArn: lb,
              Port: 22,
              Protocol: 'TCP',
              DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }],
            },
          ],
        }),
      );
      const text = check('--inventory', dir, '--from', PROBER, '--signals', SIGNALS, '--no-probe');
      assert.ok(
        text.stdout.includes(
          '\n    ssh-nlb TCP listener 10.20.0.40:22 (1 of 2 targets healthy in eu-west-1a, cross-zone unknown): not probed: probing is off this run\n',
        ),
        text.stdout,
      );
      const json = JSON.parse(
        check('--inventory', dir, '--from', PROBER, '--signals', SIGNALS, '--no-probe', '--json').stdout,
      );
      assert.deepEqual(json.groups[0].listeners, [
        {
          loadBalancer: 'ssh-nlb',
          listenerArn: `${lb.replace(':loadbalancer/', ':listener/')}/0b22000000000e03`,
          protocol: 'TCP',
          port: 22,
          addresses: [
            {
              address: '10.20.0.40',
              zone: 'eu-west-1a',
              answer: 'not-probed',
              detail: 'probing is off this run',
            },
          ],
        },
      ]);
      assert.deepEqual(json.groups[0].blockers, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exit 0 when every instance is healthy and nothing is exposed', () => {
    // The lab inventory cut down to web-2, whose path from the prober is open and not exposed.
    const dir = mkdtempSync(join(tmpdir(), 'port22-check-healthy-'));
    try {
      for (const f of readdirSync(LAB)) copyFileSync(join(LAB, f), join(dir, f));
      const doc = JSON.parse(readFileSync(join(LAB, 'describe-instances.json'), 'utf8')) as {
        Reservations: { Instances: { InstanceId: string }[] }[];
      };
      doc.Reservations = doc.Reservations.filter((r) => r.Instances[0]?.InstanceId === 'i-0b220000000000002');
      writeFileSync(join(dir, 'describe-instances.json'), JSON.stringify(doc));
      // …and without the world-open group and the locked-down ACL (exposure findings of their own).
      const without = (file: string, key: string, idKey: string, id: string) => {
        const d = JSON.parse(readFileSync(join(LAB, file), 'utf8')) as Record<
          string,
          Record<string, string>[]
        >;
        d[key] = d[key]!.filter((x) => x[idKey] !== id);
        writeFileSync(join(dir, file), JSON.stringify(d));
      };
      without('describe-security-groups.json', 'SecurityGroups', 'GroupId', 'sg-0b22000000000a003');
      without('describe-network-acls.json', 'NetworkAcls', 'NetworkAclId', 'acl-0b22000000000d002');
      const r = check('--inventory', dir, '--from', PROBER, '--signals', SIGNALS, '--no-probe', '--json');
      const out = JSON.parse(r.stdout) as CheckJson;
      assert.deepEqual(
        out.instances.map((i) => i.diagnosis),
        ['HEALTHY'],
      );
      assert.deepEqual(out.findings, []);
      assert.equal(r.status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--state <dir> remembers between runs: the second failure writes an alert as an .eml file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'port22-check-state-'));
    try {
      const args = ['--inventory', LAB, '--from', PROBER, '--signals', SIGNALS, '--no-probe', '--state', dir];
      assert.equal(check(...args).status, 1);
      assert.deepEqual(readdirSync(dir).sort(), ['instances']);
      const second = check(...args);
      assert.equal(second.status, 1);
      const emails = readdirSync(join(dir, 'alerts'));
      // api-1, db-1, batch-1, worker-1, worker-2 fail twice in a row: one DOWN alert each.
      assert.equal(emails.length, 5);
      assert.ok(
        second.stdout.includes(
          '\nAlerts\n  [port22] DOWN i-0b220000000000003 (api-1): BLOCKED_BY_SECURITY_GROUP\n  [port22] DOWN i-0b220000000000004 (db-1)',
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--html <file> writes the self-contained page beside the printed report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'port22-check-html-'));
    try {
      const file = join(dir, 'nested', 'report.html');
      const r = check('--inventory', LAB, '--from', PROBER, '--no-probe', '--html', file);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stdout, /BLOCKED_BY_SECURITY_GROUP/);
      assert.match(r.stderr, /report written to .*report\.html/);
      const html = readFileSync(file, 'utf8');
      assert.match(html, /^<!doctype html>/i);
      for (const id of ['i-0b220000000000003', 'i-0b220000000000004', 'i-0b220000000000006'])
        assert.ok(html.includes(id), `${id} on the page`);
      assert.doesNotMatch(html, /<script|src="http/i, 'no scripts, no external assets');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--html to a path that cannot be written is one line and exit 2, promptly', () => {
    const started = Date.now();
    const r = check('--inventory', LAB, '--from', PROBER, '--no-probe', '--html', '/proc/port22-nope/r.html');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^port22: cannot write \/proc\/port22-nope\/r\.html: .*\n$/);
    assert.ok(Date.now() - started < 30_000);
  });

  it('without --from or --source it says, in one line, why failures cannot be traced to configuration', () => {
    const bare = check('--inventory', LAB, '--no-probe');
    assert.equal(bare.stderr.split('\n').filter(Boolean).length, 1, bare.stderr);
    assert.match(bare.stderr, /^port22: note: no --from or --source.*--from <i-…\|eni-…\|CIDR>/);
    const withFrom = check('--inventory', LAB, '--from', PROBER, '--no-probe');
    assert.equal(withFrom.stderr, '');
  });

  it('bad input is exit 2 with one line on stderr', () => {
    const cases: [string[], RegExp][] = [
      [['--inventory', `${REPO}test/fixtures/inventories/nope`, '--no-probe'], /not an inventory directory/],
      [['--inventory', LAB, '--region', 'eu-west-1', '--no-probe'], /either --inventory <dir> or --region/],
      [['--no-probe'], /give --inventory <dir> \(offline\) or --region <region>/],
      [
        ['--inventory', LAB, '--source', 'i-0e2dda24a34a7d0c5', '--no-probe'],
        /source i-0e2dda24a34a7d0c5: no such instance/,
      ],
      [['--inventory', LAB, '--port', '70000', '--no-probe'], /bad number '70000' for --port/],
      [['--inventory', LAB, '--host-check', '--no-probe'], /--host-check needs --region/],
      [
        ['--inventory', `${REPO}test/fixtures/inventories/malformed`, '--no-probe'],
        /describe-security-groups\.json/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = check(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
      assert.match(r.stderr, /^port22: /);
      assert.equal(r.stdout, '');
    }
  });
});
