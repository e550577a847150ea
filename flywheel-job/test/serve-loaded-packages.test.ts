import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "./support/eventually";

/**
 * Runs the executable named by the first argument, as `node` would, and prints on exit the npm
 * packages it had loaded (the last `node_modules/<package>` of every module in require.cache).
 */
const printLoadedPackagesOnExit = `
const { writeSync } = require("node:fs");
process.on("exit", () => {
  const packages = new Set();
  for (const file of Object.keys(require.cache)) {
    const [scope, name] = file.split("/node_modules/").slice(1).pop()?.split("/") ?? [];
    if (scope !== undefined) packages.add(scope.startsWith("@") ? scope + "/" + name : scope);
  }
  writeSync(1, JSON.stringify([...packages]));
});
require(process.argv[1]);
`;

/**
 * The clients `flywheel run` needs and `flywheel serve` over a state directory does not (undici: until
 * it deletes a run's datasets; cron-parser: until it lists the cluster's workloads): each costs 7 to 30 MiB.
 */
const clientsServeMustNotLoad = ["@elastic/elasticsearch", "mongodb", "ioredis", "@huggingface/hub", "js-tiktoken", "undici", "cron-parser"];

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "serve-packages-"));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("flywheel serve over a state directory", () => {
  it("loads no Elasticsearch, MongoDB, Redis, Hugging Face, tokenizer or cron client", async () => {
    const tokenFile = join(directory, "read-token");
    await writeFile(tokenFile, "a-read-token\n");
    await mkdir(join(directory, "state"));
    const child = spawn(
      process.execPath,
      ["-e", printLoadedPackagesOnExit, "--", join(__dirname, "..", "bin", "flywheel.js"), "serve", "--state-dir", join(directory, "state"), "--port", "0", "--read-token-file", tokenFile],
      // No MONGODB_URL, REDIS_URL, ELASTICSEARCH_URL or cluster: a HOME without ~/.kube.
      { env: { PATH: process.env.PATH, HOME: directory }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

    await eventually(() => stderr.includes("flywheel API listening") || child.exitCode !== null, "the API to listen", 30_000);
    expect(stderr).toContain("flywheel API listening");
    child.kill("SIGTERM");
    expect(await exited).toBe(0);

    const loaded = JSON.parse(stdout) as string[];
    // The listing sees the packages serve does use, so an empty one cannot pass.
    expect(loaded).toEqual(expect.arrayContaining(["commander", "prom-client"]));
    expect(loaded.filter((name) => clientsServeMustNotLoad.includes(name))).toEqual([]);
  });
});
