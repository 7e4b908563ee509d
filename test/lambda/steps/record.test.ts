import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStateStore } from '../../../lambda/adapters/memory/memory-state-store.ts';
import { renderAlert } from '../../../lambda/core/alerts/render.ts';
import { DEFAULT_ALERT_POLICY } from '../../../lambda/core/alerts/types.ts';
import type { DiagnosisCode } from '../../../lambda/core/diagnose/types.ts';
import { indexInventory } from '../../../lambda/core/inventory/model.ts';
import { type Notifier, PublishOutcomeUnknownError } from '../../../lambda/ports.ts';
import type { CheckedInstance } from '../../../lambda/steps/changes.ts';
import { observation as observe, record, recordAndAlert } from '../../../lambda/steps/record.ts';
import { observation, t } from '../core/alerts/fixtures.ts';
import { RecordingNotifier } from './recording-notifier.ts';
import { CLOSED, diagnosisOf, targets, unreadableStateStore, WALLED, WEB, world } from './world.ts';

const ID = 'i-0abc1234def567890';

/** A security alert decided at t(0), as a run would have stored it pending. */
const hostKeyAlert = () =>
  renderAlert({
    kind: 'security',
    code: 'HOST_KEY_CHANGED',
    severity: 'critical',
    at: t(0).toISOString(),
    instanceId: ID,
    summary: 'host key changed',
    evidence: [],
    remediation: [],
    changes: [],
  });

describe('recordAndAlert (claim-then-publish)', () => {
  it('HA group: one group alert when below the minimum, one recovery, no member alerts', async () => {
    const store = new MemoryStateStore();
    const notifier = new RecordingNotifier();
    const member = (n: number, code: 'HEALTHY' | 'SSHD_NOT_LISTENING') =>
      observation(
        code,
        { tags: { 'port22:group': 'web', 'port22:group-min': '2' }, name: `web-${n}` },
        `i-${n}`,
      );
    const check = (codes: ('HEALTHY' | 'SSHD_NOT_LISTENING')[], i: number) =>
      recordAndAlert(
        { state: store, notifier },
        { observations: codes.map((c, n) => member(n + 1, c)), now: t(i), runId: `r${i}` },
      );
    await check(['HEALTHY', 'SSHD_NOT_LISTENING', 'SSHD_NOT_LISTENING'], 0);
    const r1 = await check(['HEALTHY', 'SSHD_NOT_LISTENING', 'SSHD_NOT_LISTENING'], 1);
    await check(['HEALTHY', 'SSHD_NOT_LISTENING', 'SSHD_NOT_LISTENING'], 2);
    await check(['HEALTHY', 'HEALTHY', 'SSHD_NOT_LISTENING'], 3);
    assert.deepEqual(
      notifier.published.map((m) => m.subject),
      ['[port22] GROUP DOWN web: 1/3 healthy (min 2)', '[port22] GROUP RECOVERED web: 2/3 healthy (min 2)'],
    );
    assert.equal(r1.sent[0]?.target, 'group:web');
    assert.equal(store.groups.get('web')?.belowMinimum, false);
  });

  it('a pending alert claimed by a live run is left to it; a dead run’s claim is taken over after the lease', async () => {
    const store = new MemoryStateStore();
    const notifier = new RecordingNotifier();
    const down = observation('SSHD_NOT_LISTENING');
    await recordAndAlert({ state: store, notifier }, { observations: [down], now: t(0), runId: 'r0' });
    // A run that claimed an alert and died before publishing it.
    const orphan = hostKeyAlert();
    const current = store.instances.get(ID)!;
    store.instances.set(ID, {
      ...current,
      pendingAlerts: [{ message: orphan, attempts: 0, claim: { runId: 'dead', at: t(0).toISOString() } }],
    });
    await recordAndAlert({ state: store, notifier }, { observations: [down], now: t(1), runId: 'r1' });
    assert.deepEqual(
      notifier.published.map((m) => m.kind),
      ['alert'],
      'within the lease the claimed alert is not sent again',
    );
    assert.equal(store.instances.get(ID)?.pendingAlerts.length, 1);
    await recordAndAlert({ state: store, notifier }, { observations: [down], now: t(4), runId: 'r4' });
    assert.deepEqual(
      notifier.published.map((m) => m.kind),
      ['alert', 'security'],
      'after 15 min it is taken over',
    );
    assert.deepEqual(store.instances.get(ID)?.pendingAlerts, []);
  });

  it('a publish failure keeps the rest going and the failed alert is retried with its attempt count', async () => {
    const store = new MemoryStateStore();
    const notifier = new RecordingNotifier();
    const obs = [observation('NO_ROUTE', {}, 'i-1'), observation('NO_ROUTE', {}, 'i-2')];
    await recordAndAlert({ state: store, notifier }, { observations: obs, now: t(0), runId: 'r0' });
    notifier.failNext = 1;
    const r = await recordAndAlert({ state: store, notifier }, { observations: obs, now: t(1), runId: 'r1' });
    assert.equal(r.sent.length, 1);
    assert.equal(r.failed.length, 1);
    assert.equal(r.failed[0]?.error, 'Throttling: Rate exceeded');
    const failedId = r.failed[0]!.target;
    assert.equal(store.instances.get(failedId)?.pendingAlerts[0]?.attempts, 1);
    await recordAndAlert({ state: store, notifier }, { observations: obs, now: t(2), runId: 'r2' });
    assert.deepEqual(notifier.published.map((m) => m.subject).sort(), [
      '[port22] DOWN i-1 (web-1): NO_ROUTE',
      '[port22] DOWN i-2 (web-1): NO_ROUTE',
    ]);
  });

  it('a publish whose answer was lost: kept for one re-send, never a third copy', async () => {
    const store = new MemoryStateStore();
    let attempts = 0;
    const lost: Notifier = {
      publish: async () => {
        attempts += 1;
        throw new PublishOutcomeUnknownError(
          Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
        );
      },
    };
    const down = [observation('NO_ROUTE')];
    const policy = { ...DEFAULT_ALERT_POLICY, failuresBeforeAlert: 1 };
    const first = await recordAndAlert(
      { state: store, notifier: lost },
      { observations: down, now: t(0), runId: 'r0', policy },
    );
    assert.deepEqual(
      first.failed.map((f) => [f.outcomeUnknown, f.kept]),
      [[true, true]],
    );
    assert.equal(store.instances.get(ID)?.pendingAlerts[0]?.unconfirmed, 1);
    const second = await recordAndAlert(
      { state: store, notifier: lost },
      { observations: down, now: t(1), runId: 'r1', policy },
    );
    assert.deepEqual(
      second.failed.map((f) => [f.outcomeUnknown, f.kept]),
      [[true, false]],
    );
    assert.deepEqual(
      store.instances.get(ID)?.pendingAlerts,
      [],
      'presumed delivered after two unknown outcomes',
    );
    await recordAndAlert(
      { state: store, notifier: lost },
      { observations: down, now: t(2), runId: 'r2', policy },
    );
    assert.equal(attempts, 2);
  });

  it('an expired claim already re-sent once after an unknown outcome: dropped with its reason, not sent', async () => {
    const store = new MemoryStateStore();
    const notifier = new RecordingNotifier();
    const down = observation('SSHD_NOT_LISTENING');
    await recordAndAlert({ state: store, notifier }, { observations: [down], now: t(0), runId: 'r0' });
    const message = hostKeyAlert();
    const current = store.instances.get(ID)!;
    store.instances.set(ID, {
      ...current,
      pendingAlerts: [
        { message, attempts: 1, unconfirmed: 1, claim: { runId: 'dead', at: t(0).toISOString() } },
      ],
    });
    const r = await recordAndAlert(
      { state: store, notifier },
      { observations: [down], now: t(4), runId: 'r4' },
    );
    // The second failed check's own DOWN goes out; the twice-uncertain security alert does not.
    assert.deepEqual(
      notifier.published.map((m) => m.code),
      ['SSHD_NOT_LISTENING'],
    );
    assert.deepEqual(
      r.dropped.map((d) => [d.alert.code, d.reason]),
      [['HOST_KEY_CHANGED', 'published 2 times with an unknown outcome: presumed delivered, not sent again']],
    );
    assert.ok(!store.instances.get(ID)?.pendingAlerts.some((p) => p.message.code === 'HOST_KEY_CHANGED'));
  });

  it('an instance no longer checked: its pending DOWN is sent, its pending reminder dropped with the reason', async () => {
    const store = new MemoryStateStore();
    const notifier = new RecordingNotifier();
    const policy = { ...DEFAULT_ALERT_POLICY, failuresBeforeAlert: 1 };
    notifier.failNext = 1;
    await recordAndAlert(
      { state: store, notifier },
      { observations: [observation('NO_ROUTE')], now: t(0), runId: 'r0', policy },
    );
    const current = store.instances.get(ID)!;
    const down = current.pendingAlerts[0]!;
    const reminder = { ...down, message: { ...down.message, id: 'reminder-1', kind: 'reminder' as const } };
    store.instances.set(ID, { ...current, pendingAlerts: [down, reminder] });
    const r = await recordAndAlert(
      { state: store, notifier },
      { observations: [], left: [ID], now: t(1), runId: 'r1', policy },
    );
    assert.deepEqual(
      notifier.published.map((m) => m.kind),
      ['alert'],
    );
    assert.deepEqual(
      r.dropped.map((d) => [d.alert.kind, d.reason]),
      [['reminder', 'a reminder for an instance no longer checked']],
    );
    assert.deepEqual(store.instances.get(ID)?.pendingAlerts, []);
    assert.equal(store.instances.get(ID)?.ttl, current.ttl, 'the record is left to its TTL');
  });

  it('the settlement write failing twice: retried with backoff, recorded, nothing reported lost', async () => {
    const store = new MemoryStateStore();
    const notifier = new RecordingNotifier();
    const policy = { ...DEFAULT_ALERT_POLICY, failuresBeforeAlert: 1 };
    let puts = 0;
    const flaky = Object.assign(Object.create(store), {
      put: (s: Parameters<MemoryStateStore['put']>[0], v: number) => {
        puts += 1;
        // The first put is the claim; the next two (the settlement) fail as a dead table would.
        if (puts === 2 || puts === 3) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:8000'));
        return store.put(s, v);
      },
    });
    const r = await recordAndAlert(
      { state: flaky, notifier },
      { observations: [observation('NO_ROUTE')], now: t(0), runId: 'r0', policy },
    );
    assert.deepEqual(r.errors, []);
    assert.equal(puts, 4);
    assert.deepEqual(store.instances.get(ID)?.pendingAlerts, []);
    assert.equal(store.instances.get(ID)?.lastAlert?.messageId, 'm-1');
  });

  it('when state cannot be read, nothing is recorded or sent and the error is reported', async () => {
    const notifier = new RecordingNotifier();
    const broken = unreadableStateStore('ProvisionedThroughputExceededException');
    const r = await recordAndAlert(
      { state: broken, notifier },
      { observations: [observation('NO_ROUTE')], now: t(0), runId: 'r' },
    );
    assert.deepEqual(r.errors, ['state: reading 1 records failed: ProvisionedThroughputExceededException']);
    assert.equal(notifier.published.length, 0);
  });
});

describe('record step', () => {
  const fleet = targets();
  const NOW = new Date(Date.UTC(2026, 2, 9, 8, 0));
  const checked = (id: string, code: DiagnosisCode): CheckedInstance => ({
    target: fleet.get(id)!,
    diagnosis: diagnosisOf(code),
    changes: [],
  });
  // expect=closed alerts on the first failure, the others (N=2) not yet: one alert from the first run.
  const fleetRun = [
    checked(WEB, 'SSHD_NOT_LISTENING'),
    checked(CLOSED, 'HEALTHY'),
    checked(WALLED, 'HEALTHY'),
  ];
  const index = indexInventory(world());

  it('without a state store or a notifier: nothing recorded, nothing sent', async () => {
    const store = new MemoryStateStore();
    const r = await record({ state: store }, fleetRun, index, { runId: 'r1' }, NOW);
    assert.deepEqual(r, { alerts: { sent: [], failed: [], dropped: [], conflicts: [] }, errors: [] });
    assert.equal(store.instances.size, 0);
  });

  it('records every instance, reports the alerts sent with their message ids', async () => {
    const store = new MemoryStateStore();
    const notifier = new RecordingNotifier();
    const r = await record({ state: store, notifier }, fleetRun, index, { runId: 'r1' }, NOW);
    assert.equal(store.instances.size, 3);
    assert.deepEqual(
      r.alerts.sent.map((a) => [a.target, a.kind, a.code, a.messageId]),
      [[CLOSED, 'security', 'UNEXPECTEDLY_OPEN', 'm-1']],
    );
    assert.deepEqual(r.errors, []);
  });

  it('a failed publish: listed with its error, kept pending, named under alerts', async () => {
    const notifier = new RecordingNotifier();
    notifier.failNext = 1;
    const r = await record(
      { state: new MemoryStateStore(), notifier },
      fleetRun,
      index,
      { runId: 'r1' },
      NOW,
    );
    assert.deepEqual(
      r.alerts.failed.map((a) => [a.target, a.code, a.error]),
      [[CLOSED, 'UNEXPECTEDLY_OPEN', 'Throttling: Rate exceeded']],
    );
    assert.deepEqual(r.errors, [
      `alerts: ${CLOSED}: publish failed, kept pending: Throttling: Rate exceeded`,
    ]);
  });

  it('alerts are reported in fleet order, however publishing interleaved', async () => {
    const notifier = new RecordingNotifier();
    const policy = { failuresBeforeAlert: 1 };
    const reversed = [...fleetRun]
      .reverse()
      .map((c) => ({ ...c, diagnosis: diagnosisOf('SSHD_NOT_LISTENING') }));
    const r = await record(
      { state: new MemoryStateStore(), notifier },
      reversed,
      index,
      { runId: 'r1', alertPolicy: policy },
      NOW,
    );
    assert.deepEqual(
      r.alerts.sent.map((a) => a.target),
      [WALLED, CLOSED, WEB],
    );
  });

  it('what the alert policy sees: tags, resources (with the subnet ACL and region), the path snapshot digest', () => {
    const obs = observe(
      { ...checked(WEB, 'HEALTHY'), changes: ['auth method password removed'] },
      index,
      'eu-west-1',
    );
    assert.deepEqual(obs.resources, {
      region: 'eu-west-1',
      vpcId: 'vpc-0a1',
      subnetId: 'subnet-0a1',
      securityGroupIds: ['sg-0open'],
      networkAclIds: ['acl-default'],
      address: '10.0.1.10',
    });
    assert.equal(obs.tags.Name, 'web');
    assert.deepEqual(obs.changes, ['auth method password removed']);
    assert.equal(obs.pathConfig, undefined, 'no snapshot (no state): nothing to remember');
    const snapshot = { resources: { 'sg-0open': ['ingress tcp/22 from 10.0.2.0/24'] } };
    const remembered = observe({ ...checked(WEB, 'HEALTHY'), snapshot }, index);
    assert.deepEqual(remembered.pathConfig?.snapshot, snapshot);
    assert.match(remembered.pathConfig?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(remembered.resources?.region, undefined);
  });
});
