/**
 * The CDK app (cdk.json "app"): one port22 stack (or, with `port22:organization`, one per member account
 * and Region and the central monitoring stacks), checked by cdk-nag's AWS Solutions pack during synth
 * so a change that breaks a rule fails `cdk synth`. A bad configuration prints one line per problem and
 * exits 1, without a stack trace.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONFIG_CONTEXT_KEY, ConfigError } from '../lib/config.ts';
import { addOrganization, ORGANIZATION_CONTEXT_KEY, parseOrganization } from '../lib/organization.ts';
import { Port22Stack } from '../lib/port22-stack.ts';

const app = new App();
const organization = app.node.tryGetContext(ORGANIZATION_CONTEXT_KEY);
try {
  // With an organization section, one Stage per member environment and a monitoring Stage (lib/organization.ts).
  if (organization !== undefined)
    addOrganization(app, parseOrganization(organization, app.node.tryGetContext(CONFIG_CONTEXT_KEY)));
  else
    new Port22Stack(app, app.node.tryGetContext('port22:stackName') ?? 'Port22', {
      env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`port22: invalid configuration\n${error.problems.join('\n')}\n`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
