/**
 * The static reachability analysis (DESIGN.md, "Static blockers", `analyze --json`): for every
 * (instance, source, address family), whether the source can open TCP to the instance's SSH port
 * according to configuration alone, with EVERY component that blocks the path.
 *
 * The path, end to end: the source's state, egress security groups, subnet ACL (outbound SYN, inbound
 * reply) and route table; the target's route table (for the reply), subnet ACL (inbound SYN, outbound
 * reply), ingress security groups and state. ACLs are skipped when source and target share a subnet,
 * because a network ACL filters only traffic that crosses the subnet boundary.
 */
import {
  type Eni,
  type Instance,
  type Inventory,
  type InventoryIndex,
  indexInventory,
  type Subnet,
} from '../inventory/model.ts';
import { DEFAULT_SSH_PORT, sshPortOf } from '../inventory/tags.ts';
import {
  AddressSet,
  type Cidr,
  formatCidr,
  type IpFamily,
  parseAddress,
  parseCidr,
  publicAddresses,
} from '../net/cidr.ts';
import { DEFAULT_EPHEMERAL, type PortRange } from '../net/port-range.ts';
import { evaluateBlockPublicAccess } from './block-public-access-evaluator.ts';
import { AnalysisContext, type EvaluatorVerdict, type Peer } from './evaluation.ts';
import { auditExposure } from './exposure.ts';
import { firewallOnPath } from './firewall-on-path.ts';
import { evaluateInstanceState } from './instance-state-evaluator.ts';
import { evaluateInternetIngress } from './internet-gateway-ingress.ts';
import { evaluateNetworkAcl } from './network-acl-evaluator.ts';
import { egressThroughTransitGateway, evaluateRoutes, type PathKind, routeFor } from './route-evaluator.ts';
import { evaluateSecurityGroups } from './security-group-evaluator.ts';
import { parseSourceSpec, SOURCE_SPEC_EXPECTED } from './source-spec.ts';
import { evaluateTransitGatewayHop } from './transit-gateway-evaluator.ts';
import type {
  AnalysisReport,
  Assumption,
  Blocker,
  MissingData,
  ShadowedAddresses,
  Verdict,
} from './types.ts';
import { isAssociated, vpcAddresses } from './vpc-addresses.ts';

export interface AnalyzeOptions {
  /**
   * Source specs as the user gave them: a CIDR, `internet`, `i-…`, `eni-…`.
   * @default `internet` plus every other instance in the target's VPC
   */
  readonly sources?: readonly string[];
  /** @default 22 (an instance tag `port22:port` overrides it per instance) */
  readonly port?: number;
  /** The sources' ephemeral (client) port range. @default 1024-65535 */
  readonly ephemeral?: PortRange;
  /**
   * Run the VPC-wide exposure audit, which does not depend on the sources: a caller analysing one
   * inventory once per source spec needs it once. @default true (false: `exposure` is empty)
   */
  readonly exposure?: boolean;
}

/** A source spec that names nothing valid (bad CIDR, unknown instance or ENI). */
export class SourceSpecError extends Error {
  override name = 'SourceSpecError';
}

type Source =
  | { readonly kind: 'internet'; readonly spec: string }
  | { readonly kind: 'cidr'; readonly spec: string; readonly cidr: Cidr; readonly subnet?: Subnet }
  | { readonly kind: 'eni'; readonly spec: string; readonly eni: Eni; readonly instance?: Instance };

export function resolveSource(ctx: AnalysisContext, spec: string): Source {
  const parsed = parseSourceSpec(spec.trim());
  if (!parsed) throw new SourceSpecError(`source ${spec}: ${SOURCE_SPEC_EXPECTED}`);
  if (parsed.kind === 'internet') return { kind: 'internet', spec };
  if (parsed.kind === 'instance') {
    const instance = ctx.index.instances.get(parsed.instanceId);
    const eni = ctx.index.primaryEniByInstance.get(parsed.instanceId);
    if (!instance || !eni) throw new SourceSpecError(`source ${spec}: no such instance in the inventory`);
    // A terminated instance has released its network interfaces (EC2 User Guide, "Terminate Amazon EC2
    // instances"): nothing can leave from it.
    if (instance.State?.Name === 'terminated')
      throw new SourceSpecError(`source ${spec}: the instance is terminated, so it has no network interface`);
    if (!hasAddress(eni))
      throw new SourceSpecError(
        `source ${spec}: the instance has no network interface with an address in the inventory`,
      );
    return { kind: 'eni', spec, eni, instance };
  }
  if (parsed.kind === 'eni') {
    const eni = ctx.index.enis.get(parsed.eniId);
    if (!eni) throw new SourceSpecError(`source ${spec}: no such network interface in the inventory`);
    if (!hasAddress(eni))
      throw new SourceSpecError(`source ${spec}: the network interface has no address in the inventory`);
    const instance = eni.InstanceId ? ctx.index.instances.get(eni.InstanceId) : undefined;
    return { kind: 'eni', spec, eni, ...(instance ? { instance } : {}) };
  }
  const { cidr } = parsed;
  // A CIDR inside one subnet (a peer subnet of the VPC, say) brings that subnet's ACL and routes.
  const subnet = ctx.index.inventory.subnets.find((sub) => {
    const block =
      cidr.family === 'ipv4'
        ? [sub.CidrBlock]
        : (sub.Ipv6CidrBlockAssociationSet ?? []).filter(isAssociated).map((a) => a.Ipv6CidrBlock);
    return block.some((b) => {
      const c = b ? parseCidr(b) : undefined;
      return c !== undefined && c.family === cidr.family && c.first <= cidr.first && cidr.last <= c.last;
    });
  });
  return { kind: 'cidr', spec, cidr, ...(subnet ? { subnet } : {}) };
}

/** An ENI can send only from an address it has. */
function hasAddress(eni: Eni): boolean {
  return eni.PrivateIpAddress !== undefined || eni.Ipv6Addresses.length > 0;
}

const PRIVATE_IPV4 = AddressSet.fromCidrs(
  'ipv4',
  ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map((c) => parseCidr(c)!),
);

function eniIpv6(eni: Eni): string | undefined {
  return eni.Ipv6Addresses[0];
}

/** An address of the inventory as a set, parsed once per analysis (a target is on many paths). */
function single(ctx: AnalysisContext, addr: string): AddressSet {
  return ctx.memo.remember('address', [addr], () => {
    const a = parseAddress(addr);
    if (!a) throw new SourceSpecError(`bad address ${addr} in the inventory`);
    return AddressSet.single(a);
  });
}

/** One concrete path to evaluate. */
interface Path {
  readonly family: IpFamily;
  readonly kind: PathKind;
  /** The source as the target sees it. */
  readonly source: Peer;
  readonly sourceSubnetId?: string;
  /** The VPC the source is in, when known: `local` and peering routes deliver only to their own. */
  readonly sourceVpcId?: string;
  readonly sourceEni?: Eni;
  readonly sourceInstance?: Instance;
  /** The target address the path ends at ('' when it has none of this family). */
  readonly targetAddress: string;
  /** Blockers known before any rule is read (no public address). */
  readonly blockers: readonly Blocker[];
}

/** The blockers of most paths before any rule is read: shared, since most paths have none. */
const NO_BLOCKERS: readonly Blocker[] = [];

/** The ENI's VPC: its own field, else its subnet's. */
export function vpcIdOf(ctx: AnalysisContext, eni: Eni): string | undefined {
  return eni.VpcId ?? (eni.SubnetId ? ctx.index.subnets.get(eni.SubnetId)?.VpcId : undefined);
}

function pathsFor(ctx: AnalysisContext, source: Source, target: Eni, targetInstance: Instance): Path[] {
  const targetV6 = eniIpv6(target);
  const name = targetInstance.InstanceId;
  if (source.kind === 'internet') {
    // An internet client never has an address of the target's own VPC.
    const vpcId = vpcIdOf(ctx, target);
    const clients = (family: IpFamily): Peer =>
      ctx.memo.remember('internet-clients', [vpcId, family], () => {
        const addresses = publicAddresses(family).subtract(vpcAddresses(ctx, vpcId, family));
        // VPCs on private CIDRs (nearly all) see the same internet: one peer object for all of them,
        // so that every answer about it is shared across VPCs too.
        const content = addresses.toCidrs().map(formatCidr).join(',');
        return ctx.memo.remember('internet-peer', [family, content], () => ({
          family,
          addresses,
          label: 'internet',
          internetAtLarge: true,
        }));
      });
    const paths: Path[] = [];
    const v4Blockers: readonly Blocker[] = target.PublicIp
      ? NO_BLOCKERS
      : [
          {
            code: 'NO_PUBLIC_IP',
            resourceId: target.NetworkInterfaceId,
            detail: `${name} has no public IPv4 or Elastic IP address, so no internet client can address it`,
          },
        ];
    paths.push({
      family: 'ipv4',
      kind: 'internet',
      source: clients('ipv4'),
      targetAddress: target.PublicIp ?? target.PrivateIpAddress ?? '',
      blockers: v4Blockers,
    });
    // IPv6 is a second path only where the instance has an IPv6 address at all.
    if (targetV6) {
      paths.push({
        family: 'ipv6',
        kind: 'internet',
        source: clients('ipv6'),
        targetAddress: targetV6,
        blockers: NO_BLOCKERS,
      });
    }
    return paths;
  }

  if (source.kind === 'cidr') {
    const { cidr } = source;
    const peer = ctx.memo.remember(
      'source-peer',
      [source],
      (): Peer => ({
        family: cidr.family,
        addresses: AddressSet.fromCidrs(cidr.family, [cidr]),
        label: formatCidr(cidr),
      }),
    );
    const { addresses } = peer;
    const base = source.subnet
      ? { sourceSubnetId: source.subnet.SubnetId, sourceVpcId: source.subnet.VpcId }
      : {};
    if (cidr.family === 'ipv6') {
      if (!targetV6) {
        return [
          {
            family: 'ipv6',
            kind: 'internet',
            source: peer,
            targetAddress: '',
            blockers: [
              {
                code: 'NO_PUBLIC_IP',
                resourceId: target.NetworkInterfaceId,
                detail: `${name} has no IPv6 address`,
              },
            ],
            ...base,
          },
        ];
      }
      const rt = routeFor(
        ctx,
        target.SubnetId ? ctx.index.routeTableForSubnet(target.SubnetId) : undefined,
        addresses,
      );
      const kind: PathKind =
        rt && (rt.kind === 'igw' || rt.kind === 'eigw' || rt.kind === 'vpce') ? 'internet' : 'private';
      return [
        { family: 'ipv6', kind, source: peer, targetAddress: targetV6, blockers: NO_BLOCKERS, ...base },
      ];
    }
    // Private (RFC 1918, CGNAT) sources can only arrive over private paths; anything else that the
    // target's subnet answers through an internet or NAT gateway is an internet client.
    const isPrivate = PRIVATE_IPV4.covers(addresses);
    const targetRtb = target.SubnetId ? ctx.index.routeTableForSubnet(target.SubnetId) : undefined;
    const rt = routeFor(ctx, targetRtb, addresses);
    // Without the target's route table, a public source may come over a VPN or transit gateway as well
    // as the internet: an instance without a public address is then not known to be unaddressable (the
    // private path's return route names the missing table instead).
    const internet =
      !isPrivate &&
      (targetRtb === undefined
        ? target.PublicIp !== undefined
        : !rt || rt.kind === 'igw' || rt.kind === 'nat' || rt.kind === 'eigw' || rt.kind === 'vpce');
    const blockers: readonly Blocker[] =
      internet && !target.PublicIp
        ? [
            {
              code: 'NO_PUBLIC_IP',
              resourceId: target.NetworkInterfaceId,
              detail: `${name} has no public IPv4 or Elastic IP address, so ${peer.label} cannot address it over the internet`,
            },
          ]
        : NO_BLOCKERS;
    return [
      {
        family: 'ipv4',
        kind: internet ? 'internet' : 'private',
        source: peer,
        targetAddress: (internet ? target.PublicIp : undefined) ?? target.PrivateIpAddress ?? '',
        blockers,
        ...base,
      },
    ];
  }

  // An instance or ENI as the source.
  const src = source.eni;
  const label = `${source.instance?.InstanceId ?? src.NetworkInterfaceId}`;
  const srcVpc = vpcIdOf(ctx, src);
  const common = {
    sourceEni: src,
    ...(src.SubnetId ? { sourceSubnetId: src.SubnetId } : {}),
    ...(srcVpc ? { sourceVpcId: srcVpc } : {}),
    ...(source.instance ? { sourceInstance: source.instance } : {}),
  };
  const sameVpc = srcVpc !== undefined && srcVpc === vpcIdOf(ctx, target);
  const srcRtb = src.SubnetId ? ctx.index.routeTableForSubnet(src.SubnetId) : undefined;
  const paths: Path[] = [];
  if (src.PrivateIpAddress && target.PrivateIpAddress) {
    const toPrivate = routeFor(ctx, srcRtb, single(ctx, target.PrivateIpAddress));
    // A transit gateway route that cannot deliver to the target's VPC (a spoke's default route to a
    // centralised egress VPC) leaves the target's public address as the way to reach it.
    const tgwElsewhere =
      toPrivate?.kind === 'tgw' &&
      target.PublicIp !== undefined &&
      src.SubnetId !== undefined &&
      evaluateTransitGatewayHop(ctx, {
        tgwId: toPrivate.id,
        fromVpcId: srcVpc,
        fromSubnetId: src.SubnetId,
        addresses: single(ctx, target.PrivateIpAddress),
        destinationVpcId: vpcIdOf(ctx, target),
        ...(target.SubnetId ? { destinationSubnetId: target.SubnetId } : {}),
      })?.kind === 'blocked';
    const viaPrivate = sameVpc || (isPrivateCarrier(toPrivate?.kind) && !tgwElsewhere);
    if (viaPrivate || !target.PublicIp) {
      paths.push({
        family: 'ipv4',
        kind: 'private',
        source: sourcePeer(ctx, source, 'private', src.PrivateIpAddress, label),
        targetAddress: target.PrivateIpAddress,
        blockers: NO_BLOCKERS,
        ...common,
      });
    } else {
      // Across the internet: the SYN leaves through the source VPC's internet gateway (with the source's
      // public address) or a NAT gateway (with the NAT's address, which DescribeInstances does not show).
      const out = routeFor(ctx, srcRtb, single(ctx, target.PublicIp));
      const blockers: Blocker[] = [];
      let peer: Peer;
      // Through a transit gateway to a centralised egress VPC: its NAT gateway is the one that translates.
      const egress =
        out?.kind === 'tgw' && src.SubnetId
          ? egressThroughTransitGateway(ctx, out.id, srcVpc, src.SubnetId, single(ctx, target.PublicIp))
          : undefined;
      const natId = out?.kind === 'nat' ? out.id : egress?.kind === 'nat' ? egress.natId : undefined;
      if (natId) {
        const nat = natId;
        // The far end sees the NAT gateway's public addresses (VPC User Guide, "NAT gateways": a public NAT
        // gateway replaces the source address with its Elastic IP). Without its record, any public address.
        peer = ctx.memo.remember('source-peer', [source, 'nat', nat], () => {
          const known = natPublicAddresses(ctx, nat);
          return {
            family: 'ipv4',
            addresses: known ?? publicAddresses('ipv4'),
            label: known
              ? `${label} via NAT gateway ${nat} (${known.describe()})`
              : `${label} via NAT gateway ${nat}`,
          };
        });
      } else if (src.PublicIp) {
        peer = sourcePeer(ctx, source, 'internet', src.PublicIp, label);
      } else {
        peer = ctx.memo.remember('source-peer', [source, 'unaddressed'], () => ({
          family: 'ipv4',
          addresses: publicAddresses('ipv4'),
          label,
        }));
        // Behind a transit gateway, the forward route names why its egress fails instead.
        if (!egress)
          blockers.push({
            code: 'NO_PUBLIC_IP',
            resourceId: src.NetworkInterfaceId,
            detail: `source ${label} has no public IPv4 address or NAT gateway route to reach ${target.PublicIp} over the internet`,
          });
      }
      paths.push({
        family: 'ipv4',
        kind: 'internet',
        source: peer,
        targetAddress: target.PublicIp,
        blockers,
        ...common,
      });
    }
  }
  const srcV6 = eniIpv6(src);
  if (srcV6 && targetV6) {
    const viaPrivate = sameVpc || isPrivateCarrier(routeFor(ctx, srcRtb, single(ctx, targetV6))?.kind);
    paths.push({
      family: 'ipv6',
      kind: viaPrivate ? 'private' : 'internet',
      source: sourcePeer(ctx, source, viaPrivate ? 'private' : 'internet', srcV6, label),
      targetAddress: targetV6,
      blockers: NO_BLOCKERS,
      ...common,
    });
  }
  return paths;
}

/** The public addresses of a public NAT gateway, undefined when the inventory does not give them. */
function natPublicAddresses(ctx: AnalysisContext, natId: string): AddressSet | undefined {
  const nat = ctx.index.inventory.natGateways.find((n) => n.NatGatewayId === natId);
  if (!nat || nat.ConnectivityType === 'private') return undefined;
  const ips = (nat.NatGatewayAddresses ?? []).flatMap((a) => {
    const addr = a.PublicIp && a.Status !== 'disassociating' ? parseAddress(a.PublicIp) : undefined;
    return addr && addr.family === 'ipv4' ? [AddressSet.single(addr)] : [];
  });
  if (ips.length === 0) return undefined;
  return ips.reduce((acc, a) => acc.union(a));
}

/**
 * An instance or ENI source as one of its addresses, one shared object per (source, address, kind of
 * path), so that every verdict computed for it can be shared by identity. Over a private path the
 * packets carry the ENI's own address, so security-group references to its groups can match it.
 */
function sourcePeer(
  ctx: AnalysisContext,
  source: Source & { kind: 'eni' },
  kind: PathKind,
  address: string,
  label: string,
): Peer {
  return ctx.memo.remember('source-peer', [source, kind, address], () => {
    const addresses = single(ctx, address);
    return {
      family: addresses.family,
      addresses,
      label: `${label} (${address})`,
      ...(kind === 'private' ? { eni: source.eni } : {}),
    };
  });
}

function isPrivateCarrier(kind: string | undefined): boolean {
  return (
    kind === 'pcx' ||
    kind === 'tgw' ||
    kind === 'vgw' ||
    kind === 'eni' ||
    kind === 'instance' ||
    kind === 'local'
  );
}

/** One instance under analysis, with what every path to it shares. */
interface Target {
  readonly instance: Instance;
  /** Its primary ENI, where the paths end. */
  readonly eni: Eni;
  readonly port: number;
  /** Its state (only a running instance answers), evaluated once for all its sources. */
  readonly state: EvaluatorVerdict;
}

function evaluatePath(
  ctx: AnalysisContext,
  path: Path,
  target: Target,
  ephemeral: PortRange,
): Findings & { partial: boolean } {
  const found: Findings = { blockers: [...path.blockers], missing: [], assumed: [], shadowed: [] };
  collect(found, target.state);
  if (path.sourceInstance && path.sourceInstance !== target.instance) {
    const source = path.sourceInstance;
    const sourceState = ctx.memo.remember('source-state', [source], () =>
      evaluateInstanceState(ctx, source, 'source'),
    );
    collect(found, sourceState);
  }
  const partial = evaluateNetwork(ctx, path, target, ephemeral, found);
  return { ...found, partial };
}

/** What the legs of one path found: their blockers, and the data they needed and lacked. */
interface Findings {
  readonly blockers: Blocker[];
  readonly missing: MissingData[];
  /** What the verdict rests on without evaluating it exactly (firewall rules it does not read). */
  readonly assumed: Assumption[];
  readonly shadowed: ShadowedAddresses[];
}

/** Appends a leg's blockers, missing data and assumptions to `into`; true when the leg is partial. */
function collect(into: Findings, leg: EvaluatorVerdict): boolean {
  for (const b of leg.blockers) into.blockers.push(b);
  for (const m of leg.missing ?? []) if (!into.missing.includes(m)) into.missing.push(m);
  for (const sh of leg.shadowed ?? []) into.shadowed.push(sh);
  for (const a of leg.assumed ?? []) if (!into.assumed.includes(a)) into.assumed.push(a);
  return leg.partial === true;
}

/**
 * Routes, security groups and network ACLs along one path: appends every leg's blockers to `blockers`
 * in the order they are reported, and says whether any leg is partial.
 *
 * Legs that look at the source from the target's side (return route, ingress, the target subnet's ACL)
 * are shared by every target behind the same subnet or groups. Legs that look at the target from the
 * source's side see one address among thousands, named in the wording: each evaluator shares what it
 * can per cell of its rules and words a blocker for each target.
 */
function evaluateNetwork(
  ctx: AnalysisContext,
  path: Path,
  { instance: targetInstance, eni: target, port }: Target,
  ephemeral: PortRange,
  found: Findings,
): boolean {
  const targetSubnet = target.SubnetId ?? '';
  const crossesSubnets = path.sourceSubnetId !== targetSubnet;
  // An instance without an address of the path's family that the source can reach (NO_PUBLIC_IP on the
  // target) is never addressed: no packet arrives, so no route, firewall or Block Public Access on the way
  // is part of the answer (VPC User Guide, "NAT gateways": instances behind one "cannot receive unsolicited
  // inbound connections from the internet" — what they lack is a public address, not a route).
  const targetAddressed =
    path.targetAddress !== '' &&
    !path.blockers.some((b) => b.code === 'NO_PUBLIC_IP' && b.resourceId === target.NetworkInterfaceId);
  // The target subnet's side of the path (its route back to the source, its ACL) is the same for every
  // instance in it: one lookup per (source, target subnet) instead of one per leg and instance. The
  // ephemeral range is one per analysis, so it is not part of the key.
  const subnetSide = ctx.memo.remember(
    'target-subnet-side',
    [path.source, path.kind, port, path.sourceSubnetId, targetSubnet, targetAddressed],
    () => evaluateTargetSubnet(ctx, path, targetSubnet, targetAddressed, port, ephemeral),
  );
  // The target as the source's side sees it, when the source has a side (an ENI, a known subnet).
  const sourceSubnetId = crossesSubnets ? path.sourceSubnetId : undefined;
  const targetPeer: Peer | undefined =
    targetAddressed && (sourceSubnetId !== undefined || path.sourceEni !== undefined)
      ? {
          family: path.family,
          addresses: single(ctx, path.targetAddress),
          label: `${targetInstance.InstanceId} (${path.targetAddress})`,
          transient: true,
          ...(path.kind === 'private' ? { eni: target } : {}),
        }
      : undefined;
  let partial = false;

  // Routes: the source subnet carries the SYN, the target subnet carries the reply.
  if (sourceSubnetId && targetPeer) {
    const forward = evaluateRoutes(ctx, {
      leg: 'forward',
      routeTable: ctx.index.routeTableForSubnet(sourceSubnetId),
      subnetId: sourceSubnetId,
      destination: targetPeer,
      ...(path.kind === 'private'
        ? {
            destinationVpcId: vpcIdOf(ctx, target),
            ...(target.SubnetId ? { destinationSubnetId: target.SubnetId } : {}),
          }
        : {}),
      path: path.kind,
    });
    partial = collect(found, forward) || partial;
  }
  if (subnetSide.returnRoute) partial = collect(found, subnetSide.returnRoute) || partial;
  // The instance's address inside the VPC, as appliances and VPC routes see it: an internet gateway has
  // translated a public IPv4 address to the private one by then.
  const insideAddress =
    path.family === 'ipv4' ? (target.PrivateIpAddress ?? path.targetAddress) : path.targetAddress;
  if (targetAddressed && crossesSubnets) {
    // AWS Network Firewall wherever a route on the path sends it through a firewall endpoint.
    const firewall = firewallOnPath(ctx, {
      source: path.source,
      ...(path.sourceSubnetId !== undefined ? { sourceSubnetId: path.sourceSubnetId } : {}),
      targetSubnetId: targetSubnet,
      ...(target.VpcId !== undefined ? { targetVpcId: target.VpcId } : {}),
      targetAddress: insideAddress,
      viaInternetGateway: path.kind === 'internet',
      port,
      ephemeral,
    });
    partial = collect(found, firewall) || partial;
  }
  // From the internet: the internet gateway's edge route table, the endpoint subnet's route onward, and
  // replies back through the same endpoint.
  if (path.kind === 'internet' && targetAddressed) {
    const ingress = evaluateInternetIngress(ctx, {
      source: path.source,
      target: {
        family: path.family,
        addresses: single(ctx, insideAddress),
        label: `${targetInstance.InstanceId} (${insideAddress})`,
        transient: true,
      },
      targetSubnetId: targetSubnet,
      targetVpcId: vpcIdOf(ctx, target),
    });
    partial = collect(found, ingress) || partial;
  }
  if (subnetSide.publicAccess) collect(found, subnetSide.publicAccess);

  // Security groups: the target's ingress; the source's egress when the source is an ENI.
  const ingress = evaluateSecurityGroups(ctx, { eni: target, direction: 'inbound', peer: path.source, port });
  partial = collect(found, ingress) || partial;
  if (path.sourceEni && targetPeer) {
    const egress = evaluateSecurityGroups(ctx, {
      eni: path.sourceEni,
      direction: 'outbound',
      peer: targetPeer,
      port,
    });
    partial = collect(found, egress) || partial;
  }

  // Network ACLs: both subnets, both directions, when the path crosses a subnet boundary.
  for (const acl of subnetSide.acls) partial = collect(found, acl) || partial;
  if (sourceSubnetId && targetPeer) {
    const acl = ctx.index.networkAclForSubnet(sourceSubnetId);
    for (const leg of ['source-outbound', 'source-inbound'] as const) {
      const v = evaluateNetworkAcl(ctx, {
        leg,
        acl,
        subnetId: sourceSubnetId,
        peer: targetPeer,
        port,
        ephemeral,
      });
      partial = collect(found, v) || partial;
    }
  }
  return partial;
}

/** The legs of a path at the target subnet's boundary. */
interface TargetSubnetSide {
  /** The subnet's route table carrying the reply (when the path crosses subnets). */
  readonly returnRoute?: EvaluatorVerdict;
  /** The subnet's ACL, for the SYN in and the reply out (when the path crosses subnets). */
  readonly acls: readonly EvaluatorVerdict[];
  /** Block Public Access at the internet gateway (internet paths only). */
  readonly publicAccess?: EvaluatorVerdict;
}

function evaluateTargetSubnet(
  ctx: AnalysisContext,
  path: Path,
  targetSubnet: string,
  targetAddressed: boolean,
  port: number,
  ephemeral: PortRange,
): TargetSubnetSide {
  // A network ACL or a subnet's route table only sees traffic that crosses the subnet boundary.
  if (path.sourceSubnetId === targetSubnet) return { acls: [] };
  const acl = ctx.index.networkAclForSubnet(targetSubnet);
  const peer = path.source;
  const acls = [
    evaluateNetworkAcl(ctx, { leg: 'target-inbound', acl, subnetId: targetSubnet, peer, port, ephemeral }),
    evaluateNetworkAcl(ctx, { leg: 'target-outbound', acl, subnetId: targetSubnet, peer, port, ephemeral }),
  ];
  if (!targetAddressed) return { acls };
  const returnRoute = evaluateRoutes(ctx, {
    leg: 'return',
    routeTable: ctx.index.routeTableForSubnet(targetSubnet),
    subnetId: targetSubnet,
    destination: path.source,
    ...(path.kind === 'private' && path.sourceVpcId ? { destinationVpcId: path.sourceVpcId } : {}),
    ...(path.kind === 'private' && path.sourceSubnetId ? { destinationSubnetId: path.sourceSubnetId } : {}),
    path: path.kind,
  });
  // A connection from the internet enters through the internet gateway, where Block Public Access acts;
  // where no route leads back to a gateway, the gateway (and its block) is not on the path.
  const publicAccess =
    path.kind === 'internet' && returnRoute.blockers.length === 0
      ? evaluateBlockPublicAccess(ctx, ctx.index.subnets.get(targetSubnet)?.VpcId, targetSubnet)
      : undefined;
  return { returnRoute, acls, ...(publicAccess ? { publicAccess } : {}) };
}

/**
 * One path's verdict. A blocker is a fact read from the inventory, so any hard blocker decides the path
 * whatever else is missing; without one, missing data leaves the path unknown — neither open nor blocked.
 */
function verdictFor(
  instanceId: string,
  source: string,
  path: Path,
  { blockers, missing, assumed, shadowed, partial }: Findings & { partial: boolean },
): Verdict {
  const open = blockers.every((b) => b.code === 'NACL_EPHEMERAL_PARTIAL');
  const unknown = open && missing.length > 0;
  const reachable = open && !unknown;
  return {
    instanceId,
    address: path.targetAddress,
    source,
    family: path.family,
    reachable,
    ...(unknown ? { unknown } : {}),
    ...(missing.length > 0 ? { missing } : {}),
    ...(assumed.length > 0 ? { assumed } : {}),
    ...(partial && reachable ? { partial } : {}),
    blockers,
    ...(shadowed.length > 0 ? { shadowed } : {}),
  };
}

/** `internet` plus every other instance in the same VPC as `instance` (the default sources). */
function defaultSources(ctx: AnalysisContext, byVpc: Map<string, string[]>, instance: Instance): string[] {
  const eni = ctx.index.primaryEniByInstance.get(instance.InstanceId);
  const vpc = eni ? vpcIdOf(ctx, eni) : undefined;
  const specs = ['internet'];
  for (const id of (vpc && byVpc.get(vpc)) || []) if (id !== instance.InstanceId) specs.push(id);
  return specs;
}

/**
 * Analyses every (instance, source, family). Takes the inventory or, from a caller that analyses several
 * times over one inventory (the pipeline, once per source spec), its index or one AnalysisContext, so
 * neither the index nor what the evaluators remember is built again. Calls sharing a context must give
 * the same `port` and `ephemeral`, as one call with several sources does: memo keys leave them out.
 */
export function analyze(
  from: Inventory | InventoryIndex | AnalysisContext,
  options: AnalyzeOptions = {},
): AnalysisReport {
  const ctx =
    from instanceof AnalysisContext
      ? from
      : new AnalysisContext('inventory' in from ? from : indexInventory(from));
  const { inventory } = ctx.index;
  const defaultPort = options.port ?? DEFAULT_SSH_PORT;
  const ephemeral = options.ephemeral ?? DEFAULT_EPHEMERAL;
  const resolved = new Map<string, Source>();
  const resolve = (spec: string): Source => {
    let s = resolved.get(spec);
    if (!s) {
      s = resolveSource(ctx, spec);
      resolved.set(spec, s);
    }
    return s;
  };
  for (const spec of options.sources ?? []) resolve(spec);

  const byVpc = new Map<string, string[]>();
  if (!options.sources) {
    for (const i of inventory.instances) {
      const eni = ctx.index.primaryEniByInstance.get(i.InstanceId);
      const vpc = eni ? vpcIdOf(ctx, eni) : undefined;
      if (!vpc) continue;
      const list = byVpc.get(vpc);
      if (list) list.push(i.InstanceId);
      else byVpc.set(vpc, [i.InstanceId]);
    }
  }

  const verdicts: Verdict[] = [];
  for (const instance of inventory.instances) {
    if (instance.State?.Name === 'terminated') continue;
    const eni = ctx.index.primaryEniByInstance.get(instance.InstanceId);
    if (!eni) continue;
    const instanceId = instance.InstanceId;
    const target: Target = {
      instance,
      eni,
      port: sshPortOf(instance, defaultPort),
      state: evaluateInstanceState(ctx, instance),
    };
    const specs = options.sources ?? defaultSources(ctx, byVpc, instance);
    for (const spec of specs) {
      const source = resolve(spec);
      if (source.kind === 'eni' && source.eni.NetworkInterfaceId === eni.NetworkInterfaceId) continue;
      for (const path of pathsFor(ctx, source, eni, instance)) {
        const found = evaluatePath(ctx, path, target, ephemeral);
        verdicts.push(verdictFor(instanceId, spec, path, found));
      }
    }
  }
  return { verdicts, exposure: options.exposure === false ? [] : auditExposure(ctx, defaultPort) };
}
