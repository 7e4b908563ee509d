// Errors that escape to the process (an 'error' event nobody listens to, a rejected promise nobody awaits):
// node:test would otherwise report them against whatever test happens to be running, or not at all.
import { after, before } from 'node:test';

/** Call inside a `describe`: collects what escapes while its tests run, so a test can assert it is empty. */
export function collectUnhandled(): unknown[] {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  before(() => {
    process.on('uncaughtException', onUnhandled);
    process.on('unhandledRejection', onUnhandled);
  });
  after(() => {
    process.off('uncaughtException', onUnhandled);
    process.off('unhandledRejection', onUnhandled);
  });
  return unhandled;
}
