import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { repoRoot } from "../../render/stack-files";

interface Job {
  readonly "runs-on": unknown;
  readonly permissions?: Record<string, string>;
  readonly steps?: readonly Step[];
}

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
}

interface Workflow {
  readonly on: Record<string, unknown>;
  readonly jobs: Record<string, Job>;
}

const selfHosted = ["self-hosted", "linux", "flywheel-vpc"];

function workflowOf(workflow: string): Workflow {
  return parseYaml(fs.readFileSync(path.join(repoRoot, ".github", "workflows", workflow), "utf8")) as Workflow;
}

function jobsOf(workflow: string): Record<string, Job> {
  return workflowOf(workflow).jobs;
}

const pulumiActionOf = (job: Job): Step | undefined => (job.steps ?? []).find((step) => step.uses?.startsWith("pulumi/actions@"));

/** Jobs that reach a stack's cluster: they assume an AWS role through GitHub OIDC. */
const reachingACluster = (jobs: Record<string, Job>): string[] =>
  Object.entries(jobs)
    .filter(([, job]) => (job.steps ?? []).some((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@")))
    .map(([name]) => name);

describe("the workflows", () => {
  // dev's endpoint admits only the CIDRs in Pulumi.dev.yaml and prod's is private: a GitHub-hosted
  // runner reaches neither.
  it.each([
    ["deploy.yml", ["dev", "prod"]],
    ["pr-review.yml", ["preview"]],
    ["drift.yml", ["drift"]],
  ])("%s runs every job that reaches a cluster on the self-hosted runner", (workflow, expected) => {
    const jobs = jobsOf(workflow);
    expect(reachingACluster(jobs)).toEqual(expected);
    for (const name of expected) {
      expect([name, jobs[name]["runs-on"], jobs[name].permissions?.["id-token"]]).toEqual([name, selfHosted, "write"]);
    }
  });

  it.each(["dev", "prod"])("deploy.yml verifies the platform of %s after pulumi up and before verifying serving, failing the job when it fails", (stack) => {
    const steps = jobsOf("deploy.yml")[stack].steps ?? [];
    const names = steps.map((step) => step.name);
    const verify = names.indexOf(`Verify platform (${stack})`);
    expect(verify).toBeGreaterThan(names.indexOf(`pulumi up (${stack})`));
    expect(verify).toBeLessThan(names.indexOf(`Verify serving (${stack})`));
    const step = steps[verify];
    expect(step.run).toContain(`npx flywheel verify platform --stack ${stack}`);
    // Nothing lets a failed verification pass: no continue-on-error, no `|| true`.
    expect(step).not.toHaveProperty("continue-on-error");
    expect(step.run).not.toMatch(/\|\|/);
  });

  it("drift.yml previews each AWS stack weekly and on demand, expecting no changes, with the deploy's pinned Pulumi action and version", () => {
    const workflow = workflowOf("drift.yml");
    expect(Object.keys(workflow.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    const drift = workflow.jobs.drift;
    expect(JSON.stringify(drift)).toContain('"stack":"dev"');
    expect(JSON.stringify(drift)).toContain('"stack":"prod"');
    expect(drift.permissions).toEqual({ contents: "read", "id-token": "write" });
    const preview = pulumiActionOf(drift);
    const deployUp = pulumiActionOf(jobsOf("deploy.yml").dev);
    expect(preview?.uses).toBe(deployUp?.uses);
    expect(preview?.uses).toMatch(/@[0-9a-f]{40}$/);
    expect(preview?.with).toMatchObject({ command: "preview", "expect-no-changes": true, "pulumi-version": deployUp?.with?.["pulumi-version"] });
  });

  it.each(["deploy.yml", "pr-review.yml", "drift.yml"])("%s pins every action by commit", (workflow) => {
    for (const job of Object.values(jobsOf(workflow))) {
      for (const step of job.steps ?? []) {
        if (step.uses !== undefined) expect(step.uses).toMatch(/@[0-9a-f]{40}$/);
      }
    }
  });
});
