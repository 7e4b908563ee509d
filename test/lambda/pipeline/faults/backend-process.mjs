// One AWS emulator in a process of its own, so a test can pause it (SIGSTOP), resume it and kill it for
// real. Usage: node backend-process.mjs dynalite|fauxqs <port> [<dynalite data dir>]. Prints the port.
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';

const [kind, portArg, dataDir] = process.argv.slice(2);
const port = Number(portArg ?? 0);
if (kind === 'dynalite') {
  const server = dynalite({ ...(dataDir ? { path: dataDir } : {}), createTableMs: 0, deleteTableMs: 0 });
  server.listen(port, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
} else if (kind === 'fauxqs') {
  const server = await startFauxqs({ port, host: '127.0.0.1', logger: false });
  process.stdout.write(`${new URL(server.address).port}\n`);
} else {
  process.stderr.write(`unknown backend ${kind}\n`);
  process.exit(2);
}
// The parent's end of stdin closes when the parent dies: never outlive the test.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
