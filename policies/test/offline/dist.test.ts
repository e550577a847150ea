import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { loadRenderedStack, RenderedStackError } from "../../offline/dist";
import { flywheelCronJob, storageClass } from "../support/fixtures";

const temporary: string[] = [];

afterAll(() => {
  for (const dir of temporary) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function renderDir(resources: unknown, manifests: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-dist-"));
  temporary.push(dir);
  fs.mkdirSync(path.join(dir, "manifests"));
  fs.writeFileSync(path.join(dir, "resources.json"), typeof resources === "string" ? resources : JSON.stringify(resources));
  for (const [file, object] of Object.entries(manifests)) {
    fs.writeFileSync(path.join(dir, "manifests", file), stringify(object));
  }
  return dir;
}

const typedClass = { type: "kubernetes:storage.k8s.io/v1:StorageClass", name: "flywheel-gp3", parent: "data-flywheel:aws:GpuCluster::flywheel", inputs: storageClass() };
const group = { type: "kubernetes:yaml/v2:ConfigGroup", name: "flywheel-schedule", parent: null, inputs: { objs: [flywheelCronJob()] } };
const nodeGroup = { type: "aws:eks/nodeGroup:NodeGroup", name: "flywheel-gpu-inference", parent: null, inputs: { amiType: "AL2023_x86_64_NVIDIA" } };

describe("loading a rendered stack", () => {
  it("reviews each Kubernetes object once, under the name a preview gives it", () => {
    const dir = renderDir([nodeGroup, typedClass, group], {
      "cluster.storageclass.gp3-encrypted.yaml": storageClass(),
      "flywheel.cronjob.flywheel-support-agent.yaml": flywheelCronJob(),
    });
    expect(loadRenderedStack(dir).map((r) => [r.type, r.name, r.source])).toEqual([
      ["aws:eks/nodeGroup:NodeGroup", "flywheel-gpu-inference", "resources.json"],
      ["kubernetes:yaml/v2:ConfigGroup", "flywheel-schedule", "resources.json"],
      ["kubernetes:storage.k8s.io/v1:StorageClass", "flywheel-gp3", "manifests/cluster.storageclass.gp3-encrypted.yaml"],
      ["kubernetes:batch/v1:CronJob", "flywheel-schedule:flywheel/flywheel-support-agent", "manifests/flywheel.cronjob.flywheel-support-agent.yaml"],
    ]);
  });

  it("reviews both versions of an object edited in one file only", () => {
    const edited = { ...flywheelCronJob(), spec: { ...(flywheelCronJob().spec as object), concurrencyPolicy: "Allow" } };
    const dir = renderDir([group], { "flywheel.cronjob.flywheel-support-agent.yaml": edited });
    const cronJobs = loadRenderedStack(dir).filter((r) => r.type === "kubernetes:batch/v1:CronJob");
    expect(cronJobs.map((r) => [r.source, (r.props.spec as { concurrencyPolicy: string }).concurrencyPolicy])).toEqual([
      ["manifests/flywheel.cronjob.flywheel-support-agent.yaml", "Allow"],
      ["resources.json", "Forbid"],
    ]);
  });

  it("keeps objects found in only one of the files", () => {
    const dir = renderDir([typedClass], { "extra.yaml": flywheelCronJob() });
    expect(loadRenderedStack(dir).map((r) => [r.name, r.source])).toEqual([
      ["flywheel/flywheel-support-agent", "manifests/extra.yaml"],
      ["flywheel-gp3", "resources.json"],
    ]);
  });

  it("explains what is wrong with a directory it cannot read", () => {
    const missing = path.join(os.tmpdir(), "policy-dist-does-not-exist");
    expect(() => loadRenderedStack(missing)).toThrow(new RenderedStackError(`${path.join(missing, "resources.json")} does not exist: render the stack first (npm run render -- <stack>), or leave out --no-render`));
    expect(() => loadRenderedStack(renderDir("[{", {}))).toThrow(/resources\.json is not valid JSON/);
    expect(() => loadRenderedStack(renderDir([{ name: "x" }], {}))).toThrow(/entry 0 is not a resource/);
    expect(() => loadRenderedStack(renderDir([], { "bad.yaml": { kind: "ConfigMap" } }))).toThrow("manifests/bad.yaml: document 1 is not a Kubernetes object (apiVersion, kind, metadata)");
  });
});
