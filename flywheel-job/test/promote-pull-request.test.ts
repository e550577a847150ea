import { ExitCode, type FlywheelError } from "../src/errors";
import { ServiceRequestError, ServiceUnavailableError } from "../src/http/service-client";
import { parseGitHubRemote, parseRepositoryFlag } from "../src/promote/github-repository";
import { openPromotionPullRequest, type PromotionPullRequestOptions } from "../src/promote/pull-request";
import { type PromotionEvidence, promotionPullRequestBody, pullRequestBodyLimit, reviewUiRunUrl } from "../src/promote/pull-request-body";
import type { ReportRow } from "../src/report/run-report";
import { freePort } from "./support/free-port";
import { GitHubStandIn } from "./support/github-stand-in";

const token = "github_pat_11AAAAAAA0stand-in-token-value";
const stackPath = "stacks/Pulumi.dev.yaml";
const original = "config:\n  data-flywheel:serving: []\n";
const edited = "config:\n  data-flywheel:serving:\n    - name: support\n";
const branch = "promote/dev/support-0123abcd";

describe("openPromotionPullRequest against a stand-in of the GitHub API", () => {
  let github: GitHubStandIn;

  beforeEach(async () => {
    github = new GitHubStandIn("acme", "flywheel-iac", "main", { [stackPath]: original });
    await github.start();
  });
  afterEach(() => github.stop());

  const options = (overrides: Partial<PromotionPullRequestOptions> = {}): PromotionPullRequestOptions => ({
    token,
    owner: "acme",
    repo: "flywheel-iac",
    baseUrl: github.url,
    branch,
    path: stackPath,
    content: edited,
    message: "Promote support on dev",
    title: "Promote meta/llama-3.2-1b-instruct to support on dev",
    body: "the evidence",
    ...overrides,
  });
  const failure = (promise: Promise<unknown>): Promise<FlywheelError> => promise.then(() => Promise.reject(new Error("expected a failure")), (error: FlywheelError) => error);

  it("creates the blob, the tree on the base tree, the commit on the base commit, the branch and the pull request, in that order", async () => {
    const pull = await openPromotionPullRequest(options());

    expect(pull).toEqual({ number: 1, url: "https://github.example/acme/flywheel-iac/pull/1", branch });
    expect(github.steps()).toEqual(["repository", "getRef", "getCommit", "createBlob", "createTree", "createCommit", "createRef", "createPull"]);
    expect(github.calls.find((call) => call.step === "getRef")!.path).toBe("/repos/acme/flywheel-iac/git/ref/heads/main");
    expect(github.bodyOf("createBlob")).toEqual({ content: edited, encoding: "utf-8" });
    expect(github.bodyOf("createTree")).toEqual({ base_tree: github.baseTree, tree: [{ path: stackPath, mode: "100644", type: "blob", sha: github.shaOf("createBlob") }] });
    expect(github.bodyOf("createCommit")).toEqual({ message: "Promote support on dev", tree: github.shaOf("createTree"), parents: [github.baseCommit] });
    expect(github.bodyOf("createRef")).toEqual({ ref: `refs/heads/${branch}`, sha: github.shaOf("createCommit") });
    expect(github.branches.get(branch)).toBe(github.shaOf("createCommit"));
    expect(github.bodyOf("createPull")).toEqual({ head: branch, base: "main", title: "Promote meta/llama-3.2-1b-instruct to support on dev", body: "the evidence" });
    expect(github.calls.every((call) => call.authorization === `token ${token}`)).toBe(true);
    // It opens the pull request and stops there: nothing merges it.
    expect(github.calls.some((call) => call.path.endsWith("/merge"))).toBe(false);
  });

  it("uses the base branch it is given without asking for the default one", async () => {
    github.branches.set("release", github.baseCommit);
    await openPromotionPullRequest(options({ baseBranch: "release" }));
    expect(github.steps()[0]).toBe("getRef");
    expect(github.bodyOf("createPull")!.base).toBe("release");
  });

  it.each([
    [403, { message: "Resource not accessible by personal access token", documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request" }, "HTTP 403: Resource not accessible by personal access token (the token in GITHUB_TOKEN needs contents:write and pull-requests:write on the repository)"],
    [422, { message: "Validation Failed", errors: [{ resource: "PullRequest", code: "custom", message: "A pull request already exists for acme:promote/dev/support-0123abcd." }] }, "HTTP 422: Validation Failed; A pull request already exists for acme:promote/dev/support-0123abcd."],
  ])("a %i from the pull request call deletes the branch it created and says why", async (status, answer, said) => {
    github.fail("createPull", { status, body: answer });
    const error = await failure(openPromotionPullRequest(options()));

    expect(error).toBeInstanceOf(ServiceRequestError);
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.message).toBe(`GitHub: open the pull request from ${branch} into main in acme/flywheel-iac was refused: ${said}; deleted the branch ${branch} it had created`);
    expect(github.steps().slice(-2)).toEqual(["createPull", "deleteRef"]);
    expect(github.calls.at(-1)!.path).toBe(`/repos/acme/flywheel-iac/git/refs/heads/${branch}`);
    expect([...github.branches.keys()]).toEqual(["main"]);
  });

  it.each([
    [403, { message: "Resource not accessible by integration" }, "HTTP 403: Resource not accessible by integration (the token in GITHUB_TOKEN"],
    [422, { message: "Reference already exists" }, "HTTP 422: Reference already exists"],
  ])("a %i from creating the branch leaves no branch of its own and deletes none it did not create", async (status, answer, said) => {
    github.fail("createRef", { status, body: answer });
    const error = await failure(openPromotionPullRequest(options()));

    expect(error).toBeInstanceOf(ServiceRequestError);
    expect(error.message).toContain(`GitHub: create the branch ${branch} in acme/flywheel-iac was refused: ${said}`);
    expect(github.steps()).not.toContain("deleteRef");
    expect(github.steps()).not.toContain("createPull");
    expect([...github.branches.keys()]).toEqual(["main"]);
  });

  it("does not delete a branch of that name that was there before", async () => {
    github.branches.set(branch, "f".repeat(40));
    const error = await failure(openPromotionPullRequest(options()));
    expect(error.message).toContain("HTTP 422: Reference already exists");
    expect(github.branches.get(branch)).toBe("f".repeat(40));
    expect(github.steps()).not.toContain("deleteRef");
  });

  it("says so when the branch it created cannot be deleted, so that a person deletes it", async () => {
    github.fail("createPull", { status: 502, body: { message: "Server Error" } });
    github.fail("deleteRef", { status: 403, body: { message: "Resource not accessible by personal access token" } });
    const error = await failure(openPromotionPullRequest(options()));

    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error.message).toMatch(new RegExp(`failed: HTTP 502: Server Error; the branch ${branch} it created could not be deleted \\(GitHub: delete the branch .* was refused: HTTP 403: .*\\): delete it on GitHub$`));
  });

  it("never puts the token in an error, even when an answer echoes it", async () => {
    github.fail("createPull", { status: 401, body: { message: `Bad credentials: ${token}` } });
    const error = await failure(openPromotionPullRequest(options()));
    expect(error.message).toContain("HTTP 401: Bad credentials: ***");
    expect(error.message).not.toContain(token);
    expect(JSON.stringify(error)).not.toContain(token);
    expect(error.details.join("\n")).not.toContain(token);
  });

  it("bounds what GitHub said and keeps it on one line", async () => {
    github.fail("createBlob", { status: 422, body: { message: `line one\nline two ${"x".repeat(5000)}` } });
    const error = await failure(openPromotionPullRequest(options()));
    expect(error.message).toContain("refused: HTTP 422: line one line two xxx");
    expect(error.message).not.toContain("\n");
    expect(error.message.length).toBeLessThan(800);
    expect(github.steps()).not.toContain("createRef");
  });

  it("says that GitHub did not answer, and where it was asked", async () => {
    const nothing = `http://127.0.0.1:${await freePort()}`;
    const error = await failure(openPromotionPullRequest(options({ baseUrl: nothing })));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error.exitCode).toBe(ExitCode.transient);
    expect(error.message).toContain(`GitHub: read the repository's default branch in acme/flywheel-iac: no answer from ${nothing}`);
  });

  describe("expectedBase", () => {
    it("goes ahead when the file on the base branch is what the edit started from", async () => {
      await openPromotionPullRequest(options({ expectedBase: original }));
      const read = github.calls.find((call) => call.step === "getContent")!;
      expect(read.path).toBe(`/repos/acme/flywheel-iac/contents/${stackPath}`);
      expect(read.query.get("ref")).toBe(github.baseCommit);
      expect(github.steps().at(-1)).toBe("createPull");
    });

    it("refuses, before creating anything, when the file on the base branch changed since", async () => {
      const error = await failure(openPromotionPullRequest(options({ expectedBase: "config: {}\n" })));
      expect(error.exitCode).toBe(ExitCode.usage);
      expect(error.message).toBe(
        `${stackPath} on main (${github.baseCommit.slice(0, 7)}) is not the file this change was made to: it changed there since your copy was read. Update your copy of main and promote again, so that the pull request does not undo that change`,
      );
      expect(github.steps()).toEqual(["repository", "getRef", "getContent"]);
    });

    it("refuses when the file is not on the base branch", async () => {
      const error = await failure(openPromotionPullRequest(options({ path: "stacks/Pulumi.qa.yaml", expectedBase: original })));
      expect(error.message).toMatch(/^stacks\/Pulumi\.qa\.yaml on main \([0-9a-f]{7}\) does not exist/);
      expect(github.steps()).not.toContain("createBlob");
    });
  });

  it.each([
    ["a branch name git refuses", { branch: "promote/dev/bad name" }, 'the branch name "promote/dev/bad name" is not valid'],
    ["a branch with ..", { branch: "promote/../main" }, 'the branch name "promote/../main" is not valid'],
    ["a path out of the repository", { path: "../Pulumi.dev.yaml" }, 'the file path "../Pulumi.dev.yaml" is not valid'],
    ["an absolute path", { path: "/etc/passwd" }, 'the file path "/etc/passwd" is not valid'],
    ["an empty token", { token: " " }, "GITHUB_TOKEN is empty"],
  ])("refuses %s before calling GitHub", async (_, overrides, problem) => {
    const error = await failure(openPromotionPullRequest(options(overrides)));
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.message).toBe("cannot open the promotion pull request:");
    expect(error.details).toEqual([expect.stringContaining(problem)]);
    expect(github.calls).toEqual([]);
  });
});

describe("parseGitHubRemote", () => {
  it.each([
    ["https://github.com/acme/flywheel-iac.git", "acme", "flywheel-iac"],
    ["https://github.com/acme/flywheel-iac", "acme", "flywheel-iac"],
    ["https://github.com/acme/flywheel-iac/", "acme", "flywheel-iac"],
    ["https://x-access-token@github.com/acme/flywheel-iac.git\n", "acme", "flywheel-iac"],
    ["git@github.com:acme/flywheel-iac.git", "acme", "flywheel-iac"],
    ["git@github.com:acme/flywheel.iac", "acme", "flywheel.iac"],
    ["ssh://git@github.com/acme/flywheel-iac.git", "acme", "flywheel-iac"],
    ["ssh://git@ghe.example.com:2222/Acme-Corp/flywheel_iac.git", "Acme-Corp", "flywheel_iac"],
    ["github.com:acme/flywheel-iac.git", "acme", "flywheel-iac"],
  ])("%j is %s/%s", (url, owner, repo) => {
    expect(parseGitHubRemote(url)).toEqual({ owner, repo });
  });

  it.each([
    "/srv/git/flywheel-iac.git",
    "file:///srv/git/acme/flywheel-iac.git",
    "https://github.com/acme",
    "https://github.com/acme/flywheel-iac/tree/main",
    "git@github.com:acme/../flywheel-iac.git",
    "https://github.com/-acme/flywheel-iac",
    "",
  ])("refuses %j, pointing at --repo", (url) => {
    expect(() => parseGitHubRemote(url)).toThrow(/is not a GitHub repository URL .*: name the repository with --repo owner\/name$/);
  });

  it("quotes what it refuses on one bounded line", () => {
    expect(() => parseGitHubRemote(`https://evil.example/\u202e${"a".repeat(5000)}`)).toThrow(/^the git remote "https:\/\/evil\.example\/\\u202ea+…" is not/);
  });

  it("reads --repo owner/name", () => {
    expect(parseRepositoryFlag("acme/flywheel-iac")).toEqual({ owner: "acme", repo: "flywheel-iac" });
    expect(() => parseRepositoryFlag("acme")).toThrow('--repo "acme" is not a GitHub repository: expected owner/name');
    expect(() => parseRepositoryFlag("acme/x/y")).toThrow("expected owner/name");
  });
});

describe("promotionPullRequestBody", () => {
  const row = (overrides: Partial<ReportRow>): ReportRow => ({
    model: "meta/llama-3.2-1b-instruct",
    gpus: 1,
    eval_type: "base-eval",
    status: "completed",
    error: null,
    scores: { similarity: 0.912 },
    target_met: { similarity: true },
    promotable: true,
    cost: 2.5,
    rank: 1,
    judge_unparsed: null,
    judge_rated: null,
    ...overrides,
  });
  const evidence = (overrides: Partial<PromotionEvidence> = {}): PromotionEvidence => ({
    stack: "dev",
    entryName: "support",
    run: { id: "0123abcd-run", workloadId: "support-agent", clientId: "acme" },
    rows: [row({}), row({ model: "meta/llama-3.1-8b-instruct", gpus: 2, cost: 5, rank: null, promotable: false, scores: { similarity: 0.7 }, target_met: { similarity: false } })],
    targets: { similarity: 0.8 },
    chosen: { model: "meta/llama-3.2-1b-instruct", evalType: "base-eval" },
    reviewUiUrl: reviewUiRunUrl("https://flywheel.example/", "0123abcd-run"),
    gpuCost: { before: 5, after: 2.5, unit: "USD per hour" },
    diff: "--- a/stacks/Pulumi.dev.yaml\n+++ b/stacks/Pulumi.dev.yaml\n@@ -1,2 +1,3 @@\n config:\n-  data-flywheel:serving: []\n+  data-flywheel:serving:\n+    - name: support\n",
    ...overrides,
  });

  it("carries the evidence: what is promoted from which run, the targets, the GPU-cost change, the report table and the diff", () => {
    const body = promotionPullRequestBody(evidence());
    expect(body).toContain("Promotes **meta/llama-3.2-1b-instruct** (base-eval) to the serving entry **support** of the stack **dev**, on the evidence of [run 0123abcd-run](https://flywheel.example/runs/0123abcd-run) for workload support-agent, client acme.");
    expect(body).toContain("### Targets\n\n- similarity ≥ 0.8\n");
    expect(body).toContain("### GPU cost\n\n5 → 2.5 USD per hour (−2.5)\n");
    expect(body).toContain("### Report\n\n| |");
    expect(body).toContain(
      [
        "| | rank | model | evaluation | status | similarity (≥ 0.8) | promotable | GPU cost |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        "| **→** | 1 | meta/llama-3.2-1b-instruct | base-eval | completed | 0.912 ✓ | yes | 2.5 |",
        "|  | — | meta/llama-3.1-8b-instruct | base-eval | completed | 0.700 ✗ | no | 5 |",
      ].join("\n"),
    );
    expect(body).toContain("### Change\n\n```diff\n--- a/stacks/Pulumi.dev.yaml\n");
    expect(body).toMatch(/\+ {4}- name: support\n```\n$/);
    expect(body).not.toContain("Forced promotion");
  });

  it("puts a forced promotion's reason first, as a warning", () => {
    const body = promotionPullRequestBody(evidence({ forcedReason: "the judge is down;\nscores checked by hand (see #12)" }));
    expect(body.startsWith("> [!WARNING]\n> **Forced promotion.**")).toBe(true);
    expect(body).toContain("> the judge is down;\n> scores checked by hand \\(see \\#12\\)\n");
  });

  it("escapes names so that they stay in their cell and add no markup, links or mentions", () => {
    const hostile = "evil|model`x`\n| injected | row |<img src=x>[link](https://evil.example) @octocat";
    const body = promotionPullRequestBody(evidence({ rows: [row({ model: hostile })], chosen: { model: hostile, evalType: "base-eval" } }));
    const tableRow = body.split("\n").find((line) => line.startsWith("| **→**"))!;
    // Nine cell borders for eight columns: none from the name. The line break shows as `\u000a`.
    expect(tableRow.match(/(?<!\\)\|/g)).toHaveLength(9);
    expect(tableRow).toContain("evil\\|model\\`x\\`\\\\u000a\\| injected \\| row \\|\\<img src=x\\>\\[link\\]\\(https\\://evil.example\\) \\@octocat");
    expect(body).not.toMatch(/(?<!\\)<img/);
    expect(body).not.toMatch(/(?<!\\)@octocat/);
    expect(body).not.toMatch(/(?<!\\)\[link/);
  });

  it("fences the diff with more backticks than any line of it holds", () => {
    const body = promotionPullRequestBody(evidence({ diff: "+  # a comment with ```` fences\n" }));
    expect(body).toContain("`````diff\n+  # a comment with ```` fences\n`````\n");
  });

  it("stays within GitHub's limit, keeping the promoted row and saying what it left out", () => {
    const rows = Array.from({ length: 2000 }, (_, i) => row({ model: `org/model-${i}-${"m".repeat(100)}`, rank: null, promotable: false }));
    const chosen = row({ model: "org/the-chosen-one" });
    const diff = Array.from({ length: 20000 }, (_, i) => `+line ${i}`).join("\n");
    const body = promotionPullRequestBody(evidence({ rows: [...rows, chosen], chosen: { model: "org/the-chosen-one", evalType: "base-eval" }, diff, forcedReason: "r".repeat(100_000) }));

    expect(body.length).toBeLessThanOrEqual(pullRequestBodyLimit);
    expect(body).toContain("| **→** | 1 | org/the-chosen-one |");
    expect(body).toMatch(/\n\n\d+ more rows of the report left out for length: see the run\.\n/);
    expect(body).toMatch(/\n\n\d+ more lines of the diff left out for length: see the pull request's Files changed\.\n$/);
    expect(body).toContain("+line 0\n");
    expect(body).not.toContain("+line 19999");
  });

  it("refuses a review UI link that is not http(s)", () => {
    expect(() => promotionPullRequestBody(evidence({ reviewUiUrl: "javascript:alert(1)" }))).toThrow('the review UI\'s URL "javascript:alert(1)" is not an http(s) URL');
  });
});
