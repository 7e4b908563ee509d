// Prints the e-mail text of three representative alerts exactly as port22 renders them, from real
// diagnoses (the diagnosis rules and catalogue) run through the alert policy. Used for docs/alerts.md:
//   npx tsx scripts/render-alert-examples.ts
import { decideInstance } from '../lambda/core/alerts/instance-policy.ts';
import { renderAlert } from '../lambda/core/alerts/render.ts';
import { type Alert, DEFAULT_ALERT_POLICY, type InstanceObservation } from '../lambda/core/alerts/types.ts';
import { diagnose } from '../lambda/core/diagnose/diagnose.ts';
import type { ProbeResult } from '../lambda/core/probe/types.ts';
import type { InstanceState } from '../lambda/core/state/instance-state.ts';

const instanceId = 'i-0abc1234def567890';
const address = '10.0.1.12';
const target = { host: address, port: 22 };
const resources = {
  region: 'eu-west-1',
  address: `${address}:22`,
  securityGroupIds: ['sg-0a1b2c3d4e5f60718'],
  networkAclIds: ['acl-0f1e2d3c4b5a69788'],
};
const render = {
  dashboardUrl:
    'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/port22-vpc-0123456789abcdef0',
};
const at = (minutes: number) => new Date(Date.UTC(2025, 2, 4, 10, 0, 0) + minutes * 60_000);

const timeout: ProbeResult = {
  target,
  outcome: 'timeout',
  phases: { totalMs: 3001 },
  detail: 'no SYN-ACK within 3000 ms',
};
const healthyProbe = (sha256: string): ProbeResult => ({
  target,
  outcome: 'ok',
  phases: { connectMs: 1, identMs: 6, kexMs: 14, authMs: 2, totalMs: 23 },
  ident: 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5',
  software: 'OpenSSH_9.6p1',
  hostKey: { algorithm: 'ssh-ed25519', sha256 },
  authMethods: ['publickey'],
});
const signals = { instanceId, state: 'running', systemStatus: 'ok', instanceStatus: 'ok', cpuPercent: 3.2 };
const blockedVerdict = {
  instanceId,
  address,
  source: 'prober',
  family: 'ipv4' as const,
  reachable: false,
  blockers: [
    {
      code: 'SG_INGRESS_NO_MATCH' as const,
      resourceId: 'sg-0a1b2c3d4e5f60718',
      direction: 'inbound' as const,
      detail: 'no inbound rule of sg-0a1b2c3d4e5f60718 allows tcp/22 from 10.0.128.0/20',
    },
  ],
};
const openVerdict = { ...blockedVerdict, reachable: true, blockers: [] };

function observe(
  probe: ProbeResult,
  verdict: typeof blockedVerdict,
  extra: Partial<InstanceObservation> = {},
) {
  const diagnosis = diagnose({
    instanceId,
    expect: 'open',
    probe,
    proberVerdict: verdict,
    sourceVerdicts: [],
    signals,
  });
  return {
    instanceId,
    name: 'web-1',
    tags: { Name: 'web-1' },
    diagnosis,
    ...(probe.hostKey ? { hostKey: probe.hostKey } : {}),
    ...(probe.authMethods ? { authMethods: probe.authMethods } : {}),
    resources,
    ...extra,
  };
}

const examples: Alert[] = [];
let state: InstanceState | undefined;
const step = (obs: InstanceObservation, minutes: number) => {
  const decision = decideInstance(state, obs, at(minutes), DEFAULT_ALERT_POLICY);
  state = decision.next;
  examples.push(...decision.alerts);
};
step(observe(healthyProbe('SHA256:7Jx0m0w3tJ0cN4yS2b4mE1T2dA8bW2Fv1q3QpN1sV9Y'), openVerdict), 0);
const changes = [
  'sg-0a1b2c3d4e5f60718: inbound rule tcp/22 from 10.0.128.0/20 removed since the last healthy check at 2025-03-04T10:00:00.000Z',
];
step(observe(timeout, blockedVerdict, { changes }), 5);
step(observe(timeout, blockedVerdict, { changes }), 10);
step(observe(healthyProbe('SHA256:7Jx0m0w3tJ0cN4yS2b4mE1T2dA8bW2Fv1q3QpN1sV9Y'), openVerdict), 40);
step(observe(healthyProbe('SHA256:Qm4k9vQ0yZcX1d2LwP8r3S5t6U7v8W9x0A1b2C3d4E5'), openVerdict), 45);

for (const alert of examples) {
  const m = renderAlert(alert, render);
  process.stdout.write(
    `Subject: ${m.subject}\nAttributes: ${JSON.stringify(m.attributes)}\n\n${m.body}\n${'='.repeat(72)}\n`,
  );
}
