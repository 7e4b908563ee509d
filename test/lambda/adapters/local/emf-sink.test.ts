import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileEmfSink, StdoutEmfSink } from '../../../../lambda/adapters/local/emf-sink.ts';
import { renderRunMetrics } from '../../../../lambda/core/metrics/emf.ts';

const docs = renderRunMetrics({
  vpcId: 'vpc-1',
  timestamp: 0,
  checksRun: 1,
  healthy: 1,
  unhealthy: 0,
  unchecked: 0,
  proberErrors: 0,
  diagnosisCounts: { HEALTHY: 1 },
  probePhases: [],
});

describe('EMF sinks', () => {
  it('prints one JSON document per line (what CloudWatch Logs extracts metrics from)', async () => {
    const out: string[] = [];
    await new StdoutEmfSink((l) => out.push(l)).emit(docs);
    assert.equal(out.length, 2);
    assert.deepEqual(
      out.map((l) => JSON.parse(l)),
      docs,
    );
    assert.ok(out.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')));
  });

  it('appends to a file across runs', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'port22-emf-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const sink = new FileEmfSink(join(dir, 'metrics.jsonl'));
    await sink.emit(docs);
    await sink.emit(docs.slice(0, 1));
    const lines = (await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => JSON.parse(l)),
      [...docs, docs[0]],
    );
  });
});
