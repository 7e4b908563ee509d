// No AWS client without a timeout (issue 12): every client port22 builds takes its options from
// clientOptions, and those options bound the connect, the wait for an answer and the attempts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { type AwsService, clientOptions } from '../../../../lambda/adapters/aws/client-options.ts';

const root = new URL('../../../../', import.meta.url).pathname;

/** The services port22 calls today and those issue 13's evidence sources add (SSM, Logs, CloudTrail). */
const SERVICES: AwsService[] = [
  'ec2',
  'cloudwatch',
  'network-firewall',
  'dynamodb',
  'sns',
  'ssm',
  'cloudwatch-logs',
  'cloudtrail',
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('clientOptions', () => {
  for (const service of SERVICES) {
    it(`${service}: a connection timeout, a request timeout that throws, bounded attempts`, () => {
      const o = clientOptions(service);
      assert.ok(o.requestHandler.connectionTimeout > 0 && o.requestHandler.connectionTimeout <= 5000);
      // Lambda's own limit is 15 min; a single attempt must be a small part of a run.
      assert.ok(o.requestHandler.requestTimeout > 0 && o.requestHandler.requestTimeout <= 30_000);
      assert.equal(o.requestHandler.throwOnRequestTimeout, true, 'without it an exceeded timeout only warns');
      assert.ok(o.maxAttempts >= 1 && o.maxAttempts <= 8);
    });
  }

  it('every AWS client constructed in the product takes clientOptions', () => {
    const offenders: string[] = [];
    for (const dir of ['lambda', 'cli', 'bin', 'lab'])
      for (const file of sources(join(root, dir))) {
        const text = readFileSync(file, 'utf8');
        for (const made of text.matchAll(/new (\w+Client)\(\s*([^;]*)/g)) {
          // SQS is only the lab reading back what SNS delivered; port22 itself never calls it.
          if (made[1] === 'SQSClient' || made[2]?.startsWith('clientOptions(')) continue;
          const line = text.slice(0, made.index).split('\n').length;
          offenders.push(`${relative(root, file)}:${line}: ${made[0].split('\n')[0]}`);
        }
      }
    assert.deepEqual(offenders, []);
  });
});
