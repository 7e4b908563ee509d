/**
 * VPC Block Public Access. Expected answers derived by hand from the VPC User Guide, "Block public access
 * to VPCs and subnets" (https://docs.aws.amazon.com/vpc/latest/userguide/security-vpc-bpa.html):
 * `block-bidirectional` and `block-ingress` both drop connections from the internet through internet
 * gateways; an exclusion in `allow-bidirectional` mode on the VPC or subnet lets them in again, while an
 * `allow-egress` exclusion lets only outbound connections out. Private paths are not affected.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Inventory, VpcBlockPublicAccessExclusion } from '../../../../lambda/core/inventory/model.ts';
import { analyze } from '../../../../lambda/core/reachability/analyze.ts';
import { group, instance, inventory, SUBNET_B, tcp, VPC } from './inventory-builder.ts';

function net(mode: string | undefined, exclusions: VpcBlockPublicAccessExclusion[] = []): Inventory {
  return inventory({
    instances: [
      instance('i-0bastion', { ip: '10.0.1.5', groups: ['sg-world'], publicIp: '54.0.0.5' }),
      instance('i-0peer', { ip: '10.0.2.7', groups: ['sg-world'], subnet: SUBNET_B }),
    ],
    securityGroups: [group('sg-world', [tcp(22, 22, ['0.0.0.0/0'])])],
    ...(mode
      ? { vpcBlockPublicAccessOptions: { InternetGatewayBlockMode: mode, State: 'update-complete' } }
      : {}),
    vpcBlockPublicAccessExclusions: exclusions,
  });
}

const exclusion = (mode: string, arn: string): VpcBlockPublicAccessExclusion => ({
  ExclusionId: 'exclusion-0a1',
  InternetGatewayExclusionMode: mode,
  ResourceArn: arn,
  State: 'create-complete',
});

const fromInternet = (inv: Inventory) =>
  analyze(inv, { sources: ['internet'] }).verdicts.find(
    (v) => v.instanceId === 'i-0bastion' && v.family === 'ipv4',
  )!;

describe('VPC Block Public Access', () => {
  const cases: [string, Inventory, string[]][] = [
    ['off: reachable', net('off'), []],
    ['no setting in the inventory: assumed off, and the verdict says so (below)', net(undefined), []],
    [
      'block-ingress: the internet gateway drops the SYN',
      net('block-ingress'),
      [`BLOCK_PUBLIC_ACCESS ${VPC}`],
    ],
    ['block-bidirectional: likewise', net('block-bidirectional'), [`BLOCK_PUBLIC_ACCESS ${VPC}`]],
    [
      'an allow-bidirectional exclusion on the VPC lets it in',
      net('block-bidirectional', [
        exclusion('allow-bidirectional', `arn:aws:ec2:us-east-1:111122223333:vpc/${VPC}`),
      ]),
      [],
    ],
    [
      'an allow-bidirectional exclusion on the subnet lets it in',
      net('block-ingress', [
        exclusion('allow-bidirectional', 'arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0a1'),
      ]),
      [],
    ],
    [
      'an allow-egress exclusion lets only outbound connections out: still blocked',
      net('block-bidirectional', [
        exclusion('allow-egress', `arn:aws:ec2:us-east-1:111122223333:vpc/${VPC}`),
      ]),
      [`BLOCK_PUBLIC_ACCESS ${VPC}`],
    ],
  ];
  for (const [name, inv, want] of cases) {
    it(name, () => {
      const v = fromInternet(inv);
      assert.deepEqual(
        v.blockers.map((b) => `${b.code} ${b.resourceId}`),
        want,
      );
      assert.equal(v.reachable, want.length === 0);
    });
  }

  it('private paths inside the VPC are not affected', () => {
    const v = analyze(net('block-bidirectional'), { sources: ['i-0bastion'] }).verdicts.find(
      (x) => x.instanceId === 'i-0peer',
    )!;
    assert.deepEqual([v.reachable, v.blockers], [true, []]);
  });

  // Every Region has the setting (`off` until turned on: "Block public access to VPCs and subnets"), so a
  // missing describe-vpc-block-public-access-options.json is not "off" but unknown: the internet verdict
  // rests on the assumption and names it.
  it('no setting in the inventory: an internet verdict carries the assumption', () => {
    assert.deepEqual(
      fromInternet(net(undefined)).assumed?.map((a) => `${a.kind} ${a.detail}`),
      [
        'block-public-access Block Public Access state unknown (describe-vpc-block-public-access-options.json is not in the inventory): assumed off',
      ],
    );
  });

  it('a known setting, or a private path, assumes nothing', () => {
    assert.equal(fromInternet(net('off')).assumed, undefined);
    const peer = analyze(net(undefined), { sources: ['i-0bastion'] }).verdicts.find(
      (x) => x.instanceId === 'i-0peer',
    )!;
    assert.equal(peer.assumed, undefined);
  });
});
