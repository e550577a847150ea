import { Command as Parser, CommanderError, Option } from "commander";
import { ExitCode, FlywheelError, messageOf } from "../errors";
import { type CliContext, type Command, type CommandNode, isGroup } from "./command";
import { commands } from "./commands";
import { packageVersion } from "../package-version";

const program = "flywheel";

/**
 * Runs the CLI and returns the exit code (see `ExitCode`). A usage error (an unknown command or
 * flag, a missing or extra argument) is one line and exit code 2; `--help` and `--version` exit 0.
 * Known failures print one readable message (plus a line per detail); only an unexpected error,
 * which is a bug, can show a stack trace, and only with FLYWHEEL_DEBUG=1.
 */
export async function main(argv: readonly string[], context: CliContext, tree: readonly CommandNode[] = commands): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const parser = new Parser(program)
    .usage("<command> [options]")
    .version(packageVersion(), "--version", "print the version")
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
      // main writes a usage error itself, as one line (see usageErrorLine).
      outputError: () => undefined,
      getOutHelpWidth: () => context.stdout.columns ?? 80,
      getErrHelpWidth: () => context.stderr.columns ?? 80,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .helpOption("-h, --help", "show this help")
    .helpCommand("help [command]", "show the help of a command");
  defineGroup(parser, tree, [program], context, (code) => (exitCode = code));
  try {
    await parser.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommandLineError) {
      return commandLineExit(error, context);
    }
    return report(error, context);
  }
}

/** A CommanderError of the command at `path`: help or version shown, or a usage error. */
class CommandLineError extends Error {
  constructor(
    readonly commanderError: CommanderError,
    readonly path: readonly string[],
  ) {
    super(commanderError.message);
  }
}

function defineGroup(parser: Parser, nodes: readonly CommandNode[], path: readonly string[], context: CliContext, setExitCode: (code: number) => void): void {
  parser.exitOverride((error) => {
    throw new CommandLineError(error, path);
  });
  parser.addHelpText("after", `\nRun "${path.join(" ")} <command> --help" for a command's options.`);
  for (const node of nodes) {
    const child = parser.command(node.name).summary(node.summary).description(node.summary);
    if (isGroup(node)) {
      child.usage("<command> [options]");
      defineGroup(child, node.commands, [...path, node.name], context, setExitCode);
    } else {
      defineCommand(child, node, [...path, node.name], context, setExitCode);
    }
  }
}

function defineCommand(parser: Parser, command: Command, path: readonly string[], context: CliContext, setExitCode: (code: number) => void): void {
  parser.exitOverride((error) => {
    throw new CommandLineError(error, path);
  });
  parser.usage(command.usage);
  for (const argument of command.arguments ?? []) {
    parser.argument(`<${argument.name}>`, argument.description);
  }
  const options = command.options.map((spec) => {
    const option = new Option(spec.value === undefined ? `--${spec.name}` : `--${spec.name} <${spec.value}>`, spec.description);
    parser.addOption(option);
    return { name: spec.name, attribute: option.attributeName() };
  });
  parser.action(async (...params: unknown[]) => {
    const values = Object.fromEntries(options.map(({ name, attribute }) => [name, parser.getOptionValue(attribute) as string | boolean | undefined]));
    const positionals = params.slice(0, command.arguments?.length ?? 0).map(String);
    setExitCode(await command.run({ values, positionals }, context));
  });
}

function commandLineExit(error: CommandLineError, context: CliContext): number {
  const { code, exitCode } = error.commanderError;
  if (code === "commander.helpDisplayed" || code === "commander.version" || (code === "commander.help" && exitCode === 0)) {
    return ExitCode.ok;
  }
  // Help shown because a command is missing (`flywheel`, `flywheel runs`): commander wrote it to stderr.
  if (code !== "commander.help") {
    context.stderr.write(`${program}: error: ${usageErrorLine(error)}\n`);
  }
  return ExitCode.usage;
}

/**
 * Commander's message on one line, e.g. `unknown option '--log' (did you mean --logs?); see
 * "flywheel plan --help"`: it puts its suggestion on a line of its own.
 */
function usageErrorLine(error: CommandLineError): string {
  const [first, ...rest] = error.commanderError.message.replace(/^error: /, "").split("\n");
  const suggestion = /\(Did you mean (.+)\?\)/.exec(rest.join(" "))?.[1];
  return `${first.replace(/\.$/, "")}${suggestion ? ` (did you mean ${suggestion}?)` : ""}; see "${error.path.join(" ")} --help"`;
}

function report(error: unknown, context: CliContext): number {
  if (error instanceof FlywheelError) {
    context.stderr.write(`${program}: error: ${[error.message, ...error.details.map((d) => `  - ${d}`)].join("\n")}\n`);
    return error.exitCode;
  }
  context.stderr.write(`${program}: internal error: ${messageOf(error)}\n`);
  if (context.env.FLYWHEEL_DEBUG === "1" && error instanceof Error && error.stack) {
    context.stderr.write(`${error.stack}\n`);
  } else {
    context.stderr.write("This is a bug. Set FLYWHEEL_DEBUG=1 to print the stack trace and include it in a report.\n");
  }
  return ExitCode.internal;
}
