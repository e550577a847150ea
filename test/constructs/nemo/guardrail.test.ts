import { NemoGuardrail, type NemoGuardrailProps } from "../../../constructs/nemo/guardrail";
import { only, synth, typicalProps } from "../nim/fixtures";

const props = typicalProps.guardrail;

function guardrail(overrides: Partial<NemoGuardrailProps> = {}) {
  let construct: NemoGuardrail | undefined;
  const manifest = only(synth((chart) => (construct = new NemoGuardrail(chart, "gr", { ...props, ...overrides }))), "NemoGuardrail");
  return { construct: construct as NemoGuardrail, spec: manifest.spec };
}

describe("NemoGuardrail", () => {
  it("exposes its in-cluster URL on port 8000", () => {
    const { construct, spec } = guardrail();
    expect(construct.url).toBe("http://nemo-guardrail.nemo.svc.cluster.local:8000");
    expect(spec.expose).toEqual({ service: { type: "ClusterIP", port: 8000 } });
  });

  it("calls the model endpoint with its configurations from a ConfigMap", () => {
    const { spec } = guardrail({ nimEndpoint: { baseUrl: "https://integrate.api.nvidia.com/v1", apiKeySecret: "nvidia-api" } });
    expect(spec.nimEndpoint).toEqual({ baseURL: "https://integrate.api.nvidia.com/v1", apiKeySecret: "nvidia-api" });
    expect(spec.configStore).toEqual({ configMap: { name: "guardrail-configs" } });
    expect(spec.image).toMatchObject({ repository: "nvcr.io/nvidia/nemo-microservices/guardrails", tag: "25.10" });
  });

  it("can keep its configurations on a volume instead", () => {
    const { spec } = guardrail({ configStore: { volume: { size: "1Gi", accessMode: "ReadWriteOnce" } } });
    expect(spec.configStore).toEqual({ pvc: { create: true, size: "1Gi", volumeAccessMode: "ReadWriteOnce" } });
  });

  it("enforces the CRD's rule: ConfigMap or volume, not both", () => {
    expect(() => guardrail({ configStore: { configMapName: "c", volume: { size: "1Gi", accessMode: "ReadWriteOnce" } } })).toThrow(
      "NemoGuardrail nemo/nemo-guardrail: configStore must set exactly one of configMapName and volume (the CRD forbids both), got both",
    );
    expect(() => guardrail({ configStore: {} })).toThrow("got neither");
  });

  it("refuses an endpoint that is not an OpenAI /v1 base URL", () => {
    expect(() => guardrail({ nimEndpoint: { baseUrl: "http://llm-judge.flywheel.svc.cluster.local:8000" } })).toThrow("must be an http(s) URL ending in /v1");
  });
});
