/** Builds port22 stacks for the template tests: offline, and without esbuild unless a test asks for it. */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import type { Port22ConfigInput } from '../../lib/config.ts';
import { Port22Stack } from '../../lib/port22-stack.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown> & { port22: Port22ConfigInput };
};

/** The example configuration shipped in cdk.json. */
export const exampleConfig: Port22ConfigInput = cdkJson.context.port22;

/** cdk.json's context without the port22 key: the feature flags a user's synth runs with. */
const featureFlags = Object.fromEntries(Object.entries(cdkJson.context).filter(([k]) => k !== 'port22'));

export interface SynthOptions {
  /** Run the real esbuild bundling (slow); otherwise the stack is synthesised with bundling skipped. */
  readonly bundle?: boolean;
  readonly outdir?: string;
  /** More context, such as recorded lookups (test/fixtures/cdk-context/). */
  readonly context?: Record<string, unknown>;
}

/** The account and region every test stack is in (the recorded lookups name them too). */
export const TEST_ENV = { account: '111122223333', region: 'eu-west-1' } as const;

/**
 * A stack in a fixed environment, so the template does not depend on the machine. Bundling is skipped
 * through CDK's own `aws:cdk:bundling-stacks` context (what `cdk synth --exclusively` uses), which keeps
 * everything else — asset parameters, the function's code reference — as in a real synth.
 */
export function synthStack(
  config: Port22ConfigInput | undefined,
  options: SynthOptions = {},
): { app: App; stack: Port22Stack } {
  const app = new App({
    outdir: options.outdir,
    context: {
      ...featureFlags,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  const stack = new Port22Stack(app, 'Port22', {
    config,
    env: TEST_ENV,
  });
  return { app, stack };
}
