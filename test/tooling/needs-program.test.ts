import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { onPath } from "../support/needs-program";

const repoRoot = path.resolve(__dirname, "..", "..");
let configFile: string;

beforeAll(() => {
  // The project's jest configuration, pointed at the fixture suite only.
  configFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "needs-program-")), "jest.config.js");
  fs.writeFileSync(
    configFile,
    `const base = require(${JSON.stringify(path.join(repoRoot, "jest.config.js"))});
module.exports = { ...base, rootDir: ${JSON.stringify(repoRoot)}, roots: [${JSON.stringify(path.join(__dirname, "fixtures"))}], testMatch: ["**/needs-program.fixture.ts"], globalSetup: undefined, globalTeardown: undefined, maxWorkers: 1 };\n`,
  );
});

afterAll(() => fs.rmSync(path.dirname(configFile), { recursive: true, force: true }));

/** Jest on the fixture, with CI set or not; exit code and everything it printed. */
async function fixtureRun(ci: string | undefined): Promise<{ code: number; output: string }> {
  const env = { ...process.env, CI: ci ?? "" };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [require.resolve("jest/bin/jest"), "--config", configFile, "--verbose=false"], { cwd: repoRoot, env });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe("describeWithProgram", () => {
  it("runs a suite whose program is on PATH, and skips one whose program is not, with one line saying what to install", async () => {
    const { code, output } = await fixtureRun(undefined);
    expect(output).toMatch(/Tests: +1 skipped, 1 passed, 2 total/);
    expect(output.split("\n").filter((line) => line.includes("flywheel-no-such-server"))).toEqual([
      "skipped 1 test of test/tooling/fixtures/needs-program.fixture.ts: flywheel-no-such-server is not on PATH; install: apt-get install -y flywheel-no-such-server (with CI set they fail instead)",
    ]);
    expect(code).toBe(0);
  });

  it("fails the run instead when CI is set", async () => {
    const { code, output } = await fixtureRun("true");
    expect(output).toContain("flywheel-no-such-server is not on PATH and CI is set: CI must install it (apt-get install -y flywheel-no-such-server; .ci/run does)");
    expect(output).not.toContain("a hook of a skipped suite ran");
    expect(code).toBe(1);
  });
});

describe("onPath", () => {
  it("finds executable files only, in PATH's directories", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "on-path-"));
    fs.writeFileSync(path.join(dir, "runnable"), "#!/bin/sh\n", { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "plain"), "", { mode: 0o644 });
    fs.mkdirSync(path.join(dir, "folder"));
    const searchPath = ["/nonexistent", dir].join(path.delimiter);
    expect([onPath("runnable", searchPath), onPath("plain", searchPath), onPath("folder", searchPath), onPath("absent", searchPath)]).toEqual([true, false, false, false]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
