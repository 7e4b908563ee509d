import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudTrailChangeHistory,
  LOOKUP_INTERVAL_MS,
} from '../../../../lambda/adapters/aws/cloudtrail-history.ts';

// A LookupEvents response as `aws cloudtrail lookup-events --output json` prints it (AWS CloudTrail API
// Reference, Event): the record itself is the `CloudTrailEvent` string.
const response = {
  Events: [
    {
      EventId: '3b4d6a5e-0000-4000-8000-000000000001',
      EventName: 'RevokeSecurityGroupIngress',
      ReadOnly: 'false',
      AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      EventTime: new Date('2026-12-01T11:20:00Z'),
      EventSource: 'ec2.amazonaws.com',
      Username: 'alice',
      Resources: [{ ResourceType: 'AWS::EC2::SecurityGroup', ResourceName: 'sg-0web' }],
      CloudTrailEvent: JSON.stringify({
        userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/alice', userName: 'alice' },
        eventTime: '2026-12-01T11:20:00Z',
        eventName: 'RevokeSecurityGroupIngress',
        sourceIPAddress: '198.51.100.7',
      }),
    },
  ],
};

describe('CloudTrailChangeHistory', () => {
  it('looks a resource up by name from the healthy check on, and reads who did what', async () => {
    const ct = mockClient(CloudTrailClient);
    ct.on(LookupEventsCommand).resolves(response);
    const history = new CloudTrailChangeHistory({ client: ct as unknown as CloudTrailClient });
    const since = new Date('2026-12-01T11:00:00Z');
    const events = await history.lookup('sg-0web', since);
    assert.deepEqual(ct.commandCalls(LookupEventsCommand)[0]?.args[0].input, {
      LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'sg-0web' }],
      StartTime: since,
      MaxResults: 50,
    });
    assert.equal(events[0]?.principal, 'arn:aws:iam::123456789012:user/alice');
    assert.equal(events[0]?.sourceAddress, '198.51.100.7');
  });

  it('spaces calls 500 ms apart (2 lookups a second per account and Region)', async () => {
    const ct = mockClient(CloudTrailClient);
    ct.on(LookupEventsCommand).resolves({ Events: [] });
    let now = 1_000_000;
    const slept: number[] = [];
    const history = new CloudTrailChangeHistory({
      client: ct as unknown as CloudTrailClient,
      clock: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });
    await history.lookup('sg-1', new Date(0));
    now += 100;
    await history.lookup('sg-2', new Date(0));
    now += LOOKUP_INTERVAL_MS;
    await history.lookup('sg-3', new Date(0));
    assert.deepEqual(slept, [400]);
    assert.equal(ct.commandCalls(LookupEventsCommand).length, 3);
  });

  it('throws a failed lookup for the step to name', async () => {
    const ct = mockClient(CloudTrailClient);
    ct.on(LookupEventsCommand).rejects(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    );
    const history = new CloudTrailChangeHistory({ client: ct as unknown as CloudTrailClient });
    await assert.rejects(history.lookup('sg-1', new Date(0)), /Rate exceeded/);
  });
});
