import * as path from "node:path";
import { repoRoot, shippedStacks, stackConfigSource, UnknownStackError } from "../render/stack-files";

const usage = () => `usage: npm run render -- <stack>

Runs the stack's Pulumi program offline, under mocks, and writes what \`pulumi up\` would create to
dist/<stack>/ (resources.json, outputs.json, manifests/). Stacks: ${shippedStacks().join(", ")}.
Exits 2 when the stack does not exist or its configuration is invalid, 1 on a bug.`;

/*
 * The Pulumi program takes seconds to load: it is required only once there is a stack to render, so
 * usage errors, --help and an unknown stack answer at once. (A dynamic import() would need file
 * extensions under node16 module resolution, which this CommonJS script's transpilers do not map.)
 */
/* eslint-disable @typescript-eslint/no-require-imports -- see the note above */
const loadRenderer = () => require("../render/render-stack") as typeof import("../render/render-stack");
const loadWriter = () => require("../render/write") as typeof import("../render/write");
/* eslint-enable @typescript-eslint/no-require-imports */

/** `npm run render -- <stack>`: what `pulumi up` would create, written to dist/<stack>/. */
async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === "--help" || argv[0] === "-h")) {
    console.log(usage());
    return 0;
  }
  const stack = argv[0];
  if (!stack || argv.length > 1 || stack.startsWith("-")) {
    const problem = !stack ? "name a stack" : stack.startsWith("-") ? `unknown option ${stack}` : `unexpected argument ${argv[1]}`;
    console.error(`${problem}; usage: npm run render -- <stack>  (stacks: ${shippedStacks().join(", ")}; --help for more)`);
    return 2;
  }
  try {
    // The stack file first: a mistyped name is reported before the Pulumi program is even loaded.
    const source = stackConfigSource(stack);
    const rendered = await loadRenderer().renderSource(source);
    const dir = path.join(repoRoot, "dist", stack);
    const { summarize, writeRendered } = loadWriter();
    writeRendered(rendered, dir);
    console.log(summarize(rendered));
    console.log(`\nwrote ${path.relative(process.cwd(), dir) || "."}/{resources.json,outputs.json,manifests/}`);
    return 0;
  } catch (error) {
    // A missing stack or a config error (known by name: its class comes with the renderer) is the
    // user's to fix and says everything; anything else is a bug, so show where.
    if (error instanceof UnknownStackError || (error instanceof Error && error.name === "StackConfigError")) {
      console.error(error.message);
      return 2;
    }
    console.error(`render ${stack} failed: ${(error as Error).stack}`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
