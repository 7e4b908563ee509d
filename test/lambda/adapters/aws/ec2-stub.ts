// A stubbed EC2 region for the inventory collector's tests.
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { AwsClientStub } from 'aws-sdk-client-mock';

export type Ec2Mock = AwsClientStub<EC2Client>;

/**
 * Every call answers "none" (an answer without its list), so a test sets only what it is about: the
 * behaviours a test adds with `mock.on(Command)` take precedence over this default.
 */
export function emptyRegion(mock: Ec2Mock): void {
  mock.onAnyCommand().resolves({});
}

// biome-ignore lint/suspicious/noExplicitAny: the mock's command table is heterogenous by design
export type AnyCommand = any;

/** A request's paging and filters, as the collector sends them. */
export interface PagedRequest {
  readonly NextToken?: string;
  readonly Filters?: readonly { Name?: string; Values?: string[] }[];
  readonly Filter?: readonly { Name?: string; Values?: string[] }[];
}

/**
 * Serves `items` under `key` in pages of `pageSize`, the way EC2 does: `NextToken` on every page but the
 * last. `items` may depend on the request (EC2 applies its filters before paging). Records the token each
 * call carried.
 */
export function paged(
  mock: Ec2Mock,
  command: AnyCommand,
  key: string,
  items: readonly unknown[] | ((request: PagedRequest) => readonly unknown[]),
  pageSize: number,
): (string | undefined)[] {
  const tokens: (string | undefined)[] = [];
  mock.on(command).callsFake((input: PagedRequest) => {
    tokens.push(input.NextToken);
    const all = typeof items === 'function' ? items(input) : items;
    const start = input.NextToken ? Number(input.NextToken.replace('token-', '')) : 0;
    const end = start + pageSize;
    return {
      [key]: all.slice(start, end),
      ...(end < all.length ? { NextToken: `token-${end}` } : {}),
      $metadata: { httpStatusCode: 200 },
    };
  });
  return tokens;
}
