import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ShutdownRequests } from "../src/cli/command";
import { main } from "../src/cli/main";
import { ExitCode } from "../src/errors";
import { judgeProxyService } from "../src/judge-proxy/judge-proxy-service";
import { eventually } from "./support/eventually";
import { HttpStandIn } from "./support/http-stand-in";
import { temporaryDirectory } from "./support/logs";

const apiKey = "nvapi-command-test-key";

interface Running {
  readonly exited: Promise<number>;
  readonly stderr: () => string;
  readonly stop: () => void;
}

function start(argv: string[], env: NodeJS.ProcessEnv = {}, cwd = temporaryDirectory()): Running {
  let stderr = "";
  const controller = new AbortController();
  let graceful = false;
  const shutdown: ShutdownRequests = { signal: controller.signal, handleGracefully: () => (graceful = true) };
  const exited = main(argv, { stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) }, env, cwd, shutdown });
  return {
    exited,
    stderr: () => stderr,
    stop: () => {
      if (!graceful) {
        throw new Error("the command did not ask to stop gracefully");
      }
      controller.abort("SIGTERM");
    },
  };
}

/** The proxy's listening URL, from its start line. */
function listeningUrl(stderr: string): string | undefined {
  return /judge proxy listening on (http:\/\/\S+):/.exec(stderr)?.[1];
}

describe("flywheel judge-proxy", () => {
  let judge: HttpStandIn;

  beforeEach(async () => {
    judge = new HttpStandIn();
    judge.route("POST", "/v1/chat/completions", () => ({ status: 200, body: { choices: [{ message: { content: "1" } }] } }));
    await judge.start();
  });

  afterEach(async () => {
    await judge.stop();
  });

  it("runs with the arguments the stack gives it (the contract's), listening on the contract's port unless --port says otherwise", async () => {
    const directory = temporaryDirectory();
    writeFileSync(join(directory, "api-key"), `${apiKey}\n`);
    const running = start([...judgeProxyService.arguments(`${judge.url}/v1`, join(directory, "api-key")), "--port", "0"]);
    await eventually(() => listeningUrl(running.stderr()) !== undefined, "the proxy to listen", 5000);
    const response = await fetch(`${listeningUrl(running.stderr())!}/v1/chat/completions`, { method: "POST", body: "{}" });
    expect(response.status).toBe(200);
    expect(judge.requests[0].headers.authorization).toBe(`Bearer ${apiKey}`);
    running.stop();
    expect(await running.exited).toBe(ExitCode.ok);
  });

  it("serves with the key of JUDGE_API_KEY until SIGTERM, then exits 0 without logging the key", async () => {
    const running = start(["judge-proxy", "--upstream", `${judge.url}/v1`, "--port", "0"], { JUDGE_API_KEY: apiKey });
    await eventually(() => listeningUrl(running.stderr()) !== undefined, "the proxy to listen", 5000);
    const url = listeningUrl(running.stderr())!;
    const response = await fetch(`${url}/v1/chat/completions`, { method: "POST", body: "{}" });
    expect(response.status).toBe(200);
    expect(judge.requests[0].headers.authorization).toBe(`Bearer ${apiKey}`);
    running.stop();
    expect(await running.exited).toBe(ExitCode.ok);
    expect(running.stderr()).toContain("stopping: SIGTERM");
    expect(running.stderr()).not.toContain(apiKey);
  });

  it("reads the key file for every request, so a rotated Secret is used without a restart", async () => {
    const directory = temporaryDirectory();
    const keyFile = join(directory, "api-key");
    writeFileSync(keyFile, "first-key\n");
    const running = start(["judge-proxy", "--upstream", `${judge.url}/v1`, "--api-key-file", "api-key", "--port", "0"], { JUDGE_API_KEY: "ignored-env-key" }, directory);
    await eventually(() => listeningUrl(running.stderr()) !== undefined, "the proxy to listen", 5000);
    const url = listeningUrl(running.stderr())!;
    await fetch(`${url}/v1/chat/completions`, { method: "POST", body: "{}" });
    writeFileSync(keyFile, "second-key\n");
    await fetch(`${url}/v1/chat/completions`, { method: "POST", body: "{}" });
    running.stop();
    expect(await running.exited).toBe(ExitCode.ok);
    expect(judge.requests.map((r) => r.headers.authorization)).toEqual(["Bearer first-key", "Bearer second-key"]);
  });

  it.each([
    [["judge-proxy"], {}, /--upstream is required/],
    [["judge-proxy", "--upstream", "https://judge.example/v1"], {}, /no judge API key: pass --api-key-file FILE or set JUDGE_API_KEY/],
    [["judge-proxy", "--upstream", "http://judge.example/v1"], { JUDGE_API_KEY: apiKey }, /--upstream: "http:\/\/judge.example\/v1" must be an https:\/\/ URL/],
    [["judge-proxy", "--upstream", "https://judge.example/v1", "--api-key-file", "missing"], {}, /--api-key-file .*missing: no such file or directory/],
    [["judge-proxy", "--upstream", "https://judge.example/v1"], { JUDGE_API_KEY: "two words" }, /holds characters an HTTP header cannot carry/],
    [["judge-proxy", "--upstream", "https://judge.example/v1", "--port", "70000"], { JUDGE_API_KEY: apiKey }, /--port: expected an integer from 0 to 65535/],
  ])("exits 2 with one message for %j", async (argv, env, message) => {
    const running = start(argv, env);
    expect(await running.exited).toBe(ExitCode.usage);
    expect(running.stderr()).toMatch(message);
    expect(running.stderr()).not.toContain(apiKey);
  });

  it("exits 2 for an empty key file", async () => {
    const directory = temporaryDirectory();
    writeFileSync(join(directory, "api-key"), "\n");
    const running = start(["judge-proxy", "--upstream", "https://judge.example/v1", "--api-key-file", "api-key"], {}, directory);
    expect(await running.exited).toBe(ExitCode.usage);
    expect(running.stderr()).toMatch(/the judge API key in --api-key-file .*api-key is empty/);
  });
});
