import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { main } from "../src/cli/main";
import { ExitCode } from "../src/errors";
import { gpuResource, gpuTaint } from "../src/scheduling";
import { autoscalerNodeGroups } from "../src/verify/platform/gpu-pools-check";
import { connectPlatformKubernetes } from "../src/verify/platform/client-node-platform-kubernetes";
import { clusterAutoscalerStatus, verifyPlatformPermissions } from "../src/verify/platform/platform-kubernetes";
import { platformChecks } from "../src/verify/platform/platform-checks";
import { type PlatformVerifyConfig, verifyPlatformNaming } from "../src/verify/platform/platform-verify-contract";
import type { PlatformVerifyConnections } from "../src/verify/platform/verify-platform-command";
import { type VerifyConnections, verifyCommandWith } from "../src/verify/verify-commands";
import type { JobState, VerifyJobApi } from "../src/verify/verify-job";
import { HttpStandIn, type Reply, type SeenRequest } from "./support/http-stand-in";
import { temporaryDirectory } from "./support/logs";
import { standInKubeconfig } from "./support/stand-in-kubeconfig";

type Json = Record<string, unknown>;

const notFound = (what: string): Reply => ({ status: 404, body: { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", message: `${what} not found`, code: 404 } });

/** How the stand-in treats a probe pod: it runs and succeeds after a read or two, or stays unschedulable. */
type ProbeBehaviour = "succeeds" | "unschedulable";

/**
 * A stand-in for the cluster-wide reads `verify platform` makes (Deployments, pods, nodes, the
 * autoscaler's status, NIMCaches) and the probe pods it creates and deletes; paths in `forbidden`
 * answer 403, as an API server does to a service account without the permission.
 */
class ClusterStandIn {
  readonly http = new HttpStandIn();
  readonly deployments = new Map<string, Json>();
  readonly statefulSets = new Map<string, Json>();
  readonly pods = new Map<string, Json & { metadata: { name: string; labels: Record<string, string> } }>();
  readonly nodes: { name: string; labels: Record<string, string> }[] = [];
  autoscalerStatus: string | undefined;
  readonly nimCaches = new Map<string, Json>();
  probe: ProbeBehaviour = "succeeds";
  readonly createdPods: Json[] = [];
  readonly deletedPods: string[] = [];
  readonly forbidden: RegExp[] = [];

  constructor() {
    const guarded =
      (handler: (request: SeenRequest, params: Record<string, string>) => Reply) =>
      (request: SeenRequest, params: Record<string, string>): Reply =>
        this.forbidden.some((path) => path.test(`${request.method} ${request.path}`))
          ? { status: 403, body: { kind: "Status", apiVersion: "v1", status: "Failure", reason: "Forbidden", message: "forbidden", code: 403 } }
          : handler(request, params);
    this.http.route("GET", "/apis/apps/v1/namespaces/:ns/statefulsets/:name", guarded((_, p) => this.statefulSets.get(`${p.ns}/${p.name}`) === undefined ? notFound(`statefulsets.apps "${p.name}"`) : { status: 200, body: this.statefulSets.get(`${p.ns}/${p.name}`) }));
    this.http.route("GET", "/apis/apps/v1/namespaces/:ns/deployments/:name", guarded((_, p) => this.deployments.get(`${p.ns}/${p.name}`) === undefined ? notFound(`deployments.apps "${p.name}"`) : { status: 200, body: this.deployments.get(`${p.ns}/${p.name}`) }));
    this.http.route("GET", "/api/v1/namespaces/:ns/pods", guarded((request, p) => ({
      status: 200,
      body: { apiVersion: "v1", kind: "PodList", items: [...this.pods.entries()].filter(([key, pod]) => key.startsWith(`${p.ns}/`) && selects(request.query.get("labelSelector") ?? "", pod.metadata.labels)).map(([, pod]) => pod) },
    })));
    this.http.route("GET", "/api/v1/nodes", guarded((request) => ({
      status: 200,
      body: {
        apiVersion: "v1",
        kind: "NodeList",
        items: this.nodes.filter((node) => selects(request.query.get("labelSelector") ?? "", node.labels)).map((node) => ({ metadata: { name: node.name, labels: node.labels }, status: { conditions: [{ type: "Ready", status: "True" }] } })),
      },
    })));
    this.http.route("GET", `/api/v1/namespaces/${clusterAutoscalerStatus.namespace}/configmaps/${clusterAutoscalerStatus.configMap}`, guarded(() =>
      this.autoscalerStatus === undefined ? notFound("configmaps") : { status: 200, body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: clusterAutoscalerStatus.configMap }, data: { status: this.autoscalerStatus } } },
    ));
    this.http.route("GET", "/apis/apps.nvidia.com/v1alpha1/namespaces/:ns/nimcaches/:name", guarded((_, p) => {
      const cache = this.nimCaches.get(`${p.ns}/${p.name}`);
      return cache === undefined ? notFound(`nimcaches.apps.nvidia.com "${p.name}"`) : { status: 200, body: { apiVersion: "apps.nvidia.com/v1alpha1", kind: "NIMCache", metadata: { name: p.name, namespace: p.ns }, ...cache } };
    }));
    this.http.route("POST", "/api/v1/namespaces/:ns/pods", guarded((request, p) => {
      const pod = request.json as Json & { metadata: { name: string; labels: Record<string, string> } };
      this.createdPods.push(pod);
      this.pods.set(`${p.ns}/${pod.metadata.name}`, { ...pod, status: { phase: "Pending" }, reads: 0 });
      return { status: 201, body: pod };
    }));
    this.http.route("GET", "/api/v1/namespaces/:ns/pods/:name", guarded((_, p) => {
      const pod = this.pods.get(`${p.ns}/${p.name}`);
      if (pod === undefined) {
        return notFound(`pods "${p.name}"`);
      }
      const reads = ((pod.reads as number) += 1);
      const status =
        this.probe === "unschedulable"
          ? { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/3 nodes are available: 3 Insufficient nvidia.com/gpu." }] }
          : { phase: reads >= 2 ? "Succeeded" : "Running" };
      return { status: 200, body: { ...pod, reads: undefined, status } };
    }));
    this.http.route("DELETE", "/api/v1/namespaces/:ns/pods/:name", guarded((_, p) => {
      this.deletedPods.push(`${p.ns}/${p.name}`);
      this.pods.delete(`${p.ns}/${p.name}`);
      return { status: 200, body: { kind: "Status", apiVersion: "v1", status: "Success" } };
    }));
  }

  /** A healthy cluster: the operator Available, the pool's node up and known to the autoscaler, the NIMCache Ready. */
  reset(): void {
    this.deployments.clear();
    this.pods.clear();
    this.nodes.length = 0;
    this.nimCaches.clear();
    this.createdPods.length = 0;
    this.deletedPods.length = 0;
    this.forbidden.length = 0;
    this.probe = "succeeds";
    this.deployments.set("gpu-operator/gpu-operator", { metadata: { name: "gpu-operator" }, spec: { replicas: 1, selector: { matchLabels: { app: "gpu-operator" } } }, status: { availableReplicas: 1 } });
    this.nodes.push({ name: "ip-10-0-1-1", labels: { "data-flywheel.io/node-pool": "gpu-inference" } });
    this.autoscalerStatus = "time: 2026-12-03 10:00:00\nautoscalerStatus: Running\nclusterWide:\n  health:\n    status: Healthy\nnodeGroups:\n- name: eks-gpu-inference-1ac7d2e4\n  health:\n    status: Healthy\n";
    this.nimCaches.set("nim/llama-3-2-1b", { status: { state: "Ready" } });
  }
}

/** Equality requirements, comma-separated, as the API server reads a label selector. */
function selects(selector: string, labels: Record<string, string>): boolean {
  return selector
    .split(",")
    .filter(Boolean)
    .every((requirement) => {
      const [key, value] = requirement.split("=");
      return labels[key] === value;
    });
}

const config: PlatformVerifyConfig = {
  stack: "dev",
  operators: [{ name: "gpu-operator", namespace: "gpu-operator", kind: "Deployment", workload: "gpu-operator" }],
  nemoServices: [],
  gpuPools: [{ name: "gpu-inference", role: "inference", nodeSelector: { "data-flywheel.io/node-pool": "gpu-inference" }, minSize: 0, maxSize: 2 }],
  gpuProbe: { namespace: "flywheel", image: "registry.example/flywheel@sha256:0" },
  nimCaches: [{ namespace: "nim", name: "llama-3-2-1b" }],
  endpoints: [],
  networkSample: { allowed: [], denied: [] },
};

const servingConnections: VerifyConnections = {
  statusReader: () => Promise.reject(new Error("this test verifies no serving entries")),
  jobApi: () => Promise.reject(new Error("this test verifies no serving entries")),
  evaluationRecords: () => ({ firstRecords: () => Promise.reject(new Error("this test reads no evaluation set")) }),
  checks: { pollIntervalMs: 20, requestTimeoutMs: 1_000, answerLimitBytes: 1024 },
  job: { jobTimeoutMarginMs: 1_000, pollIntervalMs: 10, logLimitBytes: 4096 },
};

function platformConnections(overrides: Partial<PlatformVerifyConnections> = {}): PlatformVerifyConnections {
  return {
    kubernetes: (environment) => connectPlatformKubernetes(environment, 1_000),
    jobApi: () => Promise.reject(new Error("this test creates no Job")),
    checks: (connections, probe) => platformChecks(connections, { probe }),
    credentialsPath: temporaryDirectory(),
    credentialLimitBytes: 1024,
    callTimeoutMs: 1_000,
    run: { groupTimeoutMs: 5_000, concurrency: 2 },
    probe: { timeoutMs: 500, pollIntervalMs: 20 },
    job: { jobTimeoutMarginMs: 1_000, pollIntervalMs: 10, logLimitBytes: 4096 },
    ...overrides,
  };
}

async function run(argv: string[], server: string, platform = platformConnections()) {
  const kubeconfig = join(temporaryDirectory(), "kubeconfig");
  writeFileSync(kubeconfig, standInKubeconfig(server, "flywheel"));
  let stdout = "";
  let stderr = "";
  const context = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: { KUBECONFIG: kubeconfig }, cwd: temporaryDirectory() };
  const code = await main(argv, context, [verifyCommandWith(servingConnections, platform)]);
  return { code, stdout, stderr };
}

function configFile(value: unknown): string {
  const path = join(temporaryDirectory(), "verify-platform.json");
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/** The checklist row of a check on a target. */
function row(stdout: string, check: string, target: string): string {
  return stdout.split("\n").find((line) => line.includes(` ${check} `) && line.includes(` ${target}`)) ?? "";
}

describe("flywheel verify platform --in-cluster: the Kubernetes checks", () => {
  const cluster = new ClusterStandIn();
  beforeAll(() => cluster.http.start());
  afterAll(() => cluster.http.stop());
  beforeEach(() => cluster.reset());
  /** Runs the Kubernetes groups only (unless `more` picks): the other groups reach stores this stand-in is not. */
  const verify = (value: PlatformVerifyConfig = config, ...more: string[]) =>
    run(["verify", "platform", "--in-cluster", "--config", configFile(value), ...(more.includes("--only") ? [] : ["--only", "operators,gpu-pools,nimcaches"]), ...more], cluster.http.url);

  it("passes a healthy cluster: the operator available, the pool known to the autoscaler, the NIMCache Ready", async () => {
    const result = await verify();
    expect(result.code).toBe(ExitCode.ok);
    expect(row(result.stdout, "operator gpu-operator", "gpu-operator/gpu-operator")).toMatch(/pass\s+1\/1 replicas available/);
    expect(row(result.stdout, "gpu pool", "gpu-inference")).toMatch(/pass\s+1 node \(1 Ready\).*lists node group eks-gpu-inference-1ac7d2e4/);
    expect(row(result.stdout, "nimcache ready", "nim/llama-3-2-1b")).toMatch(/pass\s+state Ready/);
    expect(result.stdout).not.toContain("see README Troubleshooting");
  });

  it("reads an operator that is a StatefulSet (ECK's) as one, and fails when there is none", async () => {
    const eck = { ...config, operators: [{ name: "eck", namespace: "data-operators", kind: "StatefulSet" as const, workload: "elastic-operator" }] };
    const missing = await verify(eck);
    expect(row(missing.stdout, "operator eck", "data-operators/elastic-operator")).toMatch(/fail\s+no StatefulSet data-operators\/elastic-operator/);
    cluster.statefulSets.set("data-operators/elastic-operator", { metadata: { name: "elastic-operator" }, spec: { replicas: 1, selector: { matchLabels: { "control-plane": "elastic-operator" } } }, status: { availableReplicas: 1 } });
    const ready = await verify(eck);
    expect(row(ready.stdout, "operator eck", "data-operators/elastic-operator")).toMatch(/pass\s+1\/1 replicas available/);
    cluster.statefulSets.clear();
  });

  it("fails an operator without available replicas, and one whose pod crashes on the NVIDIA runtime, naming each entry", async () => {
    cluster.deployments.set("gpu-operator/gpu-operator", { metadata: { name: "gpu-operator" }, spec: { replicas: 1, selector: { matchLabels: { app: "gpu-operator" } } }, status: { availableReplicas: 0 } });
    const notReady = await verify();
    expect(notReady.code).toBe(ExitCode.verificationFailed);
    expect(row(notReady.stdout, "operator gpu-operator", "gpu-operator/gpu-operator")).toMatch(/fail\s+0\/1 replicas available/);
    expect(notReady.stdout).toContain("operator gpu-operator gpu-operator/gpu-operator: see README Troubleshooting → operator-not-ready");
    expect(notReady.stderr).toContain("1 of 3 checks failed: operators");
    cluster.pods.set("gpu-operator/gpu-operator-abc", {
      metadata: { name: "gpu-operator-abc", labels: { app: "gpu-operator" } },
      status: {
        phase: "Running",
        containerStatuses: [{ name: "operator", state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s" } }, lastState: { terminated: { reason: "Error", message: "nvidia-container-cli: initialization error: driver not loaded" } } }],
      },
    });
    const crashing = await verify();
    expect(row(crashing.stdout, "operator gpu-operator", "gpu-operator/gpu-operator")).toContain("pod gpu-operator-abc (operator) in CrashLoopBackOff: back-off 5m0s; nvidia-container-cli: initialization error");
    expect(crashing.stdout).toContain("see README Troubleshooting → pod-crashloop-gpu-runtime");
  });

  it("fails a pool at zero the autoscaler does not list, naming the node groups it does", async () => {
    cluster.nodes.length = 0;
    cluster.autoscalerStatus = "Cluster-autoscaler status at 2026-12-03 10:00:00:\nCluster-wide:\n  Health: Healthy\n\nNodeGroups:\n  Name:        eks-system-a-77\n  Health:      Healthy\n";
    const result = await verify();
    expect(result.code).toBe(ExitCode.verificationFailed);
    expect(row(result.stdout, "gpu pool", "gpu-inference")).toContain("0 nodes (0 Ready) with data-flywheel.io/node-pool=gpu-inference; the cluster-autoscaler lists no node group named like gpu-inference (it lists eks-system-a-77)");
    expect(result.stdout).toContain("gpu pool gpu-inference: see README Troubleshooting → gpu-pool-unknown-to-autoscaler");
    cluster.autoscalerStatus = undefined;
    const noAutoscaler = await verify();
    expect(row(noAutoscaler.stdout, "gpu pool", "gpu-inference")).toContain("no cluster-autoscaler runs");
  });

  it("fails a NIMCache that is not Ready, and one that cannot pick a profile, naming each entry", async () => {
    cluster.nimCaches.set("nim/llama-3-2-1b", { status: { state: "InProgress", conditions: [{ type: "NIM_CACHE_JOB_PENDING", status: "True", reason: "Pending", message: "the caching job is pending" }] } });
    const pending = await verify();
    expect(pending.code).toBe(ExitCode.verificationFailed);
    expect(row(pending.stdout, "nimcache ready", "nim/llama-3-2-1b")).toContain("state InProgress; NIM_CACHE_JOB_PENDING: Pending: the caching job is pending");
    expect(pending.stdout).toContain("see README Troubleshooting → nimcache-not-ready");
    cluster.nimCaches.set("nim/llama-3-2-1b", { status: { state: "Failed", conditions: [{ type: "NIM_CACHE_JOB_FAILED", status: "True", reason: "Failed", message: "no matching profiles found for the GPUs of the selected nodes" }] } });
    const noProfile = await verify();
    expect(noProfile.stdout).toContain("see README Troubleshooting → nimcache-no-profile");
    cluster.nimCaches.clear();
    expect((await verify()).stdout).toContain("no NIMCache nim/llama-3-2-1b");
  });

  it("--probe-gpu schedules a pod asking for one GPU on each pool, passes when it runs, and deletes it", async () => {
    const result = await verify(config, "--probe-gpu", "--only", "gpu-pools");
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stdout).toMatch(/gpu probe\s+gpu-inference \(flywheel\/verify-platform-gpu-probe-gpu-inference-[0-9a-z]+\)\s+pass/);
    expect(cluster.createdPods).toHaveLength(1);
    const pod = cluster.createdPods[0] as unknown as k8s.V1Pod;
    expect(pod.metadata?.labels?.["app.kubernetes.io/component"]).toBe(verifyPlatformNaming.probeComponent);
    expect(pod.spec?.nodeSelector).toEqual({ "data-flywheel.io/node-pool": "gpu-inference" });
    expect(pod.spec?.tolerations).toEqual([{ key: gpuTaint.key, operator: "Exists", effect: gpuTaint.effect }]);
    expect(pod.spec?.containers[0]).toMatchObject({ image: config.gpuProbe.image, args: ["--version"], resources: { limits: { [gpuResource]: "1" } } });
    expect(cluster.deletedPods).toEqual([`flywheel/${pod.metadata?.name}`]);
  });

  it("--probe-gpu fails a pool whose probe pod stays unschedulable, deleting it still, and a pool that cannot scale", async () => {
    cluster.probe = "unschedulable";
    const result = await verify(config, "--probe-gpu", "--only", "gpu-pools");
    expect(result.code).toBe(ExitCode.verificationFailed);
    expect(result.stdout).toMatch(/gpu probe .*fail\s+the probe pod did not run within .* \(last seen: unschedulable: 0\/3 nodes are available: 3 Insufficient nvidia.com\/gpu.\)/);
    expect(result.stdout).toContain("see README Troubleshooting → gpu-probe-unschedulable");
    expect(cluster.deletedPods).toHaveLength(1);
    cluster.createdPods.length = 0;
    const fixedAtZero = await verify({ ...config, gpuPools: [{ ...config.gpuPools[0], maxSize: 0 }] }, "--probe-gpu", "--only", "gpu-pools");
    expect(row(fixedAtZero.stdout, "gpu probe", "gpu-inference")).toContain("the pool's maxSize is 0: it cannot scale up");
    expect(cluster.createdPods).toEqual([]);
  });

  it("makes only the calls verifyPlatformPermissions grants, writing only pods in the probe namespace", async () => {
    cluster.http.requests.length = 0;
    expect((await verify(config, "--probe-gpu")).code).toBe(ExitCode.ok);
    const calls = cluster.http.requests.map((request) => {
      const match = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(request.path);
      const named = match?.[4] !== undefined;
      const verb = { GET: named ? "get" : "list", POST: "create", DELETE: "delete" }[request.method] ?? request.method;
      return { apiGroup: match?.[1] ?? "", namespace: match?.[2], resource: match?.[3], name: match?.[4], verb };
    });
    expect(calls.length).toBeGreaterThan(5);
    for (const call of calls) {
      const granted = verifyPlatformPermissions.some(
        (permission) =>
          permission.apiGroup === call.apiGroup &&
          permission.resource === call.resource &&
          permission.verbs.includes(call.verb) &&
          (permission.namespace === undefined || call.namespace === (permission.namespace === "gpuProbe.namespace" ? config.gpuProbe.namespace : permission.namespace)) &&
          (permission.resourceNames === undefined || permission.resourceNames.includes(call.name ?? "")),
      );
      expect({ ...call, granted }).toEqual({ ...call, granted: true });
    }
  });

  it("fails a check the service account may not make, naming the verb and the resource", async () => {
    cluster.forbidden.push(/^GET \/api\/v1\/nodes$/);
    const result = await verify();
    expect(result.code).toBe(ExitCode.verificationFailed);
    expect(row(result.stdout, "gpu pool", "gpu-inference")).toContain("was refused (HTTP 403): the verify-platform service account needs list on nodes cluster-wide");
    expect(result.stdout).toContain("see README Troubleshooting → kubernetes-forbidden");
  });
});

describe("flywheel verify platform: exit codes and bad input", () => {
  it("exits 75 naming kubernetes-unreachable when the API server does not answer", async () => {
    const gone = new HttpStandIn();
    const url = await gone.start();
    await gone.stop();
    const result = await run(["verify", "platform", "--in-cluster", "--config", configFile(config), "--only", "operators,gpu-pools,nimcaches"], url);
    expect(result.code).toBe(ExitCode.transient);
    expect(result.stdout).toContain("see README Troubleshooting → kubernetes-unreachable");
    expect(result.stderr).toContain("each because the Kubernetes API did not answer: run it again");
  });

  it("refuses, with exit 2 and naming the file and key, a configuration the schema refuses", async () => {
    const result = await run(["verify", "platform", "--in-cluster", "--config", configFile({ ...config, gpuPools: [{ name: "gpu" }] })], "http://127.0.0.1:1");
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain("is not a verify-platform configuration");
    expect(result.stderr).toContain("gpuPools[0]");
  });

  it("refuses, with exit 2, neither or both of --stack and --in-cluster, and an --only group that does not exist", async () => {
    expect((await run(["verify", "platform"], "http://127.0.0.1:1")).code).toBe(ExitCode.usage);
    expect((await run(["verify", "platform", "--stack", "dev", "--in-cluster"], "http://127.0.0.1:1")).code).toBe(ExitCode.usage);
    const only = await run(["verify", "platform", "--in-cluster", "--config", configFile(config), "--only", "operators,elk"], "http://127.0.0.1:1");
    expect(only.code).toBe(ExitCode.usage);
    expect(only.stderr).toContain('--only: no group "elk"; the groups are operators, gpu-pools, nimcaches');
  });

  it("reports a group that rejects as a failed line naming it, and a missing credential by its key", async () => {
    const platform = platformConnections({
      checks: () => [{ name: "needs-secret", run: (context) => Promise.resolve([{ check: "secret", target: context.readCredential("redis-password"), outcome: "pass", detail: "" }]) }],
    });
    const result = await run(["verify", "platform", "--in-cluster", "--config", configFile(config)], "http://127.0.0.1:1", platform);
    expect(result.code).toBe(ExitCode.verificationFailed);
    expect(result.stdout).toMatch(/needs-secret\s+needs-secret\s+\(the group\)\s+fail\s+the group failed: no credential redis-password: .*redis-password is missing/);
  });

  it("reports a group that does not finish within its time as a failed line, and runs the others", async () => {
    const platform = platformConnections({
      run: { groupTimeoutMs: 100, concurrency: 1 },
      checks: () => [
        { name: "hangs", run: () => new Promise(() => undefined) },
        { name: "answers", run: () => Promise.resolve([{ check: "answer", target: "here", outcome: "pass", detail: "fine" }]) },
      ],
    });
    const result = await run(["verify", "platform", "--in-cluster", "--config", configFile(config)], "http://127.0.0.1:1", platform);
    expect(result.code).toBe(ExitCode.transient);
    expect(result.stdout).toMatch(/hangs\s+hangs\s+\(the group\)\s+fail\s+the group failed: did not finish within/);
    expect(result.stdout).toMatch(/answers\s+answer\s+here\s+pass\s+fine/);
  });

  it("shows the exit codes in its help", async () => {
    const help = await run(["verify", "platform", "--help"], "http://127.0.0.1:1");
    expect(help.stdout).toContain(`${ExitCode.transient} the Kubernetes API did not answer`);
  });
});

describe("flywheel verify platform --stack", () => {
  /** The CronJob the stack renders, as far as the command reads it. */
  const cronJob: k8s.V1CronJob = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: verifyPlatformNaming.cronJob, namespace: "flywheel", uid: "uid-vp", labels: { [verifyPlatformNaming.stackLabel]: "dev" } },
    spec: {
      schedule: "0 0 1 1 *",
      suspend: true,
      jobTemplate: {
        spec: {
          activeDeadlineSeconds: 1,
          template: {
            spec: { restartPolicy: "Never", containers: [{ name: "verify", image: "registry.example/flywheel@sha256:0", args: ["verify", "platform", "--in-cluster", "--config", verifyPlatformNaming.configPath] }] },
          },
        },
      },
    },
  };
  const jobApi = (found: k8s.V1CronJob | undefined, state: JobState): VerifyJobApi & { created: k8s.V1Job[] } => {
    const created: k8s.V1Job[] = [];
    return {
      namespace: "flywheel",
      created,
      readCronJob: (name) => Promise.resolve(name === found?.metadata?.name ? found : undefined),
      createJob: (job) => {
        created.push(job);
        return Promise.resolve();
      },
      jobState: () => Promise.resolve(state),
      podLog: () => Promise.resolve("group  check  target  outcome  detail\n"),
    };
  };

  it("creates a Job from the verify-platform CronJob with --probe-gpu appended, and fails when it fails", async () => {
    const api = jobApi(cronJob, "failed");
    const result = await run(["verify", "platform", "--stack", "dev", "--probe-gpu"], "http://127.0.0.1:1", platformConnections({ jobApi: () => Promise.resolve(api) }));
    expect(result.code).toBe(ExitCode.verificationFailed);
    expect(api.created[0].metadata?.name).toMatch(/^verify-platform-[0-9a-z]+$/);
    expect(api.created[0].spec?.template.spec?.containers[0].args).toEqual(["verify", "platform", "--in-cluster", "--config", verifyPlatformNaming.configPath, "--probe-gpu"]);
    expect(result.stdout).toContain("names each failure and its troubleshooting entry");
  });

  it("passes, with a note, a cluster without the CronJob: a stack without a job image has none", async () => {
    const result = await run(["verify", "platform", "--stack", "dev"], "http://127.0.0.1:1", platformConnections({ jobApi: () => Promise.resolve(jobApi(undefined, "complete")) }));
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stdout).toContain(`no CronJob ${verifyPlatformNaming.cronJob} in namespace flywheel: the stack has no job image (flywheel.image)`);
  });
});

describe("autoscalerNodeGroups", () => {
  it("reads the node group names of both status formats, and none from a status without node groups", () => {
    expect(autoscalerNodeGroups("nodeGroups:\n- name: eks-a-1\n  health:\n    status: Healthy\n- name: eks-b-2\n")).toEqual(["eks-a-1", "eks-b-2"]);
    expect(autoscalerNodeGroups("Cluster-wide:\n  Health: Healthy\nNodeGroups:\n  Name:    eks-c-3\n  Health:  Healthy\n")).toEqual(["eks-c-3"]);
    expect(autoscalerNodeGroups("Cluster-wide:\n  Health: Healthy\n")).toEqual([]);
  });
});
