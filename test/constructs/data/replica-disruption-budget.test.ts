import type { Chart } from "cdk8s";
import { ReplicaDisruptionBudget, type ReplicaDisruptionBudgetProps } from "../../../constructs/data/replica-disruption-budget";
import { expectValidCoreObjects, only, synth } from "./support";

const props: ReplicaDisruptionBudgetProps = {
  name: "flywheel-mongodb",
  namespace: "data",
  podSelector: { app: "flywheel-mongodb-svc" },
  replicas: 3,
  labels: { "app.kubernetes.io/name": "mongodb" },
};

function budget(overrides: Partial<ReplicaDisruptionBudgetProps>) {
  return synth((chart: Chart) => { new ReplicaDisruptionBudget(chart, "pdb", { ...props, ...overrides }); });
}

describe("ReplicaDisruptionBudget", () => {
  test("lets a drain evict one replica at a time, selecting exactly the controller's pods", () => {
    const manifests = budget({});
    expect(only(manifests, "PodDisruptionBudget")).toMatchObject({
      apiVersion: "policy/v1",
      metadata: { name: "flywheel-mongodb", namespace: "data", labels: { "app.kubernetes.io/name": "mongodb" } },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: "flywheel-mongodb-svc" } } },
    });
    expectValidCoreObjects(manifests);
  });

  test.each([
    [{ replicas: 1 }, 'PodDisruptionBudget data/flywheel-mongodb: replicas must be an integer ≥ 2, got 1'],
    [{ podSelector: {} }, "PodDisruptionBudget data/flywheel-mongodb: podSelector must name at least one label"],
    [{ podSelector: { "bad key!": "x" } }, 'podSelector key "bad key!" is not a label key'],
    [{ name: "Mongo" }, "PodDisruptionBudget data/Mongo: name"],
  ])("refuses %j", (overrides, message) => {
    expect(() => budget(overrides)).toThrow(message);
  });
});
