/**
 * Validates AWS CLI / EC2 API JSON into the inventory model. Pure: the directory adapter reads the files
 * and the live collector calls the API; both hand the raw objects here. A malformed document gives ONE
 * error naming the file and the JSON path (`describe-security-groups.json:
 * SecurityGroups[3].IpPermissions[0].FromPort: expected number`), because a user fixes files, not stacks.
 */
// Named imports, not the `z` namespace: a namespace used as a value keeps every export of zod in the
// prober's bundle (all its locales: 450 KiB, half the bundle); named ones let esbuild drop what is unused.
import type { core, output } from 'zod';
import { array, boolean, number, object, enum as oneOf, string } from 'zod';
import { isCidr, parseAddress } from '../net/cidr.ts';
import type {
  Instance,
  InstanceStatus,
  Inventory,
  ManagedPrefixList,
  NetworkAcl,
  NetworkInterface,
  PrefixListEntry,
  RouteTable,
  SecurityGroup,
  Subnet,
  Vpc,
} from './model.ts';

/** A malformed or missing inventory document. The CLI prints `message` on one line and exits 2. */
export class InventoryError extends Error {
  override name = 'InventoryError';
}

const str = string();
const optStr = string().optional();
const optBool = boolean().optional();
const optNum = number().optional();
const ipv4Cidr = string().refine((s) => isCidr(s, 'ipv4'), 'expected an IPv4 CIDR');
const ipv6Cidr = string().refine((s) => isCidr(s, 'ipv6'), 'expected an IPv6 CIDR');
const anyCidr = string().refine((s) => isCidr(s), 'expected a CIDR');
const port = number().int().min(-1).max(65535);
/** An address literal (`10.0.1.5`, `2600:1f18::5`), never a name or an out-of-range octet. */
const ADDRESS_EXPECTED = { ipv4: 'expected an IPv4 address', ipv6: 'expected an IPv6 address' } as const;
const ipv4Address = string().refine((s) => parseAddress(s)?.family === 'ipv4', ADDRESS_EXPECTED.ipv4);
const ipv6Address = string().refine((s) => parseAddress(s)?.family === 'ipv6', ADDRESS_EXPECTED.ipv6);
const tags = array(object({ Key: optStr, Value: optStr })).optional();
const group = object({ GroupId: str, GroupName: optStr });
const privateIps = array(
  object({
    PrivateIpAddress: ipv4Address.optional(),
    Primary: optBool,
    Association: object({ PublicIp: ipv4Address.optional(), IpOwnerId: optStr }).optional(),
  }),
).optional();
const ipv6Addresses = array(object({ Ipv6Address: ipv6Address.optional() })).optional();
/** The fields both ENI shapes share (model.ts, EniAddressing and EniAttachment), spread into each. */
const eniAddressing = {
  NetworkInterfaceId: str,
  SubnetId: optStr,
  VpcId: optStr,
  PrivateIpAddress: ipv4Address.optional(),
  PrivateIpAddresses: privateIps,
  Association: object({ PublicIp: ipv4Address.optional() }).optional(),
  Ipv6Addresses: ipv6Addresses,
  Groups: array(group).optional(),
};
const eniAttachment = { DeviceIndex: optNum, Status: optStr, AttachmentId: optStr };

const instance = object({
  InstanceId: str,
  InstanceType: optStr,
  ImageId: optStr,
  State: object({ Name: optStr, Code: optNum }).optional(),
  SubnetId: optStr,
  VpcId: optStr,
  PrivateIpAddress: ipv4Address.optional(),
  PublicIpAddress: ipv4Address.optional(),
  Ipv6Address: ipv6Address.optional(),
  NetworkInterfaces: array(
    object({
      ...eniAddressing,
      Attachment: object(eniAttachment).optional(),
      Status: optStr,
      SourceDestCheck: optBool,
    }),
  ).optional(),
  SecurityGroups: array(group).optional(),
  Tags: tags,
  Placement: object({ AvailabilityZone: optStr }).optional(),
  Platform: optStr,
});

const permission = object({
  IpProtocol: str,
  FromPort: port.optional(),
  ToPort: port.optional(),
  IpRanges: array(object({ CidrIp: ipv4Cidr, Description: optStr })).optional(),
  Ipv6Ranges: array(object({ CidrIpv6: ipv6Cidr, Description: optStr })).optional(),
  PrefixListIds: array(object({ PrefixListId: str, Description: optStr })).optional(),
  UserIdGroupPairs: array(
    object({
      GroupId: optStr,
      GroupName: optStr,
      UserId: optStr,
      VpcId: optStr,
      VpcPeeringConnectionId: optStr,
      PeeringStatus: optStr,
      Description: optStr,
    }),
  ).optional(),
});

const securityGroup = object({
  GroupId: str,
  GroupName: optStr,
  VpcId: optStr,
  OwnerId: optStr,
  Description: optStr,
  IpPermissions: array(permission).optional(),
  IpPermissionsEgress: array(permission).optional(),
  Tags: tags,
});

const ipv6Association = object({
  Ipv6CidrBlock: ipv6Cidr.optional(),
  AssociationId: optStr,
  Ipv6CidrBlockState: object({ State: optStr }).optional(),
});

const subnet = object({
  SubnetId: str,
  VpcId: optStr,
  CidrBlock: ipv4Cidr.optional(),
  Ipv6CidrBlockAssociationSet: array(ipv6Association).optional(),
  MapPublicIpOnLaunch: optBool,
  AssignIpv6AddressOnCreation: optBool,
  AvailabilityZone: optStr,
  OwnerId: optStr,
  Tags: tags,
});

const aclEntry = object({
  RuleNumber: number().int().min(1),
  Protocol: str,
  RuleAction: oneOf(['allow', 'deny']),
  Egress: boolean(),
  CidrBlock: ipv4Cidr.optional(),
  Ipv6CidrBlock: ipv6Cidr.optional(),
  PortRange: object({ From: port.optional(), To: port.optional() }).optional(),
  IcmpTypeCode: object({ Code: optNum, Type: optNum }).optional(),
});

const networkAcl = object({
  NetworkAclId: str,
  VpcId: optStr,
  IsDefault: optBool,
  Entries: array(aclEntry).optional(),
  Associations: array(
    object({ NetworkAclAssociationId: optStr, NetworkAclId: optStr, SubnetId: optStr }),
  ).optional(),
  OwnerId: optStr,
  Tags: tags,
});

const route = object({
  DestinationCidrBlock: ipv4Cidr.optional(),
  DestinationIpv6CidrBlock: ipv6Cidr.optional(),
  DestinationPrefixListId: optStr,
  GatewayId: optStr,
  NatGatewayId: optStr,
  TransitGatewayId: optStr,
  VpcPeeringConnectionId: optStr,
  EgressOnlyInternetGatewayId: optStr,
  NetworkInterfaceId: optStr,
  InstanceId: optStr,
  LocalGatewayId: optStr,
  CarrierGatewayId: optStr,
  CoreNetworkArn: optStr,
  State: optStr,
  Origin: optStr,
});

const routeTable = object({
  RouteTableId: str,
  VpcId: optStr,
  Routes: array(route).optional(),
  Associations: array(
    object({
      Main: optBool,
      SubnetId: optStr,
      GatewayId: optStr,
      RouteTableAssociationId: optStr,
      RouteTableId: optStr,
      AssociationState: object({ State: optStr }).optional(),
    }),
  ).optional(),
  OwnerId: optStr,
  Tags: tags,
});

const vpc = object({
  VpcId: str,
  CidrBlock: ipv4Cidr.optional(),
  CidrBlockAssociationSet: array(
    object({ CidrBlock: ipv4Cidr.optional(), CidrBlockState: object({ State: optStr }).optional() }),
  ).optional(),
  Ipv6CidrBlockAssociationSet: array(ipv6Association).optional(),
  IsDefault: optBool,
  OwnerId: optStr,
  Tags: tags,
});

const networkInterface = object({
  ...eniAddressing,
  Attachment: object({ InstanceId: optStr, ...eniAttachment }).optional(),
  InterfaceType: optStr,
  Status: optStr,
  Description: optStr,
  RequesterManaged: optBool,
  SourceDestCheck: optBool,
  OwnerId: optStr,
  TagSet: tags,
});

const managedPrefixList = object({
  PrefixListId: str,
  PrefixListName: optStr,
  AddressFamily: optStr,
  MaxEntries: optNum,
  State: optStr,
  Version: optNum,
  OwnerId: optStr,
});

const instanceStatus = object({
  InstanceId: str,
  AvailabilityZone: optStr,
  InstanceState: object({ Name: optStr, Code: optNum }).optional(),
  SystemStatus: object({ Status: optStr }).optional(),
  InstanceStatus: object({ Status: optStr }).optional(),
});

/** One document per file, as `aws ec2 … --output json` prints it (`NextToken` and friends ignored). */
const documents = {
  'describe-instances.json': object({ Reservations: array(object({ Instances: array(instance) })) }),
  'describe-security-groups.json': object({ SecurityGroups: array(securityGroup) }),
  'describe-subnets.json': object({ Subnets: array(subnet) }),
  'describe-network-acls.json': object({ NetworkAcls: array(networkAcl) }),
  'describe-route-tables.json': object({ RouteTables: array(routeTable) }),
  'describe-vpcs.json': object({ Vpcs: array(vpc) }),
  'describe-network-interfaces.json': object({ NetworkInterfaces: array(networkInterface) }),
  'describe-managed-prefix-lists.json': object({ PrefixLists: array(managedPrefixList) }),
  'describe-instance-status.json': object({ InstanceStatuses: array(instanceStatus) }),
  'prefix-list-entries': object({ Entries: array(object({ Cidr: anyCidr, Description: optStr })) }),
} as const;

export type InventoryDocument = keyof typeof documents;

export const REQUIRED_FILES = [
  'describe-instances.json',
  'describe-security-groups.json',
  'describe-subnets.json',
] as const;

export const OPTIONAL_FILES = [
  'describe-network-acls.json',
  'describe-route-tables.json',
  'describe-vpcs.json',
  'describe-network-interfaces.json',
  'describe-managed-prefix-lists.json',
  'describe-instance-status.json',
] as const;

/**
 * Optional files whose absence is not "none": AWS has no subnet without a network ACL or a route table,
 * so without these the inventory lacks data and the paths that need it are unknown (model.ts,
 * `absentFiles`).
 */
export const ALWAYS_SOMETHING_FILES = ['describe-network-acls.json', 'describe-route-tables.json'] as const;

/** `SecurityGroups[3].IpPermissions[0].FromPort` */
function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

function describeIssue(issue: core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    return /received undefined/.test(issue.message)
      ? `missing (expected ${issue.expected})`
      : `expected ${issue.expected}`;
  }
  if (issue.code === 'invalid_value')
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'too_small' || issue.code === 'too_big') return `out of range (${issue.message})`;
  return issue.message;
}

/** The keys that identify a record, in the order a record is named by. */
const ID_KEYS = [
  'InstanceId',
  'NetworkInterfaceId',
  'GroupId',
  'SubnetId',
  'NetworkAclId',
  'RouteTableId',
  'PrefixListId',
  'VpcId',
] as const;

/** The value at `path` in `raw`, and the id of the outermost record on the way (`i-0abc`). */
function ownerAndValue(raw: unknown, path: readonly PropertyKey[]): { owner?: string; value: unknown } {
  let node = raw;
  let owner: string | undefined;
  for (const key of path) {
    if (owner === undefined && node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      const id = ID_KEYS.map((k) => record[k]).find((v) => typeof v === 'string');
      if (typeof id === 'string') owner = id;
    }
    node =
      node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return { ...(owner ? { owner } : {}), value: node };
}

/** Parses JSON text; a syntax error names the file. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InventoryError(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Validates one document; `file` is the name used in the error (for prefix lists, its relative path). */
export function parseDocument<D extends InventoryDocument>(
  kind: D,
  raw: unknown,
  file: string = kind,
): output<(typeof documents)[D]> {
  const r = documents[kind].safeParse(raw);
  if (r.success) return r.data as output<(typeof documents)[D]>;
  const issue = r.error.issues[0]!;
  const where = formatJsonPath(issue.path);
  let what = describeIssue(issue);
  // A bad address names its record and the value: `10.20.1.999` in a fleet of thousands is found by id.
  if (Object.values(ADDRESS_EXPECTED).includes(issue.message as never)) {
    const { owner, value } = ownerAndValue(raw, issue.path);
    what = `${owner ? `${owner}: ` : ''}${what}, got ${JSON.stringify(value)}`;
  }
  throw new InventoryError(`${file}: ${where === '' ? '' : `${where}: `}${what}`);
}

/**
 * The raw documents of one inventory: each already-decoded JSON value (text goes through
 * `parseJsonText` first). Required documents must be present; a missing optional one means "none".
 */
export interface RawInventory {
  readonly documents: Partial<Record<Exclude<InventoryDocument, 'prefix-list-entries'>, unknown>>;
  /** `pl-…` → GetManagedPrefixListEntries output. */
  readonly prefixListEntries?: ReadonlyMap<string, unknown>;
}

export function parseInventory(raw: RawInventory): Inventory {
  for (const f of REQUIRED_FILES) {
    if (raw.documents[f] === undefined) throw new InventoryError(`${f}: missing (a required inventory file)`);
  }
  const d = raw.documents;
  const opt = <D extends Exclude<InventoryDocument, 'prefix-list-entries'>>(kind: D) =>
    d[kind] === undefined ? undefined : parseDocument(kind, d[kind]);

  const instances: Instance[] = parseDocument(
    'describe-instances.json',
    d['describe-instances.json'],
  ).Reservations.flatMap((r) => r.Instances);
  const securityGroups: SecurityGroup[] = parseDocument(
    'describe-security-groups.json',
    d['describe-security-groups.json'],
  ).SecurityGroups;
  const subnets: Subnet[] = parseDocument('describe-subnets.json', d['describe-subnets.json']).Subnets;
  const networkAcls: NetworkAcl[] = opt('describe-network-acls.json')?.NetworkAcls ?? [];
  const routeTables: RouteTable[] = opt('describe-route-tables.json')?.RouteTables ?? [];
  const vpcs: Vpc[] = opt('describe-vpcs.json')?.Vpcs ?? [];
  const networkInterfaces: NetworkInterface[] =
    opt('describe-network-interfaces.json')?.NetworkInterfaces ?? [];
  const managedPrefixLists: ManagedPrefixList[] =
    opt('describe-managed-prefix-lists.json')?.PrefixLists ?? [];
  const instanceStatuses: InstanceStatus[] = opt('describe-instance-status.json')?.InstanceStatuses ?? [];
  const prefixLists = new Map<string, readonly PrefixListEntry[]>();
  for (const [id, doc] of raw.prefixListEntries ?? []) {
    prefixLists.set(id, parseDocument('prefix-list-entries', doc, `prefix-list-entries/${id}.json`).Entries);
  }
  const absentFiles = ALWAYS_SOMETHING_FILES.filter((f) => d[f] === undefined);
  return {
    ...(absentFiles.length > 0 ? { absentFiles } : {}),
    instances,
    securityGroups,
    subnets,
    networkAcls,
    routeTables,
    vpcs,
    networkInterfaces,
    managedPrefixLists,
    prefixLists,
    instanceStatuses,
  };
}
