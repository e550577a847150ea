import { customizerConfigChecksumAnnotation, NemoCustomizer, type NemoCustomizerProps } from "../../../constructs/nemo/customizer";
import { gpuRoleLabel, gpuTaint } from "../../../flywheel-job/src/contract";
import { only, synth, typicalProps } from "../nim/fixtures";

const props = typicalProps.customizer;

function customizer(overrides: Partial<NemoCustomizerProps> = {}) {
  let construct: NemoCustomizer | undefined;
  const manifest = only(synth((chart) => (construct = new NemoCustomizer(chart, "cust", { ...props, ...overrides }))), "NemoCustomizer");
  return { construct: construct as NemoCustomizer, spec: manifest.spec };
}

describe("NemoCustomizer", () => {
  it("exposes its in-cluster URL on port 8000", () => {
    const { construct, spec } = customizer();
    expect(construct.url).toBe("http://nemo-customizer.nemo.svc.cluster.local:8000");
    expect(spec.expose).toEqual({ service: { type: "ClusterIP", port: 8000 } });
  });

  it("knows Data Store, Entity Store and MLflow", () => {
    const { spec } = customizer();
    expect(spec.datastore).toEqual({ endpoint: "http://nemo-datastore.nemo.svc.cluster.local:8000" });
    expect(spec.entitystore).toEqual({ endpoint: "http://nemo-entitystore.nemo.svc.cluster.local:8000" });
    expect(spec.mlflow).toEqual({ endpoint: "http://mlflow.nemo.svc.cluster.local:80" });
    expect(spec.databaseConfig).toMatchObject({ databaseName: "customizer" });
  });

  it("references the W&B Secret with both keys Customizer reads", () => {
    expect(customizer().spec.wandb).toEqual({ secretName: "nemo-wandb", apiKeyKey: "apiKey", encryptionKey: "encryptionKey" });
  });

  it("reads its model and training ConfigMaps and restarts when their checksum changes", () => {
    const { spec } = customizer();
    expect(spec.modelConfig).toEqual({ name: "nemo-customizer-models" });
    expect(spec.trainingConfig.configMap).toEqual({ name: "nemo-customizer-training" });
    expect(spec.annotations).toEqual({ [customizerConfigChecksumAnnotation]: "abc123" });
  });

  it("puts training pods on the training GPU pool", () => {
    const { spec } = customizer({ training: { ...props.training, nodeSelector: { "data-flywheel.io/node-pool": "training-a" } } });
    expect(spec.trainingConfig.tolerations).toEqual([{ key: gpuTaint.key, operator: "Exists", effect: gpuTaint.effect }]);
    expect(spec.trainingConfig.nodeSelector).toEqual({ [gpuRoleLabel]: "training", "data-flywheel.io/node-pool": "training-a" });
    expect(() => customizer({ training: { ...props.training, nodeSelector: { [gpuRoleLabel]: "inference" } } })).toThrow(
      `training.nodeSelector sets ${gpuRoleLabel}="inference", but these pods run on the training pool`,
    );
  });

  it("gives training the model volume and per-job workspace volumes", () => {
    const { spec } = customizer();
    expect(spec.trainingConfig).toMatchObject({
      image: { repository: "nvcr.io/nvidia/nemo-microservices/customizer", tag: "25.08" },
      modelPVC: { create: true, size: "200Gi", storageClass: "efs", volumeAccessMode: "ReadWriteMany" },
      workspacePVC: { size: "100Gi", storageClass: "gp3", volumeAccessMode: "ReadWriteOnce", mountPath: "/pvc/workspace" },
      timeout: 21600,
      ttlSecondsAfterFinished: 3600,
    });
  });

  it("downloads models with the NGC API key, as non-root, with a pinned image", () => {
    expect(customizer().spec.modelDownloadJobs).toEqual({
      image: "nvcr.io/nvidia/nemo-microservices/customizer-api:25.08",
      imagePullPolicy: "IfNotPresent",
      ngcAPISecret: { name: "ngc-api", key: "NGC_API_KEY" },
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
      ttlSecondsAfterFinished: 600,
      pollIntervalSeconds: 15,
    });
    expect(customizer().spec.nemoDatastoreTools).toEqual({ image: "nvcr.io/nvidia/nemo-microservices/nds-v2-huggingface-cli:25.08" });
  });

  it("schedules training with Volcano and runs the pinned API image with requests and limits", () => {
    const { spec } = customizer();
    expect(spec.scheduler).toEqual({ type: "volcano" });
    expect(spec.image).toMatchObject({ repository: "nvcr.io/nvidia/nemo-microservices/customizer-api", tag: "25.08" });
    expect(spec.resources).toEqual({ requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } });
  });

  it("refuses values the CRD's minimums or the operator would reject", () => {
    expect(() => customizer({ modelDownloads: { ngcApiSecret: "ngc-api", pollIntervalSeconds: 5 } })).toThrow("modelDownloads.pollIntervalSeconds must be an integer ≥ 15, got 5");
    expect(() => customizer({ modelDownloads: { ngcApiSecret: "ngc-api", ttlSecondsAfterFinished: 30 } })).toThrow("modelDownloads.ttlSecondsAfterFinished must be an integer ≥ 60, got 30");
    expect(() => customizer({ training: { ...props.training, workspaceStorage: { ...props.training.workspaceStorage, mountPath: "pvc" } } })).toThrow(
      'training.workspaceStorage.mountPath "pvc" must be an absolute path',
    );
    expect(() => customizer({ mlflowUrl: "mlflow:80" })).toThrow('mlflowUrl "mlflow:80" must be an http:// or https:// URL');
  });
});
