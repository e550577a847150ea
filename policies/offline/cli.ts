import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { PolicyConfigError } from "./config";
import { RenderedStackError } from "./dist";
import { formatReview, mandatoryCount } from "./report";
import { environmentOf, repoRoot, reviewRenderedStack } from "./review-stack";

const usage = `usage: npm run policy -- <stack> [--no-render] [--dist <dir>]

Renders the stack (npm run render -- <stack>) unless --no-render, then runs every policy of the pack
over the render (dist/<stack>/, or --dist <dir>) with policies/config/<environment>.json.

options:
  --no-render   review the existing render instead of rendering first
  --dist <dir>  the render to review (default: dist/<stack>/; needs --no-render)
  -h, --help    show this help

Exits 0 when no mandatory policy is violated, 1 when one is, 2 when the review cannot run.`;

const flags = ["--no-render", "--dist", "--help"];

interface Options {
  readonly stack: string;
  readonly render: boolean;
  readonly dist?: string;
}

/** What the command line asks for: a review, the help text, or a problem to report. */
type ParsedArgs = Options | { readonly help: true } | { readonly problem: string };

function parseArgs(argv: readonly string[]): ParsedArgs {
  let stack: string | undefined;
  let render = true;
  let dist: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      return { help: true };
    } else if (arg === "--no-render") {
      render = false;
    } else if (arg === "--dist") {
      dist = argv[++i];
      if (!dist) {
        return { problem: "--dist needs a directory" };
      }
    } else if (arg.startsWith("-")) {
      return { problem: `unknown option ${arg} (options: ${flags.join(", ")})` };
    } else if (stack !== undefined) {
      return { problem: `unexpected argument ${arg}: name one stack` };
    } else {
      stack = arg;
    }
  }
  if (!stack) {
    return { problem: "name a stack" };
  }
  if (dist && render) {
    return { problem: "--dist reviews an existing render: add --no-render" };
  }
  return { stack, render, ...(dist ? { dist } : {}) };
}

/** `npm run policy -- <stack>`: the policy pack over an offline render, no cloud credentials needed. */
async function main(argv: readonly string[]): Promise<number> {
  const options = parseArgs(argv);
  if ("help" in options) {
    console.log(usage);
    return 0;
  }
  if ("problem" in options) {
    console.error(`${options.problem}; see npm run policy -- --help`);
    return 2;
  }
  try {
    // A stack without a stack file gets this one line, not a failed render or a missing one.
    environmentOf(options.stack);
  } catch (error) {
    if (!(error instanceof PolicyConfigError)) {
      throw error;
    }
    console.error(error.message);
    return 2;
  }
  if (options.render) {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const rendered = spawnSync(npm, ["run", "--silent", "render", "--", options.stack], { cwd: repoRoot, stdio: "inherit" });
    if (rendered.status !== 0) {
      console.error(`npm run render -- ${options.stack} failed; nothing to review`);
      return 2;
    }
    console.log("");
  }
  try {
    const dir = options.dist ? path.resolve(options.dist) : path.join(repoRoot, "dist", options.stack);
    const { review, subject } = await reviewRenderedStack(options.stack, dir);
    console.log(formatReview(review, subject));
    return mandatoryCount(review) > 0 ? 1 : 0;
  } catch (error) {
    // Bad input is the user's to fix and the message says how; anything else is a bug, so show where.
    const known = error instanceof RenderedStackError || error instanceof PolicyConfigError;
    console.error(known ? error.message : error instanceof Error ? error.stack : String(error));
    return 2;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
