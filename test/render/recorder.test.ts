import * as pulumi from "@pulumi/pulumi";
import { ResourceRecorder, type RecordedResource } from "../../render/recorder";

class Group extends pulumi.ComponentResource {
  constructor(type: string, name: string, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.registerOutputs({});
  }
}

class Thing extends pulumi.CustomResource {
  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super("test:index:Thing", name, {}, opts);
  }
}

/**
 * A component renamed from test:index:OldGroup, with a child component and a grandchild that keep
 * their URNs through its alias, and a resource that names its former parent by URN.
 */
async function record(): Promise<RecordedResource[]> {
  const recorder = new ResourceRecorder("us-east-1");
  await recorder.install("app", "dev");
  await pulumi.runtime.runInPulumiStack(() => {
    recorder.trackParents();
    const outer = new Group("test:index:Outer", "app");
    const group = new Group("test:index:Group", "app-data", { parent: outer, aliases: [{ type: "test:index:OldGroup" }] });
    const inner = new Group("test:index:Inner", "app-data-inner", { parent: group });
    new Thing("app-data-thing", { parent: inner });
    const former = pulumi.createUrn("app-former", "test:index:Former", outer.urn);
    new Thing("app-moved", { parent: group, aliases: [{ parent: former }] });
    return Promise.resolve({});
  });
  await pulumi.runtime.disconnect();
  return recorder.resources();
}

describe("ResourceRecorder", () => {
  it("records each resource's URN as the engine computes it, and the old URNs its aliases resolve to at every depth", async () => {
    const p = "urn:pulumi:dev::app::test:index:Outer";
    const resources = await record();
    expect(resources.map((r) => [r.name, r.urn, r.custom, r.options?.aliasUrns])).toEqual([
      ["app-data", `${p}$test:index:Group::app-data`, false, [`${p}$test:index:OldGroup::app-data`]],
      ["app-data-inner", `${p}$test:index:Group$test:index:Inner::app-data-inner`, false, [`${p}$test:index:OldGroup$test:index:Inner::app-data-inner`]],
      ["app", "urn:pulumi:dev::app::test:index:Outer::app", false, undefined],
      [
        "app-data-thing",
        `${p}$test:index:Group$test:index:Inner$test:index:Thing::app-data-thing`,
        true,
        [`${p}$test:index:OldGroup$test:index:Inner$test:index:Thing::app-data-thing`],
      ],
      ["app-moved", `${p}$test:index:Group$test:index:Thing::app-moved`, true, [`${p}$test:index:Former$test:index:Thing::app-moved`, `${p}$test:index:OldGroup$test:index:Thing::app-moved`]],
    ]);
    expect(resources.find((r) => r.name === "app-moved")?.parent).toBe("test:index:Group::app-data");
  });
});
