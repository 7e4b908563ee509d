/**
 * Least privilege, derived: the prober role's actions are exactly the AWS calls the deployed handler makes,
 * plus what Lambda and SNS themselves do with the role — never a list kept by hand beside the code.
 *
 * The calls come from the handler as it ships: esbuild bundles lib/prober-bundling.ts's entry with its
 * externals (as the stack's NodejsFunction does), tree-shaking drops every import the handler cannot
 * reach, and the AWS SDK stays external, so each client's commands and paginators the handler uses remain
 * as named imports in the output. A paginator sends its operation's command.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { PROBER_ENTRY, PROBER_ESBUILD_TARGET, PROBER_EXTERNALS } from '../../lib/prober-bundling.ts';
import { exampleConfig, synthStack } from './stack-fixtures.ts';

/** Each SDK v3 client package's IAM service prefix (Service Authorization Reference, "service prefix"). */
const IAM_PREFIX: Readonly<Record<string, string>> = {
  '@aws-sdk/client-cloudtrail': 'cloudtrail',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-elastic-load-balancing-v2': 'elasticloadbalancing',
  '@aws-sdk/client-network-firewall': 'network-firewall',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-ssm': 'ssm',
};

/**
 * What the role needs that the code never sends, each with where AWS says so.
 * - logs: Lambda writes the function's logs with the execution role (Lambda developer guide, "Defining
 *   Lambda function permissions with an execution role"); the stack creates the log group itself.
 * - ec2 ENI actions: Lambda attaches the function to the VPC with them (Lambda developer guide, "Giving
 *   Lambda functions access to resources in an Amazon VPC"; the AWSLambdaVPCAccessExecutionRole policy).
 * - kms: publishing to a topic encrypted with a customer managed key (SNS developer guide, "Encryption at
 *   rest": the publisher needs kms:GenerateDataKey* and kms:Decrypt on the key).
 * - sqs: Lambda sends a failed asynchronous invocation to its on-failure destination with the execution
 *   role (Lambda developer guide, "Adding a destination": sqs:SendMessage).
 */
const NOT_SENT_BY_THE_CODE = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'ec2:AssignPrivateIpAddresses',
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:UnassignPrivateIpAddresses',
  'kms:Decrypt',
  'kms:GenerateDataKey',
  'sqs:SendMessage',
];

/**
 * Actions the Service Authorization Reference lists without resource types, so that only `*` grants them:
 * EC2's Describe* reads, Network Firewall's ListFirewalls, CloudWatch's GetMetricData, and for the evidence
 * sources CloudWatch Logs' GetQueryResults and StopQuery, CloudTrail's LookupEvents and Systems Manager's
 * DescribeInstanceInformation and GetCommandInvocation.
 */
const WITHOUT_RESOURCE_TYPES =
  /^(ec2:Describe\w+|elasticloadbalancing:Describe\w+|network-firewall:ListFirewalls|cloudwatch:GetMetricData|logs:GetQueryResults|logs:StopQuery|cloudtrail:LookupEvents|ssm:DescribeInstanceInformation|ssm:GetCommandInvocation)$/;

/** `ec2:DescribeInstances` for each command or paginator the bundled handler imports from the SDK. */
async function actionsTheHandlerSends(): Promise<string[]> {
  const result = await build({
    entryPoints: [PROBER_ENTRY],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: PROBER_ESBUILD_TARGET,
    external: [...PROBER_EXTERNALS],
    logLevel: 'silent',
  });
  const bundle = result.outputFiles[0]!.text;
  const actions = new Set<string>();
  let imports = 0;
  for (const [, names, pkg] of bundle.matchAll(/import\s*\{([^}]*)\}\s*from\s*"(@aws-sdk\/[^"]+)"/g)) {
    imports += 1;
    const prefix = IAM_PREFIX[pkg!];
    assert.ok(prefix, `the handler imports ${pkg}: add its IAM service prefix here`);
    for (const name of names!.split(',').map((n) => n.trim().split(/\s+as\s+/)[0]!)) {
      const operation = /^paginate(\w+)$/.exec(name)?.[1] ?? /^(\w+)Command$/.exec(name)?.[1];
      if (operation) actions.add(`${prefix}:${operation}`);
    }
  }
  // Any other form (a namespace import, a require, a dynamic import) would hide calls from the count above.
  assert.equal(bundle.match(/"@aws-sdk\//g)?.length, imports, 'every SDK import is a named import');
  return [...actions].sort();
}

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe('prober role: least privilege, derived from the code', () => {
  let sent: string[];
  let statements: Statement[];

  before(async () => {
    sent = await actionsTheHandlerSends();
    // Every evidence source on (the in-host check is off by default), so the role may grant all the code sends;
    // port22-stack.test.ts checks what each opt-in leaves out.
    const everySource = { ...exampleConfig, evidence: { ...exampleConfig.evidence, ssm: true } };
    const template = Template.fromStack(synthStack(everySource).stack);
    const roles = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => id.includes('Prober'));
    assert.equal(roles.length, 1, roles.join(', '));
    statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roles[0] }]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  });

  it('the derivation finds the calls of every client the handler wires', () => {
    // A floor, so a broken derivation (an empty set) cannot pass the equality below by accident.
    for (const action of [
      'ec2:DescribeInstances',
      'dynamodb:PutItem',
      'sns:Publish',
      'cloudwatch:GetMetricData',
    ])
      assert.ok(sent.includes(action), `${action} in ${sent.join(', ')}`);
  });

  it('grants exactly the calls the handler sends plus what Lambda and SNS do with the role', () => {
    const granted = [...new Set(statements.flatMap((s) => list(s.Action)))].sort();
    const expected = [...new Set([...sent, ...NOT_SENT_BY_THE_CODE])].sort();
    assert.deepEqual(granted, expected);
  });

  it('grants on "*" only actions that have no resource types', () => {
    const onEverything = statements
      .filter((s) => list(s.Resource).includes('*'))
      .flatMap((s) => list(s.Action));
    assert.ok(onEverything.length > 0);
    for (const action of onEverything) assert.match(action, WITHOUT_RESOURCE_TYPES);
  });

  it('grants no DynamoDB action the state store does not send', () => {
    const dynamodb = statements.flatMap((s) => list(s.Action)).filter((a) => a.startsWith('dynamodb:'));
    assert.deepEqual(
      dynamodb.sort(),
      sent.filter((a) => a.startsWith('dynamodb:')),
    );
  });
});
