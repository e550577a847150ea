import { strictRequestProblems } from "./openai-chat-request";
import { HttpStandIn, type Reply } from "./http-stand-in";
import type { NemoStandIn } from "./nemo-stand-in";
import { standInKubeconfig } from "./stand-in-kubeconfig";

type Json = Record<string, unknown>;

interface StoredNimService {
  readonly object: Json & { metadata: Json & { name: string; labels?: Record<string, string> }; spec: Json };
  readonly model: string;
  readonly gpus: number;
  readonly nim: HttpStandIn;
  polls: number;
}

/** How the operator treats a NIMService of a model. */
export interface DeploymentBehaviour {
  /** Reads of the NIMService until it is Ready. @default 2 */
  readonly readsToReady?: number;
  /** Goes Failed with this message instead. */
  readonly failWith?: string;
}

const status = (code: number, reason: string, message: string): Reply => ({
  status: code,
  body: { kind: "Status", apiVersion: "v1", status: "Failure", reason, message, code },
});

/**
 * A stand-in for the Kubernetes API a run calls (NIMServices, NIMCaches, Jobs in one namespace) that
 * also plays the NIM operator: a created NIMService gets a NIM of its own (a small server with
 * `/v1/models`, listing the base model and the adapters Entity Store holds for it, once it is
 * Ready), turns Ready after a few reads with `status.model.clusterEndpoint` pointing at that server,
 * or Failed when the test says so. It refuses what the CRD requires and is missing, and it records
 * the most GPUs the NIMServices held at once.
 */
export class KubernetesStandIn {
  readonly http = new HttpStandIn();
  readonly nimServices = new Map<string, StoredNimService>();
  /** Every NIMService ever created, as it was sent. */
  readonly created: Json[] = [];
  readonly nimCaches = new Map<string, string>();
  readonly jobs = new Map<string, { uid: string; finished: boolean }>();
  readonly deploymentBehaviour = new Map<string, DeploymentBehaviour>();
  maxGpusInUse = 0;

  constructor(
    readonly namespace: string,
    private readonly nemo: NemoStandIn,
  ) {
    const base = `/apis/apps.nvidia.com/v1alpha1/namespaces/${namespace}`;
    this.http.route("POST", `${base}/nimservices`, (request) => this.create(request.json as StoredNimService["object"]));
    this.http.route("GET", `${base}/nimservices`, (request) => ({
      status: 200,
      body: { apiVersion: "apps.nvidia.com/v1alpha1", kind: "NIMServiceList", items: [...this.nimServices.values()].filter((s) => selects(request.query.get("labelSelector") ?? "", s.object.metadata.labels ?? {})).map((s) => s.object) },
    }));
    this.http.route("GET", `${base}/nimservices/:name`, (_, p) => this.read(p.name));
    this.http.route("DELETE", `${base}/nimservices/:name`, async (_, p) => {
      const stored = this.nimServices.get(p.name);
      if (!stored) {
        return status(404, "NotFound", `nimservices.apps.nvidia.com "${p.name}" not found`);
      }
      this.nimServices.delete(p.name);
      await stored.nim.stop();
      return { status: 200, body: { kind: "Status", apiVersion: "v1", status: "Success" } };
    });
    this.http.route("GET", `${base}/nimcaches/:name`, (_, p) => {
      const state = this.nimCaches.get(p.name);
      return state === undefined
        ? status(404, "NotFound", `nimcaches.apps.nvidia.com "${p.name}" not found`)
        : { status: 200, body: { apiVersion: "apps.nvidia.com/v1alpha1", kind: "NIMCache", metadata: { name: p.name, namespace }, status: { state } } };
    });
    this.http.route("GET", `/apis/batch/v1/namespaces/${namespace}/jobs/:name`, (_, p) => {
      const job = this.jobs.get(p.name);
      if (!job) {
        return status(404, "NotFound", `jobs.batch "${p.name}" not found`);
      }
      return {
        status: 200,
        body: {
          apiVersion: "batch/v1",
          kind: "Job",
          metadata: { name: p.name, namespace, uid: job.uid },
          status: job.finished ? { conditions: [{ type: "Complete", status: "True" }], completionTime: "2025-01-01T00:00:00Z" } : { active: 1 },
        },
      };
    });
  }

  get url(): string {
    return this.http.url;
  }

  start(): Promise<string> {
    return this.http.start();
  }

  async stop(): Promise<void> {
    for (const stored of this.nimServices.values()) {
      await stored.nim.stop();
    }
    await this.http.stop();
  }

  /** A kubeconfig that points at this stand-in. */
  kubeconfig(): string {
    return standInKubeconfig(this.url, this.namespace);
  }

  /** Adds a NIMService as a run of another process would have left it (for the sweep). */
  async plant(object: StoredNimService["object"]): Promise<void> {
    const reply = await this.create(object);
    if (reply.status !== 201) {
      throw new Error(`cannot plant ${object.metadata.name}: ${JSON.stringify(reply.body)}`);
    }
  }

  private async create(object: StoredNimService["object"]): Promise<Reply> {
    const name = object?.metadata?.name;
    const spec = object?.spec ?? {};
    const image = spec.image as Json | undefined;
    if (!name || typeof image?.repository !== "string" || image.repository === "" || !image.tag || !spec.authSecret) {
      return status(422, "Invalid", "NIMService is invalid: metadata.name, spec.image.repository, spec.image.tag and spec.authSecret are required");
    }
    if (this.nimServices.has(name)) {
      return status(409, "AlreadyExists", `nimservices.apps.nvidia.com "${name}" already exists`);
    }
    const model = image.repository.replace(/^nvcr\.io\/nim\//, "");
    const gpus = Number((((spec.resources as Json | undefined)?.limits as Json | undefined) ?? {})["nvidia.com/gpu"] ?? 0);
    const nim = new HttpStandIn();
    const stored: StoredNimService = { object: { ...object, metadata: { ...object.metadata, uid: `uid-${name}`, namespace: this.namespace } }, model, gpus, nim, polls: 0 };
    nim.route("GET", "/v1/models", () => {
      if (stored.object.status === undefined || (stored.object.status as Json).state !== "Ready") {
        return { status: 503, body: { detail: "model is loading" } };
      }
      const peftSource = ((spec.env as { name: string; value: string }[] | undefined) ?? []).find((e) => e.name === "NIM_PEFT_SOURCE")?.value;
      const adapters = peftSource === this.nemo.url ? this.nemo.adaptersOf(model) : [];
      return { status: 200, body: { object: "list", data: [model, ...adapters].map((id) => ({ id, object: "model" })) } };
    });
    nim.route("POST", "/v1/chat/completions", (request) => {
      if (stored.object.status === undefined || (stored.object.status as Json).state !== "Ready") {
        return { status: 503, body: { detail: "model is loading" } };
      }
      const problems = strictRequestProblems(request.json);
      if (problems.length > 0) {
        return { status: 400, body: { object: "error", message: problems.join("; "), type: "BadRequestError" } };
      }
      const body = request.json as { model: string; tools?: { function: { name: string } }[]; tool_choice?: unknown };
      const peftSource = ((spec.env as { name: string; value: string }[] | undefined) ?? []).find((e) => e.name === "NIM_PEFT_SOURCE")?.value;
      if (body.model !== model && !(peftSource === this.nemo.url && this.nemo.adaptersOf(model).includes(body.model))) {
        return { status: 404, body: { object: "error", message: `The model \`${body.model}\` does not exist.` } };
      }
      const tool = body.tools?.[0];
      const message = tool && body.tool_choice === "required" ? { role: "assistant", content: null, tool_calls: [{ id: "call-1", type: "function", function: { name: tool.function.name, arguments: "{}" } }] } : { role: "assistant", content: "An answer." };
      return { status: 200, body: { object: "chat.completion", model: body.model, choices: [{ index: 0, message, finish_reason: "stop" }] } };
    });
    await nim.start();
    this.nimServices.set(name, stored);
    this.created.push(object);
    this.maxGpusInUse = Math.max(this.maxGpusInUse, [...this.nimServices.values()].reduce((sum, s) => sum + s.gpus, 0));
    return { status: 201, body: stored.object };
  }

  private read(name: string): Reply {
    const stored = this.nimServices.get(name);
    if (!stored) {
      return status(404, "NotFound", `nimservices.apps.nvidia.com "${name}" not found`);
    }
    stored.polls += 1;
    const behaviour = this.deploymentBehaviour.get(stored.model) ?? {};
    const cache = String(((stored.object.spec.storage as Json | undefined)?.nimCache as Json | undefined)?.name);
    if (behaviour.failWith) {
      stored.object.status = { state: "Failed", conditions: [{ type: "NIM_SERVICE_FAILED", status: "True", reason: "Failed", message: behaviour.failWith }] };
    } else if (!this.nimCaches.has(cache)) {
      stored.object.status = { state: "NotReady", conditions: [{ type: "NIM_SERVICE_READY", status: "False", reason: "NIMCacheNotFound", message: `NIMCache ${cache} not found` }] };
    } else if (stored.polls >= (behaviour.readsToReady ?? 2)) {
      stored.object.status = {
        state: "Ready",
        availableReplicas: 1,
        conditions: [{ type: "NIM_SERVICE_READY", status: "True", reason: "Ready" }],
        model: { name: stored.model, clusterEndpoint: stored.nim.url.replace(/^http:\/\//, "") },
      };
    } else {
      stored.object.status = { state: "NotReady", availableReplicas: 0, conditions: [{ type: "NIM_SERVICE_READY", status: "False", reason: "PodsStarting" }] };
    }
    return { status: 200, body: stored.object };
  }
}

/** Equality (`k=v`) and existence (`k`) requirements, comma-separated, as the API server reads a label selector. */
function selects(selector: string, labels: Record<string, string>): boolean {
  return selector
    .split(",")
    .filter(Boolean)
    .every((requirement) => {
      const [key, value] = requirement.split("=");
      return value === undefined ? key in labels : labels[key] === value;
    });
}
