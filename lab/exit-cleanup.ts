/**
 * Last-chance cleanup for lab resources (sshd processes, temp dirs, network namespaces) when the process
 * ends without calling their `close()` — a failing test, an uncaught error, Ctrl-C, or the test runner's
 * SIGTERM on timeout. Handlers run synchronously: on 'exit' the event loop is already gone.
 */

type Cleanup = () => void;

const pending = new Set<Cleanup>();
let installed = false;

function runAll(): void {
  for (const cleanup of [...pending]) {
    pending.delete(cleanup);
    try {
      cleanup();
    } catch {
      // Best effort: one failed cleanup must not stop the others.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  // Re-raise with the default action so the exit status still says which signal ended us.
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);
}

/** Registers a synchronous cleanup for process exit; call the returned function once it is no longer needed. */
export function atExit(cleanup: Cleanup): () => void {
  install();
  pending.add(cleanup);
  return () => {
    pending.delete(cleanup);
  };
}
