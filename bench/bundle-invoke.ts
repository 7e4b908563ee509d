/**
 * `node --import tsx bench/bundle-invoke.ts <bundle.js>`: one fresh process, one cold prober. Starts the local
 * stand-ins (lab/aws-standins.ts: dynalite, fauxqs, EC2/CloudWatch mocks; a healthy zoo server and a refused
 * port on loopback), loads the bundle, invokes its handler twice with the scheduled event and prints one JSON
 * line: `{ loadMs, firstMs, secondMs }`. The first call pays what the module defers to first use (SDK client
 * construction, credential and endpoint resolution, the first DynamoDB and SNS requests, ssh2's first key
 * exchange); the second is the same check, warm. EC2 and CloudWatch are answered at `send()`, so their
 * request pipeline is not part of either figure. Used by bench/bundle.ts.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { startAwsStandins } from '../lab/aws-standins.ts';
import { startZooServer } from '../lab/zoo.ts';
import { HANDLER_ENV, type HandlerConfigInput } from '../lambda/contract.ts';

const bundle = process.argv[2];
if (!bundle) throw new Error('usage: bundle-invoke.ts <bundle.js>');

const vpcId = 'vpc-0123456789abcdef0';
const functionName = 'Port22-bench-prober';
const healthy = await startZooServer('healthy', { host: '127.0.0.11' });
const refused = await startZooServer('refused', { host: '127.0.0.12' });
const standins = await startAwsStandins({
  requireFrom: bundle,
  vpcId,
  functionName,
  instances: [
    { instanceId: 'i-0be4c40000000a001', name: 'web-1', address: '127.0.0.11', port: healthy.port },
    { instanceId: 'i-0be4c40000000a002', name: 'db-1', address: '127.0.0.12', port: refused.port },
  ],
});
const config: HandlerConfigInput = { vpcId, thresholds: { failuresBeforeAlert: 1 } };
try {
  Object.assign(process.env, standins.env, {
    [HANDLER_ENV.table]: standins.tableName,
    [HANDLER_ENV.topicArn]: standins.topicArn,
    [HANDLER_ENV.config]: JSON.stringify(config),
    [HANDLER_ENV.dashboardUrl]: 'https://console.aws.amazon.com/cloudwatch/home#dashboards',
    // The handler's log lines would drown the one line this prints.
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const started = performance.now();
  const { handler } = createRequire(import.meta.url)(bundle) as {
    handler: (event: unknown, context: unknown) => Promise<{ errors: number; alertsSent: number }>;
  };
  const loadMs = performance.now() - started;

  const invoke = async (n: number) => {
    const deadline = Date.now() + 60_000;
    const event = { kind: 'port22.scheduled-check', vpcId, scheduledTime: new Date().toISOString() };
    const context = {
      awsRequestId: `bench-${n}`,
      functionName,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };
    // EMF documents go to stdout; keep them off this process's one line of output.
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    const t = performance.now();
    try {
      const result = await handler(event, context);
      if (result.errors !== 0) throw new Error(`run ${n}: ${result.errors} errors`);
      return performance.now() - t;
    } finally {
      process.stdout.write = write;
    }
  };
  const firstMs = await invoke(1);
  const secondMs = await invoke(2);
  if (standins.refusedLookups().length > 0)
    throw new Error(`reached for ${standins.refusedLookups().join(', ')}`);
  process.stdout.write(`${JSON.stringify({ loadMs, firstMs, secondMs })}\n`);
} finally {
  await standins.close();
  await healthy.close();
  await refused.close();
}
