// describe-vpc-attribute/<vpc-id>-<attribute>.json: one file per VPC and attribute, each what
// `aws ec2 describe-vpc-attribute --vpc-id <id> --attribute <attribute>` prints (the id and that one
// attribute: `{"VpcId": "vpc-…", "EnableDnsSupport": {"Value": true}}`), read from a copy of
// test/fixtures/inventories/prober-paths, which has both files of vpc-0a41000000000000b.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadInventoryDir } from '../../../../lambda/adapters/local/inventory-dir.ts';
import { InventoryError } from '../../../../lambda/core/inventory/parse.ts';

const FIXTURE = join(import.meta.dirname, '../../../fixtures/inventories/prober-paths');
const scratch = mkdtempSync(join(tmpdir(), 'port22-vpc-attribute-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let copies = 0;
function copyWith(files: Record<string, unknown>): string {
  const dir = join(scratch, String(copies++));
  cpSync(FIXTURE, dir, { recursive: true });
  for (const [name, body] of Object.entries(files))
    writeFileSync(join(dir, 'describe-vpc-attribute', name), JSON.stringify(body));
  return dir;
}

describe('describe-vpc-attribute/', () => {
  it('reads each attribute into its VPC; a VPC without files has none', async () => {
    const inv = await loadInventoryDir(
      copyWith({
        'vpc-0a42000000000000c-enableDnsHostnames.json': {
          VpcId: 'vpc-0a42000000000000c',
          EnableDnsHostnames: { Value: false },
        },
      }),
    );
    assert.deepEqual(inv.vpcDnsAttributes?.get('vpc-0a41000000000000b'), {
      enableDnsSupport: true,
      enableDnsHostnames: true,
    });
    assert.deepEqual(inv.vpcDnsAttributes?.get('vpc-0a42000000000000c'), { enableDnsHostnames: false });
    assert.equal(inv.vpcDnsAttributes?.get('vpc-0a40000000000000a'), undefined);
  });

  const bad: [string, string, unknown, string][] = [
    [
      'a file of another VPC',
      'vpc-0a42000000000000c-enableDnsSupport.json',
      { VpcId: 'vpc-0a41000000000000b', EnableDnsSupport: { Value: true } },
      'describe-vpc-attribute/vpc-0a42000000000000c-enableDnsSupport.json: VpcId is vpc-0a41000000000000b, not vpc-0a42000000000000c',
    ],
    [
      'the other attribute’s output',
      'vpc-0a42000000000000c-enableDnsSupport.json',
      { VpcId: 'vpc-0a42000000000000c', EnableDnsHostnames: { Value: true } },
      'describe-vpc-attribute/vpc-0a42000000000000c-enableDnsSupport.json: no EnableDnsSupport (the output of --attribute enableDnsSupport)',
    ],
    [
      'a value that is not a boolean',
      'vpc-0a42000000000000c-enableDnsSupport.json',
      { VpcId: 'vpc-0a42000000000000c', EnableDnsSupport: { Value: 'yes' } },
      'describe-vpc-attribute/vpc-0a42000000000000c-enableDnsSupport.json: EnableDnsSupport.Value: expected boolean',
    ],
    [
      'an attribute port22 does not read',
      'vpc-0a42000000000000c-enableNetworkAddressUsageMetrics.json',
      { VpcId: 'vpc-0a42000000000000c' },
      'describe-vpc-attribute/vpc-0a42000000000000c-enableNetworkAddressUsageMetrics.json: not a describe-vpc-attribute file name',
    ],
  ];
  for (const [what, name, body, message] of bad) {
    it(`${what}: one error naming the file`, async () => {
      await assert.rejects(loadInventoryDir(copyWith({ [name]: body })), (e: unknown) => {
        assert.ok(e instanceof InventoryError);
        assert.ok(e.message.startsWith(message), e.message);
        return true;
      });
    });
  }
});
