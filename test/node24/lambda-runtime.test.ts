// Run by scripts/test.mjs on the pinned Node 24 only: that binary must be the prober's Lambda runtime, and the
// AWS SDK v3 clients the bundle leaves to that runtime must load on it. The bundle itself is invoked by
// test/lambda/handlers/bundle.test.ts in the same pass.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { Template } from 'aws-cdk-lib/assertions';
import { PROBER_ESBUILD_TARGET } from '../../lib/prober-bundling.ts';
import { exampleConfig, synthStack } from '../lib/stack-fixtures.ts';

const major = process.versions.node.split('.')[0];
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
};

describe('Node 24: the prober runtime', () => {
  it(`Node ${process.versions.node} is the major the stack deploys the prober on and esbuild targets`, () => {
    const template = Template.fromStack(synthStack(exampleConfig).stack);
    const probers = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (r) => r.Properties.Handler === 'index.handler',
    );
    assert.equal(probers.length, 1);
    // When the stack moves to a newer runtime, .ci/run's pin must move with it.
    assert.equal(probers[0]!.Properties.Runtime, `nodejs${major}.x`);
    assert.equal(PROBER_ESBUILD_TARGET, `node${major}`);
  });

  // The production dependencies: the clients the handler uses, which the bundle requires from the runtime.
  const clients = Object.keys(pkg.dependencies).filter((d) => d.startsWith('@aws-sdk/client-'));
  it(`the AWS SDK v3 clients load and resolve their configuration, without a Node version warning: ${clients.join(', ')}`, async () => {
    assert.ok(clients.length >= 4, clients.join(', '));
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const require = createRequire(import.meta.url);
      for (const name of clients) {
        const sdk = require(name) as Record<string, unknown>;
        const Client = Object.entries(sdk).find(
          // `__Client` is smithy's base class, re-exported by every client package.
          ([k, v]) => k.endsWith('Client') && !k.startsWith('__') && typeof v === 'function',
        )?.[1] as
          | (new (
              config: object,
            ) => { config: { region: () => Promise<string> }; destroy(): void })
          | undefined;
        assert.ok(Client, `${name} exports a client class`);
        const client = new Client({
          region: 'eu-west-1',
          credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' },
        });
        assert.equal(await client.config.region(), 'eu-west-1', name);
        client.destroy();
      }
      // process.emitWarning delivers on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(
      warnings.filter((w) => /NodeVersionSupportWarning/.test(w)),
      [],
    );
  });
});
