/**
 * The network ACLs on the prober's API paths, on test/fixtures/inventories/prober-paths (see
 * api-paths.test.ts) with custom ACLs swapped in. Network ACLs are stateless and the first rule in number
 * order decides (VPC User Guide, "Network ACL rules"); a Lambda function's and a NAT gateway's replies come
 * to ports 1024-65535 (VPC User Guide, "Network ACLs" → "Ephemeral ports": "AWS Lambda functions use ports
 * 1024-65535", "A NAT gateway uses ports 1024-65535"). The expected texts are written out by hand.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadInventoryDir } from '../../../../lambda/adapters/local/inventory-dir.ts';
import {
  type Inventory,
  indexInventory,
  type NetworkAcl,
  type NetworkAclEntry,
} from '../../../../lambda/core/inventory/model.ts';
import {
  type ApiPath,
  type AwsService,
  evaluateApiPaths,
} from '../../../../lambda/core/reachability/api-paths.ts';

const FIXTURE = new URL('../../../fixtures/inventories/prober-paths/', import.meta.url).pathname;
const NAT_PROBER = 'subnet-0a40a00000000000a'; // 10.40.1.0/24, default route to the NAT gateway
const NAT_SUBNET = 'subnet-0a40c00000000000c'; // 10.40.3.0/24, where nat-0a40c00000000000c is
const ENDPOINT_SUBNET = 'subnet-0a41a00000000000a'; // 10.41.1.0/24, every interface endpoint of vpc-0a41…
const OTHER_ZONE = 'subnet-0a41b00000000000b'; // 10.41.2.0/24, no endpoint of its own
const ENDPOINTS_SG = 'sg-0a4100000000000a1';
const DYNAMODB_PL = 'pl-6da54004';

let base: Inventory;
before(async () => {
  base = await loadInventoryDir(FIXTURE);
});

type Rule = [number, 'in' | 'out', 'allow' | 'deny', string, ([number, number] | 'all')?];

function entry([n, dir, action, cidr, ports = 'all']: Rule): NetworkAclEntry {
  return {
    RuleNumber: n,
    Egress: dir === 'out',
    RuleAction: action,
    CidrBlock: cidr,
    Protocol: ports === 'all' ? '-1' : '6',
    ...(ports === 'all' ? {} : { PortRange: { From: ports[0], To: ports[1] } }),
  };
}

const ALLOW_ALL: Rule[] = [
  [100, 'in', 'allow', '0.0.0.0/0'],
  [100, 'out', 'allow', '0.0.0.0/0'],
];

/** The fixture with `acl-custom-<subnet>` associated with each subnet given (and taken off the default ACL). */
function withAcls(acls: Record<string, Rule[]>, extra: Partial<Inventory> = {}) {
  const subnets = new Set(Object.keys(acls));
  const defaults = base.networkAcls.map((a) => ({
    ...a,
    Associations: (a.Associations ?? []).filter((s) => !subnets.has(s.SubnetId ?? '')),
  }));
  const custom: NetworkAcl[] = Object.entries(acls).map(([subnetId, rules]) => ({
    NetworkAclId: `acl-custom-${subnetId.slice(-4)}`,
    VpcId: base.subnets.find((s) => s.SubnetId === subnetId)?.VpcId,
    IsDefault: false,
    Associations: [{ NetworkAclId: `acl-custom-${subnetId.slice(-4)}`, SubnetId: subnetId }],
    Entries: [
      ...rules.map(entry),
      entry([32767, 'in', 'deny', '0.0.0.0/0']),
      entry([32767, 'out', 'deny', '0.0.0.0/0']),
    ],
  }));
  return indexInventory({ ...base, ...extra, networkAcls: [...defaults, ...custom] });
}

function path(index: ReturnType<typeof withAcls>, subnetId: string, service: AwsService): ApiPath {
  const [p] = evaluateApiPaths(index, {
    region: 'eu-west-1',
    subnetIds: [subnetId],
    securityGroupIds: [ENDPOINTS_SG],
    services: [service],
  });
  assert.ok(p);
  return p;
}

const ENTRIES = new Map([[DYNAMODB_PL, [{ Cidr: '52.94.24.0/23' }, { Cidr: '52.119.240.0/21' }]]]);

describe('the network ACLs on the prober’s API paths', () => {
  // [what, ACLs by subnet, prober subnet, service, status, words of the detail, words of the fix, prefix list entries?]
  const cases: [
    string,
    Record<string, Rule[]>,
    string,
    AwsService,
    ApiPath['status'],
    string,
    string?,
    boolean?,
  ][] = [
    // An interface endpoint in another subnet: both boundaries, both directions.
    [
      'endpoint: default ACLs allow it',
      {},
      OTHER_ZONE,
      'ec2',
      'ok',
      'network ACL acl-0a41000000000000d allows TCP 443 and the replies to 1024-65535',
    ],
    [
      'endpoint: the prober’s subnet lets no HTTPS out',
      {
        [OTHER_ZONE]: [
          [100, 'in', 'allow', '0.0.0.0/0'],
          [100, 'out', 'allow', '0.0.0.0/0', [1024, 65535]],
        ],
      },
      OTHER_ZONE,
      'ec2',
      'missing',
      'network ACL acl-custom-000b default rule * (32767) denies TCP 443 to 10.41.1.0/24 outbound from subnet-0a41b00000000000b',
      'add to acl-custom-000b outbound rule 200 allowing TCP 443 to 10.41.1.0/24 (aws ec2 create-network-acl-entry --network-acl-id acl-custom-000b --egress --rule-number 200 --protocol tcp --port-range From=443,To=443 --cidr-block 10.41.1.0/24 --rule-action allow)',
    ],
    [
      'endpoint: the prober’s subnet lets no reply in',
      {
        [OTHER_ZONE]: [
          [100, 'in', 'allow', '10.0.0.0/8', [22, 22]],
          [100, 'out', 'allow', '0.0.0.0/0'],
        ],
      },
      OTHER_ZONE,
      'ec2',
      'missing',
      'network ACL acl-custom-000b default rule * (32767) denies replies (TCP 1024-65535) from 10.41.1.0/24 inbound to subnet-0a41b00000000000b',
      'add to acl-custom-000b inbound rule 200 allowing TCP 1024-65535 from 10.41.1.0/24',
    ],
    [
      'endpoint: its subnet takes no 443 from the prober',
      {
        [ENDPOINT_SUBNET]: [
          [100, 'in', 'allow', '10.41.1.0/24'],
          [100, 'out', 'allow', '0.0.0.0/0'],
        ],
      },
      OTHER_ZONE,
      'ec2',
      'missing',
      'network ACL acl-custom-000a default rule * (32767) denies TCP 443 from 10.41.2.0/24 inbound to subnet-0a41a00000000000a',
      'add to acl-custom-000a inbound rule 200 allowing TCP 443 from 10.41.2.0/24',
    ],
    [
      'endpoint: its subnet answers only to 32768-65535 (the guide’s example range, not Lambda’s)',
      {
        [ENDPOINT_SUBNET]: [
          [100, 'in', 'allow', '0.0.0.0/0'],
          [100, 'out', 'allow', '0.0.0.0/0', [32768, 65535]],
        ],
      },
      OTHER_ZONE,
      'ec2',
      'missing',
      'network ACL acl-custom-000a lets replies to 10.41.2.0/24 outbound from subnet-0a41a00000000000a only on ports 32768-65535 of 1024-65535',
      'add to acl-custom-000a outbound rule 200 allowing TCP 1024-65535 to 10.41.2.0/24',
    ],
    [
      'endpoint in the prober’s own subnet: no boundary crossed, its ACL is not asked',
      { [ENDPOINT_SUBNET]: [] },
      ENDPOINT_SUBNET,
      'ec2',
      'ok',
      'interface endpoint vpce-0a410000000000000 with private DNS',
    ],
    // A NAT gateway in another subnet: the prober's boundary, the NAT gateway's both ways and to the internet.
    [
      'NAT: default ACLs allow it',
      {},
      NAT_PROBER,
      'sns',
      'ok',
      'NAT gateway nat-0a40c00000000000c; network ACL acl-0a40000000000000d allows TCP 443',
    ],
    [
      'NAT: its subnet takes no 443 from the prober',
      {
        [NAT_SUBNET]: [
          [100, 'in', 'allow', '0.0.0.0/0', [1024, 65535]],
          [100, 'out', 'allow', '0.0.0.0/0'],
        ],
      },
      NAT_PROBER,
      'sns',
      'missing',
      'network ACL acl-custom-000c default rule * (32767) denies TCP 443 from 10.40.1.0/24 inbound to subnet-0a40c00000000000c',
      'add to acl-custom-000c inbound rule 200 allowing TCP 443 from 10.40.1.0/24',
    ],
    [
      'NAT: its subnet lets nothing out to the internet',
      {
        [NAT_SUBNET]: [
          [100, 'in', 'allow', '0.0.0.0/0'],
          [100, 'out', 'allow', '10.40.0.0/16'],
        ],
      },
      NAT_PROBER,
      'sns',
      'missing',
      'network ACL acl-custom-000c default rule * (32767) denies TCP 443 to the internet outbound from subnet-0a40c00000000000c',
      'add to acl-custom-000c outbound rule 200 allowing TCP 443 to 0.0.0.0/0',
    ],
    [
      'NAT: its subnet lets no reply in from the internet',
      {
        [NAT_SUBNET]: [
          [100, 'in', 'allow', '10.40.0.0/16'],
          [100, 'out', 'allow', '0.0.0.0/0'],
        ],
      },
      NAT_PROBER,
      'sns',
      'missing',
      'network ACL acl-custom-000c default rule * (32767) denies replies (TCP 1024-65535) from the internet inbound to subnet-0a40c00000000000c',
      'add to acl-custom-000c inbound rule 200 allowing TCP 1024-65535 from 0.0.0.0/0',
    ],
    [
      'NAT: its subnet sends no reply back to the prober',
      {
        [NAT_SUBNET]: [
          [100, 'in', 'allow', '0.0.0.0/0'],
          [100, 'out', 'allow', '0.0.0.0/0', [443, 443]],
        ],
      },
      NAT_PROBER,
      'sns',
      'missing',
      'network ACL acl-custom-000c default rule * (32767) denies replies (TCP 1024-65535) to 10.40.1.0/24 outbound from subnet-0a40c00000000000c',
      'add to acl-custom-000c outbound rule 200 allowing TCP 1024-65535 to 10.40.1.0/24',
    ],
    [
      'NAT: the prober’s subnet allows HTTPS to part of the internet only: the service’s addresses decide',
      {
        [NAT_PROBER]: [
          [100, 'in', 'allow', '0.0.0.0/0'],
          [100, 'out', 'allow', '52.94.0.0/16', [443, 443]],
          [110, 'out', 'allow', '10.40.0.0/16'],
        ],
      },
      NAT_PROBER,
      'sns',
      'unknown',
      'network ACL acl-custom-000a outbound from subnet-0a40a00000000000a allows TCP 443 to only part of the internet, and the public addresses of com.amazonaws.eu-west-1.sns are not in the inventory',
    ],
    // DynamoDB through its gateway endpoint: the prober's boundary, toward the prefix list's addresses.
    [
      'DynamoDB, entries unknown: a rule covering 0.0.0.0/0 decides',
      {
        [OTHER_ZONE]: [
          [100, 'in', 'allow', '0.0.0.0/0', [1024, 65535]],
          [100, 'out', 'allow', '0.0.0.0/0', [443, 443]],
        ],
      },
      OTHER_ZONE,
      'dynamodb',
      'ok',
      'routes pl-6da54004 to it; network ACL acl-custom-000b allows TCP 443',
    ],
    [
      'DynamoDB, entries unknown: a narrower rule leaves it unknown',
      {
        [OTHER_ZONE]: [
          [100, 'in', 'allow', '0.0.0.0/0'],
          [100, 'out', 'allow', '52.94.24.0/23', [443, 443]],
        ],
      },
      OTHER_ZONE,
      'dynamodb',
      'unknown',
      'allows TCP 443 to only part of the internet, and the CIDRs of pl-6da54004 are not in the inventory (prefix-list-entries/pl-6da54004.json',
    ],
    [
      'DynamoDB, entries known: rules for each CIDR allow it',
      {
        [OTHER_ZONE]: [
          [100, 'in', 'allow', '0.0.0.0/0'],
          [100, 'out', 'allow', '52.94.24.0/23', [443, 443]],
          [110, 'out', 'allow', '52.119.240.0/21', [443, 443]],
        ],
      },
      OTHER_ZONE,
      'dynamodb',
      'ok',
      'network ACL acl-custom-000b allows TCP 443',
      undefined,
      true,
    ],
    [
      'DynamoDB, entries known: one CIDR without a rule is missing',
      {
        [OTHER_ZONE]: [
          [100, 'in', 'allow', '0.0.0.0/0'],
          [100, 'out', 'allow', '52.94.24.0/23', [443, 443]],
        ],
      },
      OTHER_ZONE,
      'dynamodb',
      'missing',
      'network ACL acl-custom-000b default rule * (32767) denies TCP 443 to 52.119.240.0/21 outbound from subnet-0a41b00000000000b',
      'add to acl-custom-000b outbound rule 200 allowing TCP 443 to 52.94.24.0/23, 52.119.240.0/21 (one rule per CIDR, each numbered below 32767)',
      true,
    ],
    [
      'a deny numbered before the allow decides',
      { [OTHER_ZONE]: [[90, 'out', 'deny', '0.0.0.0/0', [443, 443]], ...ALLOW_ALL] },
      OTHER_ZONE,
      'dynamodb',
      'missing',
      'network ACL acl-custom-000b rule 90 denies TCP 443 to the internet outbound from subnet-0a41b00000000000b',
      'add to acl-custom-000b outbound rule 89 allowing TCP 443 to 0.0.0.0/0',
    ],
    [
      'an allow numbered before a deny decides',
      {
        [OTHER_ZONE]: [
          [80, 'out', 'allow', '0.0.0.0/0', [443, 443]],
          [90, 'out', 'deny', '0.0.0.0/0'],
          ...ALLOW_ALL,
        ],
      },
      OTHER_ZONE,
      'ec2',
      'ok',
      'network ACLs acl-custom-000b, acl-0a41000000000000d allow TCP 443',
    ],
    // The reply range's lower end, 1024: just inside Lambda's range, and 1023 just outside it.
    ...(
      [
        [
          'replies allowed on 1024-65535 exactly',
          [1024, 65535],
          'ok',
          'allow TCP 443 and the replies to 1024-65535',
          undefined,
        ],
        [
          'replies allowed from 1025: port 1024, inside the range, is not',
          [1025, 65535],
          'missing',
          'lets replies from 10.41.1.0/24 inbound to subnet-0a41b00000000000b only on ports 1025-65535 of 1024-65535',
          'add to acl-custom-000b inbound rule 200 allowing TCP 1024-65535 from 10.41.1.0/24',
        ],
        [
          'replies allowed from 1023: one port more than needed',
          [1023, 65535],
          'ok',
          'allow TCP 443',
          undefined,
        ],
      ] as const
    ).map(
      ([what, ports, status, detail, fix]) =>
        [
          what,
          {
            [OTHER_ZONE]: [
              [100, 'in', 'allow', '10.41.0.0/16', [ports[0], ports[1]]],
              [100, 'out', 'allow', '0.0.0.0/0'],
            ],
          },
          OTHER_ZONE,
          'ec2',
          status,
          detail,
          fix,
        ] as (typeof cases)[number],
    ),
    [
      'a deny on 1023 before the allow: outside the range, harmless',
      { [OTHER_ZONE]: [[90, 'in', 'deny', '0.0.0.0/0', [1023, 1023]], ...ALLOW_ALL] },
      OTHER_ZONE,
      'ec2',
      'ok',
      'allows TCP 443',
    ],
    [
      'a deny on 1024 before the allow: inside the range, one connection in 64512 fails',
      { [OTHER_ZONE]: [[90, 'in', 'deny', '0.0.0.0/0', [1024, 1024]], ...ALLOW_ALL] },
      OTHER_ZONE,
      'ec2',
      'missing',
      'inbound to subnet-0a41b00000000000b only on ports 1025-65535 of 1024-65535',
      'add to acl-custom-000b inbound rule 89 allowing TCP 1024-65535 from 10.41.1.0/24',
    ],
  ];
  for (const [what, acls, subnet, service, status, detail, fix, entries] of cases) {
    it(what, () => {
      const p = path(withAcls(acls, entries ? { prefixLists: ENTRIES } : {}), subnet, service);
      assert.equal(p.status, status, p.detail);
      assert.ok(p.detail.includes(detail), p.detail);
      if (fix === undefined) assert.equal(p.fix, undefined);
      else assert.ok(p.fix?.includes(fix), p.fix);
    });
  }

  it('without describe-network-acls.json every path is unknown, naming the file', () => {
    const index = indexInventory({
      ...base,
      networkAcls: [],
      absentFiles: ['describe-network-acls.json'],
    });
    const [p] = evaluateApiPaths(index, {
      region: 'eu-west-1',
      subnetIds: [NAT_PROBER],
      services: ['sns'],
    });
    assert.equal(p?.status, 'unknown');
    assert.ok(p?.detail.includes('describe-network-acls.json is not in the inventory'), p?.detail);
  });
});
