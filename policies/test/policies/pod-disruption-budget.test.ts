import type { KubernetesObject } from "../../lib/kubernetes-object";
import { podDisruptionBudget } from "../../policies/pod-disruption-budget";
import { stackViolations } from "../support/policy-review";
import { cpuDeployment, edit, elasticsearch, kubernetesResource, mongodb, nimService, redis, servingNimService } from "../support/fixtures";

const stack = (...objects: KubernetesObject[]) => objects.map(kubernetesResource);

function budget(namespace: string, matchLabels: Record<string, string>, limits: Record<string, unknown> = { maxUnavailable: 1 }): KubernetesObject {
  return { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "budget", namespace }, spec: { ...limits, selector: { matchLabels } } };
}

const twoProxies = edit(cpuDeployment(), "spec.replicas", 2);

describe("pod-disruption-budget", () => {
  it("passes replicated workloads with a budget selecting their pods, and single replicas without one", async () => {
    const objects = stack(
      twoProxies,
      budget("nemo", { app: "mlflow-proxy" }),
      mongodb(3),
      { ...budget("data", { app: "flywheel-db-svc" }), metadata: { name: "mongodb", namespace: "data" } },
      redis(),
      nimService(),
      cpuDeployment(),
    );
    expect(await stackViolations(podDisruptionBudget, objects)).toEqual([]);
  });

  it("catches a replicated Deployment no budget selects, naming its labels and the selector to use", async () => {
    expect(await stackViolations(podDisruptionBudget, stack(twoProxies, budget("data", { app: "mlflow-proxy" }), budget("nemo", { app: "other" })))).toEqual([
      {
        message:
          "Deployment nemo/mlflow-proxy runs 2 replicas and no PodDisruptionBudget selects its pods (labels app: mlflow-proxy): a node drain can evict them all at once. " +
          'Fix: add a PodDisruptionBudget in "nemo" with maxUnavailable: 1 and selector.matchLabels { app: mlflow-proxy }.',
        resource: "mlflow-proxy",
      },
    ]);
  });

  it("catches a MongoDB replica set and a NIM operator resource with several replicas", async () => {
    expect(await stackViolations(podDisruptionBudget, stack(mongodb(3)))).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('MongoDBCommunity data/flywheel-db runs 3 members and no PodDisruptionBudget selects its pods (labels app: flywheel-db-svc)'),
      }),
    ]);
    expect(await stackViolations(podDisruptionBudget, stack(edit(nimService(), "spec.replicas", 2)))).toEqual([
      expect.objectContaining({ message: expect.stringContaining('selector.matchLabels { app: llm-judge }') }),
    ]);
  });

  it("counts the minReplicas of a NIMService its HPA scales (a served model)", async () => {
    const served = servingNimService();
    expect(await stackViolations(podDisruptionBudget, stack(served, budget("serving", { app: "support-agent" })))).toEqual([]);
    expect(await stackViolations(podDisruptionBudget, stack(served))).toEqual([
      {
        message:
          "NIMService serving/support-agent runs 2 replicas and no PodDisruptionBudget selects its pods (labels app.kubernetes.io/component: serving-model, app: support-agent): a node drain can evict them all at once. " +
          'Fix: add a PodDisruptionBudget in "serving" with maxUnavailable: 1 and selector.matchLabels { app: support-agent }.',
        resource: "support-agent",
      },
    ]);
    expect(await stackViolations(podDisruptionBudget, stack(served, budget("serving", { app: "support-agent" }, { minAvailable: 2 })))).toEqual([
      expect.objectContaining({ message: expect.stringContaining('its PodDisruptionBudget "budget" allows no eviction (minAvailable: 2)') }),
    ]);
    expect(await stackViolations(podDisruptionBudget, stack(edit(served, "spec.scale.hpa.minReplicas", 1)))).toEqual([]);
  });

  it("accepts a budget on the pod template's labels of a MongoDB replica set", async () => {
    const labelled = edit(mongodb(3), "spec.statefulSet", { spec: { template: { metadata: { labels: { "app.kubernetes.io/name": "mongodb" } } } } });
    expect(await stackViolations(podDisruptionBudget, stack(labelled, budget("data", { "app.kubernetes.io/name": "mongodb" })))).toEqual([]);
  });

  it("catches a budget that allows no eviction", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ maxUnavailable: 0 }, "maxUnavailable: 0"],
      [{ minAvailable: 2 }, "minAvailable: 2"],
      [{ minAvailable: "100%" }, "minAvailable: 100%"],
    ];
    for (const [limits, why] of cases) {
      expect(await stackViolations(podDisruptionBudget, stack(twoProxies, budget("nemo", { app: "mlflow-proxy" }, limits)))).toEqual([
        {
          message:
            `Deployment nemo/mlflow-proxy runs 2 replicas and its PodDisruptionBudget "budget" allows no eviction (${why}): node drains never finish. ` +
            "Fix: set maxUnavailable: 1 on it (or minAvailable below 2).",
          resource: "mlflow-proxy",
        },
      ]);
    }
    expect(await stackViolations(podDisruptionBudget, stack(twoProxies, budget("nemo", { app: "mlflow-proxy" }, { minAvailable: 1 })))).toEqual([]);
  });

  it("leaves Elasticsearch and CloudNativePG to their operators' budgets, unless turned off", async () => {
    expect(await stackViolations(podDisruptionBudget, stack(elasticsearch(3)))).toEqual([]);
    expect(await stackViolations(podDisruptionBudget, stack(edit(elasticsearch(3), "spec.podDisruptionBudget", {})))).toEqual([
      {
        message:
          "Elasticsearch data/flywheel-logs runs 3 nodes with ECK's default PodDisruptionBudget turned off (spec.podDisruptionBudget without a spec): a node drain can evict several of its pods at once. " +
          "Fix: remove the setting, so the operator keeps its PodDisruptionBudget.",
        resource: "flywheel-logs",
      },
    ]);
    const postgres: KubernetesObject = { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: { name: "nemo-postgres", namespace: "nemo" }, spec: { instances: 3 } };
    expect(await stackViolations(podDisruptionBudget, stack(postgres))).toEqual([]);
    expect(await stackViolations(podDisruptionBudget, stack(edit(postgres, "spec.enablePDB", false)))).toEqual([
      expect.objectContaining({ message: expect.stringContaining("runs 3 instances with CloudNativePG's PodDisruptionBudgets turned off (spec.enablePDB: false)") }),
    ]);
  });
});
