/**
 * Which AWS APIs a run calls, for a configuration: the one list both `awsPorts` (lambda/wiring.ts, which
 * builds a client for exactly these) and the checks of the prober's own paths read (the run's first step
 * after discovery, `port22 doctor`). No SDK import here, so a doctor run on an inventory never loads it.
 */
import type { HandlerConfig } from './contract.ts';
import type { AwsService } from './core/reachability/api-paths.ts';

export interface ServiceNeeds {
  /** The state table is configured: DynamoDB. */
  readonly state: boolean;
  /** The alert topic is configured: SNS. */
  readonly alerts: boolean;
  readonly evidence: Pick<HandlerConfig['evidence'], 'console' | 'flowLogs' | 'ssm' | 'cloudTrail'>;
}

/** The services a run with `needs` calls, in the order it first calls them. */
export function proberServices(needs: ServiceNeeds): AwsService[] {
  return [
    // Discovery; console output is an EC2 call too.
    'ec2',
    // Discovery, only where the VPC routes through Network Firewall endpoints.
    'network-firewall',
    // Discovery: the VPC's Network Load Balancers and their SSH target groups.
    'elasticloadbalancing',
    // Host signals (GetMetricData). Metrics themselves are EMF lines on stdout: no PutMetricData.
    'cloudwatch',
    ...(needs.state ? (['dynamodb'] as const) : []),
    ...(needs.alerts ? (['sns'] as const) : []),
    // Flow logs are read with Logs Insights queries; the function's own logs go through Lambda, not the VPC.
    ...(needs.evidence.flowLogs ? (['cloudwatch-logs'] as const) : []),
    ...(needs.evidence.ssm ? (['ssm'] as const) : []),
    ...(needs.evidence.cloudTrail ? (['cloudtrail'] as const) : []),
  ];
}

/**
 * Services a finished discovery has already reached: EC2, Elastic Load Balancing, and Network Firewall where it
 * was called at all.
 * The run checks the paths of the others before it calls them.
 */
export const REACHED_BY_DISCOVERY: ReadonlySet<AwsService> = new Set([
  'ec2',
  'network-firewall',
  'elasticloadbalancing',
]);
