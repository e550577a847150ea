import { parse } from "yaml";
import { logStoreRoleDescriptors, logStoreRoles, logStoreRolesYaml, logWriterUser } from "../../../constructs/data/elasticsearch/log-store-access";

describe("log store roles", () => {
  test("the flywheel's role only reads the log data stream", () => {
    const reader = logStoreRoleDescriptors({ logIndex: "flywheel" })[logStoreRoles.reader];
    expect(reader).toEqual({ cluster: [], indices: [{ names: ["flywheel"], privileges: ["read", "view_index_metadata"] }] });
  });

  test("the logger's role only appends to the log data stream", () => {
    const writer = logStoreRoleDescriptors({ logIndex: "flywheel" })[logStoreRoles.writer];
    expect(writer).toEqual({ cluster: [], indices: [{ names: ["flywheel"], privileges: ["create_doc", "auto_configure"] }] });
  });

  test("no role gets cluster privileges, wildcards or broad index privileges", () => {
    const roles = logStoreRoleDescriptors({ logIndex: "flywheel" });
    for (const role of Object.values(roles)) {
      expect(role.cluster).toEqual([]);
      for (const grant of role.indices) {
        expect(grant.names.join()).not.toContain("*");
        expect(grant.privileges.filter((p) => ["all", "manage", "write", "index", "delete", "delete_index"].includes(p))).toEqual([]);
      }
    }
  });

  test("the metrics exporter's role is opt-in and has the monitor cluster privilege and no index", () => {
    expect(logStoreRoleDescriptors({ logIndex: "flywheel" })[logStoreRoles.metrics]).toBeUndefined();
    expect(logStoreRoleDescriptors({ logIndex: "flywheel", metrics: true })[logStoreRoles.metrics]).toEqual({ cluster: ["monitor"], indices: [] });
  });

  test("with snapshots, the exporter's role also reads the repositories and SLM's status and stats, and changes nothing", () => {
    expect(logStoreRoleDescriptors({ logIndex: "flywheel", metrics: true, snapshots: true })[logStoreRoles.metrics]).toEqual({
      cluster: ["monitor", "monitor_snapshot", "cluster:admin/slm/status", "cluster:admin/slm/stats"],
      indices: [],
    });
  });

  test("scratch indices for the flywheel are opt-in and limited to their pattern", () => {
    const reader = logStoreRoleDescriptors({ logIndex: "flywheel", flywheelScratchIndexPattern: "flywheel-scratch-*" })[logStoreRoles.reader];
    expect(reader.indices).toContainEqual({
      names: ["flywheel-scratch-*"],
      privileges: ["create_index", "delete_index", "write", "read", "view_index_metadata"],
    });
    expect(reader.indices[0]).toEqual({ names: ["flywheel"], privileges: ["read", "view_index_metadata"] });
  });

  test("each writer namespace has a user of its own, which the writer stamp then names", () => {
    expect(logWriterUser("shop")).toBe("log-writer-shop");
    expect(logWriterUser("shop")).not.toBe(logWriterUser("support"));
  });

  test("roles.yml parses back to the descriptors", () => {
    const options = { logIndex: "llm-logs" };
    expect(parse(logStoreRolesYaml(options))).toEqual(logStoreRoleDescriptors(options));
  });
});
