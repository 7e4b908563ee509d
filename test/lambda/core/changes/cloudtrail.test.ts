/**
 * Records shaped as the AWS CloudTrail User Guide shows them ("CloudTrail log file examples": the IAM user
 * Mateo's StartInstances record; "CloudTrail userIdentity element": the AssumedRole and AWSService forms),
 * and as the AWS re:Post knowledge-center article "cloudtrail-event-history-changed" shows an
 * AuthorizeSecurityGroupIngress event. LookupEvents returns each record as the `CloudTrailEvent` string.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  attributeChange,
  attributedEvidence,
  type ChangeEvent,
  INSTANCE_EVENTS,
  lookupFor,
  NETWORK_ACL_EVENTS,
  parseChangeEvent,
  ROUTE_EVENTS,
  SECURITY_GROUP_EVENTS,
} from '../../../../lambda/core/changes/cloudtrail.ts';

const IAM_USER_RECORD = {
  eventVersion: '1.08',
  userIdentity: {
    type: 'IAMUser',
    principalId: 'EXAMPLE6E4XEGITWATV6R',
    arn: 'arn:aws:iam::123456789012:user/Mateo',
    accountId: '123456789012',
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    userName: 'Mateo',
  },
  eventTime: '2023-07-19T21:14:20Z',
  eventSource: 'ec2.amazonaws.com',
  eventName: 'RevokeSecurityGroupIngress',
  awsRegion: 'us-east-1',
  sourceIPAddress: '192.0.2.0',
  userAgent: 'aws-cli/2.13.5',
  requestParameters: {
    groupId: 'sg-0abc',
    ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22 }] },
  },
  eventType: 'AwsApiCall',
};

const ASSUMED_ROLE_RECORD = {
  eventVersion: '1.05',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLE:Bob',
    arn: 'arn:aws:sts::123456789012:assumed-role/NetworkAdmin/Bob',
    accountId: '123456789012',
    sessionContext: {
      attributes: { mfaAuthenticated: 'false', creationDate: '2019-08-05T07:15:25Z' },
      sessionIssuer: {
        type: 'Role',
        arn: 'arn:aws:iam::123456789012:role/NetworkAdmin',
        userName: 'NetworkAdmin',
      },
    },
  },
  eventTime: '2019-08-05T07:16:31Z',
  eventSource: 'ec2.amazonaws.com',
  eventName: 'AuthorizeSecurityGroupIngress',
  sourceIPAddress: '203.0.113.11',
};

const SERVICE_RECORD = {
  userIdentity: { type: 'AWSService', invokedBy: 'autoscaling.amazonaws.com' },
  eventTime: '2024-01-02T03:04:05Z',
  eventName: 'StopInstances',
  sourceIPAddress: 'autoscaling.amazonaws.com',
};

const lookupEvent = (record: object, resource: string) => ({
  EventId: 'e-1',
  EventName: (record as { eventName: string }).eventName,
  EventTime: new Date((record as { eventTime: string }).eventTime),
  Resources: [{ ResourceType: 'AWS::EC2::SecurityGroup', ResourceName: resource }],
  CloudTrailEvent: JSON.stringify(record),
});

describe('parseChangeEvent', () => {
  it('names an IAM user by ARN, with the source address and time', () => {
    assert.deepEqual(parseChangeEvent(lookupEvent(IAM_USER_RECORD, 'sg-0abc')), {
      eventName: 'RevokeSecurityGroupIngress',
      eventTime: '2023-07-19T21:14:20.000Z',
      principal: 'arn:aws:iam::123456789012:user/Mateo',
      sourceAddress: '192.0.2.0',
      eventId: 'e-1',
      resourceIds: ['sg-0abc'],
    });
  });
  it("keeps an assumed role's session ARN whole (role and session)", () => {
    assert.equal(
      parseChangeEvent(lookupEvent(ASSUMED_ROLE_RECORD, 'sg-0abc'))?.principal,
      'arn:aws:sts::123456789012:assumed-role/NetworkAdmin/Bob',
    );
  });
  it('names an AWS service by invokedBy', () => {
    assert.equal(
      parseChangeEvent(lookupEvent(SERVICE_RECORD, 'i-0web'))?.principal,
      'autoscaling.amazonaws.com',
    );
  });
  it('falls back to the lookup user name, and refuses a record that is not JSON', () => {
    const noIdentity = { eventName: 'DeleteRoute', eventTime: '2024-01-02T03:04:05Z' };
    assert.equal(
      parseChangeEvent({ ...lookupEvent(noIdentity, 'rtb-1'), Username: 'root' })?.principal,
      'root',
    );
    assert.equal(parseChangeEvent({ ...lookupEvent(noIdentity, 'rtb-1') }), undefined);
    assert.equal(parseChangeEvent({ EventName: 'DeleteRoute', CloudTrailEvent: '{not json' }), undefined);
  });
});

describe('lookupFor', () => {
  it('looks a rule change up on the group, a group joining or leaving on the instance', () => {
    assert.deepEqual(lookupFor({ resourceId: 'sg-1', change: 'removed', line: 'x' }, 'i-1'), {
      resourceId: 'sg-1',
      eventNames: SECURITY_GROUP_EVENTS,
    });
    assert.deepEqual(lookupFor({ resourceId: 'sg-1', change: 'left' }, 'i-1'), {
      resourceId: 'i-1',
      eventNames: INSTANCE_EVENTS,
    });
    assert.deepEqual(
      lookupFor({ resourceId: 'acl-1', change: 'added', line: 'x' }, 'i-1').eventNames,
      NETWORK_ACL_EVENTS,
    );
    assert.deepEqual(lookupFor({ resourceId: 'rtb-1', change: 'joined' }, 'i-1').eventNames, ROUTE_EVENTS);
  });
});

describe('attributeChange', () => {
  const ev = (eventName: string, eventTime: string): ChangeEvent => ({
    eventName,
    eventTime,
    principal: `p-${eventTime}`,
    resourceIds: ['sg-1'],
  });
  const since = '2026-12-01T10:00:00.000Z';
  it('names the latest candidate call at or after the last healthy check', () => {
    const events = [
      ev('RevokeSecurityGroupIngress', '2026-12-01T10:30:00.000Z'),
      ev('AuthorizeSecurityGroupIngress', '2026-12-01T11:00:00.000Z'),
      ev('CreateTags', '2026-12-01T11:30:00.000Z'),
    ];
    assert.equal(
      attributeChange(events, SECURITY_GROUP_EVENTS, since)?.eventTime,
      '2026-12-01T11:00:00.000Z',
    );
  });
  it('counts an event at the healthy check, not one a millisecond before it', () => {
    assert.ok(attributeChange([ev('RevokeSecurityGroupIngress', since)], SECURITY_GROUP_EVENTS, since));
    assert.equal(
      attributeChange(
        [ev('RevokeSecurityGroupIngress', '2026-12-01T09:59:59.999Z')],
        SECURITY_GROUP_EVENTS,
        since,
      ),
      undefined,
    );
  });
  it('adds who, from where and when to the change line', () => {
    const event = parseChangeEvent(lookupEvent(IAM_USER_RECORD, 'sg-0abc'))!;
    const line = attributedEvidence(
      { kind: 'change', code: 'PATH_CONFIG_CHANGED', detail: 'sg-0abc: rule removed' },
      event,
    );
    assert.deepEqual(line, {
      kind: 'change',
      code: 'PATH_CONFIG_CHANGED',
      detail:
        'sg-0abc: rule removed: RevokeSecurityGroupIngress by arn:aws:iam::123456789012:user/Mateo from 192.0.2.0 at 2023-07-19T21:14:20.000Z',
      principal: 'arn:aws:iam::123456789012:user/Mateo',
      at: '2023-07-19T21:14:20.000Z',
    });
  });
});
