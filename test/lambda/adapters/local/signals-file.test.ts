import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileSignalsSource } from '../../../../lambda/adapters/local/signals-file.ts';

const fixture = new URL('../../../fixtures/signals/lab-signals.json', import.meta.url).pathname;
const NOW = new Date('2030-01-01T00:00:00Z'); // far from the fixture's timestamps: the file is a snapshot

describe('FileSignalsSource', () => {
  it('reads the same shapes as DescribeInstanceStatus + GetMetricData, attributing series by label', async () => {
    const report = await new FileSignalsSource(fixture).fetch(
      [
        { instanceId: 'i-0a1b2c3d4e5f60001' },
        { instanceId: 'i-0a1b2c3d4e5f60002' },
        { instanceId: 'i-0a1b2c3d4e5f60003' },
        { instanceId: 'i-0a1b2c3d4e5f60004' },
      ],
      NOW,
    );
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.signals.get('i-0a1b2c3d4e5f60001'), {
      instanceId: 'i-0a1b2c3d4e5f60001',
      state: 'running',
      systemStatus: 'ok',
      instanceStatus: 'ok',
      cpuPercent: 99.1,
      cpuCreditBalance: 0,
    });
    assert.equal(report.signals.get('i-0a1b2c3d4e5f60002')?.instanceStatus, 'impaired');
    assert.equal(report.signals.get('i-0a1b2c3d4e5f60002')?.statusCheckFailedInstance, 1);
    assert.equal(report.signals.get('i-0a1b2c3d4e5f60003')?.state, 'stopped');
    assert.deepEqual(report.signals.get('i-0a1b2c3d4e5f60004'), { instanceId: 'i-0a1b2c3d4e5f60004' });
  });

  it('reports an unreadable file or a bad label as an error and leaves signals unknown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'port22-signals-'));
    try {
      const missing = await new FileSignalsSource(join(dir, 'nope.json')).fetch(
        [{ instanceId: 'i-01' }],
        NOW,
      );
      assert.match(missing.errors[0]!, /nope\.json: ENOENT/);
      assert.deepEqual(missing.signals.get('i-01'), { instanceId: 'i-01' });

      const bad = join(dir, 'bad.json');
      writeFileSync(
        bad,
        JSON.stringify({
          MetricDataResults: [{ Id: 'm1', Label: 'CPUUtilization', Timestamps: [], Values: [] }],
        }),
      );
      const report = await new FileSignalsSource(bad).fetch([{ instanceId: 'i-01' }], NOW);
      assert.match(report.errors[0]!, /series m1 has label "CPUUtilization"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
