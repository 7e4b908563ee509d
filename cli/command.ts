import type { Command } from 'commander';

/**
 * What a command module exports: it gives the command main.ts created for it its arguments, options and
 * action. The action reports its exit status through `setExit` (0 healthy / reachable, 1 a finding).
 */
export type CommandDefinition = (command: Command, setExit: (code: number) => void) => void;
