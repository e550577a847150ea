import { NimService, type NimServiceProps } from "../../../constructs/nim/nim-service";
import { only, synth, synthesizeTypicalPlatform, typicalProps, type Manifest } from "./fixtures";

/**
 * The constructs build their specs from the types `cdk8s import` generated from the CRDs, so field
 * names and types are checked when the project compiles; this test checks what compiling cannot:
 * every field the CRDs require is present, the CEL rules hold, and the resources are wired to each
 * other's Services. (`.ci/run` also runs the optional validate-manifests tool on the stacks' renders
 * where it is installed.)
 */

// Required fields of each kind, from the v3.1.2 CRDs' openAPIV3Schema `required` lists.
const requiredFields: Record<string, string[]> = {
  NemoDatastore: [
    "spec.image.repository", "spec.image.tag",
    "spec.databaseConfig.host", "spec.databaseConfig.databaseName", "spec.databaseConfig.credentials.user", "spec.databaseConfig.credentials.secretName",
    "spec.secrets.datastoreConfigSecret", "spec.secrets.datastoreInitSecret", "spec.secrets.datastoreInlineConfigSecret", "spec.secrets.giteaAdminSecret", "spec.secrets.lfsJwtSecret",
  ],
  NemoEntitystore: ["spec.image.repository", "spec.image.tag", "spec.databaseConfig.host", "spec.databaseConfig.databaseName", "spec.datastore.endpoint"],
  NemoCustomizer: [
    "spec.image.repository", "spec.image.tag", "spec.databaseConfig.host", "spec.databaseConfig.databaseName",
    "spec.datastore.endpoint", "spec.entitystore.endpoint", "spec.mlflow.endpoint", "spec.modelConfig.name",
    "spec.modelDownloadJobs.image", "spec.modelDownloadJobs.pollIntervalSeconds", "spec.modelDownloadJobs.ttlSecondsAfterFinished",
    "spec.modelDownloadJobs.ngcAPISecret.name", "spec.modelDownloadJobs.ngcAPISecret.key",
    "spec.nemoDatastoreTools.image", "spec.trainingConfig.image.repository", "spec.trainingConfig.image.tag",
    "spec.trainingConfig.modelPVC", "spec.trainingConfig.workspacePVC", "spec.trainingConfig.configMap.name",
    "spec.wandb.apiKeyKey", "spec.wandb.secretName",
  ],
  NemoEvaluator: [
    "spec.image.repository", "spec.image.tag", "spec.databaseConfig.host", "spec.databaseConfig.databaseName",
    "spec.argoWorkflows.endpoint", "spec.argoWorkflows.serviceAccount", "spec.datastore.endpoint", "spec.entitystore.endpoint",
    "spec.evaluationImages", "spec.vectorDB.endpoint",
  ],
  NemoGuardrail: ["spec.image.repository", "spec.image.tag", "spec.nimEndpoint.baseURL"],
  NIMCache: ["spec.source", "spec.storage.pvc"],
  NIMService: ["spec.authSecret", "spec.image.repository", "spec.image.tag"],
  ConfigMap: ["data"],
};

function at(object: Manifest, path: string): unknown {
  return path.split(".").reduce<unknown>((value, key) => (value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined), object);
}

const { manifests, urls } = synthesizeTypicalPlatform();
const operatorResources = manifests.filter((m) => m.apiVersion === "apps.nvidia.com/v1alpha1");

describe("every NIM-operator resource the constructs emit", () => {
  it("covers each kind the platform uses", () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(
      ["ConfigMap", "ConfigMap", "NIMCache", "NIMService", "NemoCustomizer", "NemoDatastore", "NemoEntitystore", "NemoEvaluator", "NemoGuardrail"],
    );
  });

  it.each(manifests.map((m) => [`${m.kind} ${m.metadata.name}`, m] as const))("%s has every required field and a namespace", (_, manifest) => {
    expect(manifest.metadata.namespace).toEqual(expect.any(String));
    const missing = requiredFields[manifest.kind].filter((path) => at(manifest, path) === undefined || at(manifest, path) === "");
    expect(missing).toEqual([]);
  });

  it("sets expose.service (which the Nemo CRDs' CEL rules read) with nothing but type and port", () => {
    for (const manifest of operatorResources.filter((m) => m.kind !== "NIMCache")) {
      expect(manifest.spec.expose).toEqual({ service: { type: "ClusterIP", port: 8000 } });
    }
  });

  // The CRD's rule `!(has(self.scale) && self.scale.enabled && has(self.replicas))`.
  it.each([
    ["the typical NIM", {}, { replicas: 1, scale: undefined }],
    ["a NIM with fixed replicas", { replicas: 2 }, { replicas: 2, scale: undefined }],
    [
      "an autoscaled NIM",
      { autoscaling: { minReplicas: 1, maxReplicas: 3, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }] } },
      { replicas: undefined, scale: { enabled: true, hpa: { minReplicas: 1, maxReplicas: 3, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }] } } },
    ],
  ] as [string, Partial<NimServiceProps>, Manifest][])("never sets replicas together with autoscaling: %s", (_, overrides, expected) => {
    const { spec } = only(synth((chart) => new NimService(chart, "nim", { ...typicalProps.nimService, ...overrides })), "NIMService");
    expect({ replicas: spec.replicas, scale: spec.scale }).toEqual(expected);
  });

  it("runs each NeMo microservice as one fixed replica, without autoscaling", () => {
    for (const manifest of operatorResources.filter((m) => m.kind.startsWith("Nemo"))) {
      expect({ replicas: manifest.spec.replicas, scale: manifest.spec.scale }).toEqual({ replicas: 1, scale: undefined });
    }
  });

  it("points every endpoint at a Service another construct exposes", () => {
    const endpoints = operatorResources.flatMap((m) => [
      ...["spec.datastore.endpoint", "spec.entitystore.endpoint", "spec.nimEndpoint.baseURL"].map((path) => at(m, path)),
    ]).filter((url): url is string => typeof url === "string" && url.startsWith("http"));
    const known = Object.values(urls);
    // Entity Store → Data Store; Customizer and Evaluator → both; Guardrails → the NIM.
    expect(endpoints).toHaveLength(6);
    for (const endpoint of endpoints) {
      expect(known.some((root) => endpoint === root || endpoint.startsWith(`${root}/`))).toBe(true);
    }
  });

  it("pins every image", () => {
    const images = operatorResources.flatMap((m) => [m.spec.image?.tag, m.spec.trainingConfig?.image?.tag, m.spec.modelDownloadJobs?.image, m.spec.source?.ngc?.modelPuller]);
    for (const image of images.filter((i): i is string => typeof i === "string")) {
      expect(image).not.toMatch(/(^|:)latest$/);
    }
  });
});
