/**
 * EC2 resource ids: the resource type's prefix, a hyphen, then 8 (resources created before 2016-2018) or
 * 17 lowercase hex digits ("Resource IDs", Amazon EC2 User Guide: "i-1234567890abcdef0"). The inventory
 * parser and the stack's configuration check ids with this one definition.
 */

/** The prefixes of the resources port22 reads, by what they are. */
export const RESOURCE_ID_PREFIX = {
  instance: 'i',
  networkInterface: 'eni',
  securityGroup: 'sg',
  subnet: 'subnet',
  vpc: 'vpc',
  routeTable: 'rtb',
  networkAcl: 'acl',
  internetGateway: 'igw',
  natGateway: 'nat',
  elasticIpAllocation: 'eipalloc',
  vpcEndpoint: 'vpce',
  vpcPeeringConnection: 'pcx',
  transitGateway: 'tgw',
  transitGatewayAttachment: 'tgw-attach',
  transitGatewayRouteTable: 'tgw-rtb',
  prefixList: 'pl',
} as const;

export type ResourceIdPrefix = (typeof RESOURCE_ID_PREFIX)[keyof typeof RESOURCE_ID_PREFIX];

/** `^<prefix>-(8 or 17 lowercase hex)$` */
export function resourceIdPattern(prefix: ResourceIdPrefix): RegExp {
  return new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`);
}

const PATTERNS = new Map<string, RegExp>(
  Object.values(RESOURCE_ID_PREFIX).map((p) => [p, resourceIdPattern(p)]),
);

export function isResourceId(prefix: ResourceIdPrefix, text: string): boolean {
  return PATTERNS.get(prefix)!.test(text);
}

/** What a user reads when an id is malformed. */
export function resourceIdExpected(prefix: ResourceIdPrefix): string {
  return `expected an id like ${prefix}-0123456789abcdef0 (${prefix}- and 8 or 17 lowercase hex digits)`;
}
