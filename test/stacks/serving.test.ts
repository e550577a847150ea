import type { KubernetesObject } from "../../policies/lib/kubernetes-object";
import type { RenderedStack } from "../../render/render-stack";
import { servingAnnotationKeys, servingVerifyConfigSchema, verifyServingNaming } from "../../flywheel-job/src/contract";
import { renderedStack, renderedVariant } from "../support/rendered-stacks";
import { adapter, promotedFrom, servingDev, servingProd } from "../support/serving-variants";

/**
 * `data-flywheel:serving` as the stacks deploy it: the shipped dev entry (off), a dev entry that
 * serves an adapter and scales, and a production entry of two replicas or more.
 */

let dev: RenderedStack;
let serving: RenderedStack;
let prod: RenderedStack;

beforeAll(async () => {
  dev = await renderedStack("dev");
  serving = await renderedVariant("serving-dev", servingDev);
  prod = await renderedVariant("serving-prod", servingProd);
});

function find(stack: RenderedStack, kind: string, namespace: string, name: string): KubernetesObject | undefined {
  return stack.manifests.find((m) => m.kind === kind && m.metadata.namespace === namespace && m.metadata.name === name);
}

function only(stack: RenderedStack, kind: string, namespace: string, name: string): KubernetesObject {
  const found = find(stack, kind, namespace, name);
  if (!found) {
    throw new Error(`no ${kind} ${namespace}/${name} in the render`);
  }
  return found;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the CRDs' specs are reached into field by field
const spec = (object: KubernetesObject): any => object.spec;

function verifyConfig(stack: RenderedStack) {
  const configMap = only(stack, "ConfigMap", "flywheel", verifyServingNaming.configMap);
  const key = verifyServingNaming.configPath.slice(verifyServingNaming.configPath.lastIndexOf("/") + 1);
  return servingVerifyConfigSchema.parse(JSON.parse((configMap as KubernetesObject & { data: Record<string, string> }).data[key]));
}

/** Ingress policies of the serving namespace, as `<policy>: <ports>`. */
function policyPorts(stack: RenderedStack, namespace: string, name: string): string[] {
  const policy = only(stack, "NetworkPolicy", namespace, name);
  const rules = [...(spec(policy).ingress ?? []), ...(spec(policy).egress ?? [])] as { ports: { port: number }[] }[];
  return rules.flatMap((rule) => rule.ports.map((p) => String(p.port)));
}

describe("the dev stack's shipped serving entry", () => {
  it("deploys it in the serving namespace, at zero replicas without an HPA or PDB, its cache there too", () => {
    const nim = only(dev, "NIMService", "serving", "customer-support");
    expect(spec(nim).replicas).toBe(0);
    expect(spec(nim).scale).toBeUndefined();
    expect(nim.metadata.annotations?.[servingAnnotationKeys.replicas]).toBe('{"min":0,"max":0}');
    expect(find(dev, "PodDisruptionBudget", "serving", "customer-support")).toBeUndefined();
    expect(only(dev, "NIMCache", "serving", spec(nim).storage.nimCache.name)).toBeDefined();
  });

  it("creates the serving namespace at Pod Security baseline, with the NGC Secrets its NIM and cache read", () => {
    const namespace = dev.manifests.find((m) => m.kind === "Namespace" && m.metadata.name === "serving");
    expect(namespace?.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("baseline");
    expect(find(dev, "Secret", "serving", "ngc-api")).toBeDefined();
    expect(find(dev, "Secret", "serving", "nvcr-pull")).toBeDefined();
  });

  it("gives its in-cluster URL and model id as a stack output", () => {
    expect(dev.outputs.serving).toEqual({ "customer-support": { baseUrl: "http://customer-support.serving.svc.cluster.local:8000/v1", model: "meta/llama-3.2-1b-instruct" } });
  });

  it("renders the verify Job's configuration, which the job's schema parses, and the suspended CronJob labelled with the stack", () => {
    expect(verifyConfig(dev)).toEqual({
      stack: "dev",
      dataStoreUrl: "http://nemo-datastore.nemo.svc.cluster.local:8000",
      entries: [
        {
          name: "customer-support",
          namespace: "serving",
          url: "http://customer-support.serving.svc.cluster.local:8000",
          model: "meta/llama-3.2-1b-instruct",
          replicas: { min: 0, max: 0 },
          toolCalling: false,
        },
      ],
    });
    const cronJob = only(dev, "CronJob", "flywheel", verifyServingNaming.cronJob);
    expect(spec(cronJob).suspend).toBe(true);
    expect(cronJob.metadata.labels?.[verifyServingNaming.stackLabel]).toBe("dev");
    const [container] = spec(cronJob).jobTemplate.spec.template.spec.containers;
    expect(container.image).toBe(dev.config.jobImage);
    expect(container.args).toEqual(["verify", "serving", "--in-cluster", "--config", verifyServingNaming.configPath]);
  });

  it("lets the verify Job's service account only read NIMServices, and only in the serving namespace", () => {
    const roles = dev.manifests.filter((m) => m.kind === "Role" && m.metadata.name === verifyServingNaming.serviceAccount);
    expect(roles.map((r) => [r.metadata.namespace, (r as { rules?: unknown }).rules])).toEqual([
      ["serving", [{ apiGroups: ["apps.nvidia.com"], resources: ["nimservices"], verbs: ["get", "list", "watch"] }]],
    ]);
  });
});

describe("a dev entry that serves an adapter from one to two replicas", () => {
  it("scales through the operator's HPA on the entry's NIM metric, as a Pods metric, without spec.replicas", () => {
    const nim = only(serving, "NIMService", "serving", "customer-support");
    expect(spec(nim).replicas).toBeUndefined();
    expect(spec(nim).scale).toEqual({
      enabled: true,
      hpa: {
        minReplicas: 1,
        maxReplicas: 2,
        metrics: [{ type: "Pods", pods: { metric: { name: "num_requests_waiting" }, target: { type: "AverageValue", averageValue: "4" } } }],
      },
    });
    // One replica at least has nothing for a PDB to keep.
    expect(find(serving, "PodDisruptionBudget", "serving", "customer-support")).toBeUndefined();
  });

  it("loads the adapter from Entity Store, caches LoRA-capable profiles, and records its evidence", () => {
    const nim = only(serving, "NIMService", "serving", "customer-support");
    expect(spec(nim).env).toEqual([
      { name: "NIM_PEFT_SOURCE", value: "http://nemo-entitystore.nemo.svc.cluster.local:8000" },
      { name: "NIM_PEFT_REFRESH_INTERVAL", value: "300" },
    ]);
    expect(spec(only(serving, "NIMCache", "serving", spec(nim).storage.nimCache.name)).source.ngc.model.lora).toBe(true);
    expect(nim.metadata.annotations?.[servingAnnotationKeys.adapter]).toBe(adapter);
    expect(JSON.parse(nim.metadata.annotations?.[servingAnnotationKeys.promotedFrom] ?? "null")).toEqual(promotedFrom);
  });

  it("outputs the adapter as the model id to request, and has the verify Job check it with a tool-calling request", () => {
    expect(serving.outputs.serving).toEqual({ "customer-support": { baseUrl: "http://customer-support.serving.svc.cluster.local:8000/v1", model: adapter } });
    const [entry] = verifyConfig(serving).entries;
    expect({ adapter: entry.adapter, toolCalling: entry.toolCalling, promotedFrom: entry.promotedFrom }).toEqual({ adapter, toolCalling: true, promotedFrom });
  });

  it("lets the client namespace call the model on 8000 and the API for the examples, and the model reach Entity Store", () => {
    expect(policyPorts(serving, "serving", "serving-client-support-web-to-serving-customer-support-ingress")).toEqual(["8000"]);
    expect(policyPorts(serving, "flywheel", "serving-client-support-web-to-flywheel-api-ingress")).toEqual(["8000"]);
    expect(policyPorts(serving, "serving", "serving-customer-support-to-nemo-entitystore-egress")).toEqual(["8000"]);
    expect(policyPorts(serving, "nemo", "serving-customer-support-to-nemo-entitystore-ingress")).toEqual(["8000"]);
    // The shipped entry serves no adapter and no examples: neither path exists there.
    expect(find(dev, "NetworkPolicy", "serving", "serving-customer-support-to-nemo-entitystore-egress")).toBeUndefined();
    expect(find(dev, "NetworkPolicy", "flywheel", "serving-client-support-web-to-flywheel-api-ingress")).toBeUndefined();
  });
});

describe("a production entry of two to three replicas", () => {
  it("has a PodDisruptionBudget selecting the operator's pod label that lets one replica go", () => {
    const budget = only(prod, "PodDisruptionBudget", "serving", "support-agent");
    expect(spec(budget)).toEqual({ maxUnavailable: 1, selector: { matchLabels: { app: "support-agent" } } });
  });

  it("prefers a zone of its own for each replica (the NIMService CRD has no topology spread)", () => {
    expect(spec(only(prod, "NIMService", "serving", "support-agent")).affinity).toEqual({
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: { app: "support-agent" } } } },
        ],
      },
    });
  });

  it("admits each client namespace, and no other, to the model", () => {
    const into = prod.manifests.filter((m) => m.kind === "NetworkPolicy" && m.metadata.namespace === "serving" && /-to-serving-support-agent-ingress$/.test(m.metadata.name ?? ""));
    expect(into.map((m) => m.metadata.name).sort()).toEqual([
      "serving-client-support-batch-to-serving-support-agent-ingress",
      "serving-client-support-web-to-serving-support-agent-ingress",
    ]);
    expect(verifyConfig(prod).entries.map((e) => [e.name, e.toolCalling])).toEqual([["support-agent", true]]);
  });
});
