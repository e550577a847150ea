import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { manifestFileName } from "../../../render/manifests";
import { renderedDirectory } from "../../../test/support/rendered-stacks";
import { repoRoot } from "../../offline/review-stack";
import { policies } from "../../policies";
import { defaultDeny, edit, eksCluster, flywheelCronJob, gpuNodeGroup, helmRelease, launchTemplate, namespace, storageClass, type TestResource } from "../support/fixtures";

/** `npm run policy -- <args>`, without npm: the same script through ts-node. */
function policyCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join("policies", "offline", "cli.ts"), ...args], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let dir: string;
const temporary: string[] = [];

/** A temporary directory, deleted after the tests. */
function tempDir(prefix: string): string {
  const created = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(created);
  return created;
}

beforeAll(async () => {
  dir = await renderedDirectory("prod");
});

afterAll(() => {
  for (const created of temporary) {
    fs.rmSync(created, { recursive: true, force: true });
  }
});

/** A render written by hand, as `npm run render` lays it out: compliant with every policy. */
function compliantRender(): string {
  const compliant = tempDir("policy-cli-compliant-");
  const record = (r: TestResource) => ({ type: r.type, name: r.name, parent: null, inputs: r.props });
  const objects = [namespace("flywheel"), defaultDeny("flywheel"), flywheelCronJob()];
  // Production backs up retained volumes: the class tags them, and a plan selects the tag.
  const retained = edit(storageClass(), "parameters.tagSpecification_1", "data-flywheel.io/backup=aws-backup");
  const backupPlan = { type: "aws:backup/plan:Plan", name: "flywheel-backups", parent: null, inputs: { rules: [{ ruleName: "daily", schedule: "cron(0 5 ? * * *)", lifecycle: { deleteAfter: 35 } }] } };
  const backupSelection = {
    type: "aws:backup/selection:Selection",
    name: "flywheel-backups-volumes",
    parent: null,
    inputs: { planId: "flywheel-backups-id", selectionTags: [{ type: "STRINGEQUALS", key: "data-flywheel.io/backup", value: "aws-backup" }] },
  };
  const resources = [
    ...[eksCluster(), gpuNodeGroup(), launchTemplate(), helmRelease()].map(record),
    backupPlan,
    backupSelection,
    { type: "kubernetes:storage.k8s.io/v1:StorageClass", name: "flywheel-gp3", parent: null, inputs: retained },
    { type: "kubernetes:yaml/v2:ConfigGroup", name: "flywheel", parent: null, inputs: { objs: objects } },
  ];
  fs.writeFileSync(path.join(compliant, "resources.json"), JSON.stringify(resources, null, 2));
  fs.mkdirSync(path.join(compliant, "manifests"));
  for (const object of [retained, ...objects]) {
    fs.writeFileSync(path.join(compliant, "manifests", manifestFileName(object)), stringify(object));
  }
  return compliant;
}

describe("npm run policy", () => {
  it("passes a compliant render and says so", () => {
    const { status, stdout } = policyCli("prod", "--no-render", "--dist", compliantRender());
    expect(stdout).toMatch(/^Policies:\n {4}✅ data-flywheel@v0\.1\.0 \(offline review of .*, config policies\/config\/production\.json\)\n/);
    expect(stdout).toMatch(new RegExp(`\\nStack prod \\(production\\): no violations; ${policies.length} policies checked 11 resources\\.\\n$`));
    expect(status).toBe(0);
  });

  it("fails on a prod render broken by hand, naming each policy and resource", () => {
    const broken = tempDir("policy-cli-broken-");
    fs.cpSync(dir, broken, { recursive: true });
    const resourcesFile = path.join(broken, "resources.json");
    const resources = JSON.parse(fs.readFileSync(resourcesFile, "utf8")) as { type: string; name: string; inputs: Record<string, unknown> }[];
    const pool = resources.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup" && r.name === "flywheel-gpu-inference");
    if (!pool) {
      throw new Error("the prod render has no flywheel-gpu-inference node group");
    }
    pool.inputs.taints = [];
    fs.writeFileSync(resourcesFile, JSON.stringify(resources, null, 2));
    const classFile = path.join(broken, "manifests", "cluster.storageclass.gp3-encrypted.yaml");
    const storageClass = parse(fs.readFileSync(classFile, "utf8")) as { parameters: Record<string, string> };
    storageClass.parameters.encrypted = "false";
    fs.writeFileSync(classFile, stringify(storageClass));
    const cronJob = flywheelCronJob();
    fs.writeFileSync(path.join(broken, "manifests", "flywheel.cronjob.by-hand.yaml"), stringify({ ...cronJob, spec: { ...(cronJob.spec as object), concurrencyPolicy: "Allow" } }));

    const { status, stdout } = policyCli("prod", "--no-render", "--dist", broken);
    expect(stdout).toContain("❌ data-flywheel@v0.1.0");
    expect(stdout).toContain("- [mandatory]  cronjob-bounded  (kubernetes:batch/v1:CronJob: flywheel/flywheel-support-agent)\n");
    expect(stdout).toContain("- [mandatory]  gpu-node-pool-tainted  (aws:eks/nodeGroup:NodeGroup: flywheel-gpu-inference)\n");
    expect(stdout).toContain("- [mandatory]  storage-encrypted  (kubernetes:storage.k8s.io/v1:StorageClass: flywheel-gp3)\n");
    expect(stdout).toContain("GPU node group \"flywheel-gpu-inference\" (g6e.2xlarge) has no nvidia.com/gpu NO_SCHEDULE taint");
    expect(stdout).toMatch(/\nStack prod \(production\): \d+ mandatory violations and \d+ advisory violations? of \d+ policies;/);
    expect(status).toBe(1);
  });

  it("explains what it needs when it cannot review", () => {
    const missing = policyCli("prod", "--no-render", "--dist", path.join(os.tmpdir(), "policy-cli-nothing-here"));
    expect(missing.stderr).toContain("resources.json does not exist: render the stack first");
    expect(missing.status).toBe(2);
    const renderToo = policyCli("prod", "--dist", dir);
    expect(renderToo.stderr).toContain("--dist reviews an existing render: add --no-render");
    expect(renderToo.status).toBe(2);
    const unknownStack = policyCli("staging", "--no-render", "--dist", dir);
    expect(unknownStack.stderr).toContain("no stack file stacks/Pulumi.staging.yaml");
    expect(unknownStack.status).toBe(2);
  });

  it("names a stack that has no stack file in one line, before rendering", () => {
    expect(policyCli("staging")).toEqual({ status: 2, stdout: "", stderr: "no stack file stacks/Pulumi.staging.yaml\n" });
  });

  it("prints its usage with --help, exit code 0", () => {
    const help = policyCli("--help");
    expect(help).toMatchObject({ status: 0, stderr: "" });
    expect(help.stdout).toMatch(/^usage: npm run policy -- <stack> \[--no-render\] \[--dist <dir>\]\n/);
    expect(help.stdout).toContain("--no-render");
  });

  it("names its options when given one it does not know", () => {
    expect(policyCli("dev", "--no-rendr")).toEqual({
      status: 2,
      stdout: "",
      stderr: "unknown option --no-rendr (options: --no-render, --dist, --help); see npm run policy -- --help\n",
    });
  });
});
