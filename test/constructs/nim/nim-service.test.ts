import { NimService, type NimServiceProps } from "../../../constructs/nim/nim-service";
import { gpuResource, gpuRoleLabel, gpuTaint } from "../../../flywheel-job/src/contract";
import { only, synth, typicalProps } from "./fixtures";

const props = typicalProps.nimService;

function nimService(overrides: Partial<NimServiceProps> = {}) {
  let construct: NimService | undefined;
  const manifest = only(synth((chart) => (construct = new NimService(chart, "nim", { ...props, ...overrides }))), "NIMService");
  return { construct: construct as NimService, spec: manifest.spec, manifest };
}

function build(overrides: Partial<NimServiceProps>) {
  return () => nimService(overrides);
}

const gpuCacheMetric = {
  type: "Object",
  object: {
    metric: { name: "gpu_cache_usage_perc" },
    describedObject: { apiVersion: "v1", kind: "Service", name: "llm-judge" },
    target: { type: "Utilization", averageUtilization: 50 },
  },
};

describe("NimService", () => {
  it("exposes its in-cluster and OpenAI URLs on port 8000", () => {
    const { construct, spec } = nimService();
    expect(construct.url).toBe("http://llm-judge.flywheel.svc.cluster.local:8000");
    expect(construct.openAiBaseUrl).toBe("http://llm-judge.flywheel.svc.cluster.local:8000/v1");
    expect(spec.expose).toEqual({ service: { type: "ClusterIP", port: 8000 } });
  });

  it("has the operator create a ServiceMonitor carrying its Prometheus's labels when given them, and collects nothing otherwise", () => {
    expect(nimService({ monitorLabels: { release: "kube-prometheus-stack" } }).spec.metrics).toEqual({ enabled: true, serviceMonitor: { additionalLabels: { release: "kube-prometheus-stack" } } });
    expect(nimService().spec.metrics).toBeUndefined();
    expect(build({ monitorLabels: {} })).toThrow(/monitorLabels must name at least one label/);
  });

  it("runs on the inference GPU pool: tolerates the GPU taint and selects the pool", () => {
    const { spec } = nimService({ nodeSelector: { "data-flywheel.io/node-pool": "inference-l40s" } });
    expect(spec.tolerations).toEqual([{ key: gpuTaint.key, operator: "Exists", effect: gpuTaint.effect }]);
    expect(spec.nodeSelector).toEqual({ [gpuRoleLabel]: "inference", "data-flywheel.io/node-pool": "inference-l40s" });
  });

  it("requests its GPUs, CPU and memory with limits", () => {
    expect(nimService().spec.resources).toEqual({
      requests: { cpu: "4", memory: "32Gi" },
      limits: { cpu: "16", memory: "64Gi", [gpuResource]: 4 },
    });
  });

  it("serves the pinned image from its NIMCache with the NGC key and pull secret", () => {
    const { spec } = nimService({ nimCache: { name: "meta-llama-3-3-70b-instruct", profile: "tensorrt_llm-l40s-bf16-tp4-throughput" } });
    expect(spec.image).toEqual({ repository: "nvcr.io/nim/meta/llama-3.3-70b-instruct", tag: "1.13.1", pullPolicy: "IfNotPresent", pullSecrets: ["nvcr-pull"] });
    expect(spec.authSecret).toBe("ngc-api");
    expect(spec.storage).toEqual({ nimCache: { name: "meta-llama-3-3-70b-instruct", profile: "tensorrt_llm-l40s-bf16-tp4-throughput" } });
  });

  it("runs one replica unless told otherwise, and scales through the HPA without replicas", () => {
    expect(nimService().spec.replicas).toBe(1);
    expect(nimService({ replicas: 0 }).spec.replicas).toBe(0);
    const { spec } = nimService({ autoscaling: { minReplicas: 1, maxReplicas: 3, metrics: [gpuCacheMetric] } });
    expect(spec.replicas).toBeUndefined();
    expect(spec.scale).toEqual({ enabled: true, hpa: { minReplicas: 1, maxReplicas: 3, metrics: [gpuCacheMetric] } });
  });

  it("enforces the CRD's rule that replicas and autoscaling exclude each other", () => {
    expect(build({ replicas: 2, autoscaling: { minReplicas: 1, maxReplicas: 3, metrics: [gpuCacheMetric] } })).toThrow(
      "NIMService flywheel/llm-judge: replicas (2) cannot be set together with autoscaling: the CRD rejects spec.replicas when spec.scale.enabled is true",
    );
  });

  it("refuses a selector for another pool, an unpinned image and impossible sizes", () => {
    expect(build({ nodeSelector: { [gpuRoleLabel]: "training" } })).toThrow(`nodeSelector sets ${gpuRoleLabel}="training", but these pods run on the inference pool`);
    expect(build({ image: { repository: "nvcr.io/nim/meta/llama-3.3-70b-instruct", tag: "latest" } })).toThrow('image.tag must pin a release, not "latest"');
    expect(build({ gpus: 0 })).toThrow("gpus must be an integer between 1 and 16, got 0");
    expect(build({ resources: { requests: { cpu: "4", memory: "80Gi" }, limits: { cpu: "16", memory: "64Gi" } } })).toThrow(
      "resources.requests.memory (80Gi) exceeds resources.limits.memory (64Gi)",
    );
    expect(build({ autoscaling: { minReplicas: 1, maxReplicas: 2, metrics: [] } })).toThrow("autoscaling.metrics must name at least one metric");
  });

  it("refuses a name the operator cannot give its Service", () => {
    expect(build({ name: "7b-judge" })).toThrow('name "7b-judge" must be a DNS-1035 label');
  });
});
