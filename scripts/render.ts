import * as path from "node:path";
import { StackConfigError } from "../stacks/config/load";
import { renderStack, repoRoot, shippedStacks } from "../render/render-stack";
import { summarize, writeRendered } from "../render/write";

/** `npm run render -- <stack>`: what `pulumi up` would create, written to dist/<stack>/. */
async function main(argv: string[]): Promise<number> {
  const stack = argv[0];
  if (!stack || argv.length > 1 || stack.startsWith("-")) {
    console.error(`usage: npm run render -- <stack>    (stacks: ${shippedStacks().join(", ")})`);
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
    // A config error is the user's to fix and says everything; anything else is a bug, so show where.
    console.error(error instanceof StackConfigError ? error.message : `render ${stack} failed: ${(error as Error).stack}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
