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
  /** Width of the terminal, to wrap the help to. */
  readonly columns?: number;
}

/** A flag of a command, e.g. `--logs FILE`. */
export interface OptionSpec {
  /** The long name without the dashes, e.g. `logs`; its value is `values[name]`. */
  readonly name: string;
  /** The value's placeholder in the help, e.g. `FILE`; a flag without one is a switch, true when given. */
  readonly value?: string;
  readonly description: string;
}

/** A required positional argument, e.g. a run id. */
export interface ArgumentSpec {
  /** As the usage shows it, e.g. `run-id`. */
  readonly name: string;
  readonly description: string;
}

/** A leaf command, e.g. `plan` or (in a group) `runs list`. */
export interface Command {
  readonly name: string;
  /** One line for the command list, and the help's description. */
  readonly summary: string;
  /** Usage after `flywheel <name>`, e.g. "--logs FILE --out DIR [--seed N]". */
  readonly usage: string;
  /** Positional arguments, in order; a command without them accepts none. */
  readonly arguments?: readonly ArgumentSpec[];
  /** Flags, in the help's order. */
  readonly options: readonly OptionSpec[];
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
  /** By option name: the string of a flag with a value, true for a switch, undefined when not given. */
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  /** The positional arguments, one per `arguments` entry. */
  readonly positionals: readonly string[];
}

export function isGroup(node: CommandNode): node is CommandGroup {
  return "commands" in node;
}
