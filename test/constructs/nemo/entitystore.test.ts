import { NemoEntitystore, type NemoEntitystoreProps } from "../../../constructs/nemo/entitystore";
import { only, synth, typicalProps } from "../nim/fixtures";

const props = typicalProps.entitystore;

function entitystore(overrides: Partial<NemoEntitystoreProps> = {}) {
  let construct: NemoEntitystore | undefined;
  const manifest = only(synth((chart) => (construct = new NemoEntitystore(chart, "es", { ...props, ...overrides }))), "NemoEntitystore");
  return { construct: construct as NemoEntitystore, spec: manifest.spec };
}

describe("NemoEntitystore", () => {
  it("exposes its in-cluster URL on port 8000", () => {
    const { construct, spec } = entitystore();
    expect(construct.url).toBe("http://nemo-entitystore.nemo.svc.cluster.local:8000");
    expect(spec.expose).toEqual({ service: { type: "ClusterIP", port: 8000 } });
  });

  it("points at the Data Store root and its own database", () => {
    const { spec } = entitystore();
    expect(spec.datastore).toEqual({ endpoint: "http://nemo-datastore.nemo.svc.cluster.local:8000" });
    expect(spec.databaseConfig).toMatchObject({ databaseName: "entitystore", credentials: { user: "entitystore", secretName: "nemo-postgres-entitystore" } });
  });

  it("runs the pinned default image with requests and limits", () => {
    const { spec } = entitystore();
    expect(spec.image).toMatchObject({ repository: "nvcr.io/nvidia/nemo-microservices/entity-store", tag: "25.08" });
    expect(spec.resources).toEqual({ requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } });
  });

  it("takes the Data Store root, not an API path", () => {
    expect(() => entitystore({ datastoreUrl: "http://nemo-datastore.nemo.svc.cluster.local:8000/v1/hf" })).toThrow(
      "NemoEntitystore nemo/nemo-entitystore: datastoreUrl \"http://nemo-datastore.nemo.svc.cluster.local:8000/v1/hf\" must be the service root",
    );
  });
});
