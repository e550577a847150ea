import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { main } from "../src/cli/main";
import { ExitCode } from "../src/errors";
import { type ServingVerifyConfig, type VerifiedServingEntry, verifyServingNaming } from "../src/serving/serving-contract";
import type { NimServiceState, NimServiceStatusReader } from "../src/verify/nim-service-status";
import { type VerifyConnections, verifyCommandWith } from "../src/verify/verify-commands";
import type { JobState, VerifyJobApi } from "../src/verify/verify-job";
import { DataStoreRecordSource, type EvaluationRecordSource } from "../src/verify/smoke-replay";
import { HttpStandIn, type Reply } from "./support/http-stand-in";
import { temporaryDirectory } from "./support/logs";

const baseModel = "meta/llama-3.2-1b-instruct";
const adapter = "default/support-agent@cust-abc123";

/** A NIM stand-in: `/v1/models` lists `models`; `/v1/chat/completions` answers `completion(request)`. */
class NimStandIn {
  readonly http = new HttpStandIn();
  /** Where it listens, once started. */
  url = "";
  models: string[] = [baseModel, adapter];
  completion: (request: unknown) => Reply = () => ({ status: 200, body: { choices: [{ message: { role: "assistant", content: "Hello" } }] } });

  constructor() {
    this.http.route("GET", "/v1/models", () => ({ status: 200, body: { object: "list", data: this.models.map((id) => ({ id, object: "model" })) } }));
    this.http.route("POST", "/v1/chat/completions", (request) => this.completion(request.json));
  }
}

/** A NimStandIn that listens while the tests of the describe block calling this run, its recorded requests cleared before each. */
function listeningNimStandIn(): NimStandIn {
  const nim = new NimStandIn();
  beforeAll(async () => {
    nim.url = await nim.http.start();
  });
  afterAll(() => nim.http.stop());
  beforeEach(() => {
    nim.http.requests.length = 0;
  });
  return nim;
}

const toolCall = (args: string): Reply => ({
  status: 200,
  body: { choices: [{ message: { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "get_current_time", arguments: args } }] } }] },
});

/** Status reader fake: each NIMService's state by name (missing when absent). */
function fakeStatuses(states: Record<string, string | undefined>): NimServiceStatusReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    read(namespace, name): Promise<NimServiceState> {
      reads.push(`${namespace}/${name}`);
      return Promise.resolve(name in states ? { state: states[name] } : { missing: true });
    },
  };
}

function entry(url: string, overrides: Partial<VerifiedServingEntry> = {}): VerifiedServingEntry {
  return { name: "support-agent", namespace: "serving", url, model: baseModel, adapter, replicas: { min: 1, max: 2 }, toolCalling: false, ...overrides };
}

function connections(statuses: NimServiceStatusReader, jobApi?: VerifyJobApi, records?: EvaluationRecordSource): VerifyConnections {
  return {
    statusReader: () => Promise.resolve(statuses),
    jobApi: () => (jobApi ? Promise.resolve(jobApi) : Promise.reject(new Error("this test makes no Kubernetes calls"))),
    evaluationRecords: () => records ?? { firstRecords: () => Promise.reject(new Error("this test reads no evaluation set")) },
    checks: { pollIntervalMs: 20, requestTimeoutMs: 5_000, answerLimitBytes: 64 * 1024 },
    job: { jobTimeoutMarginMs: 2_000, pollIntervalMs: 10, logLimitBytes: 4096 },
  };
}

async function run(argv: string[], using: VerifyConnections) {
  let stdout = "";
  let stderr = "";
  const context = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {}, cwd: temporaryDirectory() };
  const code = await main(argv, context, [verifyCommandWith(using)]);
  return { code, stdout, stderr };
}

function configFile(config: unknown): string {
  const path = join(temporaryDirectory(), "verify-serving.json");
  writeFileSync(path, JSON.stringify(config));
  return path;
}

const verifyInCluster = (config: ServingVerifyConfig, using: VerifyConnections, ...more: string[]) => run(["verify", "serving", "--in-cluster", "--config", configFile(config), ...more], using);

/** The row of an entry in the printed table. */
function row(stdout: string, name: string): string {
  return stdout.split("\n").find((line) => line.startsWith(`${name} `)) ?? "";
}

describe("flywheel verify serving --in-cluster", () => {
  const nim = listeningNimStandIn();
  beforeEach(() => {
    nim.models = [baseModel, adapter];
    nim.completion = () => ({ status: 200, body: { choices: [{ message: { role: "assistant", content: "Hello" } }] } });
  });

  it("passes every entry that is Ready, lists its model and adapter and answers well-formed, naming the adapter in the request", async () => {
    const result = await verifyInCluster({ stack: "dev", entries: [entry(nim.url)] }, connections(fakeStatuses({ "support-agent": "Ready" })));
    expect(result.code).toBe(ExitCode.ok);
    expect(row(result.stdout, "support-agent")).toMatch(/^support-agent\s+ok\s+Ready; \/v1\/models lists .* and .*; chat completion well-formed$/);
    const chat = nim.http.requests.find((request) => request.path === "/v1/chat/completions");
    expect(chat?.json).toMatchObject({ model: adapter });
  });

  it("sends a tool-calling entry a request with one tool it must call, and passes well-formed tool calls", async () => {
    nim.completion = () => toolCall('{"timezone":"Europe/Paris"}');
    const result = await verifyInCluster({ stack: "dev", entries: [entry(nim.url, { toolCalling: true, adapter: undefined })] }, connections(fakeStatuses({ "support-agent": "Ready" })));
    expect(result.code).toBe(ExitCode.ok);
    expect(row(result.stdout, "support-agent")).toContain("tool-calling completion calls 1 tool");
    const chat = nim.http.requests.find((request) => request.path === "/v1/chat/completions");
    expect(chat?.json).toMatchObject({ model: baseModel, tool_choice: "required", tools: [{ type: "function", function: { name: "get_current_time" } }] });
  });

  it("fails an entry whose NIMService never becomes Ready within the timeout, with its last state, without calling the model", async () => {
    const statuses = fakeStatuses({ "support-agent": "NotReady" });
    const result = await verifyInCluster({ stack: "dev", entries: [entry(nim.url)] }, connections(statuses), "--ready-timeout", "1");
    expect(result.code).toBe(ExitCode.verificationFailed);
    expect(row(result.stdout, "support-agent")).toMatch(/failed\s+NIMService serving\/support-agent not Ready within 1 s \(last seen: state NotReady\)/);
    expect(result.stderr).toContain("1 of 1 entries failed: support-agent");
    expect(statuses.reads.length).toBeGreaterThan(1);
    expect(nim.http.requests).toHaveLength(0);
  });

  it("fails an entry whose adapter /v1/models does not list", async () => {
    nim.models = [baseModel];
    const result = await verifyInCluster({ stack: "dev", entries: [entry(nim.url)] }, connections(fakeStatuses({ "support-agent": "Ready" })));
    expect(result.code).toBe(ExitCode.verificationFailed);
    expect(row(result.stdout, "support-agent")).toContain(`failed  GET /v1/models does not list "${adapter}"`);
  });

  it("fails an entry whose answer has neither text nor tool calls", async () => {
    nim.completion = () => ({ status: 200, body: { choices: [{ message: { role: "assistant" } }] } });
    const result = await verifyInCluster({ stack: "dev", entries: [entry(nim.url)] }, connections(fakeStatuses({ "support-agent": "Ready" })));
    expect(result.code).toBe(ExitCode.verificationFailed);
    expect(row(result.stdout, "support-agent")).toContain("the chat completion is malformed: choices[0].message has neither string content nor tool_calls");
  });

  it("fails a tool-calling entry whose tool call's arguments are not JSON, or not an object", async () => {
    const statuses = fakeStatuses({ "support-agent": "Ready" });
    nim.completion = () => toolCall("timezone=Europe/Paris");
    const notJson = await verifyInCluster({ stack: "dev", entries: [entry(nim.url, { toolCalling: true })] }, connections(statuses));
    expect(notJson.code).toBe(ExitCode.verificationFailed);
    expect(row(notJson.stdout, "support-agent")).toContain("tool_calls[0] (get_current_time): function.arguments is not JSON");
    nim.completion = () => toolCall('["Europe/Paris"]');
    const notObject = await verifyInCluster({ stack: "dev", entries: [entry(nim.url, { toolCalling: true })] }, connections(statuses));
    expect(row(notObject.stdout, "support-agent")).toContain("function.arguments is not a JSON object");
  });

  it("fails an entry whose answer is larger than the limit, without reading it all", async () => {
    nim.completion = () => ({ status: 200, body: { choices: [{ message: { role: "assistant", content: "x".repeat(100 * 1024) } }] } });
    const result = await verifyInCluster({ stack: "dev", entries: [entry(nim.url)] }, connections(fakeStatuses({ "support-agent": "Ready" })));
    expect(row(result.stdout, "support-agent")).toMatch(/failed\s+POST \/v1\/chat\/completions failed: HTTP 200, an answer of .*65536 bytes/);
  });

  it("reports an entry at zero replicas as scaled to zero, not a failure, and checks the others", async () => {
    const statuses = fakeStatuses({ "support-agent": "Ready" });
    const result = await verifyInCluster({ stack: "dev", entries: [entry(nim.url, { name: "idle", replicas: { min: 0, max: 0 } }), entry(nim.url)] }, connections(statuses));
    expect(result.code).toBe(ExitCode.ok);
    expect(row(result.stdout, "idle")).toMatch(/^idle\s+scaled to zero\s+replicas.max is 0$/);
    expect(row(result.stdout, "support-agent")).toMatch(/\sok\s/);
    expect(statuses.reads).toEqual(["serving/support-agent"]);
  });

  it("refuses, with exit 2, a config the schema refuses or a file it cannot read", async () => {
    const statuses = fakeStatuses({});
    const bad = await verifyInCluster({ stack: "dev", entries: [{ ...entry(nim.url), replicas: { min: 0 } }] } as unknown as ServingVerifyConfig, connections(statuses));
    expect(bad.code).toBe(ExitCode.usage);
    expect(bad.stderr).toContain("is not a verify-serving configuration");
    expect(bad.stderr).toContain("entries[0].replicas.max");
    const missing = await run(["verify", "serving", "--in-cluster", "--config", "/nonexistent/verify.json"], connections(statuses));
    expect(missing.code).toBe(ExitCode.usage);
    expect(missing.stderr).toContain("cannot read the config file /nonexistent/verify.json");
    expect(statuses.reads).toEqual([]);
  });

  it("refuses, with exit 2, neither or both of --stack and --in-cluster", async () => {
    expect((await run(["verify", "serving"], connections(fakeStatuses({})))).code).toBe(ExitCode.usage);
    expect((await run(["verify", "serving", "--stack", "dev", "--in-cluster"], connections(fakeStatuses({})))).code).toBe(ExitCode.usage);
  });
});

/** The CronJob as constructs/serving/verify-serving.ts renders it, as far as the command reads it. */
function verifyCronJob(stack: string | undefined): k8s.V1CronJob {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: {
      name: verifyServingNaming.cronJob,
      namespace: "flywheel",
      uid: "uid-of-verify-serving",
      labels: { "app.kubernetes.io/component": verifyServingNaming.component, ...(stack === undefined ? {} : { [verifyServingNaming.stackLabel]: stack }) },
    },
    spec: {
      schedule: "0 0 1 1 *",
      suspend: true,
      jobTemplate: {
        metadata: { labels: { "app.kubernetes.io/component": verifyServingNaming.component } },
        spec: {
          activeDeadlineSeconds: 1,
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: "Never",
              serviceAccountName: verifyServingNaming.serviceAccount,
              containers: [{ name: verifyServingNaming.cronJob, image: "registry.example/flywheel@sha256:0", args: ["verify", "serving", "--in-cluster", "--config", verifyServingNaming.configPath] }],
            },
          },
        },
      },
    },
  };
}

/** A fake of the flywheel namespace: the CronJob (or none), the Jobs created, each Job's states in turn, and its pod's log. */
function fakeJobApi(cronJob: k8s.V1CronJob | undefined, states: JobState[], log = "entry  state   detail\n"): VerifyJobApi & { created: k8s.V1Job[] } {
  const created: k8s.V1Job[] = [];
  let polls = 0;
  return {
    namespace: "flywheel",
    created,
    readCronJob: (name) => Promise.resolve(name === cronJob?.metadata?.name ? cronJob : undefined),
    createJob: (job) => {
      created.push(job);
      return Promise.resolve();
    },
    jobState: () => Promise.resolve(states[Math.min(polls++, states.length - 1)]),
    podLog: (jobName, limitBytes) => Promise.resolve(created.some((job) => job.metadata?.name === jobName) ? log.slice(0, limitBytes) : undefined),
  };
}

describe("flywheel verify serving --stack", () => {
  it("creates a Job from the stack's CronJob, waits for it, prints its pod's log and fails when the Job failed", async () => {
    const api = fakeJobApi(verifyCronJob("dev"), ["running", "running", "failed"], "support-agent  failed  GET /v1/models does not list \"x\"\n");
    const result = await run(["verify", "serving", "--stack", "dev"], connections(fakeStatuses({}), api));
    expect(result.code).toBe(ExitCode.verificationFailed);
    expect(api.created).toHaveLength(1);
    const [job] = api.created;
    expect(job.metadata?.name).toMatch(/^verify-serving-[0-9a-z]+$/);
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "CronJob", name: verifyServingNaming.cronJob, uid: "uid-of-verify-serving", controller: true });
    expect(job.spec?.template.spec?.containers[0].args).toEqual(["verify", "serving", "--in-cluster", "--config", verifyServingNaming.configPath]);
    expect(result.stdout).toContain('support-agent  failed  GET /v1/models does not list "x"');
    expect(result.stdout).toContain(`Job ${job.metadata?.name} failed`);
  });

  it("succeeds when the Job completes", async () => {
    const api = fakeJobApi(verifyCronJob("dev"), ["running", "complete"]);
    const result = await run(["verify", "serving", "--stack", "dev"], connections(fakeStatuses({}), api));
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stdout).toContain("completed: every serving entry passed");
  });

  it("fails when the Job does not finish within its deadline and the margin", async () => {
    const api = fakeJobApi(verifyCronJob("dev"), ["running"]);
    const result = await run(["verify", "serving", "--stack", "dev"], connections(fakeStatuses({}), api));
    expect(result.code).toBe(ExitCode.verificationFailed);
    expect(result.stdout).toContain("did not finish within 3 s");
  });

  it("refuses, with exit 2 and creating nothing, a CronJob of another stack or one without the stack label, naming both", async () => {
    const other = fakeJobApi(verifyCronJob("prod"), ["complete"]);
    const mismatch = await run(["verify", "serving", "--stack", "dev"], connections(fakeStatuses({}), other));
    expect(mismatch.code).toBe(ExitCode.usage);
    expect(mismatch.stderr).toContain(`is stack "prod"'s (label ${verifyServingNaming.stackLabel}), not stack "dev"'s`);
    expect(other.created).toEqual([]);
    const unlabelled = fakeJobApi(verifyCronJob(undefined), ["complete"]);
    const unlabelledResult = await run(["verify", "serving", "--stack", "dev"], connections(fakeStatuses({}), unlabelled));
    expect(unlabelledResult.code).toBe(ExitCode.usage);
    expect(unlabelledResult.stderr).toContain(`not labelled ${verifyServingNaming.stackLabel}`);
  });

  it("says the stack has no serving entries, and succeeds, when there is no CronJob", async () => {
    const api = fakeJobApi(undefined, ["complete"]);
    const result = await run(["verify", "serving", "--stack", "dev"], connections(fakeStatuses({}), api));
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stdout).toContain("the stack has no serving entries");
    expect(api.created).toEqual([]);
  });
});

describe("flywheel verify serving --smoke", () => {
  const nim = listeningNimStandIn();

  const evalDataset = "hf://datasets/dfwbp/flywheel-eval-support";
  const promotedFrom = {
    runId: "0123456789abcdef01234567",
    workloadId: "support",
    clientId: "web",
    evalType: "customized-eval",
    scores: { function_name_and_args_accuracy: 0.96 },
    targets: { function_name_and_args_accuracy: 0.95 },
    at: "2026-12-01T10:00:00Z",
    evalDataset,
  } as const;
  const toolCallingEntry = (overrides: Partial<VerifiedServingEntry> = {}) => entry(nim.url, { toolCalling: true, promotedFrom, ...overrides });
  /** An evaluation line as the job writes it: the request the model is sent, and the logged response with arguments as objects. */
  const evalLine = (city: string) => ({
    request: { messages: [{ role: "user", content: `What time is it in ${city}?` }], tools: [{ type: "function", function: { name: "get_current_time", parameters: { type: "object" } } }] },
    response: { choices: [{ message: { role: "assistant", tool_calls: [{ type: "function", function: { name: "get_current_time", arguments: { timezone: `Europe/${city}` } } }] } }] },
  });
  const cities = ["Paris", "Berlin", "Madrid", "Rome"];
  /** A stand-in of Data Store: the records of `evalDataset`, and what was asked of it. */
  const evaluationSet = (): EvaluationRecordSource & { asked: { location: string; count: number }[] } => {
    const asked: { location: string; count: number }[] = [];
    return {
      asked,
      firstRecords: (location, count) => {
        asked.push({ location, count });
        return Promise.resolve(location === evalDataset ? cities.slice(0, count).map(evalLine) : []);
      },
    };
  };
  /** The model answers each request with the city its user message names, as the recorded answers do. */
  const answersRight = (request: unknown): Reply => {
    const city = /in (\w+)\?/.exec(JSON.stringify(request))?.[1] ?? "Nowhere";
    return toolCall(JSON.stringify({ timezone: `Europe/${city}` }));
  };
  const smokeConfig = (entries: VerifiedServingEntry[]): ServingVerifyConfig => ({ stack: "dev", dataStoreUrl: "http://nemo-datastore.nemo.svc.cluster.local:8000", entries });

  it("passes when the replayed records score within the tolerance of the recorded score, sending each record's request to the adapter", async () => {
    nim.completion = answersRight;
    const records = evaluationSet();
    const result = await verifyInCluster(smokeConfig([toolCallingEntry()]), connections(fakeStatuses({ "support-agent": "Ready" }), undefined, records), "--smoke", "3");
    expect(result.code).toBe(ExitCode.ok);
    expect(row(result.stdout, "support-agent")).toContain("smoke: function_name_and_args_accuracy 1 over 3 records, recorded 0.96 (within 0.15)");
    expect(records.asked).toEqual([{ location: evalDataset, count: 3 }]);
    const replayed = nim.http.requests.filter((request) => request.path === "/v1/chat/completions").slice(1);
    expect(replayed.map((request) => request.json)).toEqual(cities.slice(0, 3).map((city) => ({ ...evalLine(city).request, model: adapter, stream: false })));
  });

  it("fails an entry whose answers call the wrong function, naming the smoke score and the recorded one", async () => {
    nim.completion = () => ({ status: 200, body: { choices: [{ message: { role: "assistant", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: '{"timezone":"Europe/Paris"}' } }] } }] } });
    const result = await verifyInCluster(smokeConfig([toolCallingEntry()]), connections(fakeStatuses({ "support-agent": "Ready" }), undefined, evaluationSet()), "--smoke", "4", "--tolerance", "0.2");
    expect(result.code).toBe(ExitCode.verificationFailed);
    expect(row(result.stdout, "support-agent")).toContain("failed  smoke: function_name_and_args_accuracy 0 over 4 records, recorded 0.96: more than 0.2 apart (a wrong adapter or image?)");
    expect(result.stderr).toContain("1 of 1 entries failed: support-agent");
  });

  it("says, without failing, when an entry cannot be smoke-checked: not tool-calling, or no evaluation set recorded", async () => {
    nim.completion = () => ({ status: 200, body: { choices: [{ message: { role: "assistant", content: "Hello" } }] } });
    const records = evaluationSet();
    const generic = { ...promotedFrom, scores: { similarity: 0.8 }, targets: { similarity: 0.7 } };
    const chat = await verifyInCluster(smokeConfig([entry(nim.url, { promotedFrom: generic })]), connections(fakeStatuses({ "support-agent": "Ready" }), undefined, records), "--smoke", "3");
    expect(chat.code).toBe(ExitCode.ok);
    expect(row(chat.stdout, "support-agent")).toContain("chat completion well-formed; smoke: not checked (similarity needs the judge)");
    nim.completion = answersRight;
    const { evalDataset: _none, ...unrecorded } = promotedFrom;
    const noSet = await verifyInCluster(smokeConfig([toolCallingEntry({ promotedFrom: unrecorded })]), connections(fakeStatuses({ "support-agent": "Ready" }), undefined, records), "--smoke", "3");
    expect(row(noSet.stdout, "support-agent")).toContain("smoke: not checked (no evaluation set recorded)");
    const noStore = await verifyInCluster({ stack: "dev", entries: [toolCallingEntry()] }, connections(fakeStatuses({ "support-agent": "Ready" }), undefined, records), "--smoke", "3");
    expect(noStore.code).toBe(ExitCode.ok);
    expect(row(noStore.stdout, "support-agent")).toContain("smoke: not checked (no evaluation set recorded)");
    expect(records.asked).toEqual([]);
  });

  it("refuses, with exit 2, a --tolerance outside 0 to 1 or without --smoke, and a --smoke above its limit", async () => {
    const statuses = fakeStatuses({});
    expect((await verifyInCluster(smokeConfig([]), connections(statuses), "--smoke", "3", "--tolerance", "2")).stderr).toContain("--tolerance: \"2\" is not a number from 0 to 1");
    expect((await verifyInCluster(smokeConfig([]), connections(statuses), "--tolerance", "0.1")).code).toBe(ExitCode.usage);
    expect((await verifyInCluster(smokeConfig([]), connections(statuses), "--smoke", "1000")).code).toBe(ExitCode.usage);
  });

  it("passes --smoke and --tolerance through --stack into the Job's arguments", async () => {
    const api = fakeJobApi(verifyCronJob("dev"), ["complete"]);
    const result = await run(["verify", "serving", "--stack", "dev", "--smoke", "5"], connections(fakeStatuses({}), api));
    expect(result.code).toBe(ExitCode.ok);
    expect(api.created[0].spec?.template.spec?.containers[0].args).toEqual(["verify", "serving", "--in-cluster", "--config", verifyServingNaming.configPath, "--smoke", "5", "--tolerance", "0.15"]);
  });
});

describe("DataStoreRecordSource", () => {
  const dataStore = new HttpStandIn();
  let url = "";
  const lines = [0, 1, 2, 3, 4].map((i) => JSON.stringify({ request: { messages: [{ role: "user", content: `question ${i}` }] }, response: {} }));
  beforeAll(async () => {
    url = await dataStore.start();
    dataStore.route("GET", "/v1/hf/datasets/dfwbp/flywheel-eval-support/resolve/main/eval_data.jsonl", () => ({ status: 200, body: `${lines.join("\n")}\n` }));
  });
  afterAll(() => dataStore.stop());

  it("reads the first records of a dataset's evaluation file through the Hugging Face–compatible API", async () => {
    const records = await new DataStoreRecordSource(url, 64 * 1024, 5_000).firstRecords("hf://datasets/dfwbp/flywheel-eval-support", 2, new AbortController().signal);
    expect(records).toEqual(lines.slice(0, 2).map((line) => JSON.parse(line)));
  });

  it("refuses more bytes than its limit, a dataset it cannot find, and a location that is not Data Store's", async () => {
    const signal = new AbortController().signal;
    await expect(new DataStoreRecordSource(url, 10, 5_000).firstRecords("hf://datasets/dfwbp/flywheel-eval-support", 5, signal)).rejects.toThrow("more than the 10 bytes allowed");
    await expect(new DataStoreRecordSource(url, 64 * 1024, 5_000).firstRecords("hf://datasets/dfwbp/other", 1, signal)).rejects.toThrow("HTTP 404");
    await expect(new DataStoreRecordSource(url, 64 * 1024, 5_000).firstRecords("s3://bucket/eval", 1, signal)).rejects.toThrow("is not a Data Store dataset");
  });
});
