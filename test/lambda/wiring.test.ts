import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudTrailChangeHistory } from '../../lambda/adapters/aws/cloudtrail-history.ts';
import { FlowLogEvidenceSource } from '../../lambda/adapters/flow-log-evidence.ts';
import { awsPorts } from '../../lambda/wiring.ts';

// Building the ports sends nothing: clients connect on their first call.
describe('awsPorts: evidence from AWS logs', () => {
  it('reads flow logs and CloudTrail by default (the stack config defaults)', () => {
    const ports = awsPorts({ region: 'eu-west-1' });
    assert.deepEqual(
      ports.evidence?.map((s) => [s.kind, s instanceof FlowLogEvidenceSource]),
      [['flow-log', true]],
    );
    assert.ok(ports.changeHistory instanceof CloudTrailChangeHistory);
  });
  it('wires neither when the config turns them off', () => {
    const ports = awsPorts({ region: 'eu-west-1', evidence: { flowLogs: false, cloudTrail: false } });
    assert.equal(ports.evidence, undefined);
    assert.equal(ports.changeHistory, undefined);
  });
});
