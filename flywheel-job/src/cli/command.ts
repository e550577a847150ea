import type { ParseArgsConfig } from "node:util";

/** What a command may touch of the process: its streams and environment, injectable for tests. */
export interface CliContext {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: NodeJS.ProcessEnv;
  /** For resolving relative paths. */
  readonly cwd: string;
  /** SIGTERM and SIGINT, for a command that stops gracefully; without it they end the process at once. */
  readonly shutdown?: ShutdownRequests;
}

export interface ShutdownRequests {
  /** Aborted, with the signal's name as reason, when SIGTERM or SIGINT arrives after `handleGracefully`. */
  readonly signal: AbortSignal;
  /** Called by a command that cleans up on SIGTERM/SIGINT; a second signal still ends the process at once. */
  handleGracefully(): void;
}

export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

/** A leaf command, e.g. `plan` or (in a group) `runs list`. */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage lines after `flywheel <name>`, e.g. "--logs FILE --out DIR [--seed N]". */
  readonly usage: string;
  /** Flag descriptions for `--help`, in display order. */
  readonly help: ReadonlyArray<readonly [flag: string, description: string]>;
  readonly options: OptionSpecs;
  /** Whether positional arguments are accepted (e.g. a run id). */
  readonly positionals?: boolean;
  run(args: ParsedArgs, context: CliContext): Promise<number>;
}

/** A command with subcommands, e.g. `runs list|show|cancel|delete`. */
export interface CommandGroup {
  readonly name: string;
  readonly summary: string;
  readonly commands: readonly CommandNode[];
}

export type CommandNode = Command | CommandGroup;

export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | ReadonlyArray<string | boolean> | undefined>>;
  readonly positionals: readonly string[];
}

export function isGroup(node: CommandNode): node is CommandGroup {
  return "commands" in node;
}
