/**
 * The `port22` command line. Each command lives in its own file under cli/ and returns an exit status:
 * 0 healthy / reachable, 1 at least one finding, 2 bad usage or bad input (one line on stderr).
 */
import { Command, CommanderError } from 'commander';
import { UsageError } from './usage-error.ts';

export type CommandRegistrar = (program: Command, setExit: (code: number) => void) => void;

const registrars: CommandRegistrar[] = [];

/** Commands register themselves here (cli/commands.ts imports each). */
export function registerCommand(r: CommandRegistrar): void {
  registrars.push(r);
}

export async function main(argv: string[]): Promise<number> {
  await import('./commands.ts');
  let exit = 0;
  const program = new Command('port22')
    .description('SSH health checker for AWS: probe, static reachability, host signals, diagnosis.')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`port22: ${s.replace(/^error: /, '').trim()}\n`),
    })
    .showHelpAfterError(false);
  for (const r of registrars) r(program, (code) => (exit = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0)
        return 0;
      return 2;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`port22: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`port22: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}
