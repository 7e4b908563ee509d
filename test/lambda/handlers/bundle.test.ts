// The asset `cdk synth` produces for the prober — the file that deploys — loads in plain Node and, invoked
// with the schedule's event, runs a whole check against local stand-ins: dynalite (state), fauxqs (alerts),
// lab servers (targets on loopback), aws-sdk-client-mock (EC2 and CloudWatch, patched where the bundle
// requires the SDK it leaves external).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AwsStandins, startAwsStandins } from '../../../lab/aws-standins.ts';
import { startZooServer, type ZooServer } from '../../../lab/zoo.ts';
import { PROJECT_ROOT } from '../../../lib/prober-bundling.ts';
import { exampleConfig, synthStack } from '../../lib/stack-fixtures.ts';

interface SynthesizedProber {
  /** The asset's index.js. */
  file: string;
  /** The function's environment as the template sets it (tokens left as CloudFormation objects). */
  environment: Record<string, unknown>;
  /** The VPC its PORT22_CONFIG names. */
  vpcId: string;
}

/**
 * Synthesises the stack with real bundling into a directory inside the project, so the asset's
 * `require('@aws-sdk/…')` resolves to the project's SDK as it resolves to the runtime's in Lambda.
 */
function synthProber(outdir: string): SynthesizedProber {
  const { app } = synthStack(exampleConfig, { bundle: true, outdir });
  const assembly = app.synth();
  const template = JSON.parse(
    readFileSync(join(assembly.directory, assembly.stacks[0]!.templateFile), 'utf8'),
  ) as { Resources: Record<string, { Type: string; Properties: FunctionProperties }> };
  const functions = Object.values(template.Resources).filter(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler',
  );
  assert.equal(functions.length, 1, 'one prober in the example configuration');
  const props = functions[0]!.Properties;
  const hash = String(props.Code.S3Key).replace(/\.zip$/, '');
  return {
    file: join(assembly.directory, `asset.${hash}`, 'index.js'),
    environment: props.Environment.Variables,
    vpcId: (JSON.parse(String(props.Environment.Variables.PORT22_CONFIG)) as { vpcId: string }).vpcId,
  };
}

interface FunctionProperties {
  Handler?: string;
  Code: { S3Key: string };
  Environment: { Variables: Record<string, unknown> };
}

/** A JSON line the handler printed: a Powertools log line or an EMF document. */
interface PrintedLine {
  message?: string;
  level?: string;
  service?: string;
  instanceId?: string;
  vpcId?: string;
  diagnosis?: string;
  evidence?: unknown;
  _aws?: { CloudWatchMetrics: Array<{ Namespace: string }> };
  ChecksRun?: number;
  InstancesUnhealthy?: number;
  Vpc?: string;
}

/**
 * node_modules/.cache, or cdk.out (gitignored, where synth output belongs anyway) when node_modules is not
 * this user's to write: installed by root and shared, as on a machine that runs the suite unprivileged.
 */
function projectScratch(): string {
  for (const dir of [join(PROJECT_ROOT, 'node_modules', '.cache'), join(PROJECT_ROOT, 'cdk.out')]) {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      return dir;
    } catch {
      // Not writable by this user: try the next.
    }
  }
  throw new Error(`neither node_modules/.cache nor cdk.out is writable under ${PROJECT_ROOT}`);
}

const FUNCTION_NAME = 'Port22-vpc0123456789abcdef0ProberFunction-0C0FFEE0AB12';
const HEALTHY = { instanceId: 'i-0c0ffee0000000a01', name: 'web-1', address: '127.0.0.11' };
const FAILING = { instanceId: 'i-0c0ffee0000000a02', name: 'db-1', address: '127.0.0.12' };

describe('the synthesized prober bundle', () => {
  let outdir: string;
  let prober: SynthesizedProber;
  before(() => {
    outdir = mkdtempSync(join(projectScratch(), 'port22-bundle-test-'));
    // The asset's index.js is CommonJS, as Lambda loads it; outside node_modules the project's
    // "type": "module" would apply to it.
    writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
    prober = synthProber(outdir);
  });
  after(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  it('loads in plain node (no tsx, no NODE_OPTIONS) and exports handler; the AWS SDK stays external', () => {
    const env = { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true' };
    const r = spawnSync(
      process.execPath,
      ['-e', `const m = require(${JSON.stringify(prober.file)}); console.log(typeof m.handler);`],
      { env, encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'function');
    const text = readFileSync(prober.file, 'utf8');
    assert.match(text, /require\("@aws-sdk\/client-ec2"\)/, 'the SDK is required from the runtime');
    assert.doesNotMatch(
      text,
      /DescribeInstanceStatusCommand_base|de_DescribeInstancesResult/,
      'no SDK code inside',
    );
  });

  describe('invoked with the scheduled event', () => {
    let standins: AwsStandins;
    let healthy: ZooServer;
    let refused: ZooServer;
    const saved = new Map<string, string | undefined>();
    const setEnv = (vars: Record<string, string>) => {
      for (const [k, v] of Object.entries(vars)) {
        if (!saved.has(k)) saved.set(k, process.env[k]);
        process.env[k] = v;
      }
    };

    before(async () => {
      healthy = await startZooServer('healthy', { host: HEALTHY.address });
      refused = await startZooServer('refused', { host: FAILING.address });
      standins = await startAwsStandins({
        requireFrom: prober.file,
        vpcId: prober.vpcId,
        functionName: FUNCTION_NAME,
        instances: [
          { ...HEALTHY, port: healthy.port },
          { ...FAILING, port: refused.port },
        ],
        sourceCidrs: exampleConfig.sources?.filter((s) => s.includes('/')) ?? [],
        cpuPercent: { [FAILING.instanceId]: 12 },
      });
    });
    after(async () => {
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await standins?.close();
      await healthy?.close();
      await refused?.close();
    });

    it('writes state, publishes the alert and prints EMF metrics', async () => {
      // The function's environment as the stack sets it; the tokens (table, topic, dashboard) become the
      // stand-ins, and failuresBeforeAlert drops to 1 so the first failing run alerts.
      const stackEnv = prober.environment;
      const tokens = new Set(['PORT22_TABLE', 'PORT22_TOPIC_ARN', 'PORT22_DASHBOARD_URL']);
      for (const [k, v] of Object.entries(stackEnv)) {
        assert.equal(typeof v === 'string', !tokens.has(k), `${k}: a literal unless it names a resource`);
      }
      const config = JSON.parse(String(stackEnv.PORT22_CONFIG)) as { thresholds: Record<string, number> };
      config.thresholds.failuresBeforeAlert = 1;
      const dashboardUrl =
        'https://us-east-1.console.aws.amazon.com/cloudwatch/home#dashboards/dashboard/Port22';
      setEnv({
        ...Object.fromEntries(
          Object.entries(stackEnv).filter(([k, v]) => typeof v === 'string' && k !== 'NODE_OPTIONS'),
        ),
        ...standins.env,
        PORT22_TABLE: standins.tableName,
        PORT22_TOPIC_ARN: standins.topicArn,
        PORT22_DASHBOARD_URL: dashboardUrl,
        PORT22_CONFIG: JSON.stringify(config),
      });

      const { handler } = (await import(prober.file)) as {
        handler: (event: unknown, context: unknown) => Promise<Record<string, unknown>>;
      };
      const event = {
        kind: 'port22.scheduled-check',
        vpcId: prober.vpcId,
        scheduledTime: new Date().toISOString(),
      };
      const deadline = Date.now() + 60_000;
      const context = {
        awsRequestId: '0c0ffee0-1111-4111-8111-0c0ffee00011',
        functionName: FUNCTION_NAME,
        getRemainingTimeInMillis: () => deadline - Date.now(),
      };

      // What the handler prints is text: EMF documents and INFO lines on stdout, WARN and ERROR lines on
      // stderr (Powertools writes through console.warn/error); in Lambda both streams go to the log group.
      // node:test's own protocol between this file and the runner is binary, so only strings are kept back.
      const printed: string[] = [];
      const emf: string[] = [];
      const restore = [process.stdout, process.stderr].map((stream) => {
        const write = stream.write;
        stream.write = ((chunk: unknown, ...rest: unknown[]) => {
          if (typeof chunk !== 'string')
            return (write as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
          printed.push(chunk);
          if (stream === process.stdout) emf.push(chunk);
          return true;
        }) as typeof stream.write;
        return () => {
          stream.write = write;
        };
      });
      let result: Record<string, unknown>;
      try {
        result = await handler(event, context);
      } finally {
        for (const undo of restore) undo();
      }

      assert.deepEqual(result, {
        runId: context.awsRequestId,
        instances: 2,
        unhealthy: 1,
        findings: result.findings,
        unchecked: 0,
        alertsSent: 1,
        errors: 0,
      });

      // Every AWS call went to a stand-in: nothing tried to resolve an AWS endpoint.
      assert.deepEqual(standins.refusedLookups(), []);

      // State: one item per instance, with its diagnosis and a TTL.
      const state = await standins.readState();
      assert.equal(state.get(HEALTHY.instanceId)?.diagnosis, 'HEALTHY');
      assert.equal(state.get(FAILING.instanceId)?.diagnosis, 'SSHD_NOT_LISTENING');
      assert.equal(state.get(FAILING.instanceId)?.consecutiveFailures, 1);
      assert.match(String(state.get(HEALTHY.instanceId)?.hostKey), /^SHA256:/);
      assert.equal(typeof state.get(FAILING.instanceId)?.ttl, 'number');

      // The alert, as the topic's subscriber receives it.
      const alerts = await standins.readAlerts();
      assert.equal(alerts.length, 1);
      assert.equal(
        alerts[0]!.Subject,
        `[port22] DOWN ${FAILING.instanceId} (${FAILING.name}): SSHD_NOT_LISTENING`,
      );
      assert.ok(alerts[0]!.Message.includes(dashboardUrl), 'the alert links the dashboard');
      assert.equal(alerts[0]!.MessageAttributes?.diagnosis?.Value, 'SSHD_NOT_LISTENING');

      // Host signals: status checks for both, CloudWatch metrics only for the failing one.
      assert.deepEqual(
        new Set(standins.statusInstanceIds()),
        new Set([HEALTHY.instanceId, FAILING.instanceId]),
      );
      assert.deepEqual(new Set(standins.metricInstanceIds()), new Set([FAILING.instanceId]));

      // stdout: EMF documents and one structured log line per instance.
      const lines = printed
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as PrintedLine);
      const documents = emf
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as PrintedLine)
        .filter((l) => l._aws?.CloudWatchMetrics);
      assert.ok(documents.length > 0, 'EMF documents printed on stdout');
      const fleet = documents.find((d) => d.ChecksRun !== undefined)!;
      assert.equal(fleet._aws?.CloudWatchMetrics[0]?.Namespace, 'Port22');
      assert.equal(fleet.ChecksRun, 2);
      assert.equal(fleet.InstancesUnhealthy, 1);
      assert.equal(fleet.Vpc, prober.vpcId);
      const diagnosed = lines.filter((l) => l.message === 'instance diagnosed');
      assert.deepEqual(
        diagnosed.map((l) => [l.instanceId, l.diagnosis, l.vpcId, l.service]).sort(),
        [
          [HEALTHY.instanceId, 'HEALTHY', prober.vpcId, 'port22'],
          [FAILING.instanceId, 'SSHD_NOT_LISTENING', prober.vpcId, 'port22'],
        ].sort(),
      );
      assert.equal(typeof diagnosed[0]!.evidence, 'string', 'one field Logs Insights can show');
      assert.ok(lines.some((l) => l.message === 'check finished' && l.level === 'INFO'));
    });
  });
});
