// `port22 lab` as a user runs it: `node bin/port22.mjs lab` in a child process, with its files in a temp
// --dir so the repository's .port22 is never touched. As root with sshd and nft the whole fleet (real sshd,
// nft namespaces); elsewhere the fleet this machine can run, which the lab names in one line per gap; as
// nobody (setpriv) the reduced fleet with its one-line explanations.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FleetHost, loadFleet } from '../../lab/fleet.ts';
import { netnsAvailable } from '../../lab/netns.ts';
import { sshdAvailable } from '../../lab/sshd.ts';
import { isFailure } from '../../lambda/core/alerts/instance-policy.ts';
import { DIAGNOSIS_CODES } from '../../lambda/core/diagnose/types.ts';

const REPO = new URL('../../', import.meta.url).pathname;
const CLI = join(REPO, 'bin/port22.mjs');
const fleet = loadFleet();
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const NOBODY = 65534;

// What the lab must do without on this machine, from the same checks it makes (a run as this user) and
// from the fleet's own table: which hosts leave out without namespaces, which stand in for OpenSSH.
const netnsSkip = netnsAvailable();
const sshdSkip = sshdAvailable();
const leftOut = netnsSkip
  ? fleet.hosts.filter((h) => 'netns' in h.backend && h.backend.withoutRoot === 'leave-out')
  : [];
const checked = fleet.hosts.filter((h) => !leftOut.includes(h));
// Down, as the alert policy counts it (every lab host is expected open but knock-1, whose EXPECTED_CLOSED is
// not a failure either way).
const failing = checked.filter((h) => isFailure(h.expect, 'open'));
/** A host as the lab's notes name it: the Name tag up to its first space. */
const shortNames = (hosts: readonly FleetHost[]) => hosts.map((h) => h.name.split(' ')[0]).join(', ');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/**
 * How to run the CLI as nobody. A checkout under a private parent directory (CI clones wherever it
 * likes, e.g. under /root) is not reachable by nobody even though its own files are world-readable; a bind
 * mount of the checkout onto a fresh directory under /tmp, in a private mount namespace, makes it reachable
 * without copying or changing any permission.
 */
function nobodyArgv(args: string[], viaBindMount: boolean): [string, string[], string] {
  const setpriv = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];
  if (!viaBindMount) return [setpriv[0]!, [...setpriv.slice(1), process.execPath, CLI, ...args], REPO];
  const mountPoint = mkdtempSync(join(tmpdir(), 'port22-repo-'));
  chmodSync(mountPoint, 0o755);
  const script = 'mount --bind "$1" "$2" && cd "$2" && shift 2 && exec "$@"';
  return [
    'unshare',
    [
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      script,
      'sh',
      REPO,
      mountPoint,
      ...setpriv,
      process.execPath,
      join(mountPoint, 'bin/port22.mjs'),
      ...args,
    ],
    mountPoint,
  ];
}

/** Runs the CLI; bounded at 60 s (a lab run takes a few). */
function port22(
  args: string[],
  opts: { asNobody?: boolean; viaBindMount?: boolean; home?: string } = {},
): Promise<Run> {
  const env = { ...process.env, ...(opts.home ? { HOME: opts.home } : {}) };
  const [cmd, argv, cwd] = opts.asNobody
    ? nobodyArgv(args, opts.viaBindMount === true)
    : [process.execPath, [CLI, ...args], REPO];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      cwd: opts.viaBindMount ? tmpdir() : cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (opts.viaBindMount) rmdirSync(cwd);
      resolve({ code, stdout, stderr, pid: child.pid! });
    });
  });
}

/** The report's table: Name → diagnosis, from rows `<name>  i-…  <address>:<port>  <CODE>  <evidence>`. */
function diagnoses(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^(.+?)\s+(i-[0-9a-f]{17})\s+\S+:\d+\s+([A-Z_]+)\s/.exec(line);
    if (m) out.set(m[1]!.trim(), m[3]!);
  }
  return out;
}

const emlCount = (dir: string) => readdirSync(join(dir, 'outbox')).filter((f) => f.endsWith('.eml')).length;

describe('port22 lab: every host this machine can run (as root with sshd and nft, the whole fleet)', () => {
  let dir: string;
  let first: Run;
  let second: Run;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'port22-lab-test-'));
    first = await port22(['lab', '--dir', dir]);
    second = await port22(['lab', '--dir', dir]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('first run: what it could not run here is named in one line each, and only that', (t) => {
    const netnsNotes = first.stdout.match(/^lab: no network namespaces .*$/gm) ?? [];
    if (netnsSkip) {
      const configOnly = fleet.hosts.filter(
        (h) => 'netns' in h.backend && h.backend.withoutRoot === 'config-only',
      );
      assert.deepEqual(netnsNotes, [
        `lab: no network namespaces (${netnsSkip}): ${shortNames(leftOut)} left out; ${shortNames(configOnly)} checked on configuration alone`,
      ]);
      t.diagnostic(`reduced fleet: ${netnsSkip}`);
    } else assert.deepEqual(netnsNotes, []);
    const sshdNotes = first.stdout.match(/^lab: no real OpenSSH .*$/gm) ?? [];
    if (sshdSkip) {
      const standIns = fleet.hosts.filter((h) => 'sshd' in h.backend);
      assert.deepEqual(sshdNotes, [
        `lab: no real OpenSSH (${sshdSkip}): ${shortNames(standIns)} served by in-process stand-ins`,
      ]);
    } else assert.deepEqual(sshdNotes, []);
  });

  it('first run: exit 0 and every diagnosis the fleet is built to produce, on the host built for it', () => {
    assert.equal(first.code, 0, first.stderr);
    const got = diagnoses(first.stdout);
    for (const host of checked)
      assert.equal(got.get(host.name), host.expect, `${host.name}\n${first.stdout}`);
    for (const host of leftOut) assert.equal(got.has(host.name), false, `${host.name} was left out`);
    assert.deepEqual(new Set(fleet.hosts.map((h) => h.expect)), new Set(DIAGNOSIS_CODES));
    assert.doesNotMatch(first.stdout, /^Errors$/m);
    assert.match(first.stdout, /SSH_OPEN_TO_INTERNET sg-0b22000000000a003/);
  });

  it("first run: the pair behind the stand-in NLB, one failing: the group's line names it, the NLB's reason and port22's diagnosis", () => {
    assert.match(
      first.stdout,
      /^Load-balanced groups\n {2}sftp-ssh \(behind sftp-nlb\): 1 of 2 SSH targets unhealthy: i-0b220000000000018 \(sftp-b \(behind sftp-nlb, sshd stopped\)\) failing the NLB's health check \(Target\.FailedHealthChecks\), port22 says SSHD_NOT_LISTENING; /m,
    );
  });

  it("first run: the NLB's listener probed at each zone's node: eu-west-1a (the healthy target's zone) answers SSH, eu-west-1b (no target) does not", () => {
    // Cross-zone load balancing off (the NLB default): a node routes only to healthy targets in its own zone.
    assert.match(
      first.stdout,
      /^ {4}sftp-nlb TCP listener 10\.20\.1\.40:22 \(1 of 2 targets healthy in eu-west-1a, cross-zone off \(load balancer attribute\)\): answered SSH-2\.0-\S+/m,
    );
    assert.match(
      first.stdout,
      /^ {4}sftp-nlb TCP listener 10\.20\.7\.4:22 \(0 of 0 targets healthy in eu-west-1b, cross-zone off \(load balancer attribute\)\): accepted the connection but sent no SSH ident \((reset|closed)-before-ident\)$/m,
    );
    assert.match(
      first.stdout,
      // Explained by the lab's attributes files: cross-zone off, and no target in eu-west-1b.
      /port22 says SSHD_NOT_LISTENING; the NLB's listener 10\.20\.7\.4:22 in eu-west-1b accepted the connection but sent no SSH ident \((reset|closed)-before-ident\): no target in eu-west-1b and cross-zone load balancing is off \(load balancer attribute\)$/m,
    );
  });

  it("first run: flow-log records from what nft counted, and the lab's changes attributed to its operator", (t) => {
    const section = (name: string) =>
      first.stdout.split('\n\n').find((b) => b.startsWith('i-') && b.includes(`(${name}`)) ?? '';
    const byOperator =
      /: (RevokeSecurityGroupIngress|ReplaceNetworkAclEntry|CreateRoute) by arn:aws:iam::111122223333:user\/lab-operator from 198\.51\.100\.22 at \d{4}-/;
    for (const name of ['api-1', 'reports-db', 'batch-3']) {
      assert.match(section(name), /since the last healthy check at \d{4}-/, name);
      assert.match(section(name), byOperator, name);
    }
    if (netnsSkip) {
      t.diagnostic(`no flow-log records without namespaces: ${netnsSkip}`);
      return;
    }
    // nft in the namespace plays the security group: the VPC rejected the prober's SYNs.
    assert.match(
      section('api-1'),
      /flow logs: \d+ packets? to port 22 rejected by the VPC .* from 10\.20\.0\.5 \(\d+\)/,
    );
    assert.match(section('api-1'), /tcp\/22; the VPC's flow logs agree: \d+ packets? to port 22 rejected/);
    // It plays the ACL whose outbound rules miss the prober's ports: the SYNs got in, the replies did not.
    assert.match(
      section('reports-db'),
      /flow logs: \d+ packets? to port 22 accepted, \d+ repl(y|ies) from port 22 rejected by the VPC on the way back/,
    );
    assert.match(
      section('reports-db'),
      /the VPC's flow logs agree: \d+ packets? to port 22 accepted, \d+ packets? back rejected/,
    );
    // nft plays the host's firewall: the VPC accepted the SYNs, the host never answered over TCP.
    for (const name of ['queue-1', 'queue-2'])
      assert.match(
        section(name),
        /flow logs: \d+ packets? to port 22 accepted by the VPC, no TCP reply/,
        name,
      );
    assert.match(section('cache-1'), /flow logs not available: no active flow log on eni-/);
  });

  it('first run: a progress line on stderr, alerts listed with their .eml files, the files named', () => {
    assert.match(first.stderr, /probing \d+\/\d+ targets/);
    assert.match(first.stderr, /probed \d+ targets in [\d.]+ s/);
    const down = first.stdout.match(/^ {2}\[port22\] DOWN .*→ .*\.eml$/gm) ?? [];
    assert.equal(down.length, failing.length);
    assert.match(first.stdout, /^Alerts sent this run \(\d+, first failure alerts in the lab/m);
    assert.match(first.stdout, /report {3}.*report\.html/);
  });

  it('files: .eml messages, EMF metrics as JSON lines, the HTML report, DynamoDB data', () => {
    const emls = readdirSync(join(dir, 'outbox')).filter((f) => f.endsWith('.eml'));
    assert.ok(emls.length > 0);
    const eml = readFileSync(join(dir, 'outbox', emls[0]!), 'utf8');
    assert.match(eml, /^From: .*\r\nTo: .*\r\nSubject: \[port22\] DOWN /);
    const metrics = readdirSync(join(dir, 'metrics'));
    assert.equal(metrics.length, 2, 'one metrics file per run');
    for (const file of metrics) {
      const lines = readFileSync(join(dir, 'metrics', file), 'utf8')
        .trim()
        .split('\n');
      for (const line of lines) {
        const doc = JSON.parse(line);
        const directive = doc._aws?.CloudWatchMetrics?.[0];
        assert.ok(typeof doc._aws.Timestamp === 'number' && directive, line);
        for (const m of directive.Metrics) {
          const values = [doc[m.Name]].flat();
          assert.ok(values.length > 0 && values.every((v) => typeof v === 'number'), `${m.Name} in ${line}`);
        }
      }
    }
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    for (const host of checked) assert.ok(html.includes(host.instanceId), host.instanceId);
    assert.ok(readdirSync(join(dir, 'dynamodb')).length > 0);
  });

  it('leaves nothing running: no namespace of the lab process is left', (t) => {
    if (netnsSkip) return t.skip(`it made none: ${netnsSkip}`);
    const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const run of [first, second]) assert.doesNotMatch(namespaces, new RegExp(`port22-${run.pid}-`));
  });

  it('second run: no duplicate alerts, and it says so', () => {
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stdout, /\[port22\] DOWN/);
    assert.match(
      second.stdout,
      new RegExp(`^no new alerts: ${failing.length} instances still down, already alerted at \\d{4}-`, 'm'),
    );
    assert.equal(emlCount(dir), failing.length);
  });

  it('--fix cache-1, then a run: a recovery notice, the fix listed; --fix again says already fixed', async () => {
    const fix = await port22(['lab', '--dir', dir, '--fix', 'cache-1']);
    assert.equal(fix.code, 0, fix.stderr);
    assert.match(fix.stdout, /^fixed cache-1 \(sshd stopped\) \(i-0b220000000000008\)/);
    const state = JSON.parse(readFileSync(join(dir, 'lab-state.json'), 'utf8'));
    assert.deepEqual(
      state.fixes.map((f: { instanceId: string }) => f.instanceId),
      ['i-0b220000000000008'],
    );
    const before = emlCount(dir);
    const third = await port22(['lab', '--dir', dir]);
    assert.equal(third.code, 0, third.stderr);
    assert.equal(diagnoses(third.stdout).get('cache-1 (sshd stopped)'), 'HEALTHY');
    assert.match(
      third.stdout,
      /\[port22\] RECOVERED i-0b220000000000008 \(cache-1 \(sshd stopped\)\): HEALTHY \(was SSHD_NOT_LISTENING\)/,
    );
    assert.match(third.stdout, /^no other new alerts: \d+ instances still down/m);
    assert.equal(emlCount(dir), before + 1);
    const again = await port22(['lab', '--dir', dir, '--fix', 'i-0b220000000000008']);
    assert.match(again.stdout, /was already fixed at/);
  });

  it('--fix of a configuration fault patches a copy of the inventory, never lab/fleet', async () => {
    const fix = await port22(['lab', '--dir', dir, '--fix', 'api-1']);
    assert.equal(fix.code, 0, fix.stderr);
    const groups = (file: string) =>
      JSON.parse(readFileSync(file, 'utf8')).SecurityGroups.find(
        (g: { GroupId: string }) => g.GroupId === 'sg-0b22000000000a004',
      ).IpPermissions.length;
    assert.equal(groups(join(dir, 'fleet/describe-security-groups.json')), 2);
    assert.equal(groups(join(REPO, 'lab/fleet/describe-security-groups.json')), 1);
  });

  it('--json prints the report JSON', async () => {
    const run = await port22(['lab', '--dir', dir, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.instances.length, checked.length);
    assert.equal(report.unchecked, 0);
    const api = report.instances.find((i: { name?: string }) => i.name === 'api-1 (sg: no ssh rule)');
    assert.equal(api.diagnosis, 'HEALTHY', 'the fixed group lets the prober in');
    // Console output (lab/fleet/get-console-output/): the panicked host and the one whose sshd the OOM killer took.
    const consoleCodes = (name: string) =>
      report.instances
        .find((i: { name?: string }) => i.name === name)
        .evidence.filter((e: { kind: string }) => e.kind === 'console')
        .map((e: { code: string }) => e.code);
    assert.deepEqual(consoleCodes('worker-2 (status check failed)'), ['KERNEL_PANIC']);
    assert.deepEqual(consoleCodes('batch-7 (cpu starved)'), ['OOM_KILL']);
    // Still broken: its ACL change is attributed, and (with namespaces) its flow-log records are there.
    const db = report.instances.find((i: { name?: string }) => i.name === 'reports-db (acl: no return path)');
    const kinds = db.evidence.map((e: { kind: string; code: string }) => `${e.kind} ${e.code}`);
    const change = db.evidence.find((e: { kind: string }) => e.kind === 'change');
    assert.equal(change.principal, 'arn:aws:iam::111122223333:user/lab-operator');
    assert.match(change.at, /^\d{4}-\d\d-\d\dT/);
    if (!netnsSkip) assert.ok(kinds.includes('flow-log FLOW_LOG_RETURN_REJECTED'), kinds.join(', '));
  });

  it("--fix sftp-b: the stand-in NLB's own health check passes again, and the group is whole", async () => {
    const fix = await port22(['lab', '--dir', dir, '--fix', 'sftp-b']);
    assert.equal(fix.code, 0, fix.stderr);
    const run = await port22(['lab', '--dir', dir, '--json']);
    const [group] = JSON.parse(run.stdout).groups;
    assert.equal(group.group, 'sftp-ssh');
    // Both targets healthy, yet eu-west-1b still has none of them: its node still does not answer SSH.
    assert.match(
      group.summary,
      /^2 of 2 SSH targets healthy; the NLB's listener 10\.20\.7\.4:22 in eu-west-1b accepted the connection but sent no SSH ident \((reset|closed)-before-ident\): no target in eu-west-1b and cross-zone load balancing is off \(load balancer attribute\)$/,
    );
    assert.deepEqual(
      group.listeners[0].addresses.map((a: { zone: string; answer: string }) => [a.zone, a.answer]),
      [
        ['eu-west-1a', 'ssh'],
        ['eu-west-1b', 'tcp-only'],
      ],
    );
    // lab/fleet still says unhealthy: the state comes from the stand-in's TCP health check, not the file.
    assert.deepEqual(
      group.targets.map((t: { instanceId: string; targetHealth: { State: string } }) => [
        t.instanceId,
        t.targetHealth.State,
      ]),
      [
        ['i-0b220000000000017', 'healthy'],
        ['i-0b220000000000018', 'healthy'],
      ],
    );
  });

  it('--json: the in-host check ran inside the nft hosts and names the rule that drops and the one that rejects', async (t) => {
    if (netnsSkip) return t.skip(`no namespace hosts: ${netnsSkip}`);
    const run = await port22(['lab', '--dir', dir, '--json']);
    const report = JSON.parse(run.stdout) as {
      instances: {
        name?: string;
        diagnosis: string;
        summary: string;
        evidence: { kind: string; code: string; detail: string }[];
      }[];
    };
    const host = (name: string) => report.instances.find((i) => i.name === name)!;
    const drop = host('queue-1 (nft drop)');
    // lab/netns.ts hostPolicyRuleset: table inet port22, chain input, `tcp dport 22 drop` as its only rule.
    assert.match(
      drop.summary,
      /— proven by the host's ruleset: table inet port22 chain input, rule handle \d+: tcp dport 22 drop; the VPC's flow logs agree: \d+ packets? to port 22 accepted by the VPC, none answered by the instance$/,
    );
    assert.ok(
      drop.evidence.some(
        (e) =>
          e.kind === 'host' &&
          e.code === 'FIREWALL_DROP' &&
          /from the prober \(10\.20\.0\.5\/32\)/.test(e.detail),
      ),
      JSON.stringify(drop.evidence),
    );
    assert.ok(drop.evidence.some((e) => e.kind === 'host' && e.code === 'LISTENING'));
    const reject = host('queue-2 (nft reject)');
    assert.match(
      reject.summary,
      /proven by the host's ruleset: table inet port22 chain input, rule handle \d+: tcp dport 22 reject with icmpx admin-prohibited$/,
    );
    // Opting in is per instance: an untagged failing host says why it was not checked.
    const untagged = host('ci-runner (maxstartups)');
    assert.ok(
      untagged.evidence.some(
        (e) =>
          e.kind === 'host' &&
          e.detail === 'in-host check not available: the instance is not tagged port22:host-check=true',
      ),
    );
  });

  it('bad input: an unknown instance or a healthy one is one line and exit 2', async () => {
    for (const ref of ['i-0123456789abcdef0', 'knock-1']) {
      const run = await port22(['lab', '--dir', dir, '--fix', ref]);
      assert.equal(run.code, 2);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /^port22: /);
    }
  });

  it('a second lab on the same --dir is refused in one line while the first holds it', async () => {
    const lock = join(dir, 'lab.lock');
    writeFileSync(lock, `${process.pid}\n`);
    try {
      const run = await port22(['lab', '--dir', dir]);
      assert.equal(run.code, 2);
      assert.equal(run.stderr.trim(), `port22: another lab run (pid ${process.pid}) is using ${dir}`);
    } finally {
      rmSync(lock, { force: true });
    }
  });

  it('--reset removes what the lab wrote and only that', async () => {
    const run = await port22(['lab', '--dir', dir, '--reset']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^lab reset: removed .*dynamodb/);
    assert.equal(existsSync(dir), false);
  });
});

describe('port22 lab as an unprivileged user: the reduced fleet', () => {
  it('runs without namespaces or sshd and says so in one line each', async (t) => {
    if (!isRoot) {
      t.skip('needs root to switch to nobody with setpriv');
      return;
    }
    let viaBindMount = false;
    let readable = await port22(['--help'], { asNobody: true, home: tmpdir() });
    if (readable.code !== 0) {
      viaBindMount = true;
      readable = await port22(['--help'], { asNobody: true, viaBindMount, home: tmpdir() });
    }
    if (readable.code !== 0) {
      t.skip(`the repository at ${REPO} is not readable by uid ${NOBODY}: ${readable.stderr.trim()}`);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'port22-lab-nobody-'));
    chownSync(dir, NOBODY, NOBODY);
    try {
      const run = await port22(['lab', '--dir', join(dir, 'p22')], {
        asNobody: true,
        viaBindMount,
        home: dir,
      });
      assert.equal(run.code, 0, run.stderr);
      const netns = run.stdout.match(/^lab: no network namespaces .*$/gm) ?? [];
      assert.equal(netns.length, 1, run.stdout);
      assert.match(netns[0]!, /queue-1, queue-2 left out; api-1, reports-db checked on configuration alone/);
      assert.equal((run.stdout.match(/^lab: no real OpenSSH .*$/gm) ?? []).length, 1);
      const got = diagnoses(run.stdout);
      assert.equal(got.has('queue-1 (nft drop)'), false);
      assert.equal(got.has('queue-2 (nft reject)'), false);
      for (const host of fleet.hosts) {
        if (host.name.startsWith('queue-')) continue;
        assert.equal(got.get(host.name), host.expect, `${host.name}\n${run.stdout}`);
      }
      assert.ok(emlCount(join(dir, 'p22')) > 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
