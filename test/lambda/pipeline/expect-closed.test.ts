// One definition of "the port answered": an instance tagged port22:expect=closed whose port accepts a
// connection and then says nothing (ident-timeout) answered. The healthy flag, the alert policy and the
// UNEXPECTEDLY_OPEN finding must all say so — they once disagreed (healthy: true, a finding, no alert).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LAB_TIMEOUTS } from '../../../lab/lab.ts';
import { CollectingNotifier } from '../../../lambda/adapters/memory/collecting-notifier.ts';
import { MemoryStateStore } from '../../../lambda/adapters/memory/memory-state-store.ts';
import { id, LAB, labInput, type PipelineLab, runLab, startPipelineLab } from './pipeline-lab.ts';

const KNOCK = LAB['knock-1'];

describe('expect=closed, the peer accepts and never sends an ident', () => {
  let lab: PipelineLab;
  before(async () => {
    lab = await startPipelineLab([]);
  });
  after(() => lab?.close());

  it('is unhealthy, alerted on the first check, and reported UNEXPECTEDLY_OPEN', async () => {
    const silent = await lab.extraZoo('silent');
    lab.resolver.route(KNOCK.address, { host: silent.host, port: silent.port });
    const notifier = new CollectingNotifier();
    const report = await runLab(
      lab,
      labInput('knock-silent', ['knock-1'], { timeouts: { ...LAB_TIMEOUTS, identMs: 300, totalMs: 1000 } }),
      { state: new MemoryStateStore(), notifier },
    );
    const knock = report.instances[0];
    assert.equal(knock?.instanceId, id(KNOCK.n));
    assert.equal(knock?.probe?.outcome, 'ident-timeout');
    assert.equal(knock?.healthy, false);
    assert.deepEqual(
      report.findings.filter((f) => f.resourceId === id(KNOCK.n)).map((f) => f.code),
      ['UNEXPECTEDLY_OPEN'],
    );
    assert.deepEqual(
      notifier.alerts.map((a) => `${a.kind} ${a.code}`),
      ['security UNEXPECTEDLY_OPEN'],
    );
    assert.equal(report.metrics[0]?.InstancesUnhealthy, 1);
  });
});
