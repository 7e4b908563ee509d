import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EvidenceRequest } from '../../../lambda/core/evidence/observations.ts';
import { indexInventory } from '../../../lambda/core/inventory/model.ts';
import type { EvidenceReport, EvidenceSource } from '../../../lambda/ports.ts';
import type { DiagnosedTarget } from '../../../lambda/steps/diagnose.ts';
import { gatherEvidence } from '../../../lambda/steps/evidence.ts';
import { CLOSED, diagnosisOf, PROBER_ENI, targets, WALLED, WEB, world } from './world.ts';

const inventory = world();
const index = indexInventory(inventory);
const fleet = targets(inventory);

const diagnosed: DiagnosedTarget[] = [
  { target: fleet.get(WEB)!, diagnosis: diagnosisOf('SSHD_NOT_LISTENING') },
  // Expected closed and closed: nothing to look into.
  { target: fleet.get(CLOSED)!, diagnosis: diagnosisOf('EXPECTED_CLOSED', 'ok') },
  { target: fleet.get(WALLED)!, diagnosis: diagnosisOf('BLOCKED_BY_SECURITY_GROUP') },
];

const context = (deadlineAt?: number) => ({
  index,
  peerSpecs: [PROBER_ENI, '203.0.113.7', 'internet'],
  proberFirst: true,
  now: new Date('2026-12-01T12:00:00Z'),
  clock: Date.now,
  ...(deadlineAt === undefined ? {} : { deadlineAt }),
});

/** A console source that answers for WEB only and records what it was asked. */
function recordingSource(asked: EvidenceRequest[][]): EvidenceSource {
  return {
    kind: 'console',
    gather: async (requests): Promise<EvidenceReport> => {
      asked.push([...requests]);
      return {
        found: new Map([
          [WEB, { evidence: [{ kind: 'console', code: 'SSH_UNIT_FAILED', detail: 'ssh.service failed' }] }],
        ]),
        unavailable: new Map([[WALLED, 'the instance type does not support the latest console output']]),
        errors: [],
      };
    },
  };
}

describe('evidence step', () => {
  it('asks each source once, about failing instances expected open only, with their peers', async () => {
    const asked: EvidenceRequest[][] = [];
    const got = await gatherEvidence([recordingSource(asked)], diagnosed, context(), {});
    assert.equal(asked.length, 1);
    assert.deepEqual(
      asked[0]?.map((r) => r.instanceId),
      [WEB, WALLED],
    );
    const web = asked[0]?.[0];
    assert.equal(web?.address, '10.0.1.10');
    assert.equal(web?.diagnosis, 'SSHD_NOT_LISTENING');
    // The prober's ENI address (world.ts), a bare address as a /32, the internet as both families.
    assert.deepEqual(web?.peers, [
      { name: 'prober', cidrs: ['10.0.2.5/32'] },
      { name: '203.0.113.7', cidrs: ['203.0.113.7/32'] },
      { name: 'internet', cidrs: ['0.0.0.0/0', '::/0'] },
    ]);
    assert.deepEqual(
      got.byInstance.get(WEB)?.evidence.map((e) => e.code),
      ['SSH_UNIT_FAILED'],
    );
    assert.deepEqual(got.byInstance.get(WALLED)?.evidence, [
      {
        kind: 'console',
        code: 'NOT_AVAILABLE',
        detail: 'console output not available: the instance type does not support the latest console output',
      },
    ]);
    assert.equal(got.byInstance.has(CLOSED), false);
    assert.deepEqual(got.errors, []);
  });

  it('asks nothing when no instance fails, or when there is no source', async () => {
    const asked: EvidenceRequest[][] = [];
    const healthy = [{ target: fleet.get(WEB)!, diagnosis: diagnosisOf('HEALTHY', 'ok') }];
    assert.equal((await gatherEvidence([recordingSource(asked)], healthy, context(), {})).byInstance.size, 0);
    assert.equal((await gatherEvidence(undefined, diagnosed, context(), {})).byInstance.size, 0);
    assert.equal(asked.length, 0);
  });

  it('asks about the first N failing instances at a cap of N, and names the cap for the rest', async () => {
    for (const [cap, askedIds] of [
      [1, [WEB]],
      [2, [WEB, WALLED]],
      [3, [WEB, WALLED]],
    ] as const) {
      const asked: EvidenceRequest[][] = [];
      const got = await gatherEvidence([recordingSource(asked)], diagnosed, context(), {
        evidenceMaxInstances: cap,
      });
      assert.deepEqual(
        asked[0]?.map((r) => r.instanceId),
        askedIds,
        `cap ${cap}`,
      );
      const walled = got.byInstance.get(WALLED)?.evidence[0]?.detail ?? '';
      assert.equal(walled.includes(`cap of ${cap} failing instances`), cap === 1, `cap ${cap}: ${walled}`);
    }
  });

  it('a source that throws costs only its own evidence: "not available" with the reason, and an error line', async () => {
    const broken: EvidenceSource = {
      kind: 'host',
      gather: async () => {
        throw new Error('AccessDeniedException: not authorized to perform ssm:SendCommand');
      },
    };
    const got = await gatherEvidence([broken, recordingSource([])], diagnosed, context(), {});
    assert.deepEqual(got.errors, [
      'evidence: host: AccessDeniedException: not authorized to perform ssm:SendCommand',
    ]);
    const web = got.byInstance.get(WEB)?.evidence.map((e) => `${e.kind} ${e.code}`);
    assert.deepEqual(web, ['host NOT_AVAILABLE', 'console SSH_UNIT_FAILED']);
  });

  it('stops waiting for a source at the budget, and at the run deadline when that comes first', async () => {
    const hung: EvidenceSource = { kind: 'flow-log', gather: () => new Promise(() => {}) };
    for (const [options, deadlineInMs] of [
      [{ evidenceBudgetMs: 50 }, undefined],
      [{ evidenceBudgetMs: 60_000 }, 50],
    ] as const) {
      const started = Date.now();
      const deadlineAt = deadlineInMs === undefined ? undefined : started + deadlineInMs;
      const got = await gatherEvidence([hung], diagnosed, context(deadlineAt), options);
      const took = Date.now() - started;
      assert.ok(took >= 45 && took < 1000, `took ${took} ms`);
      assert.equal(
        got.byInstance.get(WEB)?.evidence[0]?.detail,
        'flow logs not available: the evidence budget ran out',
      );
      assert.deepEqual(got.errors, ['evidence: flow-log: gave no answer within the evidence budget']);
    }
  });
});
