import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitStatusOf } from '../../cli/analyze.ts';
import { port22, REPO, withInstances, withoutFiles } from './port22.ts';

const FIXTURES = `${REPO}test/fixtures/inventories/`;

const analyze = (...args: string[]) => port22('analyze', ...args);

/** The guide's inventory plus a terminated instance, as DescribeInstances lists one for a while. */
const withTerminated = <T>(use: (dir: string) => T): T =>
  withInstances(
    `${FIXTURES}vpc-guide-example`,
    (doc) => {
      doc.Reservations.push({
        Instances: [
          {
            InstanceId: 'i-03f68cb25c2250981',
            State: { Name: 'terminated', Code: 48 },
            NetworkInterfaces: [],
          },
        ],
      });
    },
    use,
  );

describe('port22 analyze', () => {
  for (const bad of ['localhost', '10.20.1.999']) {
    it(`PrivateIpAddress "${bad}": one line naming the file and the instance, exit 2`, () => {
      const edit = (doc: { Reservations: { Instances: Record<string, unknown>[] }[] }) => {
        doc.Reservations[0]!.Instances[0]!.PrivateIpAddress = bad;
      };
      withInstances(`${FIXTURES}vpc-guide-example`, edit, (dir) => {
        const r = analyze('--inventory', dir);
        assert.equal(r.status, 2);
        assert.equal(
          r.stderr,
          `port22: describe-instances.json: Reservations[0].Instances[0].PrivateIpAddress: i-0a1b2c3d4e5f60718: expected an IPv4 address, got "${bad}"\n`,
        );
        assert.equal(port22('check', '--inventory', dir, '--no-probe').status, 2);
      });
    });
  }
  it('--source naming a terminated instance: one line, exit 2 (not an empty report)', () => {
    withTerminated((dir) => {
      for (const json of [[], ['--json']]) {
        const r = analyze('--inventory', dir, '--source', 'i-03f68cb25c2250981', ...json);
        assert.equal(r.status, 2);
        assert.equal(
          r.stderr,
          'port22: source i-03f68cb25c2250981: the instance is terminated, so it has no network interface\n',
        );
        assert.equal(r.stdout, '');
      }
    });
  });
  it('without describe-network-acls.json a path is UNKNOWN naming the file, never reachable (exit 1)', () => {
    withoutFiles(`${FIXTURES}vpc-guide-example`, ['describe-network-acls.json'], (dir) => {
      const text = analyze('--inventory', dir, '--source', 'i-0a1b2c3d4e5f60718');
      assert.equal(text.status, 1);
      assert.match(text.stdout, /UNKNOWN {5}from i-0a1b2c3d4e5f60718 \(IPv4\) to 10\.0\.1\.25\n/);
      assert.match(
        text.stdout,
        /MISSING describe-network-acls\.json subnet-0b2c3d4e5f6071829: the network ACL of subnet-0b2c3d4e5f6071829 is unknown: describe-network-acls\.json is not in the inventory/,
      );
      assert.match(text.stdout, /1 paths: 0 reachable, 0 partial, 0 unreachable, 1 unknown \(data missing\)/);
      const json = JSON.parse(
        analyze('--inventory', dir, '--source', 'i-0a1b2c3d4e5f60718', '--json').stdout,
      );
      const [v] = json.verdicts;
      assert.equal(v.reachable, false);
      assert.equal(v.unknown, true);
      assert.deepEqual(v.blockers, []);
      assert.deepEqual(
        v.missing.map((m: { kind: string; file: string }) => `${m.kind} ${m.file}`),
        ['network-acl describe-network-acls.json', 'network-acl describe-network-acls.json'],
      );
    });
  });
  it('a malformed file: one line naming the file and JSON path, exit 2', () => {
    const r = analyze('--inventory', `${FIXTURES}malformed`);
    assert.equal(r.status, 2);
    assert.equal(
      r.stderr,
      'port22: describe-security-groups.json: SecurityGroups[3].IpPermissions[0].FromPort: expected number\n',
    );
    assert.equal(r.stdout, '');
  });
  it('a missing directory and a bad source are exit 2 with one line', () => {
    const missing = analyze('--inventory', `${FIXTURES}nope`);
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr.split('\n').length, 2);
    const bad = analyze('--inventory', `${FIXTURES}fleet`, '--source', 'i-0e2dda24a34a7d0c5');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^port22: source i-0e2dda24a34a7d0c5: no such instance in the inventory\n$/);
    assert.equal(analyze('--inventory', `${FIXTURES}fleet`, '--ephemeral', '9-1').status, 2);
  });
  it('--json prints the DESIGN.md shape; a partial path is a finding (exit 1)', () => {
    const r = analyze('--inventory', `${FIXTURES}vpc-guide-example`, '--source', '192.0.2.0/24', '--json');
    assert.equal(r.status, 1);
    const out = JSON.parse(r.stdout) as {
      verdicts: { instanceId: string; partial?: boolean; blockers: { code: string }[] }[];
      exposure: unknown[];
    };
    const bastion = out.verdicts.find((v) => v.instanceId === 'i-0a1b2c3d4e5f60718');
    assert.equal(bastion?.partial, true);
    assert.deepEqual(
      bastion?.blockers.map((b) => b.code),
      ['NACL_EPHEMERAL_PARTIAL'],
    );
    assert.deepEqual(out.exposure, []);
  });
  it('exit status: 0 only when every path is fully reachable and nothing is exposed', () => {
    const ok = {
      instanceId: 'i-0f105b11df43d5d32',
      address: '10.0.1.5',
      source: 'internet',
      family: 'ipv4' as const,
      reachable: true,
      blockers: [],
    };
    assert.equal(exitStatusOf({ verdicts: [ok], exposure: [] }), 0);
    assert.equal(exitStatusOf({ verdicts: [{ ...ok, partial: true }], exposure: [] }), 1);
    assert.equal(exitStatusOf({ verdicts: [{ ...ok, reachable: false }], exposure: [] }), 1);
    assert.equal(
      exitStatusOf({
        verdicts: [ok],
        exposure: [{ code: 'SSH_OPEN_TO_INTERNET', resourceId: 'sg-0133680d248046ea0', detail: '' }],
      }),
      1,
    );
  });
  it('a Linux client range makes the guide ACL reachable; the private app server still is not', () => {
    const r = analyze(
      '--inventory',
      `${FIXTURES}vpc-guide-example`,
      '--source',
      '192.0.2.10/32',
      '--ephemeral',
      '32768-60999',
    );
    // i-0218afc3b0a796948… (private subnet, no public IP) is not reachable from an internet address: still a finding.
    assert.equal(r.status, 1);
    assert.match(
      r.stdout,
      /i-0a1b2c3d4e5f60718\n {2}reachable {3}from 192\.0\.2\.10\/32 \(IPv4\) to 54\.210\.17\.4\n/,
    );
    const ok = analyze('--inventory', `${FIXTURES}fleet`, '--source', 'i-0e0e0e0e0e0e0e0e0', '--json');
    const okOut = JSON.parse(ok.stdout) as { verdicts: { instanceId: string; reachable: boolean }[] };
    assert.equal(okOut.verdicts.find((v) => v.instanceId === 'i-0b0b0b0b0b0b0b0b0')?.reachable, true);
  });
  it('human output groups by instance and prints blocker details and exposure', () => {
    const r = analyze('--inventory', `${FIXTURES}fleet`, '--source', '10.0.2.0/24');
    assert.equal(r.status, 1);
    assert.match(
      r.stdout,
      /^i-0b0b0b0b0b0b0b0b0\n {2}UNREACHABLE from 10\.0\.2\.0\/24 \(IPv4\) to 10\.0\.1\.20\n {6}NACL_INBOUND_DENY acl-0a1a1a1a1a1a1a1a1 rule 90: network ACL acl-0a1a1a1a1a1a1a1a1 rule 90 denies TCP 22 from 10\.0\.2\.0\/24 inbound to subnet-0b2b3b4b5b6b7b8b9$/m,
    );
    assert.match(r.stdout, /\nExposure\n {2}SSH_OPEN_TO_INTERNET sg-0aaaa1111bbbb2222: /);
  });
  it('an assumption the verdict rests on is printed under it as "assumed: …"', () => {
    // The VPC guide's inventory has no describe-vpc-block-public-access-options.json.
    const r = analyze('--inventory', `${FIXTURES}vpc-guide-example`, '--source', 'internet');
    assert.match(
      r.stdout,
      /^ {6}assumed: Block Public Access state unknown \(describe-vpc-block-public-access-options\.json is not in the inventory\): assumed off$/m,
    );
  });
});
