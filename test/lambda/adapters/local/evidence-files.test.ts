import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FlowLogEvidenceSource } from '../../../../lambda/adapters/flow-log-evidence.ts';
import { FileChangeHistory, FileFlowLogBackend } from '../../../../lambda/adapters/local/evidence-files.ts';
import type { EvidenceRequest } from '../../../../lambda/core/evidence/observations.ts';

let dir: string;
const NOW = new Date('2026-12-01T12:00:00Z');

const request: EvidenceRequest = {
  instanceId: 'i-0web',
  address: '10.0.1.5',
  port: 22,
  vpcId: 'vpc-1',
  subnetId: 'subnet-1',
  networkInterfaceId: 'eni-web',
  diagnosis: 'BLOCKED_BY_NETWORK_ACL',
  peers: [],
  tags: {},
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'port22-evidence-files-'));
  // `aws ec2 describe-flow-logs --output json` and `aws logs get-query-results --output json`.
  await writeFile(
    join(dir, 'describe-flow-logs.json'),
    JSON.stringify({
      FlowLogs: [
        {
          FlowLogId: 'fl-1',
          FlowLogStatus: 'ACTIVE',
          ResourceId: 'vpc-1',
          LogDestinationType: 'cloud-watch-logs',
          LogGroupName: 'flows',
          TrafficType: 'ALL',
          MaxAggregationInterval: 60,
        },
      ],
    }),
  );
  await writeFile(
    join(dir, 'flow-log-query-results.json'),
    JSON.stringify({
      status: 'Complete',
      statistics: { recordsMatched: 1, recordsScanned: 10, bytesScanned: 1500 },
      results: [
        [
          {
            field: '@message',
            value:
              '2 123456789012 eni-web 203.0.113.9 10.0.1.5 40000 22 6 3 180 1764590000 1764590060 REJECT OK',
          },
        ],
      ],
    }),
  );
  await mkdir(join(dir, 'cloudtrail-lookup-events'));
  await writeFile(
    join(dir, 'cloudtrail-lookup-events', 'acl-1.json'),
    JSON.stringify({
      Events: [
        {
          EventId: 'e-1',
          EventName: 'ReplaceNetworkAclEntry',
          EventTime: '2026-12-01T11:00:00Z',
          Username: 'bob',
          Resources: [{ ResourceType: 'AWS::EC2::NetworkAcl', ResourceName: 'acl-1' }],
          CloudTrailEvent: JSON.stringify({
            userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/bob' },
            eventTime: '2026-12-01T11:00:00Z',
            eventName: 'ReplaceNetworkAclEntry',
            sourceIPAddress: '198.51.100.1',
          }),
        },
      ],
    }),
  );
});
after(async () => rm(dir, { recursive: true, force: true }));

describe('evidence from an inventory directory', () => {
  it('reads flow logs and the query results file into flow-log evidence', async () => {
    const source = new FlowLogEvidenceSource(new FileFlowLogBackend(dir));
    const report = await source.gather([request], { now: NOW, deadlineAt: Date.now() + 5000 });
    const line = report.found.get('i-0web')?.evidence[0];
    assert.equal(line?.code, 'FLOW_LOG_REJECTED');
    assert.match(line?.detail ?? '', /3 packets to port 22 rejected by the VPC .* from 203\.0\.113\.9 \(3\)/);
  });
  it('reads lookup-events files per resource, from the given time on', async () => {
    const history = new FileChangeHistory(dir);
    assert.equal(
      (await history.lookup('acl-1', new Date('2026-12-01T10:00:00Z')))[0]?.principal,
      'arn:aws:iam::123456789012:user/bob',
    );
    assert.deepEqual(await history.lookup('acl-1', new Date('2026-12-01T11:00:00.001Z')), []);
    assert.deepEqual(await history.lookup('sg-none', new Date(0)), []);
  });
});
