import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { stringFlag, switchFlag } from "../cli/args";
import type { CliContext, Command, ParsedArgs } from "../cli/command";
import { loadEnvironment } from "../config/environment";
import { loadYaml } from "../config/load-config-file";
import { ExitCode, UsageError } from "../errors";
import { type EvalType, evalTypes } from "../evaluation/metrics";
import { describeFileError } from "../file-errors";
import { openRunStore } from "../store/open-run-store";
import { parseGitHubRemote, parseRepositoryFlag, type GitHubRepository } from "./github-repository";
import { type PromotionPlan, planPromotion, type ServingEntry } from "./promotion-plan";
import { apiTokenFrom, flywheelApiTokenVariable, type PromotionRun, promotionRunFromApi, promotionRunFromStore } from "./promotion-source";
import { readStackFileFacts, servingPath } from "./promotion-stack-file";
import { githubTokenVariable, openPromotionPullRequest } from "./pull-request";
import { promotionPullRequestBody, reviewUiRunUrl } from "./pull-request-body";
import { type StackFileEdit, upsertSequenceEntry } from "./stack-file-edit";

/** A stack's name as `stacks/Pulumi.<stack>.yaml` holds it: no path separators, so `--stack` cannot name a file elsewhere. */
const stackNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/**
 * `flywheel promote`: writes a run's best candidate (or the one named) into the `serving` list of a
 * stack file as an entry with its evidence, and prints the diff. With `--open-pr` the change is a
 * pull request instead, and the local file is left as it is: the pull request carries the change,
 * and a local copy edited too would be a second, unreviewed one.
 */
export const promoteCommand: Command = {
  name: "promote",
  summary: "write a run's candidate into a stack file's serving list, with its evidence (or open a pull request)",
  usage:
    '<run-id> --stack S [--model M --eval-type T] [--force --reason "…"] [--name N] [--client-namespace NS[,NS…]] [--api URL | --state-dir DIR] [--stacks-dir DIR] [--open-pr [--repo owner/name] [--github-api URL]]',
  arguments: [{ name: "run-id", description: 'the run\'s id, as "flywheel runs list" shows it' }],
  options: [
    { name: "stack", value: "S", description: "the stack whose stacks/Pulumi.<S>.yaml gets the entry" },
    { name: "model", value: "M", description: "promote this candidate instead of the recommended one (with --eval-type)" },
    { name: "eval-type", value: "T", description: `its evaluation to promote: ${evalTypes.join(", ")} (with --model)` },
    { name: "force", description: "promote a row that is not promotable, or whose workload's targets changed since the run (with --reason)" },
    { name: "reason", value: "TEXT", description: "why --force: recorded in the entry's promotedFrom.forcedReason" },
    { name: "name", value: "N", description: "the serving entry to write (default: the one promoted from the run's workload, else the workload id)" },
    { name: "client-namespace", value: "NS[,NS…]", description: "namespaces that may call the model (default: the entry's; required for a new entry)" },
    { name: "api", value: "URL", description: `read the run through the Flywheel API, with the token in ${flywheelApiTokenVariable}` },
    { name: "state-dir", value: "DIR", description: "read the run from the records of offline runs (default: MongoDB at MONGODB_URL)" },
    { name: "stacks-dir", value: "DIR", description: "the directory of the stack files (default: the stacks/ of the repository around the working directory)" },
    { name: "open-pr", description: `open a pull request with the change instead of writing the file (token in ${githubTokenVariable})` },
    { name: "repo", value: "owner/name", description: "the GitHub repository of --open-pr (default: the git remote origin)" },
    { name: "github-api", value: "URL", description: "the GitHub API of --open-pr, for GitHub Enterprise Server (default: https://api.github.com)" },
  ],
  async run(args, context) {
    const [runId] = args.positionals;
    const options = promoteOptions(args, context);
    const stackFile = locateStackFile(options.stack, options.stacksDirectory, context.cwd);
    const source = readStackFile(stackFile.path);
    const stack = readStackFileFacts(stackFile.name, source);
    const run = await readRun(runId, args, context);
    const plan = planPromotion({ run, stack, row: options.row, forcedReason: options.forcedReason, name: options.name, clientNamespaces: options.clientNamespaces, now: new Date() });
    const edit = upsertSequenceEntry({ file: stackFile.name, source, path: servingPath, match: { key: "name", value: plan.entry.name }, entry: writtenEntry(plan.entry) });
    context.stdout.write(edit.diff);
    reportPlan(plan, edit, context);
    if (options.pullRequest === undefined) {
      writeAtomically(stackFile.path, source, edit.text);
      context.stdout.write(`wrote ${stackFile.name}; review the diff, commit it and open a pull request (or run again with --open-pr)\n`);
      return ExitCode.ok;
    }
    const pull = await openPromotionPullRequest({
      ...options.pullRequest,
      branch: `promote/${options.stack}/${plan.entry.name}-${run.id.slice(-8)}`,
      path: stackFile.repositoryPath,
      content: edit.text,
      expectedBase: source,
      message: `Promote ${plan.row.model} (${plan.row.eval_type}) to serving entry ${plan.entry.name} of ${options.stack}\n\nFrom flywheel run ${run.id}, workload ${run.workloadId}, client ${run.clientId}.`,
      title: `Promote ${plan.row.model} (${plan.row.eval_type}) to ${options.stack}: ${plan.entry.name}`,
      body: promotionPullRequestBody({
        stack: options.stack,
        entryName: plan.entry.name,
        run: { id: run.id, workloadId: run.workloadId, clientId: run.clientId },
        rows: run.report.rows,
        targets: run.report.targets,
        chosen: { model: plan.row.model, evalType: plan.row.eval_type },
        forcedReason: options.forcedReason,
        reviewUiUrl: options.apiUrl === undefined ? undefined : reviewUiRunUrl(options.apiUrl, run.id),
        gpuCost: plan.gpuCost,
        diff: edit.diff,
      }),
    });
    context.stdout.write(`opened pull request #${pull.number} from ${pull.branch}: ${pull.url}\n${stackFile.name} is unchanged here: the pull request carries the change\n`);
    return ExitCode.ok;
  },
};

interface PromoteOptions {
  readonly stack: string;
  readonly stacksDirectory?: string;
  readonly row?: { readonly model: string; readonly evalType: EvalType };
  readonly forcedReason?: string;
  readonly name?: string;
  readonly clientNamespaces?: readonly string[];
  readonly apiUrl?: string;
  /** Given with --open-pr: where and as whom. */
  readonly pullRequest?: GitHubRepository & { readonly token: string; readonly baseUrl?: string };
}

/** The flags, checked against each other before anything is read. */
function promoteOptions(args: ParsedArgs, context: CliContext): PromoteOptions {
  const stack = stringFlag(args, "stack");
  if (stack === undefined || stack === "") {
    throw new UsageError("--stack is required: the stack whose stacks/Pulumi.<S>.yaml gets the serving entry");
  }
  if (!stackNamePattern.test(stack)) {
    throw new UsageError(`--stack ${JSON.stringify(stack.slice(0, 100))} is not a stack name (letters, digits, "-", "_" and ".")`);
  }
  const model = stringFlag(args, "model");
  const evalTypeFlag = stringFlag(args, "eval-type");
  if ((model === undefined) !== (evalTypeFlag === undefined)) {
    throw new UsageError("--model and --eval-type go together: they name one row of the run's report");
  }
  const evalType = evalTypes.find((known) => known === evalTypeFlag);
  if (evalTypeFlag !== undefined && evalType === undefined) {
    throw new UsageError(`--eval-type: expected one of ${evalTypes.join(", ")}, got ${JSON.stringify(evalTypeFlag.slice(0, 100))}`);
  }
  const reason = stringFlag(args, "reason")?.trim();
  const force = switchFlag(args, "force");
  if (force && (reason === undefined || reason === "")) {
    throw new UsageError('--force needs --reason "why": the reason is recorded in the entry, for its reviewers');
  }
  if (!force && reason !== undefined) {
    throw new UsageError("--reason is the reason for --force: add --force, or leave --reason out");
  }
  const namespaces = stringFlag(args, "client-namespace");
  const clientNamespaces = namespaces?.split(",").map((n) => n.trim());
  if (clientNamespaces !== undefined && clientNamespaces.some((n) => n === "")) {
    throw new UsageError(`--client-namespace ${JSON.stringify(namespaces)}: expected namespaces separated by commas, with none empty`);
  }
  const apiUrl = stringFlag(args, "api");
  if (apiUrl !== undefined && stringFlag(args, "state-dir") !== undefined) {
    throw new UsageError("--api and --state-dir both name where the run is: give one");
  }
  if (apiUrl !== undefined) {
    apiTokenFrom(context.env);
  }
  const stacksDirectory = stringFlag(args, "stacks-dir");
  return {
    stack,
    stacksDirectory: stacksDirectory === undefined ? undefined : resolve(context.cwd, stacksDirectory),
    row: model === undefined || evalType === undefined ? undefined : { model, evalType },
    forcedReason: force ? reason : undefined,
    name: stringFlag(args, "name"),
    clientNamespaces,
    apiUrl,
    pullRequest: pullRequestOptions(args, context, stacksDirectory === undefined ? context.cwd : resolve(context.cwd, stacksDirectory)),
  };
}

function pullRequestOptions(args: ParsedArgs, context: CliContext, gitDirectory: string): PromoteOptions["pullRequest"] {
  const repoFlag = stringFlag(args, "repo");
  const baseUrl = stringFlag(args, "github-api");
  if (!switchFlag(args, "open-pr")) {
    if (repoFlag !== undefined || baseUrl !== undefined) {
      throw new UsageError(`--${repoFlag === undefined ? "github-api" : "repo"} applies to --open-pr only`);
    }
    return undefined;
  }
  const token = context.env[githubTokenVariable]?.trim();
  if (token === undefined || token === "") {
    throw new UsageError(`--open-pr needs a GitHub token: set ${githubTokenVariable} (contents:write and pull-requests:write on the repository)`);
  }
  const repository = repoFlag === undefined ? parseGitHubRemote(gitOutput(["remote", "get-url", "origin"], gitDirectory, "the repository of --open-pr")) : parseRepositoryFlag(repoFlag);
  return { ...repository, token, baseUrl };
}

/** What git prints, trimmed; a UsageError saying what it was needed for when git fails. */
function gitOutput(gitArgs: readonly string[], cwd: string, neededFor: string): string {
  try {
    return execFileSync("git", gitArgs, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 }).trim();
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const said = typeof stderr === "string" && stderr.trim() !== "" ? stderr.trim().split("\n")[0] : describeFileError(error);
    throw new UsageError(`cannot find ${neededFor}: git ${gitArgs.join(" ")} in ${cwd} failed (${said}); name it with --repo owner/name`);
  }
}

interface StackFile {
  readonly path: string;
  /** Relative to the repository (or, outside one, to the stack files' parent directory), with "/": for messages, the diff and the pull request. */
  readonly name: string;
  readonly repositoryPath: string;
}

/** `stacks/Pulumi.<stack>.yaml` under `--stacks-dir`, or under the nearest `stacks/` directory above the working directory that has stack files. */
function locateStackFile(stack: string, stacksDirectory: string | undefined, cwd: string): StackFile {
  const directory = stacksDirectory ?? findStacksDirectory(cwd);
  const path = join(directory, `Pulumi.${stack}.yaml`);
  if (!existsSync(path)) {
    const stacks = stackNames(directory);
    throw new UsageError(`no stack file Pulumi.${stack}.yaml in ${directory} (stacks there: ${stacks.length === 0 ? "none" : stacks.join(", ")})`);
  }
  const root = repositoryRoot(directory) ?? dirname(directory);
  const repositoryPath = relative(root, path).split(sep).join("/");
  return { path, name: repositoryPath, repositoryPath };
}

function stackNames(directory: string): string[] {
  try {
    return readdirSync(directory)
      .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
      .filter((name): name is string => name !== undefined)
      .sort();
  } catch {
    return [];
  }
}

function findStacksDirectory(cwd: string): string {
  for (let directory = resolve(cwd); ; directory = dirname(directory)) {
    const candidate = join(directory, "stacks");
    if (stackNames(candidate).length > 0) {
      return candidate;
    }
    if (dirname(directory) === directory) {
      throw new UsageError(`no stacks/ directory with stack files in ${cwd} or above it: name it with --stacks-dir DIR`);
    }
  }
}

/** The git work tree the directory is in, or undefined outside one (or without git). */
function repositoryRoot(directory: string): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd: directory, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function readStackFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${describeFileError(error)}`);
  }
}

async function readRun(runId: string, args: ParsedArgs, context: CliContext): Promise<PromotionRun> {
  const onRetry = (message: string): void => void context.stderr.write(`flywheel: ${message}\n`);
  const apiUrl = stringFlag(args, "api");
  if (apiUrl !== undefined) {
    return promotionRunFromApi(apiUrl, apiTokenFrom(context.env), runId, onRetry);
  }
  const stateDirectory = stringFlag(args, "state-dir");
  const store = await openRunStore(stateDirectory && resolve(context.cwd, stateDirectory), loadEnvironment(context.env), onRetry);
  try {
    return await promotionRunFromStore(store, runId);
  } finally {
    await store.close();
  }
}

/**
 * The entry as the stack file writes it: the shipped files quote an image tag and a time (YAML
 * tools other than the `yaml` package read an unquoted time as a timestamp, not a string), and
 * write a namespace list in flow style, `[a, b]`.
 */
function writtenEntry(entry: ServingEntry): Record<string, unknown> {
  const { Scalar, YAMLSeq } = loadYaml();
  const quoted = (value: string): InstanceType<typeof Scalar> => Object.assign(new Scalar(value), { type: Scalar.QUOTE_DOUBLE });
  const namespaces = new YAMLSeq();
  namespaces.flow = true;
  namespaces.items = [...entry.clientNamespaces];
  return {
    ...entry,
    image: { repository: entry.image.repository, tag: quoted(entry.image.tag) },
    clientNamespaces: namespaces,
    promotedFrom: { ...entry.promotedFrom, at: quoted(entry.promotedFrom.at) },
  };
}

/** What was decided, after the diff: the row, what --force overrode, the cost change, and promote's own choices. */
function reportPlan(plan: PromotionPlan, edit: StackFileEdit, context: CliContext): void {
  const { entry, row, gpuCost } = plan;
  const lines = [`${edit.action === "replaced" ? "replaces" : "adds"} the serving entry ${entry.name}: ${row.model} (${row.eval_type}) from run ${entry.promotedFrom.runId}`];
  for (const refusal of plan.overridden) {
    lines.push(`forced past: ${refusal} (reason: ${entry.promotedFrom.forcedReason ?? ""})`);
  }
  const round = (value: number): number => Number(value.toFixed(2));
  lines.push(`serving GPU cost: ${round(gpuCost.before)} → ${round(gpuCost.after)} ${gpuCost.unit}`);
  lines.push(...plan.notes);
  context.stdout.write(`${lines.join("\n")}\n`);
}

/**
 * Replaces the file by renaming a complete copy over it, in the same directory (so the rename is
 * atomic) and with its mode: it has the old text or the new, never part of either. Refuses when the
 * file changed since it was read, which would be lost.
 */
function writeAtomically(path: string, expected: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.promote`);
  try {
    writeFileSync(temporary, text, { mode: statSync(path).mode & 0o7777, flag: "wx" });
    if (readFileSync(path, "utf8") !== expected) {
      throw new UsageError(`${path} changed while flywheel promote ran; nothing was written: run it again`);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    if (error instanceof UsageError) {
      throw error;
    }
    throw new UsageError(`cannot write ${path}: ${describeFileError(error)}; it is unchanged`);
  }
}
