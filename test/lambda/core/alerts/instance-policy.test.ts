import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideInstance, isFailure } from '../../../../lambda/core/alerts/instance-policy.ts';
import {
  type AlertPolicyConfig,
  DEFAULT_ALERT_POLICY,
  type InstanceObservation,
} from '../../../../lambda/core/alerts/types.ts';
import { DIAGNOSIS_CODES, type DiagnosisCode } from '../../../../lambda/core/diagnose/types.ts';
import type { InstanceState } from '../../../../lambda/core/state/instance-state.ts';
import { observation, t } from './fixtures.ts';

/** Runs a sequence of checks through the policy, carrying state, and returns the alerts per check. */
function run(
  steps: readonly (DiagnosisCode | InstanceObservation)[],
  config: AlertPolicyConfig = DEFAULT_ALERT_POLICY,
  minutesBetween = 5,
  start?: InstanceState,
) {
  let state = start;
  const perCheck: string[][] = [];
  steps.forEach((step, i) => {
    const obs = typeof step === 'string' ? observation(step) : step;
    const { next, alerts } = decideInstance(state, obs, t(i, minutesBetween), config);
    state = next;
    perCheck.push(alerts.map((a) => `${a.kind}:${a.code}${a.previousCode ? `<${a.previousCode}` : ''}`));
  });
  return { perCheck, state: state as InstanceState };
}

const closed = (code: DiagnosisCode) => observation(code, { tags: { 'port22:expect': 'closed' } });
const grouped = (code: DiagnosisCode) => observation(code, { tags: { 'port22:group': 'web' } });
const snoozed = (code: DiagnosisCode, until = '2025-03-04T10:12:00Z') =>
  observation(code, { tags: { 'port22:snooze-until': until } });
const key = (sha256: string, algorithm = 'ssh-ed25519') => ({ algorithm, sha256 });

describe('instance alert policy', () => {
  const cases: {
    name: string;
    steps: (DiagnosisCode | InstanceObservation)[];
    expected: string[][];
    config?: Partial<AlertPolicyConfig>;
    minutes?: number;
  }[] = [
    { name: '1 healthy stays quiet', steps: ['HEALTHY', 'HEALTHY'], expected: [[], []] },
    {
      name: '2 N-1 failures send nothing, the Nth sends one alert, the next none',
      steps: ['SSHD_NOT_LISTENING', 'SSHD_NOT_LISTENING', 'SSHD_NOT_LISTENING'],
      expected: [[], ['alert:SSHD_NOT_LISTENING'], []],
    },
    {
      name: '3 N is configurable (N=3)',
      steps: ['NO_ROUTE', 'NO_ROUTE', 'NO_ROUTE'],
      config: { failuresBeforeAlert: 3 },
      expected: [[], [], ['alert:NO_ROUTE']],
    },
    {
      name: '4 a single failure between healthy checks never alerts (the count resets)',
      steps: ['HEALTHY', 'SSHD_NOT_LISTENING', 'HEALTHY', 'SSHD_NOT_LISTENING', 'HEALTHY'],
      expected: [[], [], [], [], []],
    },
    {
      name: '5 recovery notice after an announced outage',
      steps: ['SSHD_NOT_LISTENING', 'SSHD_NOT_LISTENING', 'HEALTHY', 'HEALTHY'],
      expected: [[], ['alert:SSHD_NOT_LISTENING'], ['recovery:HEALTHY<SSHD_NOT_LISTENING'], []],
    },
    {
      name: '6 no recovery notice when no failure alert was sent',
      steps: ['SSHD_NOT_LISTENING', 'HEALTHY'],
      expected: [[], []],
    },
    {
      name: '7 a changed diagnosis while down sends an update',
      steps: ['SSHD_NOT_LISTENING', 'SSHD_NOT_LISTENING', 'HOST_FIREWALL_DROP', 'HOST_FIREWALL_DROP'],
      expected: [[], ['alert:SSHD_NOT_LISTENING'], ['update:HOST_FIREWALL_DROP<SSHD_NOT_LISTENING'], []],
    },
    {
      name: '8 failures of different codes count together towards N',
      steps: ['SSHD_NOT_LISTENING', 'HOST_FIREWALL_DROP'],
      expected: [[], ['alert:HOST_FIREWALL_DROP']],
    },
    {
      name: '9 reminder after the interval while still down, then again one interval later',
      steps: ['NO_ROUTE', 'NO_ROUTE', 'NO_ROUTE', 'NO_ROUTE', 'NO_ROUTE', 'NO_ROUTE'],
      config: { reminderIntervalMs: 60 * 60_000 },
      minutes: 30,
      expected: [[], ['alert:NO_ROUTE'], [], ['reminder:NO_ROUTE'], [], ['reminder:NO_ROUTE']],
    },
    {
      name: '10 reminder interval 0 disables reminders',
      steps: ['NO_ROUTE', 'NO_ROUTE', 'NO_ROUTE', 'NO_ROUTE'],
      config: { reminderIntervalMs: 0 },
      minutes: 24 * 60,
      expected: [[], ['alert:NO_ROUTE'], [], []],
    },
    {
      name: '11 expect=closed that stays closed: nothing',
      steps: [closed('EXPECTED_CLOSED'), closed('EXPECTED_CLOSED'), closed('EXPECTED_CLOSED')],
      expected: [[], [], []],
    },
    {
      name: '12 expect=closed that answers: security alert on the first check, recovery when closed again',
      steps: [closed('EXPECTED_CLOSED'), closed('HEALTHY'), closed('HEALTHY'), closed('EXPECTED_CLOSED')],
      expected: [[], ['security:UNEXPECTEDLY_OPEN'], [], ['recovery:EXPECTED_CLOSED<UNEXPECTEDLY_OPEN']],
    },
    {
      name: '13 expect=closed answering with another service is also unexpectedly open',
      steps: [closed('NOT_SSH_SERVICE'), closed('SSH_NEGOTIATION_FAILED')],
      expected: [['security:UNEXPECTEDLY_OPEN'], []],
    },
    {
      // A closed port is always EXPECTED_CLOSED (that rule ranks first), so any other code means the port
      // accepted: an sshd that never sends its ident (UNKNOWN) once slipped through as "not answering".
      name: '14 expect=closed, accepted and silent (UNKNOWN): unexpectedly open on the first check',
      steps: [closed('UNKNOWN'), closed('UNKNOWN')],
      expected: [['security:UNEXPECTEDLY_OPEN'], []],
    },
    {
      name: '15 HA group members send no outage notices of their own',
      steps: [grouped('SSHD_NOT_LISTENING'), grouped('SSHD_NOT_LISTENING'), grouped('HEALTHY')],
      expected: [[], [], []],
    },
    {
      name: '16 snooze suppresses the alert; still down after the snooze ends → alert then',
      steps: [snoozed('NO_ROUTE'), snoozed('NO_ROUTE'), snoozed('NO_ROUTE'), snoozed('NO_ROUTE')],
      expected: [[], [], [], ['alert:NO_ROUTE']],
    },
    {
      name: '17 recovered during the snooze → the recovery goes out when the snooze ends',
      steps: [
        'NO_ROUTE',
        'NO_ROUTE',
        snoozed('HEALTHY', '2025-03-04T10:17:00Z'),
        snoozed('HEALTHY', '2025-03-04T10:17:00Z'),
        'HEALTHY',
      ],
      expected: [[], ['alert:NO_ROUTE'], [], [], ['recovery:HEALTHY<NO_ROUTE']],
    },
    {
      name: '18 a snooze in the past or malformed does not suppress',
      steps: [snoozed('NO_ROUTE', '2020-01-01T00:00:00Z'), snoozed('NO_ROUTE', 'tomorrow')],
      expected: [[], ['alert:NO_ROUTE']],
    },
    {
      name: '19 host key changed (same key type) → security alert once, the new key is remembered',
      steps: [
        observation('HEALTHY', { hostKey: key('SHA256:old') }),
        observation('HEALTHY', { hostKey: key('SHA256:new') }),
        observation('HEALTHY', { hostKey: key('SHA256:new') }),
      ],
      expected: [[], ['security:HOST_KEY_CHANGED'], []],
    },
    {
      name: '20 RSA key negotiated with another signature algorithm is the same key: no alert',
      steps: [
        observation('HEALTHY', { hostKey: key('SHA256:rsa', 'rsa-sha2-512') }),
        observation('HEALTHY', { hostKey: key('SHA256:rsa', 'rsa-sha2-256') }),
      ],
      expected: [[], []],
    },
    {
      name: '21 a check without a host key (probe failed early) keeps the remembered one',
      steps: [
        observation('HEALTHY', { hostKey: key('SHA256:a') }),
        'SSHD_NOT_LISTENING',
        observation('HEALTHY', { hostKey: key('SHA256:a') }),
      ],
      expected: [[], [], []],
    },
    {
      name: '22 auth methods changed → security alert',
      steps: [
        observation('HEALTHY', { authMethods: ['publickey'] }),
        observation('HEALTHY', { authMethods: ['publickey', 'password'] }),
        observation('HEALTHY', { authMethods: ['password', 'publickey'] }),
      ],
      expected: [[], ['security:AUTH_METHODS_CHANGED'], []],
    },
    {
      name: '23 host key change during a snooze is accepted silently',
      steps: [
        observation('HEALTHY', { hostKey: key('SHA256:old') }),
        observation('HEALTHY', {
          hostKey: key('SHA256:new'),
          tags: { 'port22:snooze-until': '2030-01-01T00:00:00Z' },
        }),
        observation('HEALTHY', { hostKey: key('SHA256:new') }),
      ],
      expected: [[], [], []],
    },
    {
      name: '24 DEGRADED_SLOW is a failure (severity warning) and recovers',
      steps: ['DEGRADED_SLOW', 'DEGRADED_SLOW', 'HEALTHY'],
      expected: [[], ['alert:DEGRADED_SLOW'], ['recovery:HEALTHY<DEGRADED_SLOW']],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { perCheck } = run(c.steps, { ...DEFAULT_ALERT_POLICY, ...c.config }, c.minutes);
      assert.deepEqual(perCheck, c.expected);
    });
  }

  it('keeps since, failingSince, consecutive failures, TTL and the last healthy config', () => {
    const pathConfig = { digest: 'sha256:abc', snapshot: { sg: ['tcp/22 from 10.0.0.0/16'] } };
    const { state } = run([
      observation('HEALTHY', { pathConfig }),
      'SSHD_NOT_LISTENING',
      'SSHD_NOT_LISTENING',
      'HOST_FIREWALL_DROP',
    ]);
    assert.equal(state.diagnosis, 'HOST_FIREWALL_DROP');
    assert.equal(state.since, t(3).toISOString());
    assert.equal(state.failingSince, t(1).toISOString());
    assert.equal(state.consecutiveFailures, 3);
    assert.equal(state.announcedDown, 'HOST_FIREWALL_DROP');
    assert.deepEqual(state.lastHealthy, {
      at: t(0).toISOString(),
      configDigest: 'sha256:abc',
      config: pathConfig.snapshot,
    });
    assert.equal(state.ttl, Math.floor(t(3).getTime() / 1000) + 30 * 24 * 3600);
  });

  it('carries the diagnosis text, evidence, changes and resources into the alert', () => {
    const prev = run(['SSHD_NOT_LISTENING']).state;
    const obs = observation('SSHD_NOT_LISTENING', {
      changes: ['sg-0a1b: inbound rule tcp/22 from 10.0.0.0/16 removed'],
      resources: { region: 'eu-west-1', securityGroupIds: ['sg-0a1b'] },
    });
    const { alerts } = decideInstance(prev, obs, t(1), DEFAULT_ALERT_POLICY);
    assert.equal(alerts.length, 1);
    const [a] = alerts;
    assert.equal(a?.severity, 'critical');
    assert.equal(a?.consecutiveFailures, 2);
    assert.equal(a?.failingSince, t(0).toISOString());
    assert.deepEqual(a?.changes, obs.changes);
    assert.deepEqual(a?.evidence, obs.diagnosis.evidence);
    assert.deepEqual(a?.resources, obs.resources);
  });

  it('classifies every diagnosis code for open and closed expectations', () => {
    const table = Object.fromEntries(
      DIAGNOSIS_CODES.map((c) => [c, [isFailure(c, 'open'), isFailure(c, 'closed')]]),
    );
    // Closed: a failure is the port answering, and only EXPECTED_CLOSED (ranked first) says it did not.
    assert.deepEqual(table, {
      HEALTHY: [false, true],
      DEGRADED_SLOW: [true, true],
      BLOCKED_BY_SECURITY_GROUP: [true, true],
      BLOCKED_BY_NETWORK_ACL: [true, true],
      BLOCKED_BY_NETWORK_FIREWALL: [true, true],
      NO_ROUTE: [true, true],
      INSTANCE_STOPPED: [true, true],
      INSTANCE_IMPAIRED: [true, true],
      SSHD_NOT_LISTENING: [true, true],
      HOST_FIREWALL_DROP: [true, true],
      HOST_FIREWALL_REJECT: [true, true],
      SSHD_REFUSING_CONNECTIONS: [true, true],
      RESOURCE_EXHAUSTION: [true, true],
      NOT_SSH_SERVICE: [true, true],
      SSH_NEGOTIATION_FAILED: [true, true],
      // The prober's limit, not the server's: OpenSSH clients reach it, so it is not down.
      SSH_ANSWERING_UNVERIFIED: [false, true],
      EXPECTED_CLOSED: [false, false],
      UNKNOWN: [true, true],
    });
  });
});
