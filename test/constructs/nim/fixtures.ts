import { Testing, type Chart } from "cdk8s";
import { NimCache, type NimCacheProps } from "../../../constructs/nim/nim-cache";
import { NimService, type NimServiceProps } from "../../../constructs/nim/nim-service";
import { NemoCustomizer, type NemoCustomizerProps } from "../../../constructs/nemo/customizer";
import { NemoCustomizerConfig, type NemoCustomizerConfigProps } from "../../../constructs/nemo/customizer-config";
import { NemoDatastore, type NemoDatastoreProps } from "../../../constructs/nemo/datastore";
import { nemoDatastoreSecretNames } from "../../../constructs/nemo/datastore-secrets";
import { NemoEntitystore, type NemoEntitystoreProps } from "../../../constructs/nemo/entitystore";
import { NemoEvaluator, type NemoEvaluatorProps } from "../../../constructs/nemo/evaluator";
import { NemoGuardrail, type NemoGuardrailProps } from "../../../constructs/nemo/guardrail";

/** A synthesized Kubernetes object, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests reach into arbitrary nested fields of the CRDs' specs
export type Manifest = Record<string, any>;

/** Synthesizes what `build` adds to a fresh chart. */
export function synth(build: (chart: Chart) => void): Manifest[] {
  const chart = Testing.chart();
  build(chart);
  return Testing.synth(chart);
}

/** The one object of a kind; fails when there is not exactly one. */
export function only(manifests: readonly Manifest[], kind: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}, got ${found.length}`);
  }
  return found[0];
}

const database = (name: string) => ({
  host: "nemo-postgres-rw.nemo.svc.cluster.local",
  database: name,
  user: name,
  passwordSecret: `nemo-postgres-${name}`,
});

const datastoreUrl = "http://nemo-datastore.nemo.svc.cluster.local:8000";
const entitystoreUrl = "http://nemo-entitystore.nemo.svc.cluster.local:8000";

/** Typical props of every construct, as the platform passes them. */
export const typicalProps = {
  nimCache: {
    name: "meta-llama-3-2-1b-instruct",
    namespace: "flywheel",
    source: {
      ngc: {
        modelPuller: "nvcr.io/nim/meta/llama-3.2-1b-instruct:1.12.0",
        pullSecret: "nvcr-pull",
        authSecret: "ngc-api",
        model: { gpus: [{ product: "l40s" }], engine: "tensorrt_llm", tensorParallelism: 1, lora: true },
      },
    },
    storage: { size: "50Gi", storageClass: "efs", accessMode: "ReadWriteMany" },
    nodeSelector: { "data-flywheel.io/node-pool": "system" },
  } satisfies NimCacheProps,
  nimService: {
    name: "llm-judge",
    namespace: "flywheel",
    image: { repository: "nvcr.io/nim/meta/llama-3.3-70b-instruct", tag: "1.13.1" },
    imagePullSecrets: ["nvcr-pull"],
    authSecret: "ngc-api",
    nimCache: { name: "meta-llama-3-3-70b-instruct" },
    gpus: 4,
    resources: { requests: { cpu: "4", memory: "32Gi" }, limits: { cpu: "16", memory: "64Gi" } },
  } satisfies NimServiceProps,
  datastore: {
    name: "nemo-datastore",
    namespace: "nemo",
    imagePullSecrets: ["nvcr-pull"],
    database: database("datastore"),
    secrets: nemoDatastoreSecretNames("nemo-datastore"),
    storage: { size: "100Gi", storageClass: "efs", accessMode: "ReadWriteMany" },
  } satisfies NemoDatastoreProps,
  entitystore: {
    name: "nemo-entitystore",
    namespace: "nemo",
    imagePullSecrets: ["nvcr-pull"],
    database: database("entitystore"),
    datastoreUrl,
  } satisfies NemoEntitystoreProps,
  customizerConfig: {
    name: "nemo-customizer",
    namespace: "nemo",
    targets: [
      {
        target: "meta/llama-3.2-1b-instruct@2.0",
        modelUri: "ngc://nvidia/nemo/llama-3_2-1b-instruct:2.0",
        numParameters: 1_000_000_000,
        precision: "bf16-mixed",
      },
    ],
    configTemplates: [
      {
        name: "llama-3.2-1b-instruct@v1.0.0+L40S",
        target: "meta/llama-3.2-1b-instruct@2.0",
        trainingOptions: [{ numGpus: 1 }],
        maxSeqLength: 4096,
      },
    ],
  } satisfies NemoCustomizerConfigProps,
  customizer: {
    name: "nemo-customizer",
    namespace: "nemo",
    imagePullSecrets: ["nvcr-pull"],
    database: database("customizer"),
    datastoreUrl,
    entitystoreUrl,
    mlflowUrl: "http://mlflow.nemo.svc.cluster.local:80",
    wandb: { secretName: "nemo-wandb" },
    config: { modelConfigMapName: "nemo-customizer-models", trainingConfigMapName: "nemo-customizer-training", checksum: "abc123" },
    training: {
      modelStorage: { size: "200Gi", storageClass: "efs", accessMode: "ReadWriteMany" },
      workspaceStorage: { size: "100Gi", storageClass: "gp3", accessMode: "ReadWriteOnce" },
    },
    modelDownloads: { ngcApiSecret: "ngc-api" },
  } satisfies NemoCustomizerProps,
  evaluator: {
    name: "nemo-evaluator",
    namespace: "nemo",
    imagePullSecrets: ["nvcr-pull"],
    database: database("evaluator"),
    datastoreUrl,
    entitystoreUrl,
    argoWorkflows: { endpoint: "https://argo-workflows-server.nemo.svc.cluster.local:2746", serviceAccount: "argo-workflows-executor" },
    vectorDbUrl: "http://milvus.nemo.svc.cluster.local:19530",
  } satisfies NemoEvaluatorProps,
  guardrail: {
    name: "nemo-guardrail",
    namespace: "nemo",
    imagePullSecrets: ["nvcr-pull"],
    configStore: { configMapName: "guardrail-configs" },
    nimEndpoint: { baseUrl: "http://llm-judge.flywheel.svc.cluster.local:8000/v1" },
  } satisfies NemoGuardrailProps,
};

/** Every construct with typical props in one chart, wired to each other as the platform wires them. */
export function synthesizeTypicalPlatform(): { manifests: Manifest[]; urls: Record<string, string> } {
  const urls: Record<string, string> = {};
  const manifests = synth((chart) => {
    const datastore = new NemoDatastore(chart, "datastore", typicalProps.datastore);
    const entitystore = new NemoEntitystore(chart, "entitystore", { ...typicalProps.entitystore, datastoreUrl: datastore.url });
    const config = new NemoCustomizerConfig(chart, "customizer-config", typicalProps.customizerConfig);
    const customizer = new NemoCustomizer(chart, "customizer", { ...typicalProps.customizer, datastoreUrl: datastore.url, entitystoreUrl: entitystore.url, config });
    const evaluator = new NemoEvaluator(chart, "evaluator", { ...typicalProps.evaluator, datastoreUrl: datastore.url, entitystoreUrl: entitystore.url });
    const cache = new NimCache(chart, "judge-cache", { ...typicalProps.nimCache, name: typicalProps.nimService.nimCache.name });
    const judge = new NimService(chart, "judge", { ...typicalProps.nimService, nimCache: { name: cache.name } });
    const guardrail = new NemoGuardrail(chart, "guardrail", { ...typicalProps.guardrail, nimEndpoint: { baseUrl: judge.openAiBaseUrl } });
    Object.assign(urls, { datastore: datastore.url, entitystore: entitystore.url, customizer: customizer.url, evaluator: evaluator.url, judge: judge.url, guardrail: guardrail.url });
  });
  return { manifests, urls };
}
