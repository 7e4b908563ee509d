// Types of scripts/build-cli.mjs (plain JavaScript, so that starting the CLI compiles nothing).

/** The current build's entry module as a file URL when no recorded source changed since; else undefined. */
export function freshCliEntry(): string | undefined;

/** Bundles the CLI into a new build directory, points the manifest at it and returns its entry's URL. */
export function buildCli(options?: { logLevel?: 'silent' | 'warning' }): Promise<string>;

/** The entry to run: the current build, rebuilt first if a source changed; undefined if it cannot be built. */
export function cliEntry(): Promise<string | undefined>;
