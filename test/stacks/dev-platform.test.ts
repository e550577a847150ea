import type { RenderedStack } from "../../render/render-stack";
import { renderedStack } from "../support/rendered-stacks";
import type { KubernetesObject } from "../../policies/lib/kubernetes-object";
import { gpuRoleLabel, gpuTaint, parseJobConfig, verifyPlatformNaming, verifyServingNaming } from "../../flywheel-job/src/contract";
import { input, named, ofType } from "../support/resources";
import { parse } from "yaml";
import { kubernetesModel } from "../support/kubernetes-schema";
import { endpointsIn, serviceMap } from "../support/service-map";
import { servedModelEndpoint } from "../../infra/platform/flywheel-models";
import { nemoServiceUrls } from "../../infra/platform/nemo-microservices";
import { platformEndpoints } from "../../infra/platform/platform-endpoints";
import { namespaces } from "../../infra/platform/namespaces";

let dev: RenderedStack;

beforeAll(async () => {
  dev = await renderedStack("dev");
});

const kinds = (kind: string): KubernetesObject[] => dev.manifests.filter((m) => m.kind === kind);
const spec = (object: KubernetesObject): Record<string, unknown> => (object.spec ?? {}) as Record<string, unknown>;
/** The workloads' CronJobs, not the suspended verify-serving and verify-platform ones. */
// The workloads' CronJobs: those in the flywheel namespace but the two suspended verify ones (the backups' live in `data`).
const workloadCronJobs = (): KubernetesObject[] =>
  kinds("CronJob").filter((c) => c.metadata.namespace === namespaces.flywheel && c.metadata.name !== verifyServingNaming.cronJob && c.metadata.name !== verifyPlatformNaming.cronJob);

describe("dev platform", () => {
  it("pins every Helm release to an exact chart version from an https repository", () => {
    const releases = ofType(dev.resources, "kubernetes:helm.sh/v3:Release");
    expect(releases.map((r) => input(r, "chart")).sort()).toEqual([
      "argo-workflows",
      "cert-manager",
      "cloudnative-pg",
      "cluster-autoscaler",
      "eck-operator",
      "gpu-operator",
      "k8s-nim-operator",
      "kube-prometheus-stack",
      "milvus",
      "mlflow",
      "mongodb-kubernetes",
      "nemo-operator",
      "plugin-barman-cloud",
      "prometheus-pushgateway",
      "volcano",
    ]);
    for (const release of releases) {
      expect(String(input(release, "version"))).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(String(input(release, "repositoryOpts", "repo"))).toMatch(/^https:\/\//);
    }
  });

  it("pins the images the charts would float", () => {
    const release = (chart: string): ReturnType<typeof ofType>[number] => {
      const found = ofType(dev.resources, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === chart);
      if (!found) {
        throw new Error(`no release of ${chart}`);
      }
      return found;
    };
    expect(input(release("k8s-nim-operator"), "values", "operator", "image", "tag")).toBe("v3.1.2");
    expect(input(release("volcano"), "values", "basic", "image_tag_version")).toBe("v1.15.0");
  });

  it("installs the GPU Operator's device plugin but not the driver and toolkit the EKS NVIDIA AMI already has", () => {
    const gpu = ofType(dev.resources, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === "gpu-operator");
    expect(gpu && input(gpu, "values")).toMatchObject({
      driver: { enabled: false },
      toolkit: { enabled: false },
      devicePlugin: { enabled: true },
      dcgmExporter: { enabled: true },
      gfd: { enabled: true },
    });
  });

  it("configures Volcano without the enqueue action, so a training job can scale a pool up from zero", () => {
    const volcano = ofType(dev.resources, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === "volcano");
    const config = String(volcano && input(volcano, "values", "custom", "scheduler_config_override"));
    expect(config).toMatch(/^actions: "allocate, backfill"$/m);
    expect(config).not.toContain("enqueue");
  });

  it("declares operator CRDs as resources, installs their charts without them, and makes custom resources wait for both", () => {
    const nimRelease = ofType(dev.resources, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === "k8s-nim-operator");
    expect(nimRelease && input(nimRelease, "skipCrds")).toBe(true);
    expect(nimRelease?.options?.dependsOn).toEqual(["data-flywheel:kubernetes:OperatorCrds::platform-nim-operator-crds"]);
    const groupsWith = (kind: string): string[] =>
      ofType(dev.resources, "kubernetes:yaml/v2:ConfigGroup")
        .filter((g) => [input(g, "objs") ?? []].flat().some((o) => (o as KubernetesObject).kind === kind))
        .flatMap((g) => g.options?.dependsOn ?? []);
    expect(groupsWith("NemoEvaluator")).toEqual(
      expect.arrayContaining(["data-flywheel:kubernetes:OperatorCrds::platform-nim-operator-crds", "kubernetes:helm.sh/v3:Release::platform-nim-operator"]),
    );
    expect(groupsWith("NIMCache")).toContain("kubernetes:helm.sh/v3:Release::platform-nim-operator");
    expect(groupsWith("Elasticsearch")).toEqual(
      expect.arrayContaining(["data-flywheel:kubernetes:OperatorCrds::platform-data-operators-eck-crds", "kubernetes:helm.sh/v3:Release::platform-data-operators-eck"]),
    );
    expect(groupsWith("MongoDBCommunity")).toEqual(
      expect.arrayContaining(["data-flywheel:kubernetes:OperatorCrds::platform-data-mongodb-crds", "kubernetes:helm.sh/v3:Release::platform-data-mongodb-operator"]),
    );
    expect(groupsWith("Cluster")).toEqual(expect.arrayContaining(["kubernetes:helm.sh/v3:Release::platform-data-operators-cnpg"]));
  });

  it("points every endpoint a NeMo service or NIM is configured with at a Service the stack creates, on the right port", () => {
    const services = serviceMap(dev.manifests, dev.resources);
    const configured = dev.manifests
      .filter((m) => m.apiVersion.startsWith("apps.nvidia.com/") && m.kind !== "NIMCache")
      .flatMap((m) => endpointsIn(m.spec, `${m.kind}/${m.metadata.name}`));
    expect(configured.length).toBeGreaterThan(10);
    const dangling = configured.filter((e) => !services.get(e.host)?.has(e.port)).map((e) => `${e.path} -> ${e.host}:${e.port}`);
    expect(dangling).toEqual([]);
  });

  it("gives the Evaluator Data Store's Hugging Face API root", () => {
    const [evaluator] = kinds("NemoEvaluator");
    expect(spec(evaluator).datastore).toEqual({ endpoint: "http://nemo-datastore.nemo.svc.cluster.local:8000/v1/hf" });
  });

  it("runs fine-tuning pods on the training pool, tolerating the GPU taint", () => {
    const [customizer] = kinds("NemoCustomizer");
    const training = spec(customizer).trainingConfig as { tolerations: unknown[]; nodeSelector: Record<string, string> };
    expect(training.tolerations).toContainEqual(expect.objectContaining({ key: gpuTaint.key, effect: gpuTaint.effect }));
    expect(training.nodeSelector).toEqual({ [gpuRoleLabel]: "training" });
  });

  it("caches every candidate model on shared storage, pinned to the inference pool's GPU, from CPU nodes", () => {
    // The serving entry's cache, in serving, is test/stacks/serving.test.ts's.
    const caches = kinds("NIMCache").filter((c) => c.metadata.namespace === "flywheel");
    expect(caches.map((c) => `${c.metadata.namespace}/${c.metadata.name}`)).toEqual(["flywheel/llama-3-2-1b-instruct-1-12-0"]);
    expect(spec(caches[0])).toMatchObject({
      source: { ngc: { modelPuller: "nvcr.io/nim/meta/llama-3.2-1b-instruct:1.12.0", model: { gpus: [{ product: "l4" }], lora: true } } },
      storage: { pvc: { storageClass: "efs-shared", volumeAccessMode: "ReadWriteMany" } },
      nodeSelector: { "data-flywheel.io/node-pool": "system" },
    });
  });

  it("keeps secret values out of cdk8s charts: Secrets are only ever typed resources", () => {
    const inGroups = ofType(dev.resources, "kubernetes:yaml/v2:ConfigGroup")
      .flatMap((g) => [input(g, "objs") ?? []].flat() as KubernetesObject[])
      .filter((o) => o.kind === "Secret");
    expect(inGroups).toEqual([]);
  });

  it("gives every container it renders requests, limits and a pinned image", () => {
    const pods = dev.manifests.flatMap((m) => {
      const template = (m.kind === "Job" || m.kind === "StatefulSet" || m.kind === "Deployment" ? (spec(m).template as { spec: { containers: unknown[] } }) : undefined)?.spec;
      return template ? [{ owner: `${m.kind}/${m.metadata.name}`, containers: template.containers as { image: string; resources?: Record<string, Record<string, string>> }[] }] : [];
    });
    expect(pods.length).toBeGreaterThan(1);
    for (const { owner, containers } of pods) {
      for (const c of containers) {
        expect([owner, c.resources?.requests?.cpu, c.resources?.limits?.memory].every(Boolean)).toBe(true);
        expect(c.image).toMatch(/(:[\w.-]+|@sha256:[a-f0-9]{64})$/);
        expect(c.image).not.toMatch(/:latest$/);
      }
    }
  });

  it("schedules the example workload's flywheel on the model cache the stack keeps for its candidate", () => {
    const [cronJob] = workloadCronJobs();
    expect(cronJob.metadata).toMatchObject({ name: "flywheel-customer-support-support-web", namespace: "flywheel" });
    const [configMap] = dev.manifests.filter((m) => m.kind === "ConfigMap" && m.metadata.name === "flywheel-customer-support-support-web-config");
    const config = parseJobConfig(parse(String((configMap.data as Record<string, string>)["config.yaml"])), "the dev ConfigMap");
    expect(config.candidates.map((c) => [c.model, c.nimCache])).toEqual([["meta/llama-3.2-1b-instruct", "llama-3-2-1b-instruct-1-12-0"]]);
    expect(kinds("NIMCache").map((c) => c.metadata.name)).toContain(config.candidates[0].nimCache);
  });

  it("renders core objects that validate against the Kubernetes schema", () => {
    let validated = 0;
    for (const object of dev.manifests) {
      const Model = kubernetesModel(object.apiVersion, object.kind);
      if (Model) {
        expect(() => new Model(object).validate()).not.toThrow();
        validated++;
      }
    }
    expect(validated).toBeGreaterThan(30);
  });
});

describe("dev data services", () => {
  const platform = "data-flywheel:platform:FlywheelPlatform::platform";
  const childrenOf = (parent: string): string[] => dev.resources.filter((r) => r.parent === parent).map((r) => `${r.type}::${r.name}`).sort();

  it("declares the log store and the run state as components of the platform, under the name their resources keep", () => {
    expect(named(dev.resources, "data-flywheel:platform:LogStore", "platform-data").parent).toBe(platform);
    expect(named(dev.resources, "data-flywheel:platform:RunState", "platform-data").parent).toBe(platform);
    expect(ofType(dev.resources, "data-flywheel:platform:DataServices")).toEqual([]);
  });

  it("parents the certificates, users (the metrics exporter's with monitoring on), Elasticsearch, the CA ConfigMaps and the snapshots' bucket and role to the log store", () => {
    expect(childrenOf("data-flywheel:platform:LogStore::platform-data")).toEqual([
      "data-flywheel:aws:IrsaRole::platform-data-snapshots",
      "data-flywheel:aws:SecureBucket::platform-data-snapshots",
      "kubernetes:core/v1:ConfigMap::platform-data-ca-flywheel",
      "kubernetes:core/v1:ConfigMap::platform-data-ca-metrics",
      "kubernetes:core/v1:ConfigMap::platform-data-snapshots-role",
      "kubernetes:core/v1:Secret::platform-data-es-http-tls",
      "kubernetes:core/v1:Secret::platform-data-es-metrics",
      "kubernetes:core/v1:Secret::platform-data-es-reader",
      "kubernetes:core/v1:Secret::platform-data-es-roles",
      "kubernetes:core/v1:ServiceAccount::platform-data-snapshots",
      "kubernetes:yaml/v2:ConfigGroup::platform-data-logs",
      "random:index/randomPassword:RandomPassword::platform-data-es-metrics",
      "random:index/randomPassword:RandomPassword::platform-data-es-reader",
      "tls:index/certRequest:CertRequest::platform-data-es-http",
      "tls:index/locallySignedCert:LocallySignedCert::platform-data-es-http",
      "tls:index/privateKey:PrivateKey::platform-data-ca",
      "tls:index/privateKey:PrivateKey::platform-data-es-http",
      "tls:index/selfSignedCert:SelfSignedCert::platform-data-ca",
    ]);
  });

  it("parents the MongoDB operator, MongoDB and Redis (and their metrics passwords, with monitoring on) and the flywheel's connections Secret to the run state", () => {
    expect(childrenOf("data-flywheel:platform:RunState::platform-data")).toEqual([
      "data-flywheel:kubernetes:OperatorCrds::platform-data-mongodb-crds",
      "kubernetes:core/v1:ConfigMap::platform-data-mongodb-ca",
      "kubernetes:core/v1:Secret::platform-data-connections",
      "kubernetes:core/v1:Secret::platform-data-mongodb",
      "kubernetes:core/v1:Secret::platform-data-mongodb-metrics",
      "kubernetes:core/v1:Secret::platform-data-mongodb-tls",
      "kubernetes:core/v1:Secret::platform-data-redis",
      "kubernetes:core/v1:Secret::platform-data-redis-tls",
      "kubernetes:helm.sh/v3:Release::platform-data-mongodb-operator",
      "kubernetes:yaml/v2:ConfigGroup::platform-data-state",
      "random:index/randomPassword:RandomPassword::platform-data-mongodb",
      "random:index/randomPassword:RandomPassword::platform-data-mongodb-metrics",
      "random:index/randomPassword:RandomPassword::platform-data-redis",
      "random:index/randomPassword:RandomPassword::platform-data-redis-metrics",
      // Each server certificate is a key, a request and the certificate the stack's CA signed.
      "tls:index/certRequest:CertRequest::platform-data-mongodb-tls",
      "tls:index/certRequest:CertRequest::platform-data-redis-tls",
      "tls:index/locallySignedCert:LocallySignedCert::platform-data-mongodb-tls",
      "tls:index/locallySignedCert:LocallySignedCert::platform-data-redis-tls",
      "tls:index/privateKey:PrivateKey::platform-data-mongodb-tls",
      "tls:index/privateKey:PrivateKey::platform-data-redis-tls",
    ]);
  });

  it("starts the flywheel only after both stores, its connections Secret and the log store's CA exist", () => {
    expect(named(dev.resources, "kubernetes:yaml/v2:ConfigGroup", "platform-workloads").options?.dependsOn).toEqual(
      expect.arrayContaining([
        "kubernetes:yaml/v2:ConfigGroup::platform-data-logs",
        "kubernetes:yaml/v2:ConfigGroup::platform-data-state",
        "kubernetes:core/v1:Secret::platform-data-connections",
        "kubernetes:core/v1:ConfigMap::platform-data-ca-flywheel",
      ]),
    );
  });

  it("outputs the cluster and exactly the platform's endpoints", () => {
    const { models } = dev.config;
    expect(dev.outputs).toEqual({
      clusterName: "data-flywheel-dev",
      kubeconfig: "[secret]",
      ...platformEndpoints({
        elasticsearchUrl: "https://flywheel-logs-es-http.data.svc:9200",
        logWriterNamespaces: [],
        runState: {
          mongodb: "mongodb://flywheel@flywheel-mongodb-0.flywheel-mongodb-svc.data.svc.cluster.local:27017/flywheel?replicaSet=flywheel-mongodb&authSource=admin&tls=true",
          redis: "rediss://flywheel-redis.data.svc.cluster.local:6379",
        },
        nemo: nemoServiceUrls("nemo", models.candidates.some((m) => m.customization !== undefined)),
        judge: servedModelEndpoint("judge", models.judge, "nemo"),
        embedding: servedModelEndpoint("embedding", models.embedding, "nemo"),
        // The shipped entry, off: its URL and model id are known all the same.
        serving: { "customer-support": { baseUrl: "http://customer-support.serving.svc.cluster.local:8000/v1", model: "meta/llama-3.2-1b-instruct" } },
      }),
      flywheelApi: {
        url: "http://flywheel-api.flywheel.svc.cluster.local:8000",
        tokenSecrets: { read: "flywheel/flywheel-api-read-token", operator: "flywheel/flywheel-api-operator-token" },
      },
    });
  });
});

describe("dev flywheel network policies", () => {
  const policy = (name: string): KubernetesObject => {
    const [found] = dev.manifests.filter((m) => m.kind === "NetworkPolicy" && m.metadata.namespace === "flywheel" && m.metadata.name === name);
    if (!found) {
      throw new Error(`no NetworkPolicy flywheel/${name}`);
    }
    return found;
  };

  it("selects the scheduled job's pods by the labels the CronJob gives them", () => {
    const [cronJob] = workloadCronJobs();
    const podLabels = (spec(cronJob).jobTemplate as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec.template.metadata.labels;
    const selector = (spec(policy("flywheel-job-to-elasticsearch-egress")).podSelector as { matchLabels: Record<string, string> }).matchLabels;
    expect(Object.keys(selector).length).toBeGreaterThan(0);
    expect(podLabels).toMatchObject(selector);
  });

  it("lets the job reach the API server only on 443 on EKS", () => {
    const api = spec(policy("flywheel-job-to-api-server-egress")).egress as { ports: { port: number }[] }[];
    expect(api.flatMap((rule) => rule.ports.map((p) => p.port))).toEqual([443]);
  });
});
