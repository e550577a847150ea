import { newRecordId } from "../src/store/ids";
import type { RunRecord } from "../src/store/records";
import { ApiServing, readToken, tokenFileArgs } from "./support/api-serving";
import { GitHubStandIn } from "./support/github-stand-in";
import { temporaryDirectory } from "./support/logs";
import { copiedStacks, promote, recordRun, servingOf, stackCandidate } from "./support/promotion-records";

let stateDirectory: string;
let completed: RunRecord;
let api: ApiServing;

beforeAll(async () => {
  stateDirectory = temporaryDirectory();
  completed = await recordRun(stateDirectory);
  api = await ApiServing.start(["--state-dir", stateDirectory, ...tokenFileArgs()]);
});

afterAll(async () => {
  await api.stop();
});

/** An entry without the time it was written, which differs between two promotions. */
const timeless = (entry: { promotedFrom: Record<string, unknown> }) => ({ ...entry, promotedFrom: { ...entry.promotedFrom, at: "(time)" } });

describe("flywheel promote --api: the run through the Flywheel API", () => {
  it("writes the same entry as from the state directory, with the adapter the API reports", async () => {
    const fromApi = copiedStacks();
    const fromStore = copiedStacks();
    const row = ["--model", stackCandidate, "--eval-type", "customized-eval"];
    const viaApi = await promote([completed.id, "--stack", "dev", "--api", api.url, "--stacks-dir", fromApi.directory, ...row], { FLYWHEEL_API_TOKEN: readToken });
    expect(viaApi).toMatchObject({ code: 0, stderr: "" });
    expect((await promote([completed.id, "--stack", "dev", "--state-dir", stateDirectory, "--stacks-dir", fromStore.directory, ...row])).code).toBe(0);
    const [entry] = servingOf(fromApi.text("dev"));
    expect(entry).toMatchObject({ adapter: expect.stringMatching(/@cust-/), promotedFrom: { runId: completed.id, evalType: "customized-eval" } });
    expect(timeless(entry)).toEqual(timeless(servingOf(fromStore.text("dev"))[0]));
  });

  it("refuses a token the API does not accept, naming the variable, and a run it does not have", async () => {
    const stacks = copiedStacks();
    const before = stacks.text("dev");
    const refused = await promote([completed.id, "--stack", "dev", "--api", api.url, "--stacks-dir", stacks.directory], { FLYWHEEL_API_TOKEN: "not-the-token" });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^flywheel: error: Flywheel API: read run \w+ \(GET http:\/\/127\.0\.0\.1:\d+\/api\/jobs\/\w+\) was refused: HTTP 403.*: FLYWHEEL_API_TOKEN must hold the API's read or operator token\n$/);
    const missing = newRecordId();
    const unknown = await promote([missing, "--stack", "dev", "--api", `${api.url}/`, "--stacks-dir", stacks.directory], { FLYWHEEL_API_TOKEN: readToken });
    expect(unknown).toMatchObject({ code: 2, stderr: `flywheel: error: no run ${missing} in the Flywheel API at ${api.url}; "flywheel runs list" shows the runs\n` });
    expect(stacks.text("dev")).toBe(before);
  });

  it("refuses --api together with --state-dir", async () => {
    const result = await promote([completed.id, "--stack", "dev", "--api", api.url, "--state-dir", stateDirectory], { FLYWHEEL_API_TOKEN: readToken });
    expect(result).toMatchObject({ code: 2, stderr: "flywheel: error: --api and --state-dir both name where the run is: give one\n" });
  });
});

describe("flywheel promote --open-pr", () => {
  it("opens a pull request with the change and its evidence, and leaves the local file as it was", async () => {
    const stacks = copiedStacks();
    const before = stacks.text("dev");
    const github = new GitHubStandIn("example", "flywheel-stacks", "main", { "stacks/Pulumi.dev.yaml": before });
    await github.start();
    try {
      const result = await promote(
        [completed.id, "--stack", "dev", "--api", api.url, "--stacks-dir", stacks.directory, "--open-pr", "--repo", "example/flywheel-stacks", "--github-api", github.url],
        { FLYWHEEL_API_TOKEN: readToken, GITHUB_TOKEN: "github-token-for-the-tests" },
      );
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(stacks.text("dev")).toBe(before);
      const branch = `promote/dev/customer-support-${completed.id.slice(-8)}`;
      expect(result.stdout).toContain(`opened pull request #1 from ${branch}: https://github.example/example/flywheel-stacks/pull/1\n`);
      expect(github.bodyOf("createTree")).toMatchObject({ tree: [{ path: "stacks/Pulumi.dev.yaml", mode: "100644", type: "blob" }] });
      const written = String(github.bodyOf("createBlob")?.content);
      expect(servingOf(written)[0].promotedFrom).toMatchObject({ runId: completed.id, evalType: "base-eval" });
      expect(github.pulls).toEqual([expect.objectContaining({ head: branch, base: "main", title: `Promote ${stackCandidate} (base-eval) to dev: customer-support` })]);
      const body = String(github.pulls[0].body);
      expect(body).toContain(`[run ${completed.id}](${api.url}/`);
      expect(body).toContain("0 → 0.98 per hour at replicas.min");
      expect(body).toContain("+        max: 1");
    } finally {
      await github.stop();
    }
  });

  it("needs GITHUB_TOKEN, and --repo outside a git clone", async () => {
    const stacks = copiedStacks();
    const args = [completed.id, "--stack", "dev", "--state-dir", stateDirectory, "--stacks-dir", stacks.directory, "--open-pr"];
    expect(await promote([...args, "--repo", "example/flywheel-stacks"])).toMatchObject({
      code: 2,
      stderr: "flywheel: error: --open-pr needs a GitHub token: set GITHUB_TOKEN (contents:write and pull-requests:write on the repository)\n",
    });
    const outside = await promote(args, { GITHUB_TOKEN: "t" });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/^flywheel: error: cannot find the repository of --open-pr: git remote get-url origin in \S+ failed \(.+\); name it with --repo owner\/name\n$/);
    expect(await promote([completed.id, "--stack", "dev", "--state-dir", stateDirectory, "--repo", "a/b"])).toMatchObject({ code: 2, stderr: "flywheel: error: --repo applies to --open-pr only\n" });
  });
});
