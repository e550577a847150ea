import { renderSource, type RenderedStack } from "../../render/render-stack";
import { input, named } from "../support/resources";
import { editedStack } from "../support/stack-config";

let prod: RenderedStack;

beforeAll(async () => {
  // A render of its own: the shipped prod stack names no bucket, so its shared render cannot show this.
  prod = await renderSource(
    editedStack("prod", (c) => {
      const platform = c["data-flywheel:platform"] as { elasticsearch: Record<string, unknown> };
      platform.elasticsearch.snapshotBucket = "acme-flywheel-log-snapshots";
    }),
  );
});

describe("platform.elasticsearch.snapshotBucket", () => {
  it("names the snapshot bucket the stack creates, and the repository the log store snapshots into", () => {
    const bucket = named(prod.resources, "aws:s3/bucket:Bucket", "platform-data-snapshots");
    expect(input(bucket, "bucket")).toBe("acme-flywheel-log-snapshots");
    const bootstrap = prod.manifests.filter((m) => m.kind === "ConfigMap" && JSON.stringify(m.data ?? {}).includes("acme-flywheel-log-snapshots"));
    expect(bootstrap.length).toBeGreaterThan(0);
  });
});
