import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InstanceState } from '../../../lambda/core/state/instance-state.ts';
import { securityFindings } from '../../../lambda/steps/findings.ts';
import { BARE, CLOSED, probeOf, targets, WEB } from './world.ts';

const fleet = targets();
const state = (instanceId: string, extra: Partial<InstanceState>): InstanceState => ({
  instanceId,
  diagnosis: 'HEALTHY',
  since: '2026-03-09T08:00:00.000Z',
  consecutiveFailures: 0,
  lastCheckedAt: '2026-03-09T08:00:00.000Z',
  pendingAlerts: [],
  version: 1,
  ttl: 1_800_000_000,
  ...extra,
});

describe('findings step', () => {
  it('an expect=closed port that accepted is UNEXPECTEDLY_OPEN, even when it then says nothing', () => {
    const f = securityFindings(
      [{ target: fleet.get(CLOSED)!, probe: probeOf('10.0.1.20', 'ident-timeout') }],
      new Map(),
    );
    assert.deepEqual(
      f.findings.map((x) => [x.code, x.resourceId]),
      [['UNEXPECTEDLY_OPEN', CLOSED]],
    );
  });

  it('a host key different from the remembered one is HOST_KEY_CHANGED', () => {
    const f = securityFindings(
      [
        {
          target: fleet.get(WEB)!,
          probe: probeOf('10.0.1.10', 'ok', { hostKey: { algorithm: 'ssh-ed25519', sha256: 'SHA256:new' } }),
        },
      ],
      new Map([[WEB, state(WEB, { hostKey: 'SHA256:old', hostKeyAlgorithm: 'ssh-ed25519' })]]),
    );
    assert.deepEqual(
      f.findings.map((x) => x.code),
      ['HOST_KEY_CHANGED'],
    );
    assert.match(f.findings[0]!.detail, /SHA256:old to ssh-ed25519 SHA256:new/);
  });

  it('no probe, a closed port that stayed closed, the same host key: nothing', () => {
    const f = securityFindings(
      [
        { target: fleet.get(BARE)! },
        { target: fleet.get(CLOSED)!, probe: probeOf('10.0.1.20', 'refused') },
        {
          target: fleet.get(WEB)!,
          probe: probeOf('10.0.1.10', 'ok', { hostKey: { algorithm: 'ssh-ed25519', sha256: 'SHA256:same' } }),
        },
      ],
      new Map([[WEB, state(WEB, { hostKey: 'SHA256:same' })]]),
    );
    assert.deepEqual(f, { findings: [], errors: [] });
  });
});
