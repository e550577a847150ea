import { parseJobConfig } from "../src/config/job-config";
import type { UsageError } from "../src/errors";
import { candidateNimService, candidateNimServiceName, runSelector } from "../src/backends/nemo-25/candidate-nim-service";
import { candidateNimComponent, labelKeys, labelValue } from "../src/kubernetes/labels";
import { endpointOf } from "../src/backends/nemo-25/nim-readiness";
import type { NimServiceObject } from "../src/kubernetes/kubernetes-api";
import { largerModel, smallModel } from "./support/flywheel-fixture";

const config = parseJobConfig({ candidates: [smallModel], judge: { url: "http://judge/v1/chat/completions", modelId: "j" } }, "test");
const runId = "6500000000000000000000aa";

describe("a candidate's NIMService", () => {
  it("carries the labels the namespace's NetworkPolicies admit candidate NIM pods by, on the object and its pods", () => {
    const service = candidateNimService({
      runId,
      workloadId: "Customer Support/agent",
      clientId: "web",
      index: 0,
      candidate: config.candidates[0],
      namespace: "flywheel",
      deployment: config.deployment,
      peftSource: "http://nemo-entitystore.nemo.svc.cluster.local:8000",
    });
    const candidateNim = { [labelKeys.component]: candidateNimComponent };
    expect(service.metadata.labels).toMatchObject({ ...candidateNim, "data-flywheel.io/run-id": runId, "data-flywheel.io/workload": "Customer-Support-agent" });
    expect(service.spec.labels).toMatchObject(candidateNim);
    expect(service.metadata.ownerReferences).toBeUndefined();
    expect(service.metadata.annotations).toMatchObject({ "data-flywheel.io/workload-id": "Customer Support/agent" });
    expect(runSelector(runId)).toBe(`data-flywheel.io/run-id=${runId}`);
  });

  it("sets the guided-decoding backend NIM LLM 1.x reads (outlines by default), none on 2.x, or the candidate's own", () => {
    const backendOf = (candidate: Record<string, unknown>): string | undefined => {
      const parsed = parseJobConfig({ candidates: [{ ...smallModel, ...candidate }], judge: { url: "http://judge/v1/chat/completions", modelId: "j" } }, "test");
      const service = candidateNimService({ runId, workloadId: "w", clientId: "c", index: 0, candidate: parsed.candidates[0], namespace: "flywheel", deployment: parsed.deployment, peftSource: "http://es" });
      return (service.spec.env as { name: string; value: string }[]).find((e) => e.name === "NIM_GUIDED_DECODING_BACKEND")?.value;
    };
    expect(backendOf({ image: { ...smallModel.image, tag: "1.8.3" } })).toBe("outlines");
    expect(backendOf({ image: { ...smallModel.image, tag: "2.0.1" } })).toBeUndefined();
    expect(backendOf({ image: { ...smallModel.image, tag: "1.8.3" }, guidedDecodingBackend: null })).toBeUndefined();
    expect(backendOf({ image: { ...smallModel.image, tag: "2.0.1" }, guidedDecodingBackend: "xgrammar" })).toBe("xgrammar");
  });

  it("fine-tunes on sequences of the smaller of 8192 tokens and the candidate's context, unless told", () => {
    const maxSeqLength = (candidate: Record<string, unknown>): number =>
      parseJobConfig({ candidates: [{ ...smallModel, ...candidate }], judge: { url: "http://judge/v1/chat/completions", modelId: "j" } }, "test").candidates[0].maxSeqLength;
    expect([maxSeqLength({}), maxSeqLength({ contextLength: 4096 }), maxSeqLength({ contextLength: 131072 }), maxSeqLength({ maxSeqLength: 2048 })]).toEqual([8192, 4096, 8192, 2048]);
  });

  it("is named after the run, the candidate's position and its model, within a DNS label", () => {
    expect(candidateNimServiceName(runId, 1, largerModel.model)).toBe(`fw-${runId}-1-llama-3-1-8b-instruct`);
    const long = candidateNimServiceName(runId, 12, "nvidia/Llama-3.3-Nemotron-Super-49B-v1.5-Instruct-FP8-Dynamic");
    expect(long).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])$/);
    expect(long.startsWith(`fw-${runId}-12-llama-3-3-nemotron`)).toBe(true);
    expect(labelValue("-x".repeat(40))).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
  });

  it("turns its metrics on with a ServiceMonitor carrying the monitor labels it is given, and leaves both off without them", () => {
    const metricsOf = (deployment: Record<string, unknown>): unknown => {
      const parsed = parseJobConfig({ candidates: [smallModel], judge: { url: "http://judge/v1/chat/completions", modelId: "j" }, deployment }, "test");
      return candidateNimService({ runId, workloadId: "w", clientId: "c", index: 0, candidate: parsed.candidates[0], namespace: "flywheel", deployment: parsed.deployment, peftSource: "http://es" }).spec.metrics;
    };
    expect(metricsOf({ monitorLabels: { release: "kube-prometheus-stack" } })).toEqual({ enabled: true, serviceMonitor: { additionalLabels: { release: "kube-prometheus-stack" } } });
    expect(metricsOf({})).toBeUndefined();
    const refusal = (deployment: Record<string, unknown>): string[] => {
      try {
        metricsOf(deployment);
      } catch (error) {
        return [...(error as UsageError).details];
      }
      throw new Error("expected the configuration to be rejected");
    };
    expect(refusal({ monitorLabels: {} })).toEqual([expect.stringContaining("deployment.monitorLabels: name at least one label")]);
    expect(refusal({ monitorLabels: { release: "not a label value" } })).toEqual([expect.stringContaining("deployment.monitorLabels.release")]);
  });

  it("is reached at the endpoint its status reports, or at its Service's name", () => {
    const service = (status?: NimServiceObject["status"]): NimServiceObject => ({ apiVersion: "apps.nvidia.com/v1alpha1", kind: "NIMService", metadata: { name: "fw-x", namespace: "flywheel" }, spec: {}, status });
    expect(endpointOf(service({ model: { clusterEndpoint: "10.0.0.7:8000" } }), "flywheel")).toBe("http://10.0.0.7:8000");
    expect(endpointOf(service({ state: "Ready" }), "flywheel")).toBe("http://fw-x.flywheel.svc.cluster.local:8000");
  });
});
