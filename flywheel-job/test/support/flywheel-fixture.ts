import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { InProcessGpuBudget } from "../../src/budget/in-process-budget";
import { kubernetesPermissions } from "../../src/kubernetes/permissions";
import { main } from "../../src/cli/main";
import { openRunServices, type OpenedRunServices } from "../../src/cli/run-services";
import { loadEnvironment } from "../../src/config/environment";
import { type FlywheelJobConfig, type FlywheelJobConfigInput, parseJobConfig } from "../../src/config/job-config";
import { streamLog } from "../../src/log";
import { KubernetesStandIn } from "./kubernetes-stand-in";
import { logDocument, temporaryDirectory, toolLogs, withEarlierToolCall } from "./logs";
import { NemoStandIn } from "./nemo-stand-in";

export const namespace = "flywheel";
export const toolWorkload = { workloadId: "support-agent", clientId: "web" } as const;
export const genericWorkload = { workloadId: "ticket-summary", clientId: "web" } as const;

export const smallModel = {
  model: "meta/llama-3.2-1b-instruct",
  image: { repository: "nvcr.io/nim/meta/llama-3.2-1b-instruct", tag: "1.8.3" },
  gpus: 1,
  customize: true,
  customizationTarget: "meta/llama-3.2-1b-instruct@2.0",
  nimCache: "llama-3-2-1b-instruct",
} as const;

export const largerModel = {
  model: "meta/llama-3.1-8b-instruct",
  image: { repository: "nvcr.io/nim/meta/llama-3.1-8b-instruct", tag: "1.8.4" },
  gpus: 2,
  customize: false,
  nimCache: "llama-3-1-8b-instruct",
} as const;

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The stand-ins a run talks to (NeMo with judge and embedding endpoints, the Kubernetes API with
 * its NIM operator), a log export with a tool-calling and a generic workload, a state directory and
 * a kubeconfig, and the ways tests start runs: through the CLI, or in process with the CLI's own
 * wiring.
 */
export class FlywheelFixture {
  readonly nemo = new NemoStandIn();
  readonly cluster = new KubernetesStandIn(namespace, this.nemo);
  readonly directory = temporaryDirectory();
  readonly logsFile = join(this.directory, "logs.jsonl");
  readonly stateDirectory = join(this.directory, "state");
  readonly kubeconfigFile = join(this.directory, "kubeconfig");

  static async start(): Promise<FlywheelFixture> {
    const fixture = new FlywheelFixture();
    await fixture.nemo.start();
    await fixture.cluster.start();
    writeFileSync(fixture.kubeconfigFile, fixture.cluster.kubeconfig());
    fixture.cluster.nimCaches.set(smallModel.nimCache, "Ready");
    fixture.cluster.nimCaches.set(largerModel.nimCache, "Ready");
    // Multi-turn records too, as production logs them: the evaluations must send their earlier tool calls as OpenAI requires.
    const tools = toolLogs(60, ["lookup_order", "issue_refund", "escalate_to_human"], { ...workloadFields(toolWorkload) }).map((document, i) =>
      i % 3 === 0 ? document : withEarlierToolCall(document, i % 3 === 1 ? "string" : "object"),
    );
    const generic = Array.from({ length: 40 }, (_, i) =>
      logDocument({ ...workloadFields(genericWorkload), user: `Summarise ticket ${i}: the parcel ${i % 2 ? "arrived late" : "never arrived"}`, content: `Ticket ${i} summary.`, timestamp: 1_700_000_000_000 + i * 1000 }),
    );
    writeFileSync(fixture.logsFile, [...tools, ...generic].map((line) => JSON.stringify(line)).join("\n") + "\n");
    return fixture;
  }

  /** A job configuration for a workload, small and quick: polling in milliseconds, a budget of 2 GPUs. */
  config(workload: { readonly workloadId: string; readonly clientId: string }, overrides: Partial<FlywheelJobConfigInput> = {}): FlywheelJobConfigInput {
    return {
      ...workload,
      data: { limit: 30, evalSize: 6, minTotalRecords: 10, seed: 7 },
      candidates: [{ ...smallModel }, { ...largerModel }],
      judge: { url: this.nemo.judgeUrl, modelId: "judge/llama-3.3-70b-instruct" },
      embedding: { url: this.nemo.embeddingUrl, modelId: "nvidia/embed", batchSize: 4 },
      targets: workload === genericWorkload ? { similarity: 0.8 } : { function_name_and_args_accuracy: 0.9 },
      gpuHourlyCost: 2,
      nemo: { namespace: "dfwbp", requestTimeoutSeconds: 5, retries: 2, retryDelaySeconds: 0.01 },
      gpuBudget: { gpus: 2, leaseSeconds: 2, waitMinutes: 1 },
      polling: { minSeconds: 0.005, maxSeconds: 0.02 },
      stallTimeouts: { deploymentMinutes: 0.5, customizationMinutes: 0.5, evaluationMinutes: 0.5 },
      ...overrides,
    };
  }

  parsed(input: FlywheelJobConfigInput): FlywheelJobConfig {
    return parseJobConfig(input, "test config");
  }

  writeConfig(input: FlywheelJobConfigInput, name = "config.yaml"): string {
    const path = join(this.directory, name);
    writeFileSync(path, stringify(input));
    return path;
  }

  /** The environment of a run against the stand-ins. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { NEMO_BASE_URL: this.nemo.url, KUBECONFIG: this.kubeconfigFile, ...extra };
  }

  /** Runs the CLI in this process. */
  async cli(argv: readonly string[], env: NodeJS.ProcessEnv = this.env(), shutdown?: AbortSignal): Promise<CliResult> {
    let stdout = "";
    let stderr = "";
    const code = await main(argv, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env,
      cwd: this.directory,
      ...(shutdown ? { shutdown: { signal: shutdown, handleGracefully: () => undefined } } : {}),
    });
    return { code, stdout, stderr };
  }

  /** `flywheel run` with a config for the workload, the fixture's logs and state directory. */
  run(config: FlywheelJobConfigInput, env?: NodeJS.ProcessEnv, shutdown?: AbortSignal): Promise<CliResult> {
    const path = this.writeConfig(config, `config-${config.workloadId}.yaml`);
    return this.cli(["run", "--config", path, "--logs", this.logsFile, "--state-dir", this.stateDirectory], env, shutdown);
  }

  /** The CLI's services for a run in this process, with its log captured. */
  async services(config: FlywheelJobConfig, env: NodeJS.ProcessEnv = this.env()): Promise<OpenedRunServices & { readonly log: string[] }> {
    const log: string[] = [];
    const opened = await openRunServices(config, loadEnvironment(env), { logs: this.logsFile, stateDirectory: this.stateDirectory }, streamLog({ write: (text: string) => log.push(text) }));
    return { ...opened, log };
  }

  /**
   * Nothing a run holds is left: no NIMService, no running customization or evaluation, no held GPUs
   * (in process). And the run asked the Kubernetes API for nothing its Role does not grant.
   */
  expectNothingLeft(budget?: OpenedRunServices["services"]["budget"]): void {
    expect(this.cluster.http.requests.map(rbacRequest).filter((r) => !isGranted(r))).toEqual([]);
    expect([...this.cluster.nimServices.keys()]).toEqual([]);
    expect(this.nemo.activeCustomizations().map((job) => job.id)).toEqual([]);
    expect(this.nemo.activeEvaluations().map((job) => job.id)).toEqual([]);
    if (budget !== undefined) {
      expect((budget as InProcessGpuBudget).heldGpus).toBe(0);
    }
  }

  async stop(): Promise<void> {
    await this.cluster.stop();
    await this.nemo.stop();
  }
}

/** The RBAC request a Kubernetes API call makes: `<verb> <group>/<resource>`. */
function rbacRequest(request: { readonly method: string; readonly path: string }): string {
  const match = /^\/(?:apis\/([^/]+)\/[^/]+|api\/v1)\/namespaces\/[^/]+\/([^/]+)(\/[^/]+)?$/.exec(request.path);
  if (!match) {
    return `${request.method} ${request.path}`;
  }
  const [, group = "", resource, name] = match;
  const verb = { POST: "create", DELETE: "delete", PUT: "update", PATCH: "patch", GET: name ? "get" : "list" }[request.method] ?? request.method;
  return `${verb} ${group}/${resource}`;
}

function isGranted(request: string): boolean {
  return kubernetesPermissions.some((p) => p.verbs.some((verb) => request === `${verb} ${p.apiGroup}/${p.resource}`));
}

function workloadFields(workload: { readonly workloadId: string; readonly clientId: string }): { workload: string; client: string } {
  return { workload: workload.workloadId, client: workload.clientId };
}
