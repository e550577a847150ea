import { elasticsearchDurable } from "../../policies/elasticsearch-durable";
import { objectViolations } from "../support/policy-review";
import { edit, elasticsearch } from "../support/fixtures";

describe("elasticsearch-durable", () => {
  it("passes three nodes on persistent volumes, and one node in development", async () => {
    expect(await objectViolations(elasticsearchDurable, elasticsearch(3))).toEqual([]);
    expect(await objectViolations(elasticsearchDurable, elasticsearch(1), { minNodes: 1, requirePersistentVolumes: false })).toEqual([]);
  });

  it("catches a production cluster with too few nodes", async () => {
    expect(await objectViolations(elasticsearchDurable, elasticsearch(1))).toEqual([
      "Elasticsearch data/flywheel-logs has 1 node(s); this environment needs at least 3. Fix: raise the nodeSets' count to 3 in total.",
      expect.stringContaining("has 1 master-eligible node(s): losing one of them stops the cluster"),
    ]);
  });

  it("counts master-eligible nodes by their roles", async () => {
    const data = (storage: string) => [{ metadata: { name: "elasticsearch-data" }, spec: { resources: { requests: { storage } } } }];
    const dedicated = edit(elasticsearch(3), "spec.nodeSets", [
      { name: "masters", count: 1, config: { "node.roles": ["master"] }, volumeClaimTemplates: data("10Gi") },
      { name: "data", count: 4, config: { node: { roles: ["data", "ingest"] } }, volumeClaimTemplates: data("500Gi") },
    ]);
    expect(await objectViolations(elasticsearchDurable, dedicated)).toEqual([expect.stringContaining("has 1 master-eligible node(s)")]);
  });

  it("catches data kept in an emptyDir or on ECK's default claim", async () => {
    const ephemeral = edit(elasticsearch(3), "spec.nodeSets.0.podTemplate", { spec: { volumes: [{ name: "elasticsearch-data", emptyDir: {} }] } });
    expect(await objectViolations(elasticsearchDurable, ephemeral)).toEqual([
      expect.stringContaining('node set "default" keeps its data in an emptyDir, which a restart wipes'),
    ]);
    expect(await objectViolations(elasticsearchDurable, edit(elasticsearch(3), "spec.nodeSets.0.volumeClaimTemplates", undefined))).toEqual([
      expect.stringContaining("declares no elasticsearch-data volumeClaimTemplate with a storage request, so ECK falls back to a 1Gi claim on the default class"),
    ]);
  });
});
