import * as path from "node:path";
import { StackConfigError } from "../stacks/config/load";
import { renderStack, repoRoot, shippedStacks, UnknownStackError } from "../render/render-stack";
import { summarize, writeRendered } from "../render/write";

const usage = () => `usage: npm run render -- <stack>

Runs the stack's Pulumi program offline, under mocks, and writes what \`pulumi up\` would create to
dist/<stack>/ (resources.json, outputs.json, manifests/). Stacks: ${shippedStacks().join(", ")}.
Exits 2 when the stack does not exist or its configuration is invalid, 1 on a bug.`;

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
    const rendered = await renderStack(stack);
    const dir = path.join(repoRoot, "dist", stack);
    writeRendered(rendered, dir);
    console.log(summarize(rendered));
    console.log(`\nwrote ${path.relative(process.cwd(), dir) || "."}/{resources.json,outputs.json,manifests/}`);
    return 0;
  } catch (error) {
    // A missing stack or a config error is the user's to fix and says everything; anything else is a bug, so show where.
    if (error instanceof UnknownStackError || error instanceof StackConfigError) {
      console.error(error.message);
      return 2;
    }
    console.error(`render ${stack} failed: ${(error as Error).stack}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
