import { NemoDatastore, type NemoDatastoreProps } from "../../../constructs/nemo/datastore";
import { only, synth, typicalProps } from "../nim/fixtures";

const props = typicalProps.datastore;

function datastore(overrides: Partial<NemoDatastoreProps> = {}) {
  let construct: NemoDatastore | undefined;
  const manifest = only(synth((chart) => (construct = new NemoDatastore(chart, "ds", { ...props, ...overrides }))), "NemoDatastore");
  return { construct: construct as NemoDatastore, spec: manifest.spec, manifest };
}

describe("NemoDatastore", () => {
  it("exposes its root URL and its Hugging Face API URL", () => {
    const { construct, spec } = datastore();
    expect(construct.url).toBe("http://nemo-datastore.nemo.svc.cluster.local:8000");
    expect(construct.huggingFaceApiUrl).toBe("http://nemo-datastore.nemo.svc.cluster.local:8000/v1/hf");
    expect(spec.expose).toEqual({ service: { type: "ClusterIP", port: 8000 } });
  });

  it("names the five Secrets in the CRD's fields", () => {
    expect(datastore().spec.secrets).toEqual({
      giteaAdminSecret: "nemo-datastore-admin",
      lfsJwtSecret: "nemo-datastore-lfs-jwt",
      datastoreInitSecret: "nemo-datastore-init",
      datastoreConfigSecret: "nemo-datastore-config",
      datastoreInlineConfigSecret: "nemo-datastore-inline-config",
    });
  });

  it("connects to its database with the password from a Secret", () => {
    expect(datastore().spec.databaseConfig).toEqual({
      host: "nemo-postgres-rw.nemo.svc.cluster.local",
      port: 5432,
      databaseName: "datastore",
      credentials: { user: "datastore", secretName: "nemo-postgres-datastore", passwordKey: "password" },
    });
  });

  it("keeps repositories on a persistent claim", () => {
    expect(datastore().spec.pvc).toEqual({ create: true, size: "100Gi", storageClass: "efs", volumeAccessMode: "ReadWriteMany" });
  });

  it("runs the pinned default image with requests and limits", () => {
    const { spec } = datastore();
    expect(spec.image).toEqual({ repository: "nvcr.io/nvidia/nemo-microservices/datastore", tag: "25.08", pullPolicy: "IfNotPresent", pullSecrets: ["nvcr-pull"] });
    expect(spec.resources).toEqual({ requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } });
    expect(spec.replicas).toBe(1);
  });

  it("refuses bad names, secrets and sizes with the prop in the message", () => {
    expect(() => datastore({ secrets: { ...props.secrets, lfsJwt: "LFS_JWT" } })).toThrow('secrets.lfsJwt "LFS_JWT" is not a valid Kubernetes object name');
    expect(() => datastore({ storage: { size: "0", accessMode: "ReadWriteOnce" } })).toThrow('storage.size "0" is not a positive Kubernetes quantity');
    expect(() => datastore({ storage: { size: "100Gi", storageClass: "EFS", accessMode: "ReadWriteOnce" } })).toThrow(
      new Error('NemoDatastore nemo/nemo-datastore: storage.storageClass "EFS" is not a valid Kubernetes object name (DNS-1123 subdomain)'),
    );
    expect(() => datastore({ database: { ...props.database, port: 70000 } })).toThrow("database.port must be an integer between 1 and 65535, got 70000");
  });
});
