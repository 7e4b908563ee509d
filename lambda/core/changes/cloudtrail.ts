/**
 * Who changed what: the CloudTrail event that made a change port22 detected on an instance's path
 * (lambda/core/changes/path-config.ts). Events come from `LookupEvents` by resource name (the group, ACL,
 * route table, ENI or instance id); each event's `CloudTrailEvent` is the record as CloudTrail logs it, whose
 * `userIdentity` names the principal (AWS CloudTrail User Guide, "CloudTrail userIdentity element") and
 * whose `sourceIPAddress` and `eventTime` say from where and when.
 */
import type { Evidence } from '../diagnose/types.ts';
import type { ConfigChange } from './path-config.ts';

/** The API calls that change what a path's configuration says, by the kind of resource they change. */
export const SECURITY_GROUP_EVENTS = [
  'AuthorizeSecurityGroupIngress',
  'RevokeSecurityGroupIngress',
  'AuthorizeSecurityGroupEgress',
  'RevokeSecurityGroupEgress',
  'ModifySecurityGroupRules',
] as const;
export const NETWORK_ACL_EVENTS = [
  'CreateNetworkAclEntry',
  'ReplaceNetworkAclEntry',
  'DeleteNetworkAclEntry',
  'ReplaceNetworkAclAssociation',
] as const;
export const ROUTE_EVENTS = [
  'CreateRoute',
  'ReplaceRoute',
  'DeleteRoute',
  'ReplaceRouteTableAssociation',
] as const;
/** Calls on an instance or its ENI that change its groups, or stop it. */
export const INSTANCE_EVENTS = [
  'ModifyNetworkInterfaceAttribute',
  'ModifyInstanceAttribute',
  'StopInstances',
] as const;

/** One event that changed a resource: what, who, from where, when. */
export interface ChangeEvent {
  readonly eventName: string;
  /** ISO 8601. */
  readonly eventTime: string;
  /** The principal: the ARN, or the user name where the record has no ARN. */
  readonly principal: string;
  readonly sourceAddress?: string;
  readonly eventId?: string;
  /** The resources LookupEvents listed for the event. */
  readonly resourceIds: readonly string[];
}

interface UserIdentity {
  type?: string;
  arn?: string;
  userName?: string;
  invokedBy?: string;
  sessionContext?: { sessionIssuer?: { arn?: string; userName?: string } };
}

/**
 * One `LookupEvents` event (`EventName`, `EventTime`, `Resources`, `CloudTrailEvent`) as a change event, or
 * `undefined` when its record is not JSON or names no principal. An assumed role's ARN
 * (`arn:aws:sts::…:assumed-role/Role/session`) names both the role and the session, so it is kept whole; an
 * AWS service acting on the account's behalf has no ARN and is named by `invokedBy`.
 */
export function parseChangeEvent(event: {
  readonly EventName?: string;
  readonly EventTime?: Date | string;
  readonly EventId?: string;
  readonly Username?: string;
  readonly Resources?: readonly { readonly ResourceName?: string }[];
  readonly CloudTrailEvent?: string;
}): ChangeEvent | undefined {
  let record: {
    userIdentity?: UserIdentity;
    sourceIPAddress?: string;
    eventTime?: string;
    eventName?: string;
  };
  try {
    record = JSON.parse(event.CloudTrailEvent ?? '') as typeof record;
  } catch {
    return undefined;
  }
  if (record === null || typeof record !== 'object') return undefined;
  const identity = record.userIdentity ?? {};
  const principal =
    identity.arn ??
    identity.sessionContext?.sessionIssuer?.arn ??
    identity.userName ??
    identity.invokedBy ??
    event.Username;
  const eventName = record.eventName ?? event.EventName;
  const time = record.eventTime ?? event.EventTime;
  if (principal === undefined || eventName === undefined || time === undefined) return undefined;
  const eventTime = new Date(time);
  if (Number.isNaN(eventTime.getTime())) return undefined;
  return {
    eventName,
    eventTime: eventTime.toISOString(),
    principal,
    ...(record.sourceIPAddress ? { sourceAddress: record.sourceIPAddress } : {}),
    ...(event.EventId ? { eventId: event.EventId } : {}),
    resourceIds: (event.Resources ?? []).flatMap((r) => (r.ResourceName ? [r.ResourceName] : [])),
  };
}

/** A `LookupEvents` page's events as change events, leaving out those `parseChangeEvent` cannot read. */
export function parseChangeEvents(events: readonly Parameters<typeof parseChangeEvent>[0][]): ChangeEvent[] {
  return events.flatMap((e) => parseChangeEvent(e) ?? []);
}

/**
 * Which resource to look up for a change, and which calls could have made it: a rule or route change on the
 * group, ACL or route table itself; a group joining or leaving the path on the instance (its groups are
 * changed on the instance or its ENI); an ACL or route table joining on itself (its association was
 * replaced, and the association call names the new one).
 */
export function lookupFor(
  change: ConfigChange,
  instanceId: string,
): { resourceId: string; eventNames: readonly string[] } {
  const id = change.resourceId;
  const membership = change.change === 'joined' || change.change === 'left';
  if (id.startsWith('sg-'))
    return membership
      ? { resourceId: instanceId, eventNames: INSTANCE_EVENTS }
      : { resourceId: id, eventNames: SECURITY_GROUP_EVENTS };
  if (id.startsWith('acl-')) return { resourceId: id, eventNames: NETWORK_ACL_EVENTS };
  if (id.startsWith('rtb-')) return { resourceId: id, eventNames: ROUTE_EVENTS };
  return { resourceId: id, eventNames: [...SECURITY_GROUP_EVENTS, ...NETWORK_ACL_EVENTS, ...ROUTE_EVENTS] };
}

/**
 * The event that made a change: the latest of the candidate calls on the resource after the last healthy
 * check (a later call superseded an earlier one; ties cannot be told apart, so the latest is named).
 */
export function attributeChange(
  events: readonly ChangeEvent[],
  eventNames: readonly string[],
  since: string,
): ChangeEvent | undefined {
  const after = Date.parse(since);
  return events
    .filter((e) => eventNames.includes(e.eventName) && Date.parse(e.eventTime) >= after)
    .sort((a, b) => Date.parse(b.eventTime) - Date.parse(a.eventTime))[0];
}

/** The `change` evidence line with who made it, and the line "What changed" shows. */
export function attributedEvidence(change: Evidence, event: ChangeEvent): Evidence {
  return {
    ...change,
    detail: `${change.detail}: ${attributionText(event)}`,
    principal: event.principal,
    at: event.eventTime,
  };
}

export function attributionText(event: ChangeEvent): string {
  const from = event.sourceAddress ? ` from ${event.sourceAddress}` : '';
  return `${event.eventName} by ${event.principal}${from} at ${event.eventTime}`;
}
