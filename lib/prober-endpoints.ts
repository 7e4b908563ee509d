/**
 * The opt-in VPC endpoints (`createEndpoints`): the ways to the AWS APIs the prober calls that a private
 * subnet without a NAT gateway lacks (`port22 doctor` names them). DynamoDB gets a gateway endpoint (free,
 * a route to the service's prefix list in each subnet's route table); every other service an interface
 * endpoint with private DNS, so the SDK's usual hostnames resolve to it, in the prober's subnets, behind one
 * security group admitting TCP 443 from the prober's group only. Interface endpoints are billed per hour and
 * Availability Zone, and per GB (docs/cost.md, "VPC endpoints").
 */
import {
  GatewayVpcEndpoint,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpoint,
  InterfaceVpcEndpointAwsService,
  type ISecurityGroup,
  type ISubnet,
  type IVpc,
  Port,
  SecurityGroup,
} from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import {
  AWS_API_PORT,
  AWS_SERVICE_ENDPOINT_NAMES,
  type AwsService,
} from '../lambda/core/reachability/api-paths.ts';

export interface ProberEndpointsProps {
  readonly vpc: IVpc;
  /** The prober's subnets: the interface endpoints' network interfaces go there, one per zone. */
  readonly subnets: readonly ISubnet[];
  /** The prober's security group: the only one the endpoints admit. */
  readonly proberSecurityGroup: ISecurityGroup;
  /** The APIs the prober calls (lambda/prober-services.ts). */
  readonly services: readonly AwsService[];
}

export class ProberEndpoints extends Construct {
  /** The interface endpoints' security group: TCP 443 from the prober only. */
  public readonly securityGroup: SecurityGroup;
  /** Per service, its endpoint. */
  public readonly endpoints: ReadonlyMap<AwsService, GatewayVpcEndpoint | InterfaceVpcEndpoint>;

  constructor(scope: Construct, id: string, props: ProberEndpointsProps) {
    super(scope, id);
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'port22 VPC endpoints: HTTPS from the port22 prober only',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(
      props.proberSecurityGroup,
      Port.tcp(AWS_API_PORT),
      'HTTPS from the port22 prober',
    );
    const endpoints = new Map<AwsService, GatewayVpcEndpoint | InterfaceVpcEndpoint>();
    for (const service of props.services) {
      if (service === 'dynamodb') {
        const missing = props.subnets.filter((s) => !s.routeTable?.routeTableId).map((s) => s.subnetId);
        if (missing.length > 0)
          throw new Error(
            `createEndpoints: the DynamoDB gateway endpoint needs the route table of ${missing.join(', ')} (routeTableIds)`,
          );
        endpoints.set(
          service,
          new GatewayVpcEndpoint(this, 'DynamoDb', {
            vpc: props.vpc,
            service: GatewayVpcEndpointAwsService.DYNAMODB,
            subnets: [{ subnets: [...props.subnets] }],
          }),
        );
        continue;
      }
      endpoints.set(
        service,
        new InterfaceVpcEndpoint(this, endpointId(service), {
          vpc: props.vpc,
          service: new InterfaceVpcEndpointAwsService(AWS_SERVICE_ENDPOINT_NAMES[service]),
          privateDnsEnabled: true,
          subnets: { subnets: [...props.subnets] },
          securityGroups: [this.securityGroup],
          // The security group above admits the prober; `open` would admit the whole VPC CIDR.
          open: false,
        }),
      );
    }
    this.endpoints = endpoints;
  }
}

/** `cloudwatch-logs` → `CloudwatchLogs`: a construct id per service. */
function endpointId(service: AwsService): string {
  return service
    .split('-')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}
