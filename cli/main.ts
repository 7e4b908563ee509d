/**
 * The `port22` command line. Each command lives in its own file under cli/ and exports its definition;
 * COMMANDS below is the whole list. Exit status: 0 healthy / reachable, 1 at least one finding, 2 bad usage
 * or bad input (one line on stderr).
 */
import { Command, CommanderError } from 'commander';
import { terminalSafe } from '../lambda/core/report/safe-text.ts';
import packageJson from '../package.json' with { type: 'json' };
import type { CommandDefinition } from './command.ts';

interface CliCommand {
  readonly name: string;
  /** The line `port22 --help` shows. */
  readonly summary: string;
  readonly load: () => Promise<CommandDefinition>;
}

/**
 * Every command, in the order `port22 --help` lists them. Adding one is a file and a line here. Only the
 * command being run is loaded, so `--help` never loads ssh2, the AWS SDK or the lab.
 */
export const COMMANDS: readonly CliCommand[] = [
  {
    name: 'probe',
    summary: 'Probe SSH servers: TCP connect, ident, key exchange, host key, allowed auth methods.',
    load: async () => (await import('./probe.ts')).probeCommand,
  },
  {
    name: 'analyze',
    summary:
      'Static reachability of SSH over security groups, network ACLs and routes, from an inventory directory',
    load: async () => (await import('./analyze.ts')).analyzeCommand,
  },
  {
    name: 'check',
    summary:
      'The whole pipeline: static reachability, active probe, host signals, one diagnosis per instance',
    load: async () => (await import('./check.ts')).checkCommand,
  },
  {
    name: 'doctor',
    summary:
      "Before deploying: the prober's paths to the AWS APIs it calls from its subnets (NAT, endpoints), with fixes",
    load: async () => (await import('./doctor.ts')).doctorCommand,
  },
  {
    name: 'lab',
    summary:
      'The built-in demo: a fleet of real SSH servers, some broken, checked end to end (no AWS account needed)',
    load: async () => (await import('./lab.ts')).labCommand,
  },
];

/** The command the arguments run: the first word that is not an option, or the one after `help`. */
export function commandNamed(argv: readonly string[]): CliCommand | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.find((c) => c.name === name);
}

export async function main(argv: string[]): Promise<number> {
  let exit = 0;
  const program = new Command('port22')
    .description('SSH health checker for AWS: probe, static reachability, host signals, diagnosis.')
    .version(packageJson.version, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`${oneLine(s.replace(/^error: /, ''))}\n`),
    })
    .showHelpAfterError(false);
  try {
    const running = commandNamed(argv);
    for (const c of COMMANDS) {
      const command = program.command(c.name).description(c.summary);
      if (c === running) (await c.load())(command, (code) => (exit = code));
    }
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0)
        return 0;
      return 2;
    }
    process.stderr.write(`${oneLine(e instanceof Error ? e.message : String(e))}\n`);
    return 2;
  }
}

/**
 * The one line of a failure. Messages echo what the user gave (ids, addresses, option values): a line
 * break between sentences becomes a space, every other control is shown escaped.
 */
function oneLine(message: string): string {
  return `port22: ${terminalSafe(message.trim().replace(/\s*\n\s*/g, ' '))}`;
}
