import { renderSource, type RenderedStack } from "../../render/render-stack";
import { parseJobConfig } from "../../flywheel-job/src/contract";
import { editedStack } from "../support/stack-config";

let local: RenderedStack;

beforeAll(async () => {
  // A render of its own: the shipped stacks grant no writer namespaces.
  local = await renderSource(
    editedStack("local", (c) => {
      const platform = c["data-flywheel:platform"] as { elasticsearch?: Record<string, unknown> };
      platform.elasticsearch = { ...platform.elasticsearch, logWriterNamespaces: ["shop", "support"] };
      (c["data-flywheel:workloads"] as Record<string, unknown>[])[0].logWriters = ["support"];
    }),
  );
});

const secretNames = (): string[] =>
  local.manifests.filter((m) => m.kind === "Secret" && /log-writer/.test(m.metadata?.name ?? "")).map((m) => `${m.metadata?.namespace}/${m.metadata?.name}`).sort();

describe("platform.elasticsearch.logWriterNamespaces", () => {
  it("gives each writer namespace an Elasticsearch user of its own, with its own password and Secret, and no shared writer", () => {
    // The values are secrets, masked in a render; names say whose they are.
    expect(secretNames()).toEqual([
      "data/flywheel-logs-user-log-writer-shop",
      "data/flywheel-logs-user-log-writer-support",
      "shop/flywheel-log-writer",
      "support/flywheel-log-writer",
    ]);
    const passwords = local.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword" && r.name.includes("es-writer")).map((r) => r.name).sort();
    expect(passwords).toEqual(["platform-data-es-writer-shop", "platform-data-es-writer-support"]);
  });

  it("lets Elasticsearch's file realm know every writer user", () => {
    const elasticsearch = local.manifests.find((m) => m.kind === "Elasticsearch");
    const fileRealm = (elasticsearch?.spec as { auth: { fileRealm: { secretName: string }[] } }).auth.fileRealm.map((r) => r.secretName);
    expect(fileRealm).toEqual(["flywheel-logs-user-flywheel-reader", "flywheel-logs-user-log-writer-shop", "flywheel-logs-user-log-writer-support"]);
  });

  it("has the workload read only what its logWriters wrote", () => {
    const [schedule] = local.config.schedules?.workloads ?? [];
    expect(parseJobConfig(schedule.jobConfig, "local's job config").logs.writers).toEqual(["log-writer-support"]);
  });
});
