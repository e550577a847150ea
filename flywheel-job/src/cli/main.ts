import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ExitCode, FlywheelError } from "../errors";
import { type CliContext, type Command, type CommandGroup, type CommandNode, isGroup } from "./command";
import { commands } from "./commands";

const program = "flywheel";

/**
 * Runs the CLI and returns the exit code (see `ExitCode`). Known failures print one readable
 * message (plus a line per detail); only an unexpected error, which is a bug, can show a stack
 * trace, and only with FLYWHEEL_DEBUG=1.
 */
export async function main(argv: readonly string[], context: CliContext, tree: readonly CommandNode[] = commands): Promise<number> {
  try {
    return await dispatch([...argv], context, { name: program, summary: "", commands: tree }, [program]);
  } catch (error) {
    return report(error, context);
  }
}

async function dispatch(argv: string[], context: CliContext, group: CommandGroup, path: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    context.stdout.write(groupHelp(group, path));
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (name === "--version" && path.length === 1) {
    context.stdout.write(`${version()}\n`);
    return ExitCode.ok;
  }
  const node = group.commands.find((c) => c.name === name);
  if (!node) {
    context.stderr.write(`${program}: error: unknown command "${[...path.slice(1), name].join(" ")}"; run "${path.join(" ")} --help" for the commands\n`);
    return ExitCode.usage;
  }
  if (isGroup(node)) {
    return dispatch(rest, context, node, [...path, node.name]);
  }
  return runCommand(node, rest, context, [...path, node.name]);
}

async function runCommand(command: Command, argv: string[], context: CliContext, path: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    context.stdout.write(commandHelp(command, path));
    return ExitCode.ok;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: command.options, allowPositionals: command.positionals ?? false, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    context.stderr.write(`${program}: error: ${message}\nusage: ${path.join(" ")} ${command.usage}\n`);
    return ExitCode.usage;
  }
  return command.run({ values: parsed.values, positionals: parsed.positionals }, context);
}

function report(error: unknown, context: CliContext): number {
  if (error instanceof FlywheelError) {
    context.stderr.write(`${program}: error: ${[error.message, ...error.details.map((d) => `  - ${d}`)].join("\n")}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  context.stderr.write(`${program}: internal error: ${message}\n`);
  if (context.env.FLYWHEEL_DEBUG === "1" && error instanceof Error && error.stack) {
    context.stderr.write(`${error.stack}\n`);
  } else {
    context.stderr.write("This is a bug. Set FLYWHEEL_DEBUG=1 to print the stack trace and include it in a report.\n");
  }
  return ExitCode.internal;
}

function groupHelp(group: CommandGroup, path: string[]): string {
  const width = Math.max(...group.commands.map((c) => c.name.length));
  const lines = group.commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: ${path.join(" ")} <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nRun "${path.join(" ")} <command> --help" for a command's options.\n`;
}

function commandHelp(command: Command, path: string[]): string {
  const width = Math.max(...command.help.map(([flag]) => flag.length));
  const lines = command.help.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`);
  return `usage: ${path.join(" ")} ${command.usage}\n\n${command.summary}\n\noptions:\n${lines.join("\n")}\n`;
}

function version(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };
  return manifest.version;
}
