/**
 * The stack configuration (DESIGN.md, "Tags and config"): read from the `port22` key of cdk.json's context
 * (or passed as props), validated at synth time so a mistake fails `cdk synth` with one line per problem,
 * each naming the key — never a stack trace, never an AWS call.
 */
import { z } from 'zod';
import {
  awsId,
  evidenceSchema,
  issueLines,
  orRequired,
  sourceSpec,
  targetsSchema,
  tcpPort,
  thresholdsSchema,
} from '../lambda/contract.ts';
import { DEFAULT_SSH_PORT } from '../lambda/core/inventory/tags.ts';
import { isCidr } from '../lambda/core/net/cidr.ts';
import { MAX_SHARDS } from '../lambda/core/targets/shard.ts';

/** The context key the stack reads its configuration from. */
export const CONFIG_CONTEXT_KEY = 'port22';

// The core's own parser: a block that passes synth is one every run can analyse.
const cidr = z.string({ error: orRequired('not a CIDR block') }).refine((text) => isCidr(text), {
  error: 'not a CIDR block (like 10.0.0.0/16 or 2001:db8::/56)',
});

/** Keys earlier versions read, with what to write instead: each fails synth with this one line. */
const RETIRED_KEYS: Readonly<Record<string, string>> = {
  ports:
    'no longer read: write "port": 22 (the SSH port of instances without a port22:port tag) and list the ' +
    'other ports your port22:port tags name in "taggedPorts", e.g. [2222]',
};

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86400 };
/**
 * The longest schedule: the "prober has not run" alarm looks back two intervals in one period, and a
 * CloudWatch alarm's period × evaluation periods may not exceed one day (PutMetricAlarm API reference).
 */
const MAX_INTERVAL_SECONDS = 12 * 3600;

/** Seconds between runs of a rate expression, or an error text. */
export function parseRate(expression: string): number | string {
  const m = RATE.exec(expression);
  if (!m) return 'not a rate expression like rate(5 minutes)';
  const value = Number(m[1]);
  const unit = m[2]!;
  const singular = unit.replace(/s$/, '');
  if (value < 1) return 'the rate must be at least 1';
  // EventBridge rule: a value of 1 takes the singular unit, larger values the plural one.
  if ((value === 1) !== (unit === singular)) {
    return value === 1 ? `write rate(1 ${singular})` : `write rate(${value} ${singular}s)`;
  }
  const seconds = value * UNIT_SECONDS[singular]!;
  if (seconds > MAX_INTERVAL_SECONDS) {
    return 'at most 12 hours (the prober-not-running alarm looks back two intervals, an alarm at most a day)';
  }
  return seconds;
}

const schedule = z
  .string({ error: orRequired('not a rate expression like rate(5 minutes)') })
  .superRefine((text, ctx) => {
    const parsed = parseRate(text);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  });

/** A whole number from `min` to `max`: a wrong type, a fraction or either bound fails with the one message. */
const wholeNumberIn = (min: number, max: number, error: string) =>
  z.number({ error }).int({ error }).min(min, { error }).max(max, { error });

/** Log retention periods CloudWatch Logs accepts (PutRetentionPolicy API reference). */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Instances one shard is sized for when `shards` is not configured. */
export const INSTANCES_PER_SHARD = 500;

/** The shard count of a VPC: the configured one, else one shard per 500 expected instances. */
export function defaultShards(expectedInstances: number): number {
  return Math.min(MAX_SHARDS, Math.max(1, Math.ceil(expectedInstances / INSTANCES_PER_SHARD)));
}

const vpcSchema = z.strictObject({
  vpcId: awsId('vpc', 'a VPC id'),
  cidrs: z
    .array(cidr, { error: orRequired('a list of the VPC CIDR blocks') })
    .min(1, { error: 'at least one VPC CIDR block is required' }),
  subnetIds: z
    .array(awsId('subnet', 'a subnet id'), { error: orRequired('a list of private subnet ids') })
    .min(1, { error: 'at least one private subnet id is required' }),
  availabilityZones: z
    .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, { error: 'not an availability zone' }))
    .optional(),
  routeTableIds: z.array(awsId('rtb', 'a route table id')).optional(),
  expectedInstances: z
    .number({ error: 'not a whole number of instances' })
    .int({ error: 'not a whole number of instances' })
    .min(1, { error: 'must be at least 1' })
    .default(100),
  /**
   * Concurrent prober invocations per run (DESIGN.md, "Deployment shape": large VPCs fan out across Lambda
   * invocations). Each shard checks the instances whose `port22:group` tag, else instance id, hashes to it.
   * @default ⌈expectedInstances / 500⌉, at most 100
   */
  shards: wholeNumberIn(1, MAX_SHARDS, `not a whole number of shards (1-${MAX_SHARDS})`).optional(),
});

const proberSchema = z.strictObject({
  memoryMb: wholeNumberIn(128, 10240, 'between 128 and 10240 MB').optional(),
  timeoutSeconds: wholeNumberIn(10, 900, 'between 10 and 900 seconds').optional(),
  logRetentionDays: z
    .number()
    .refine((d) => RETENTION_DAYS.includes(d), {
      error: `not a CloudWatch Logs retention (${RETENTION_DAYS.join(', ')})`,
    })
    .default(30),
});

export const configSchema = z
  .strictObject({
    vpcs: z
      .array(
        vpcSchema.transform((vpc) => ({
          ...vpc,
          shards: vpc.shards ?? defaultShards(vpc.expectedInstances),
        })),
        { error: orRequired('a list of VPCs to monitor') },
      )
      .min(1, { error: 'at least one VPC to monitor is required' }),
    schedule: schedule.default('rate(5 minutes)'),
    alertEmails: z
      .array(z.email({ error: 'not an e-mail address' }), { error: 'a list of e-mail addresses' })
      .default([]),
    targets: targetsSchema.prefault({}),
    sources: z.array(sourceSpec).default([]),
    /** The SSH port of instances without a `port22:port` tag: the port the prober checks them on. */
    port: tcpPort.default(DEFAULT_SSH_PORT),
    /**
     * The other ports instances name in their `port22:port` tag. The prober checks each tagged instance on
     * its tag's port whatever this says; this list only opens the prober's security group to them.
     */
    taggedPorts: z.array(tcpPort).default([]),
    thresholds: thresholdsSchema.prefault({}),
    perInstanceMetrics: z.boolean({ error: 'true or false' }).default(false),
    evidence: evidenceSchema.prefault({}),
    prober: proberSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.vpcs.forEach((vpc, i) => {
      const first = seen.get(vpc.vpcId);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['vpcs', i, 'vpcId'],
          message: `duplicate of port22.vpcs[${first}].vpcId`,
        });
      } else {
        seen.set(vpc.vpcId, i);
      }
      // Subnet.fromSubnetAttributes pairs each subnet with its AZ and route table by position.
      for (const key of ['availabilityZones', 'routeTableIds'] as const) {
        const list = vpc[key];
        if (list && list.length !== vpc.subnetIds.length) {
          ctx.addIssue({
            code: 'custom',
            path: ['vpcs', i, key],
            message: `needs one entry per subnet id (${vpc.subnetIds.length}), got ${list.length}`,
          });
        }
      }
    });
    const ports = new Set([config.port]);
    config.taggedPorts.forEach((p, i) => {
      if (ports.has(p))
        ctx.addIssue({
          code: 'custom',
          path: ['taggedPorts', i],
          message: p === config.port ? `port ${p} is already "port"` : `duplicate port ${p}`,
        });
      ports.add(p);
    });
  });

/** The validated configuration, defaults filled in. */
export type Port22Config = z.output<typeof configSchema>;
/** The configuration as a user writes it (defaults optional). */
export type Port22ConfigInput = z.input<typeof configSchema>;
/** One monitored VPC. */
export type VpcConfig = Port22Config['vpcs'][number];

/** A configuration that failed validation; `problems` holds one line per problem, naming the key. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** One line per issue, as the handler's contract words them, except that a retired key says what replaced it. */
function problems(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'unrecognized_keys' || issue.path.length > 0)
      return issueLines([issue], CONFIG_CONTEXT_KEY);
    const retired = issue.keys.filter((k) => RETIRED_KEYS[k] !== undefined);
    const unknown = issue.keys.filter((k) => RETIRED_KEYS[k] === undefined);
    return [
      ...retired.map((k) => `${CONFIG_CONTEXT_KEY}.${k}: ${RETIRED_KEYS[k]}`),
      ...(unknown.length > 0 ? issueLines([{ ...issue, keys: unknown }], CONFIG_CONTEXT_KEY) : []),
    ];
  });
}

/**
 * Validates a raw configuration. Returns the configuration with defaults, or throws a `ConfigError`
 * listing every problem, one line each (`port22.alertEmails[1]: not an e-mail address`).
 */
export function parseConfig(raw: unknown): Port22Config {
  if (raw === undefined || raw === null) {
    throw new ConfigError([
      `${CONFIG_CONTEXT_KEY}: required (set it in cdk.json "context" or pass it as props)`,
    ]);
  }
  // `cdk synth -c port22='{…}'` passes context values as strings.
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      throw new ConfigError([
        `${CONFIG_CONTEXT_KEY}: not JSON (a string given with -c must be a JSON object)`,
      ]);
    }
  }
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(problems(result.error.issues));
}

/** Seconds between scheduled runs of a validated configuration. */
export function intervalSeconds(config: Pick<Port22Config, 'schedule'>): number {
  const parsed = parseRate(config.schedule);
  if (typeof parsed === 'string') throw new ConfigError([`${CONFIG_CONTEXT_KEY}.schedule: ${parsed}`]);
  return parsed;
}
