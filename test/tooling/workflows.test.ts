import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { repoRoot } from "../../render/stack-files";

interface Job {
  readonly "runs-on": unknown;
  readonly permissions?: Record<string, string>;
  readonly steps?: readonly { readonly uses?: string }[];
}

const selfHosted = ["self-hosted", "linux", "flywheel-vpc"];

function jobsOf(workflow: string): Record<string, Job> {
  const document = parseYaml(fs.readFileSync(path.join(repoRoot, ".github", "workflows", workflow), "utf8")) as { jobs: Record<string, Job> };
  return document.jobs;
}

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
  ])("%s runs every job that reaches a cluster on the self-hosted runner", (workflow, expected) => {
    const jobs = jobsOf(workflow);
    expect(reachingACluster(jobs)).toEqual(expected);
    for (const name of expected) {
      expect([name, jobs[name]["runs-on"], jobs[name].permissions?.["id-token"]]).toEqual([name, selfHosted, "write"]);
    }
  });
});
