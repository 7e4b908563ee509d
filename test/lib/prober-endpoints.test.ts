/** `createEndpoints`: the VPC endpoints the prober needs, in the template; cdk-nag clean. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { exampleConfig, synthStack } from './stack-fixtures.ts';

describe('createEndpoints', () => {
  let app: App;
  let template: Template;
  before(() => {
    const built = synthStack({ ...exampleConfig, createEndpoints: true });
    app = built.app;
    template = Template.fromStack(built.stack);
  });

  it('off by default: no endpoint', () => {
    Template.fromStack(synthStack(exampleConfig).stack).resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });

  it('a DynamoDB gateway endpoint on the prober subnets’ route tables', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      VpcId: 'vpc-0123456789abcdef0',
      RouteTableIds: ['rtb-0123456789abcdef0', 'rtb-0fedcba9876543210'],
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.dynamodb']] },
    });
  });

  it('interface endpoints with private DNS for the APIs the default config calls (Network Firewall left out)', () => {
    const names = Object.values(template.findResources('AWS::EC2::VPCEndpoint'))
      .filter((r) => r.Properties.VpcEndpointType === 'Interface')
      .map((r) => {
        assert.equal(r.Properties.PrivateDnsEnabled, true);
        assert.deepEqual(r.Properties.SubnetIds, ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210']);
        return r.Properties.ServiceName;
      })
      .sort();
    // EC2, CloudWatch (monitoring), SNS; CloudWatch Logs and CloudTrail for the evidence on by default.
    assert.deepEqual(
      names,
      ['cloudtrail', 'ec2', 'elasticloadbalancing', 'logs', 'monitoring', 'sns'].map(
        (n) => `com.amazonaws.eu-west-1.${n}`,
      ),
    );
  });

  it('their security group admits TCP 443 from the prober’s group only, and sends nothing', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'port22 VPC endpoints: HTTPS from the port22 prober only',
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map(
      (r) => r.Properties,
    );
    const https = ingress.filter((p) => p.FromPort === 443);
    assert.equal(https.length, 1);
    assert.equal(https[0].IpProtocol, 'tcp');
    assert.equal(https[0].ToPort, 443);
    assert.ok(
      https[0].SourceSecurityGroupId['Fn::GetAtt'][0].includes('ProberSecurityGroup'),
      JSON.stringify(https[0]),
    );
    assert.equal(https[0].CidrIp, undefined);
  });

  it('without route tables, one clear error naming the subnets', () => {
    const [vpc] = exampleConfig.vpcs;
    const { routeTableIds: _, ...withoutTables } = vpc!;
    assert.throws(
      () => synthStack({ ...exampleConfig, vpcs: [withoutTables], createEndpoints: true }),
      /createEndpoints: the DynamoDB gateway endpoint needs the route table of subnet-0123456789abcdef0, subnet-0fedcba9876543210 \(routeTableIds\)/,
    );
  });

  it('cdk-nag AwsSolutions: zero findings', () => {
    const violations = new AwsSolutionsChecks().validateScope(app).violations.map((v) => v.ruleName);
    assert.deepEqual(violations, []);
  });
});
