/**
 * The internal NLB `ssh-nlb` and its TCP/22 target group `ssh-pool` as the ELBv2 Describe calls print them,
 * shared by the load-balancing tests: each test varies only its zones, groups and members.
 */

export const VPC = 'vpc-0000000000000000a';
export const NLB_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/ssh-nlb/50dc6c495c0c9188';
export const TG_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/ssh-pool/73e2d6bc24d8a067';

/** One enabled zone: its subnet and, where DescribeLoadBalancers lists one, the node's address. */
export interface NlbZone {
  readonly zone: string;
  readonly subnet: string;
  readonly address?: string;
}

/** `ssh-nlb` in `zones`; `extra` overrides or adds fields (Scheme, SecurityGroups). */
export function sshNlb(zones: readonly NlbZone[], extra: object = {}) {
  return {
    LoadBalancerArn: NLB_ARN,
    LoadBalancerName: 'ssh-nlb',
    Scheme: 'internal',
    Type: 'network',
    VpcId: VPC,
    AvailabilityZones: zones.map((z) => ({
      ZoneName: z.zone,
      SubnetId: z.subnet,
      LoadBalancerAddresses: z.address ? [{ PrivateIPv4Address: z.address }] : [],
    })),
    ...extra,
  };
}

/** `ssh-pool` (TCP/22, instance targets, behind `ssh-nlb`); `extra` overrides or adds fields. */
export function sshPool(extra: object = {}) {
  return {
    TargetGroupArn: TG_ARN,
    TargetGroupName: 'ssh-pool',
    Protocol: 'TCP',
    Port: 22,
    VpcId: VPC,
    TargetType: 'instance',
    LoadBalancerArns: [NLB_ARN],
    ...extra,
  };
}

/** DescribeTargetHealth for `ssh-pool`: each instance on port 22 in its state (an unhealthy one failed checks). */
export function sshPoolHealth(states: Readonly<Partial<Record<string, string>>>) {
  return new Map([
    [
      'ssh-pool',
      {
        TargetHealthDescriptions: Object.entries(states).map(([id, state]) => ({
          Target: { Id: id, Port: 22 },
          TargetHealth: {
            State: state,
            ...(state === 'unhealthy' ? { Reason: 'Target.FailedHealthChecks' } : {}),
          },
        })),
      },
    ],
  ]);
}
