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
  keyPath,
  orRequired,
  sourceSpec,
  targetsSchema,
  tcpPort,
  thresholdsSchema,
} from '../lambda/contract.ts';
import { DEFAULT_SSH_PORT } from '../lambda/core/inventory/tags.ts';
import {
  type Cidr,
  formatCidr,
  hostBitsCleared,
  ipv4OfMapped,
  isCidr,
  parseCidr,
} from '../lambda/core/net/cidr.ts';
import { canonicalSourceSpec, parseSourceSpec } from '../lambda/core/reachability/source-spec.ts';
import { MAX_SHARDS } from '../lambda/core/targets/shard.ts';

/** The context key the stack reads its configuration from. */
export const CONFIG_CONTEXT_KEY = 'port22';

const NOT_A_CIDR = 'not a CIDR block (like 10.0.0.0/16 or 2001:db8::/56)';

/**
 * Why a block the core parses still must not be deployed: host bits set (the address and the prefix
 * disagree — `10.0.0.1/16` may mean 10.0.0.0/16 or 10.0.0.1/32 — and the parser would quietly take the network), or an IPv4-mapped IPv6 block (RFC 4291 §2.5.5.2: such
 * addresses live only inside a host's socket API, so no VPC packet ever matches one).
 */
function blockProblem(text: string, cidr: Cidr): string | undefined {
  const cleared = hostBitsCleared(text);
  if (cleared) return `host bits set (the block is ${formatCidr(cleared)})`;
  const ipv4 = ipv4OfMapped(cidr);
  if (ipv4) return `an IPv4-mapped IPv6 block matches no VPC traffic (write ${formatCidr(ipv4)})`;
  return undefined;
}

/** The block's one spelling, when it is one (`2001:DB8:0::/56` and `2001:db8::/56` are the same block). */
function canonicalCidr(text: string): string | undefined {
  const cidr = isCidr(text) ? parseCidr(text) : undefined;
  return cidr && formatCidr(cidr);
}

// The core's own parser: a block that passes synth is one every run can analyse.
const cidr = z.string({ error: orRequired(NOT_A_CIDR) }).superRefine((text, ctx) => {
  const parsed = isCidr(text) ? parseCidr(text) : undefined;
  const problem = parsed ? blockProblem(text, parsed) : NOT_A_CIDR;
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** The handler's source spec, and the block rules above for a source that is a CIDR. */
const source = sourceSpec.superRefine((text, ctx) => {
  const parsed = parseSourceSpec(text);
  const problem = parsed?.kind === 'cidr' ? blockProblem(text, parsed.cidr) : undefined;
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * What `problems()` needs to word "this entry is that one again": the first entry's path and the issue's
 * own path, both relative to the value the refinement ran on, so the line can name both in full.
 */
interface SameAsParams {
  readonly sameAs: readonly PropertyKey[];
  readonly depth: number;
  readonly why?: string;
}

function addSameAs(
  ctx: z.RefinementCtx,
  at: PropertyKey[],
  first: readonly PropertyKey[],
  wording: string,
  why?: string,
): void {
  const params: SameAsParams = { sameAs: first, depth: at.length, ...(why ? { why } : {}) };
  ctx.addIssue({ code: 'custom', path: at, message: wording, params });
}

/** A refinement flagging every entry whose key an earlier entry already has. */
function distinct<T>(keyOf: (item: T) => string | undefined, why?: string) {
  return (items: readonly T[], ctx: z.RefinementCtx) => {
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      const key = keyOf(item);
      if (key === undefined) return;
      const seen = first.get(key);
      if (seen === undefined) first.set(key, i);
      else addSameAs(ctx, [i], [seen], 'duplicate of', why);
    });
  };
}

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

/**
 * Lambda's VpcConfig takes at most 16 subnet ids (CreateFunction API reference, VpcConfig.SubnetIds).
 */
export const MAX_PROBER_SUBNETS = 16;

/**
 * One monitored VPC. With `cidrs` it is typed by hand (`cidrs` and `subnetIds`, optionally zones and route
 * tables: synthesises without credentials); without, the stack looks it up at synth time (lib/vpc-network.ts)
 * and `subnetIds`, `subnetGroupName` and `subnetGroupNameTag` only choose among its subnets.
 */
const vpcSchema = z
  .strictObject({
    vpcId: awsId('vpc', 'a VPC id'),
    cidrs: z
      .array(cidr, { error: 'a list of the VPC CIDR blocks' })
      .min(1, { error: 'at least one VPC CIDR block is required' })
      .superRefine(distinct(canonicalCidr))
      .optional(),
    // Lambda's VpcConfig.SubnetIds is a set: a repeated id fails the deployment.
    subnetIds: z
      .array(awsId('subnet', 'a subnet id'), { error: 'a list of private subnet ids' })
      .min(1, { error: 'at least one private subnet id is required' })
      .max(MAX_PROBER_SUBNETS, { error: `at most ${MAX_PROBER_SUBNETS} subnets (Lambda's limit)` })
      .superRefine(distinct((id: string) => id))
      .optional(),
    /** A looked-up VPC's subnet group to attach the prober to (the `aws-cdk:subnet-name` tag, or the type). */
    subnetGroupName: z
      .string({ error: 'a subnet group name' })
      .min(1, { error: 'a subnet group name' })
      .optional(),
    /** The subnet tag whose value names a looked-up VPC's subnet groups, instead of `aws-cdk:subnet-name`. */
    subnetGroupNameTag: z.string({ error: 'a tag key' }).min(1, { error: 'a tag key' }).optional(),
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
  })
  .superRefine((vpc, ctx) => {
    const misplaced = (keys: readonly (keyof typeof vpc)[], why: string) => {
      for (const key of keys) {
        if (vpc[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `only for ${why}` });
      }
    };
    if (!vpc.cidrs) {
      misplaced(['availabilityZones', 'routeTableIds'], 'a hand-typed VPC (with cidrs and subnetIds)');
      if (vpc.subnetIds && vpc.subnetGroupName !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['subnetGroupName'],
          message: 'give subnetIds or subnetGroupName, not both',
        });
      }
      return;
    }
    misplaced(['subnetGroupName', 'subnetGroupNameTag'], 'a looked-up VPC (without cidrs)');
    if (!vpc.subnetIds) {
      ctx.addIssue({
        code: 'custom',
        path: ['subnetIds'],
        message: 'required with cidrs (leave both out to look the VPC up)',
      });
      return;
    }
    // Subnet.fromSubnetAttributes pairs each subnet with its AZ and route table by position.
    for (const key of ['availabilityZones', 'routeTableIds'] as const) {
      const list = vpc[key];
      if (list && list.length !== vpc.subnetIds.length) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `needs one entry per subnet id (${vpc.subnetIds.length}), got ${list.length}`,
        });
      }
    }
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

// Rejected rather than merged: a repeat is a slip in a list someone keeps by hand, and merging would hide
// which address they meant. Compared without case: the domain has none, mail systems ignore it in the
// local part (RFC 5321 §2.4), and SNS would subscribe both spellings and mail every alert twice.
const alertEmails = z
  .array(z.email({ error: 'not an e-mail address' }), { error: 'a list of e-mail addresses' })
  .superRefine(distinct((email: string) => email.toLowerCase(), 'e-mail addresses compare without case'));

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
      .min(1, { error: 'at least one VPC to monitor is required' })
      .superRefine((vpcs, ctx) => {
        const firstVpc = new Map<string, number>();
        const firstSubnet = new Map<string, readonly [number, number]>();
        vpcs.forEach((vpc, i) => {
          const seen = firstVpc.get(vpc.vpcId);
          if (seen !== undefined) {
            // Its subnets repeat the first one's too: that is the same mistake, already reported.
            addSameAs(ctx, [i, 'vpcId'], [seen, 'vpcId'], 'duplicate of');
            return;
          }
          firstVpc.set(vpc.vpcId, i);
          vpc.subnetIds?.forEach((subnetId, j) => {
            const where = firstSubnet.get(subnetId);
            if (where === undefined) firstSubnet.set(subnetId, [i, j]);
            // A repeat inside one VPC is that VPC's own duplicate, reported there.
            else if (where[0] !== i)
              addSameAs(
                ctx,
                [i, 'subnetIds', j],
                [where[0], 'subnetIds', where[1]],
                'already in',
                'a subnet belongs to one VPC',
              );
          });
        });
      }),
    schedule: schedule.default('rate(5 minutes)'),
    alertEmails: alertEmails.default([]),
    targets: targetsSchema.prefault({}),
    sources: z
      .array(source)
      .superRefine(
        distinct((spec: string) => {
          const parsed = parseSourceSpec(spec);
          return parsed && canonicalSourceSpec(parsed);
        }),
      )
      .default([]),
    /** The SSH port of instances without a `port22:port` tag: the port the prober checks them on. */
    port: tcpPort.default(DEFAULT_SSH_PORT),
    /**
     * The other ports instances name in their `port22:port` tag. The prober checks each tagged instance on
     * its tag's port whatever this says; this list only opens the prober's security group to them.
     */
    taggedPorts: z.array(tcpPort).default([]),
    thresholds: thresholdsSchema.prefault({}),
    perInstanceMetrics: z.boolean({ error: 'true or false' }).default(false),
    /**
     * Create the VPC endpoints the prober needs in each VPC: a DynamoDB gateway endpoint (free; needs
     * `routeTableIds`) and interface endpoints with private DNS for the other APIs it calls (billed per
     * hour and zone: docs/cost.md). Off: the subnets need a NAT gateway or endpoints of their own
     * (`port22 doctor`).
     * @default false
     */
    createEndpoints: z.boolean({ error: 'true or false' }).default(false),
    evidence: evidenceSchema.prefault({}),
    prober: proberSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
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

/** The keys an object in the configuration may have at `path` (array indexes included), or none. */
function keysAt(path: readonly PropertyKey[]): readonly string[] {
  let schema = configSchema as z.core.$ZodType;
  let i = 0;
  for (;;) {
    const def = schema._zod.def as z.core.$ZodTypeDef & {
      innerType?: z.core.$ZodType;
      in?: z.core.$ZodType;
      element?: z.core.$ZodType;
      shape?: Record<string, z.core.$ZodType>;
    };
    // Defaults, optionals and transforms wrap the schema a user's value is read by.
    const inner = def.innerType ?? def.in;
    if (inner) {
      schema = inner;
      continue;
    }
    if (i === path.length) return def.shape ? Object.keys(def.shape) : [];
    const segment = path[i++];
    const next = typeof segment === 'number' ? def.element : def.shape?.[String(segment)];
    if (!next) return [];
    schema = next;
  }
}

/** Edits (insert, delete, substitute, swap two neighbours) between two keys, case ignored. */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d = Array.from({ length: x.length + 1 }, (_, i) => [i, ...new Array<number>(y.length).fill(0)]);
  for (let j = 1; j <= y.length; j++) d[0]![j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[x.length]![y.length]!;
}

/**
 * The known key an unknown one is most likely a typo of: within two edits (one for short keys, where two
 * would match nearly anything), or equal but for case. A typo'd key would otherwise be read as absent and
 * its default used without a word.
 */
function likelyMeant(unknown: string, known: readonly string[]): string | undefined {
  const reach = unknown.length > 5 ? 2 : 1;
  let best: string | undefined;
  let bestDistance = reach + 1;
  for (const key of known) {
    const distance = editDistance(unknown, key);
    if (distance < bestDistance) [best, bestDistance] = [key, distance];
  }
  return best;
}

/**
 * One line per issue, as the handler's contract words them, except that a retired key says what replaced
 * it, an unknown key names the key it is likely a typo of, and a repeated entry names the first one.
 */
function problems(issues: readonly z.core.$ZodIssue[], root = CONFIG_CONTEXT_KEY): string[] {
  const key = (path: readonly PropertyKey[]) => keyPath(path, root);
  return issues.flatMap((issue) => {
    if (issue.code === 'custom' && issue.params?.sameAs) {
      const { sameAs, depth, why } = issue.params as SameAsParams;
      const first = [...issue.path.slice(0, issue.path.length - depth), ...sameAs];
      return [`${key(issue.path)}: ${issue.message} ${key(first)}${why ? ` (${why})` : ''}`];
    }
    if (issue.code !== 'unrecognized_keys') return issueLines([issue], root);
    const known = keysAt(issue.path);
    return issue.keys.map((k) => {
      const retired = issue.path.length === 0 ? RETIRED_KEYS[k] : undefined;
      if (retired) return `${key([k])}: ${retired}`;
      const meant = likelyMeant(k, known);
      return `${key([...issue.path, k])}: unknown key${meant ? ` (did you mean ${meant}?)` : ''}`;
    });
  });
}

/** The `port22` context value as an object: `cdk synth -c port22='{…}'` passes it as a string. */
function contextObject(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw new ConfigError([`${CONFIG_CONTEXT_KEY}: not JSON (a string given with -c must be a JSON object)`]);
  }
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
  const result = configSchema.safeParse(contextObject(raw));
  if (result.success) return result.data;
  throw new ConfigError(problems(result.error.issues));
}

/** The flat context key naming the VPCs to look up: `-c port22:vpcIds=vpc-…,vpc-…`. */
export const VPC_IDS_CONTEXT_KEY = `${CONFIG_CONTEXT_KEY}:vpcIds`;
/** The flat context key naming who gets the alerts: `-c port22:alertEmails=ops@example.com`. */
export const ALERT_EMAILS_CONTEXT_KEY = `${CONFIG_CONTEXT_KEY}:alertEmails`;

/** A flat key's list: an array in cdk.json, one comma-separated string from `-c`. */
const commaSeparated = (value: unknown) =>
  typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value;

const flatKeys = {
  [VPC_IDS_CONTEXT_KEY]: z.preprocess(
    commaSeparated,
    z
      .array(awsId('vpc', 'a VPC id'), { error: 'a list of VPC ids (comma-separated with -c)' })
      .min(1, { error: 'at least one VPC id is required' })
      .superRefine(distinct((id: string) => id)),
  ),
  [ALERT_EMAILS_CONTEXT_KEY]: z.preprocess(commaSeparated, alertEmails),
};

/**
 * The configuration the app's context gives: the `port22` object, with each flat key given
 * (`port22:vpcIds`, `port22:alertEmails`, from `-c` or cdk.json) replacing the field it stands for —
 * `port22:vpcIds` replaces `vpcs` with those VPCs, each looked up. So a deploy command's `-c` wins over
 * the cdk.json example, and every other setting still comes from the object.
 */
export function configFromContext(tryGetContext: (key: string) => unknown): Port22Config {
  const lines: string[] = [];
  const flat = (key: keyof typeof flatKeys): string[] | undefined => {
    const value = tryGetContext(key);
    if (value === undefined) return undefined;
    const result = flatKeys[key].safeParse(value);
    if (result.success) return result.data;
    lines.push(...problems(result.error.issues, key));
    return undefined;
  };
  const vpcIds = flat(VPC_IDS_CONTEXT_KEY);
  const emails = flat(ALERT_EMAILS_CONTEXT_KEY);
  if (lines.length) throw new ConfigError(lines);

  const object = contextObject(tryGetContext(CONFIG_CONTEXT_KEY));
  if (object === undefined && vpcIds === undefined) {
    throw new ConfigError([
      `${CONFIG_CONTEXT_KEY}: required (give -c ${VPC_IDS_CONTEXT_KEY}=vpc-…, or set "${CONFIG_CONTEXT_KEY}" in cdk.json "context")`,
    ]);
  }
  // Anything but an object is reported by the schema as it stands, without the flat keys.
  const mergeable = object === undefined || (typeof object === 'object' && object && !Array.isArray(object));
  if (!mergeable) return parseConfig(object);
  return parseConfig({
    ...(object as object | undefined),
    ...(vpcIds ? { vpcs: vpcIds.map((vpcId) => ({ vpcId })) } : {}),
    ...(emails ? { alertEmails: emails } : {}),
  });
}

/** Seconds between scheduled runs of a validated configuration. */
export function intervalSeconds(config: Pick<Port22Config, 'schedule'>): number {
  const parsed = parseRate(config.schedule);
  if (typeof parsed === 'string') throw new ConfigError([`${CONFIG_CONTEXT_KEY}.schedule: ${parsed}`]);
  return parsed;
}
