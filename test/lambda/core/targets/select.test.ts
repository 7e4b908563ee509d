import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyInventory, type Instance, indexInventory } from '../../../../lambda/core/inventory/model.ts';
import { selectTargets, type TargetSelection } from '../../../../lambda/core/targets/select.ts';

function ec2(id: string, tags: Record<string, string> = {}, over: Partial<Instance> = {}): Instance {
  return {
    InstanceId: id,
    State: { Name: 'running', Code: 16 },
    SubnetId: 'subnet-1',
    VpcId: 'vpc-1',
    PrivateIpAddress: '10.0.0.10',
    SecurityGroups: [{ GroupId: 'sg-1' }],
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    ...over,
  };
}

const select = (instances: Instance[], selection?: TargetSelection) =>
  selectTargets(indexInventory({ ...emptyInventory(), instances }), selection);
const ids = (instances: Instance[], selection?: TargetSelection) =>
  select(instances, selection).map((t) => t.instanceId);

describe('selectTargets', () => {
  describe('port22:monitor against monitorByDefault (DESIGN.md: true/false, else the configured default)', () => {
    // [monitorByDefault, port22:monitor tag (undefined: no tag), selected]
    const cases: [boolean | undefined, string | undefined, boolean][] = [
      [undefined, undefined, true],
      [undefined, 'true', true],
      [undefined, 'false', false],
      [undefined, 'garbage', true],
      [true, undefined, true],
      [true, 'true', true],
      [true, 'TRUE', true],
      [true, 'false', false],
      [true, ' False ', false],
      [true, 'garbage', true],
      [true, '', true],
      [false, undefined, false],
      [false, 'true', true],
      [false, ' true', true],
      [false, 'false', false],
      [false, 'garbage', false],
      [false, 'yes', false],
      [false, '', false],
    ];
    for (const [monitorByDefault, tag, want] of cases) {
      it(`monitorByDefault ${monitorByDefault ?? '(unset)'}, tag ${JSON.stringify(tag)} → ${want ? 'checked' : 'skipped'}`, () => {
        const instance = ec2('i-1', tag === undefined ? {} : { 'port22:monitor': tag });
        const selection = monitorByDefault === undefined ? {} : { monitorByDefault };
        assert.deepEqual(ids([instance], selection), want ? ['i-1'] : []);
      });
    }
  });

  describe('tag filters: every filter matches, with one of its values', () => {
    const tagFilters = [
      { key: 'env', values: ['prod', 'staging'] },
      { key: 'team', values: ['web'] },
    ];
    const cases: [string, Record<string, string>, boolean][] = [
      ['both keys, first value', { env: 'prod', team: 'web' }, true],
      ['both keys, second value', { env: 'staging', team: 'web' }, true],
      ['one key missing', { env: 'prod' }, false],
      ['a value not listed', { env: 'dev', team: 'web' }, false],
      ['values are case-sensitive, as EC2 filters are', { env: 'Prod', team: 'web' }, false],
      ['keys are case-sensitive', { Env: 'prod', team: 'web' }, false],
      ['an empty value is a value', { env: '', team: 'web' }, false],
      ['port22:monitor=true does not bypass the filters', { 'port22:monitor': 'true', team: 'web' }, false],
      [
        'port22:monitor=false wins over matching filters',
        { 'port22:monitor': 'false', env: 'prod', team: 'web' },
        false,
      ],
    ];
    for (const [name, tags, want] of cases) {
      it(name, () => assert.deepEqual(ids([ec2('i-1', tags)], { tagFilters }), want ? ['i-1'] : []));
    }
    it('a filter whose value list holds the empty string matches an empty tag value', () => {
      assert.deepEqual(ids([ec2('i-1', { env: '' })], { tagFilters: [{ key: 'env', values: [''] }] }), [
        'i-1',
      ]);
    });
    it('no filters select every monitored instance', () => {
      assert.deepEqual(ids([ec2('i-1'), ec2('i-2', { env: 'dev' })], { tagFilters: [] }), ['i-1', 'i-2']);
    });
  });

  describe('port: the port22:port tag overrides the configured port', () => {
    const cases: [number | undefined, string | undefined, number][] = [
      [undefined, undefined, 22],
      [2200, undefined, 2200],
      [undefined, '2222', 2222],
      [2200, '2222', 2222],
      [2200, '65535', 65535],
      [2200, '0', 2200],
      [2200, '65536', 2200],
      [2200, '0x16', 2200],
      [2200, '', 2200],
    ];
    for (const [port, tag, want] of cases) {
      it(`configured ${port ?? '(unset)'}, tag ${JSON.stringify(tag)} → ${want}`, () => {
        const instance = ec2('i-1', tag === undefined ? {} : { 'port22:port': tag });
        assert.equal(select([instance], port === undefined ? {} : { port })[0]?.port, want);
      });
    }
  });

  it('reads port22:expect: closed only when tagged closed', () => {
    const targets = select([
      ec2('i-1'),
      ec2('i-2', { 'port22:expect': 'closed' }),
      ec2('i-3', { 'port22:expect': 'CLOSED ' }),
      ec2('i-4', { 'port22:expect': 'shut' }),
    ]);
    assert.deepEqual(
      targets.map((t) => t.expect),
      ['open', 'closed', 'closed', 'open'],
    );
  });

  it('never selects a terminated instance; a stopped one is still checked', () => {
    const instances = [
      ec2('i-terminated', {}, { State: { Name: 'terminated', Code: 48 } }),
      ec2('i-stopped', {}, { State: { Name: 'stopped', Code: 80 } }),
      ec2('i-no-state', {}, { State: undefined }),
    ];
    assert.deepEqual(ids(instances), ['i-stopped', 'i-no-state']);
    assert.deepEqual(ids(instances, { monitorByDefault: false }), []);
    assert.deepEqual(
      ids([ec2('i-terminated', { 'port22:monitor': 'true' }, { State: { Name: 'terminated', Code: 48 } })]),
      [],
    );
  });

  it('keeps an instance without a private address, with no address to probe', () => {
    const [target] = select([ec2('i-1', {}, { PrivateIpAddress: undefined })]);
    assert.equal(target?.instanceId, 'i-1');
    assert.equal(target?.address, undefined);
    assert.equal('address' in (target ?? {}), false);
  });

  it('takes the first IPv6 address of an IPv6-only instance', () => {
    const [target] = select([
      ec2(
        'i-1',
        {},
        {
          PrivateIpAddress: undefined,
          NetworkInterfaces: [
            {
              NetworkInterfaceId: 'eni-1',
              SubnetId: 'subnet-1',
              VpcId: 'vpc-1',
              Ipv6Addresses: [{ Ipv6Address: '2001:db8::10' }, { Ipv6Address: '2001:db8::11' }],
              Groups: [{ GroupId: 'sg-6' }],
              Attachment: { DeviceIndex: 0 },
            },
          ],
        },
      ),
    ]);
    assert.equal(target?.address, '2001:db8::10');
    assert.deepEqual(target?.securityGroupIds, ['sg-6']);
  });

  it('describes each target: name, every tag, subnet, VPC and groups, in inventory order', () => {
    const targets = select([
      ec2('i-b', { Name: 'web-b', 'port22:group': 'web' }),
      ec2('i-a', {}, { SubnetId: undefined, VpcId: undefined, SecurityGroups: [] }),
    ]);
    assert.deepEqual(
      targets.map((t) => t.instanceId),
      ['i-b', 'i-a'],
    );
    const [b, a] = targets;
    assert.equal(b?.name, 'web-b');
    assert.deepEqual(b?.tags, { Name: 'web-b', 'port22:group': 'web' });
    assert.equal(b?.address, '10.0.0.10');
    assert.equal(b?.subnetId, 'subnet-1');
    assert.equal(b?.vpcId, 'vpc-1');
    assert.deepEqual(b?.securityGroupIds, ['sg-1']);
    assert.equal('name' in (a ?? {}), false);
    assert.equal('subnetId' in (a ?? {}), false);
    assert.equal('vpcId' in (a ?? {}), false);
    assert.deepEqual(a?.securityGroupIds, []);
  });

  it('an empty inventory selects nothing', () => {
    assert.deepEqual(select([]), []);
  });
});
