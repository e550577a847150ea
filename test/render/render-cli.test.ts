import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { repoRoot } from "../../render/stack-files";

/** `npm run render -- <args>`, without npm: the same script through ts-node. */
function renderCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join("scripts", "render.ts"), ...args], { cwd: repoRoot, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run render", () => {
  it("names the stack files there are when the stack has none, in one line, exit code 2", () => {
    expect(renderCli("staging")).toEqual({ status: 2, stdout: "", stderr: "no stack file stacks/Pulumi.staging.yaml (stacks here: dev, local, prod)\n" });
  });

  it("prints its usage with --help, exit code 0", () => {
    const help = renderCli("--help");
    expect(help).toMatchObject({ status: 0, stderr: "" });
    expect(help.stdout).toMatch(/^usage: npm run render -- <stack>\n/);
    expect(help.stdout).toContain("Stacks: dev, local, prod.");
  });

  it("says what is wrong with its arguments in one line, exit code 2", () => {
    const usage = "usage: npm run render -- <stack>  (stacks: dev, local, prod; --help for more)";
    expect(renderCli()).toEqual({ status: 2, stdout: "", stderr: `name a stack; ${usage}\n` });
    expect(renderCli("--stack", "dev")).toEqual({ status: 2, stdout: "", stderr: `unknown option --stack; ${usage}\n` });
    expect(renderCli("dev", "prod")).toEqual({ status: 2, stdout: "", stderr: `unexpected argument prod; ${usage}\n` });
  });
});
