/**
 * Who changed a resource, from CloudTrail's event history: `LookupEvents` with the resource's id as
 * `ResourceName`, from the last healthy check on. AWS limits lookups to two a second per account and Region
 * (AWS CloudTrail API Reference, LookupEvents) and the SDK retries a throttled call, so calls are spaced
 * here to stay under the limit rather than be throttled and retried. One page (50 events, the most a page
 * holds) per resource: changes to one group between two checks rarely number more, and a lookup is bounded.
 */
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { type ChangeEvent, parseChangeEvents } from '../../core/changes/cloudtrail.ts';
import type { ChangeHistory } from '../../ports.ts';
import { clientOptions } from './client-options.ts';

/** 2 lookups a second per account and Region: one every 500 ms. */
export const LOOKUP_INTERVAL_MS = 500;
const MAX_RESULTS = 50;

export interface CloudTrailHistoryOptions {
  /** @default a CloudTrailClient with the shared client options (client-options.ts) */
  readonly client?: CloudTrailClient;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly clock?: () => number;
}

export class CloudTrailChangeHistory implements ChangeHistory {
  private readonly client: CloudTrailClient;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly clock: () => number;
  private lastCallAt = Number.NEGATIVE_INFINITY;

  constructor(options: CloudTrailHistoryOptions = {}) {
    this.client = options.client ?? new CloudTrailClient(clientOptions('cloudtrail'));
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.clock = options.clock ?? Date.now;
  }

  async lookup(resourceId: string, since: Date): Promise<ChangeEvent[]> {
    const wait = this.lastCallAt + LOOKUP_INTERVAL_MS - this.clock();
    if (wait > 0) await this.sleep(wait);
    this.lastCallAt = this.clock();
    const page = await this.client.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: resourceId }],
        StartTime: since,
        MaxResults: MAX_RESULTS,
      }),
    );
    return parseChangeEvents(page.Events ?? []);
  }
}
