// The lab fleet's data and its fixes: each `--fix` of a configuration fault must turn the analyzer's
// verdict for the prober's path (or the exposure) around, and touch nothing else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFix, type FleetFiles, findHost, loadFleet, readFleetFiles } from '../../lab/fleet.ts';
import { DIAGNOSIS_CODES } from '../../lambda/core/diagnose/types.ts';
import { parseConsoleOutput } from '../../lambda/core/evidence/console-output.ts';
import { parseInventory, type RawInventory } from '../../lambda/core/inventory/parse.ts';
import { analyze } from '../../lambda/core/reachability/analyze.ts';

const fleet = loadFleet();

function inventoryOf(files: FleetFiles) {
  const { 'signals.json': _signals, ...all } = files;
  const documents: Record<string, unknown> = {};
  const perResource = (dir: string) =>
    new Map(
      Object.entries(all)
        .filter(([f]) => f.startsWith(`${dir}/`))
        .map(([f, v]) => [f.slice(dir.length + 1, -'.json'.length), v]),
    );
  for (const [f, v] of Object.entries(all)) if (!f.includes('/')) documents[f] = v;
  return parseInventory({
    documents,
    networkFirewalls: perResource('network-firewall/firewalls'),
    networkFirewallPolicies: perResource('network-firewall/policies'),
    networkFirewallRuleGroups: perResource('network-firewall/rule-groups'),
  } as RawInventory);
}

function proberVerdict(files: FleetFiles, instanceId: string) {
  const { verdicts } = analyze(inventoryOf(files), { sources: [fleet.prober] });
  const verdict = verdicts.find((v) => v.instanceId === instanceId);
  assert.ok(verdict, `no verdict for ${instanceId}`);
  return verdict;
}

describe('lab/fleet: the backend map', () => {
  it('names real instances, one per diagnosis code at least, and only known fixes', () => {
    assert.equal(fleet.prober, 'eni-0b22000000000f0a0');
    assert.deepEqual(new Set(fleet.hosts.map((h) => h.expect)), new Set(DIAGNOSIS_CODES));
    assert.equal(new Set(fleet.hosts.map((h) => h.instanceId)).size, fleet.hosts.length);
    for (const h of fleet.hosts) assert.ok(h.name.length > 0, h.instanceId);
  });

  it('findHost: by instance id, full Name, or the Name up to its first space', () => {
    const cases: [string, string | undefined][] = [
      ['i-0b220000000000008', 'i-0b220000000000008'],
      ['cache-1 (sshd stopped)', 'i-0b220000000000008'],
      ['cache-1', 'i-0b220000000000008'],
      ['bastion', 'i-0b220000000000001'],
      ['cache', undefined],
      ['i-0123456789abcdef0', undefined],
    ];
    for (const [ref, id] of cases) assert.equal(findHost(fleet, ref)?.instanceId, id, ref);
  });
});

describe('lab/fleet: fixes', () => {
  const blocked: [string, string][] = [
    ['api-1', 'SG_INGRESS_NO_MATCH'],
    ['reports-db', 'NACL_OUTBOUND_DENY'],
    ['batch-3', 'BLACKHOLE_ROUTE'],
    ['worker-1', 'INSTANCE_NOT_RUNNING'],
  ];
  for (const [name, code] of blocked) {
    it(`${name}: ${code} before the fix, reachable after it, other hosts unchanged`, async () => {
      const host = findHost(fleet, name)!;
      const files = await readFleetFiles();
      const before = proberVerdict(files, host.instanceId);
      assert.equal(before.reachable, false);
      assert.ok(
        before.blockers.some((b) => b.code === code),
        JSON.stringify(before.blockers),
      );
      const others = analyze(inventoryOf(files), { sources: [fleet.prober] }).verdicts.filter(
        (v) => v.instanceId !== host.instanceId,
      );
      const change = applyFix(files, fleet, host);
      assert.ok(change.length > 0);
      const after = proberVerdict(files, host.instanceId);
      assert.equal(after.reachable, true, JSON.stringify(after.blockers));
      assert.deepEqual(
        analyze(inventoryOf(files), { sources: [fleet.prober] }).verdicts.filter(
          (v) => v.instanceId !== host.instanceId,
        ),
        others,
      );
    });
  }

  it('bastion: the internet exposure is gone, the office range stays allowed', async () => {
    const files = await readFleetFiles();
    const exposed = () =>
      analyze(inventoryOf(files), { sources: [] }).exposure.filter((f) => f.code === 'SSH_OPEN_TO_INTERNET');
    assert.equal(exposed().length, 1);
    applyFix(files, fleet, findHost(fleet, 'bastion')!);
    assert.deepEqual(exposed(), []);
    const office = analyze(inventoryOf(files), { sources: ['198.51.100.7/32'] }).verdicts.find(
      (v) => v.instanceId === 'i-0b220000000000001',
    );
    assert.equal(office?.reachable, true);
  });

  it('signals fixes: status checks pass; CPU and credits back to normal', async () => {
    const files = await readFleetFiles();
    applyFix(files, fleet, findHost(fleet, 'worker-2')!);
    applyFix(files, fleet, findHost(fleet, 'batch-7')!);
    const status = files['signals.json'].InstanceStatuses.find((s) => s.InstanceId === 'i-0b220000000000007');
    assert.deepEqual(status?.InstanceStatus, {
      Details: [{ Name: 'reachability', Status: 'passed' }],
      Status: 'ok',
    });
    const cpu = files['signals.json'].MetricDataResults.find(
      (m) => m.Label === 'i-0b22000000000000c CPUUtilization',
    );
    assert.ok((cpu?.Values?.[0] ?? 100) < 90);
  });

  it("worker-2's reboot shows on its console: the panic belongs to the previous boot", async () => {
    const files = await readFleetFiles();
    const output = () => (files['get-console-output/i-0b220000000000007.json'] as { Output: string }).Output;
    assert.deepEqual(
      parseConsoleOutput(output()).events.map((e) => e.kind),
      ['kernel-panic'],
    );
    applyFix(files, fleet, findHost(fleet, 'worker-2')!);
    assert.deepEqual(parseConsoleOutput(output()).events, []);
  });

  it('a host with nothing broken has no fix', async () => {
    assert.throws(() => applyFix({} as FleetFiles, fleet, findHost(fleet, 'knock-1')!), /nothing to fix/);
  });
});
