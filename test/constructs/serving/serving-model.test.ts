import { Testing } from "cdk8s";
import { ServingModel, type ServingModelProps } from "../../../constructs/serving/serving-model";
import { servingAnnotationKeys, servingModelComponent } from "../../../flywheel-job/src/contract";
import { only, type Manifest } from "../nim/fixtures";

const promotedFrom = {
  runId: "6650f1a2b3c4d5e6f7a8b9c0",
  workloadId: "customer-support",
  clientId: "support-web",
  evalType: "base-eval",
  scores: { similarity: 0.91 },
  targets: { similarity: 0.9 },
  at: "2026-12-01T10:00:00Z",
} as const;

const props: ServingModelProps = {
  name: "support",
  namespace: "serving",
  model: "meta/llama-3.2-1b-instruct",
  image: { repository: "nvcr.io/nim/meta/llama-3.2-1b-instruct", tag: "1.12.0" },
  gpus: 1,
  replicas: { min: 1, max: 3 },
  scaleOn: { metric: "num_requests_waiting", target: 4 },
  promotedFrom,
  cache: { profiles: { gpus: [{ product: "l4" }], tensorParallelism: 1 }, sizeGiB: 50, storageClass: "efs-shared", accessMode: "ReadWriteMany", nodeSelector: { "data-flywheel.io/node-pool": "system" } },
  secretNames: { ngcApiKey: "ngc-api", pullSecret: "nvcr-pull" },
  resources: { requests: { cpu: "2", memory: "16Gi" }, limits: { cpu: "8", memory: "32Gi" } },
};

function render(overrides: Partial<ServingModelProps> = {}): { construct: ServingModel; manifests: Manifest[] } {
  const chart = Testing.chart();
  const construct = new ServingModel(chart, "model", { ...props, ...overrides });
  return { construct, manifests: chart.toJson() as Manifest[] };
}

const nimService = (overrides: Partial<ServingModelProps> = {}): Manifest => only(render(overrides).manifests, "NIMService");

describe("ServingModel", () => {
  it("serves from a NIMCache of its own in its namespace, named after the entry and the tag", () => {
    const { manifests } = render();
    const cache = only(manifests, "NIMCache");
    expect(cache.metadata).toMatchObject({ name: "support-1-12-0", namespace: "serving" });
    expect(cache.spec.source.ngc.modelPuller).toBe("nvcr.io/nim/meta/llama-3.2-1b-instruct:1.12.0");
    expect(only(manifests, "NIMService").spec.storage).toEqual({ nimCache: { name: "support-1-12-0" } });
  });

  it("labels the NIMService and its pods as a serving model and annotates it with its evidence and replicas", () => {
    const nim = nimService();
    expect(nim.metadata.labels[`app.kubernetes.io/component`]).toBe(servingModelComponent);
    expect(nim.spec.labels).toEqual(nim.metadata.labels);
    expect(JSON.parse(nim.metadata.annotations[servingAnnotationKeys.promotedFrom])).toEqual(promotedFrom);
    expect(JSON.parse(nim.metadata.annotations[servingAnnotationKeys.replicas])).toEqual({ min: 1, max: 3 });
    expect(nim.metadata.annotations[servingAnnotationKeys.adapter]).toBeUndefined();
  });

  it.each([
    ["off", { min: 0, max: 0 }, { replicas: 0, scale: undefined }],
    ["fixed", { min: 2, max: 2 }, { replicas: 2, scale: undefined }],
  ] as const)("runs a fixed number of replicas without an HPA when %s", (_, replicas, expected) => {
    const { spec } = nimService({ replicas });
    expect({ replicas: spec.replicas, scale: spec.scale }).toEqual(expected);
  });

  it("scales between min and max on the entry's NIM metric, a Pods metric averaged per replica", () => {
    const { spec } = nimService({ scaleOn: { metric: "gpu_cache_usage_perc", target: 0.75 } });
    expect(spec.replicas).toBeUndefined();
    expect(spec.scale).toEqual({
      enabled: true,
      hpa: { minReplicas: 1, maxReplicas: 3, metrics: [{ type: "Pods", pods: { metric: { name: "gpu_cache_usage_perc" }, target: { type: "AverageValue", averageValue: "0.75" } } }] },
    });
  });

  it("refuses min 0 with max above 0, which the NIM operator's HPA cannot do, and min above max", () => {
    expect(() => render({ replicas: { min: 0, max: 2 } })).toThrow(/replicas.min must be at least 1 when replicas.max is 2/);
    expect(() => render({ replicas: { min: 3, max: 2 } })).toThrow(/replicas.max/);
  });

  it("refuses to serve without evidence, and accepts an entry that is off without it", () => {
    expect(() => render({ promotedFrom: undefined })).toThrow(/promotedFrom is required once the model serves/);
    expect(() => render({ promotedFrom: undefined, replicas: { min: 0, max: 0 } })).not.toThrow();
  });

  it("has a PodDisruptionBudget selecting the operator's pod label from two replicas up, none below", () => {
    const budgets = (min: number, max: number) => render({ replicas: { min, max } }).manifests.filter((m) => m.kind === "PodDisruptionBudget");
    expect(budgets(1, 3)).toEqual([]);
    const [budget] = budgets(2, 4);
    expect(budget.metadata).toMatchObject({ name: "support", namespace: "serving" });
    expect(budget.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { app: "support" } } });
  });

  it("loads an adapter from Entity Store, names it the model to request and caches LoRA profiles as given", () => {
    const adapter = { id: "default/support@cust-3kYq2Bn8ZcS7", peftSource: "http://nemo-entitystore.nemo.svc.cluster.local:8000" };
    const { construct, manifests } = render({ adapter, promotedFrom: { ...promotedFrom, evalType: "customized-eval" } });
    const nim = only(manifests, "NIMService");
    expect(nim.spec.env).toEqual([
      { name: "NIM_PEFT_SOURCE", value: adapter.peftSource },
      { name: "NIM_PEFT_REFRESH_INTERVAL", value: "300" },
    ]);
    expect(nim.metadata.annotations[servingAnnotationKeys.adapter]).toBe(adapter.id);
    expect(construct.servedModelId).toBe(adapter.id);
    expect(render().construct.servedModelId).toBe("meta/llama-3.2-1b-instruct");
    expect(() => render({ adapter: { ...adapter, peftSource: "entitystore" } })).toThrow(/adapter.peftSource/);
  });

  it("spreads replicas across zones only when asked to and when there can be more than one", () => {
    expect(nimService({ spreadAcrossZones: true }).spec.affinity).toEqual({
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: { app: "support" } } } }],
      },
    });
    expect(nimService().spec.affinity).toBeUndefined();
    expect(nimService({ spreadAcrossZones: true, replicas: { min: 1, max: 1 } }).spec.affinity).toBeUndefined();
  });

  it("is reached at its operator-made Service on 8000, and scraped through its ServiceMonitor when given monitor labels", () => {
    const { construct } = render();
    expect(construct.url).toBe("http://support.serving.svc.cluster.local:8000");
    expect(construct.openAiBaseUrl).toBe("http://support.serving.svc.cluster.local:8000/v1");
    expect(nimService().spec.expose).toEqual({ service: { type: "ClusterIP", port: 8000 } });
    expect(nimService({ monitorLabels: { release: "kube-prometheus-stack" } }).spec.metrics).toEqual({ enabled: true, serviceMonitor: { additionalLabels: { release: "kube-prometheus-stack" } } });
    expect(nimService().spec.metrics).toBeUndefined();
  });
});
