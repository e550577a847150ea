import type { Octokit } from "@octokit/rest" with { "resolution-mode": "import" };
import { messageOf, UsageError } from "../errors";
import { ServiceRequestError, ServiceUnavailableError } from "../http/service-client";
import { packageVersion } from "../package-version";
import { printableLine } from "../text/printable";
import type { GitHubRepository } from "./github-repository";

/** The environment variable `flywheel promote --open-pr` reads the GitHub token from. */
export const githubTokenVariable = "GITHUB_TOKEN";

/** How long one call to the GitHub API may take. */
const githubCallTimeoutMs = 30_000;
/** How much of what GitHub said goes into a message. */
const githubMessageLength = 500;

export interface PromotionPullRequestOptions extends GitHubRepository {
  /** A token with contents:write and pull-requests:write on the repository (from `GITHUB_TOKEN`). */
  readonly token: string;
  /** The API's URL, for GitHub Enterprise Server (`https://host/api/v3`) and tests. @default https://api.github.com */
  readonly baseUrl?: string;
  /** The branch the pull request merges into. @default the repository's default branch */
  readonly baseBranch?: string;
  /** The branch to create, e.g. `promote/dev/support-0123abcd`; it must not exist yet. */
  readonly branch: string;
  /** The repository-relative path of the file the pull request changes, e.g. `stacks/Pulumi.dev.yaml`. */
  readonly path: string;
  /** The file's new text: the commit replaces the whole file with it. */
  readonly content: string;
  /**
   * The text the local edit started from. When given, the pull request is refused unless the file
   * on the base branch is exactly this text, so that it cannot undo a change made there since the
   * local copy was read. Without it, the commit replaces the file as it is on the base branch, and
   * any such change shows in the pull request's diff as reverted.
   */
  readonly expectedBase?: string;
  /** The commit message. */
  readonly message: string;
  readonly title: string;
  /** The pull request's description (see `promotionPullRequestBody`). */
  readonly body: string;
}

/** The pull request that was opened. */
export interface PromotionPullRequest {
  readonly number: number;
  /** Its page on GitHub (`html_url`). */
  readonly url: string;
  /** The branch it was opened from. */
  readonly branch: string;
}

/**
 * Opens a pull request that changes one file, through the GitHub API alone: nothing is pushed from
 * the local clone and no credential is written to disk. Reads the base branch's commit, then
 * creates a blob, a tree on the base commit's tree, a commit whose parent is the base commit, the
 * branch, and the pull request; it never merges. A refusal by GitHub (a 4xx, e.g. 403 for a token
 * without the scopes, 422 for a branch that exists or a pull request already open) is a
 * ServiceRequestError, anything else (5xx, no answer) a ServiceUnavailableError, each saying which
 * step failed and what GitHub said (bounded; never the token). When a step after the branch was
 * created fails, the branch is deleted first, so no branch is left behind; blobs, trees and commits
 * that no branch points at are garbage-collected by GitHub.
 */
export async function openPromotionPullRequest(options: PromotionPullRequestOptions): Promise<PromotionPullRequest> {
  validateOptions(options);
  const { owner, repo, branch, path } = options;
  // @octokit/rest is an ES module; a dynamic import loads it from this CommonJS program.
  const { Octokit } = await import("@octokit/rest");
  const octokit = new Octokit({
    auth: options.token,
    baseUrl: options.baseUrl,
    userAgent: `data-flywheel/${packageVersion()}`,
    // Every failure becomes an error that says what failed; octokit's own logging would say it twice.
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  const github = new GitHubCalls(octokit, options);

  const baseBranch = options.baseBranch ?? (await github.call("read the repository's default branch", (request) => octokit.rest.repos.get({ owner, repo, request }))).default_branch;
  const baseRef = await github.call(`read the branch ${baseBranch}`, (request) => octokit.rest.git.getRef({ owner, repo, ref: `heads/${baseBranch}`, request }));
  const baseSha = baseRef.object.sha;
  if (options.expectedBase !== undefined) {
    await refuseIfBaseMoved(github, octokit, options, baseBranch, baseSha, options.expectedBase);
  }
  const baseCommit = await github.call(`read the commit ${baseSha} of ${baseBranch}`, (request) => octokit.rest.git.getCommit({ owner, repo, commit_sha: baseSha, request }));
  const blob = await github.call(`create the blob of ${path}`, (request) => octokit.rest.git.createBlob({ owner, repo, content: options.content, encoding: "utf-8", request }));
  const tree = await github.call("create the tree", (request) =>
    octokit.rest.git.createTree({ owner, repo, base_tree: baseCommit.tree.sha, tree: [{ path, mode: "100644", type: "blob", sha: blob.sha }], request }),
  );
  const commit = await github.call("create the commit", (request) => octokit.rest.git.createCommit({ owner, repo, message: options.message, tree: tree.sha, parents: [baseSha], request }));
  await github.call(`create the branch ${branch}`, (request) => octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit.sha, request }));
  try {
    const pull = await github.call(`open the pull request from ${branch} into ${baseBranch}`, (request) =>
      octokit.rest.pulls.create({ owner, repo, head: branch, base: baseBranch, title: options.title, body: options.body, request }),
    );
    return { number: pull.number, url: pull.html_url, branch };
  } catch (error) {
    throw await github.withBranchDeleted(error, branch);
  }
}

/** Refuses, before anything is created, when the file on the base branch is not the text the local edit started from. */
async function refuseIfBaseMoved(github: GitHubCalls, octokit: Octokit, options: PromotionPullRequestOptions, baseBranch: string, baseSha: string, expected: string): Promise<void> {
  const { owner, repo, path } = options;
  const where = `${path} on ${baseBranch} (${baseSha.slice(0, 7)})`;
  const file = await github.call(`read ${path} on ${baseBranch}`, (request) => octokit.rest.repos.getContent({ owner, repo, path, ref: baseSha, request }), [404]);
  if (file === undefined) {
    throw new UsageError(`${where} does not exist: the pull request would add the whole file; open it from a clone of ${baseBranch} (or name another base branch)`);
  }
  if (Array.isArray(file) || file.type !== "file" || !("encoding" in file) || file.encoding !== "base64") {
    throw new UsageError(`${where} is not a file GitHub returns the content of (a directory, a link, or larger than 1 MB): cannot check that it is what the change started from`);
  }
  if (Buffer.from(file.content, "base64").toString("utf8") !== expected) {
    throw new UsageError(`${where} is not the file this change was made to: it changed there since your copy was read. Update your copy of ${baseBranch} and promote again, so that the pull request does not undo that change`);
  }
}

type RequestOptions = { readonly signal: AbortSignal };

/** Calls to the GitHub API, each with a timeout and an error that names what was being done and what GitHub said. */
class GitHubCalls {
  constructor(
    private readonly octokit: Octokit,
    private readonly options: PromotionPullRequestOptions,
  ) {}

  /** The answer's data, or undefined for a status in `accept`. */
  async call<T>(action: string, send: (request: RequestOptions) => Promise<{ data: T }>): Promise<T>;
  async call<T>(action: string, send: (request: RequestOptions) => Promise<{ data: T }>, accept: readonly number[]): Promise<T | undefined>;
  async call<T>(action: string, send: (request: RequestOptions) => Promise<{ data: T }>, accept: readonly number[] = []): Promise<T | undefined> {
    try {
      return (await send({ signal: AbortSignal.timeout(githubCallTimeoutMs) })).data;
    } catch (error) {
      const status = answeredStatus(error);
      if (status !== undefined && accept.includes(status)) {
        return undefined;
      }
      throw this.failure(action, error);
    }
  }

  /** `error` (from a call), after deleting the branch this run created; when the deletion fails too, the error says so and asks for it by hand. */
  async withBranchDeleted(error: unknown, branch: string): Promise<Error> {
    const { owner, repo } = this.options;
    const saying = (message: string): Error =>
      error instanceof ServiceRequestError ? new ServiceRequestError(message, error.status, error.responseBody) : new ServiceUnavailableError(message);
    try {
      await this.call(`delete the branch ${branch}`, (request) => this.octokit.rest.git.deleteRef({ owner, repo, ref: `heads/${branch}`, request }));
    } catch (deletion) {
      return saying(`${messageOf(error)}; the branch ${branch} it created could not be deleted (${messageOf(deletion)}): delete it on GitHub`);
    }
    return saying(`${messageOf(error)}; deleted the branch ${branch} it had created`);
  }

  private failure(action: string, error: unknown): Error {
    const { owner, repo } = this.options;
    const what = `GitHub: ${action} in ${owner}/${repo}`;
    const status = answeredStatus(error);
    if (status === undefined) {
      const api = this.options.baseUrl ?? "https://api.github.com";
      return new ServiceUnavailableError(this.redacted(`${what}: no answer from ${api}: ${messageOf(error)}`));
    }
    const said = this.redacted(githubMessage(error));
    const detail = `HTTP ${status}${said ? `: ${said}` : ""}${status === 403 || status === 404 ? hintForScopes : ""}`;
    return status >= 400 && status < 500 && status !== 429 ? new ServiceRequestError(`${what} was refused: ${detail}`, status, said) : new ServiceUnavailableError(`${what} failed: ${detail}`);
  }

  /** Text with the token cut out, in case an answer (or a proxy's error page) echoes it. */
  private redacted(text: string): string {
    return text.split(this.options.token).join("***");
  }
}

/** GitHub answers 404 rather than 403 to a token that may not see a private repository. */
const hintForScopes = ` (the token in ${githubTokenVariable} needs contents:write and pull-requests:write on the repository)`;

/** The status GitHub answered with, or undefined when it did not answer (no connection, timeout). */
function answeredStatus(error: unknown): number | undefined {
  const response = typeof error === "object" && error !== null && "response" in error ? error.response : undefined;
  return typeof response === "object" && response !== null && "status" in response && typeof response.status === "number" ? response.status : undefined;
}

/** What GitHub said in an error answer: its `message` and the `errors[]` messages, as one bounded printable line. */
function githubMessage(error: unknown): string {
  const response = (error as { response: { data?: unknown } }).response;
  const data = response.data;
  let text: string;
  if (typeof data === "string") {
    text = data.slice(0, githubMessageLength * 2);
  } else if (typeof data === "object" && data !== null) {
    const message = "message" in data && typeof data.message === "string" ? data.message : "";
    const details = "errors" in data && Array.isArray(data.errors) ? data.errors.slice(0, 5).map(errorDetail).filter(Boolean) : [];
    text = [message, ...details].filter(Boolean).join("; ");
  } else {
    text = "";
  }
  const line = printableLine(text.replace(/\s+/g, " ").trim());
  return line.length > githubMessageLength ? `${line.slice(0, githubMessageLength)}…` : line;
}

/** One entry of GitHub's `errors[]`: its `message`, or `resource.field code` (e.g. `PullRequest.head invalid`). */
function errorDetail(entry: unknown): string {
  if (typeof entry === "string") {
    return entry.slice(0, githubMessageLength);
  }
  if (typeof entry !== "object" || entry === null) {
    return "";
  }
  const field = (key: string): string => (key in entry && typeof (entry as Record<string, unknown>)[key] === "string" ? ((entry as Record<string, string>)[key]).slice(0, githubMessageLength) : "");
  return field("message") || [[field("resource"), field("field")].filter(Boolean).join("."), field("code")].filter(Boolean).join(" ");
}

/** A git branch name `git check-ref-format --branch` accepts, and at most 200 characters. */
function branchNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 200) {
    return "it must be 1 to 200 characters";
  }
  // eslint-disable-next-line no-control-regex -- control characters are what git refuses
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) {
    return "it may not hold spaces, control characters or any of ~ ^ : ? * [ \\";
  }
  if (name.startsWith("-") || name.includes("..") || name.includes("@{") || name === "@") {
    return 'it may not start with "-" or hold ".." or "@{"';
  }
  if (name.split("/").some((part) => part === "" || part.startsWith(".") || part.endsWith(".lock")) || name.endsWith(".")) {
    return 'its "/"-separated parts may not be empty, start with "." or end with ".lock", and it may not end with "."';
  }
  return undefined;
}

/** A repository-relative path: no leading "/", no ".", ".." or empty parts, no backslashes. */
function pathProblem(path: string): string | undefined {
  if (path.length === 0 || path.length > 1024) {
    return "it must be 1 to 1024 characters";
  }
  // eslint-disable-next-line no-control-regex -- control characters have no place in a stack file's path
  if (/[\u0000-\u001f\u007f\\]/.test(path) || path.split("/").some((part) => part === "" || part === "." || part === "..")) {
    return 'it must be relative to the repository\'s root, with no "." or ".." parts, empty parts, backslashes or control characters';
  }
  return undefined;
}

function validateOptions(options: PromotionPullRequestOptions): void {
  const problems: string[] = [];
  if (options.token.trim() === "") {
    problems.push(`${githubTokenVariable} is empty`);
  }
  const branch = branchNameProblem(options.branch);
  if (branch !== undefined) {
    problems.push(`the branch name "${printableLine(options.branch.slice(0, 200))}" is not valid: ${branch}`);
  }
  if (options.baseBranch !== undefined) {
    const base = branchNameProblem(options.baseBranch);
    if (base !== undefined) {
      problems.push(`the base branch name "${printableLine(options.baseBranch.slice(0, 200))}" is not valid: ${base}`);
    }
  }
  const path = pathProblem(options.path);
  if (path !== undefined) {
    problems.push(`the file path "${printableLine(options.path.slice(0, 200))}" is not valid: ${path}`);
  }
  if (options.title.trim() === "") {
    problems.push("the pull request's title is empty");
  }
  if (options.baseUrl !== undefined && !/^https?:\/\/[^/]/.test(options.baseUrl)) {
    problems.push(`the GitHub API URL "${printableLine(options.baseUrl.slice(0, 200))}" is not an http(s) URL`);
  }
  if (problems.length > 0) {
    throw new UsageError("cannot open the promotion pull request:", problems);
  }
}
