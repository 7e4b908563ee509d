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
