import { createHash } from "node:crypto";
import { HttpStandIn, type Reply, type SeenRequest } from "./http-stand-in";

/** A call the stand-in answered: the step it was, and what was sent. */
export interface GitHubCall {
  readonly step: GitHubStep;
  readonly method: string;
  /** The path, percent-decoded (octokit encodes the `/` in a ref or a file path). */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown> | undefined;
  /** What the stand-in answered. */
  answer?: unknown;
}

export type GitHubStep = "repository" | "getRef" | "getCommit" | "getContent" | "createBlob" | "createTree" | "createCommit" | "createRef" | "deleteRef" | "createPull";

/** An answer a test makes a step give instead of its usual one. */
export interface GitHubFault {
  readonly status: number;
  readonly body: unknown;
}

interface Endpoint {
  readonly step: GitHubStep;
  readonly method: string;
  /** An `HttpStandIn` route: `:owner` and `:repo`, and `:parameter` for the step's own (`*`: it may hold a `/`). */
  readonly path: string;
}

const repoPath = "/repos/:owner/:repo";
const endpoints: readonly Endpoint[] = [
  { step: "repository", method: "GET", path: repoPath },
  { step: "getRef", method: "GET", path: `${repoPath}/git/ref/heads/:parameter*` },
  { step: "getCommit", method: "GET", path: `${repoPath}/git/commits/:parameter` },
  { step: "getContent", method: "GET", path: `${repoPath}/contents/:parameter*` },
  { step: "createBlob", method: "POST", path: `${repoPath}/git/blobs` },
  { step: "createTree", method: "POST", path: `${repoPath}/git/trees` },
  { step: "createCommit", method: "POST", path: `${repoPath}/git/commits` },
  { step: "createRef", method: "POST", path: `${repoPath}/git/refs` },
  { step: "deleteRef", method: "DELETE", path: `${repoPath}/git/refs/heads/:parameter*` },
  { step: "createPull", method: "POST", path: `${repoPath}/pulls` },
];

const sha = (text: string): string => createHash("sha1").update(text).digest("hex");

/**
 * A stand-in of the GitHub REST API calls `openPromotionPullRequest` makes, on 127.0.0.1: one
 * repository with a default branch whose commit holds some files, the git data API creating
 * objects and branches in memory, and pull requests. It records every call, and a test makes any
 * step answer with an error of its choice (`fail`).
 */
export class GitHubStandIn {
  readonly calls: GitHubCall[] = [];
  /** Branch name → commit sha. */
  readonly branches = new Map<string, string>();
  readonly pulls: Record<string, unknown>[] = [];
  readonly baseCommit: string;
  readonly baseTree: string;
  private readonly faults = new Map<GitHubStep, GitHubFault>();
  private readonly files: ReadonlyMap<string, string>;
  private readonly http = new HttpStandIn();

  constructor(
    readonly owner: string,
    readonly repo: string,
    readonly defaultBranch: string,
    files: Readonly<Record<string, string>>,
  ) {
    this.files = new Map(Object.entries(files));
    this.baseTree = sha(`tree ${JSON.stringify(files)}`);
    this.baseCommit = sha(`commit ${this.baseTree}`);
    this.branches.set(defaultBranch, this.baseCommit);
    for (const endpoint of endpoints) {
      this.http.route(endpoint.method, endpoint.path, (request, params) => this.handle(endpoint.step, request, params));
    }
  }

  get url(): string {
    return this.http.url;
  }

  /** The next call of `step` is answered with `fault`. */
  fail(step: GitHubStep, fault: GitHubFault): void {
    this.faults.set(step, fault);
  }

  /** The steps called, in order. */
  steps(): GitHubStep[] {
    return this.calls.map((call) => call.step);
  }

  /** The one call of `step`. */
  callOf(step: GitHubStep): GitHubCall {
    const calls = this.calls.filter((call) => call.step === step);
    if (calls.length !== 1) {
      throw new Error(`expected one ${step} call, saw ${calls.length}`);
    }
    return calls[0];
  }

  /** The body sent to the one call of `step`. */
  bodyOf(step: GitHubStep): Record<string, unknown> | undefined {
    return this.callOf(step).body;
  }

  /** The sha the stand-in answered the one call of `step` with. */
  shaOf(step: GitHubStep): string {
    return (this.callOf(step).answer as { sha: string }).sha;
  }

  start(): Promise<string> {
    return this.http.start();
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  private handle(step: GitHubStep, request: SeenRequest, params: Record<string, string>): Reply {
    const body = request.json as Record<string, unknown> | undefined;
    const call: GitHubCall = { step, method: request.method, path: request.path, query: request.query, authorization: request.headers.authorization, body };
    this.calls.push(call);
    if (params.owner !== this.owner || params.repo !== this.repo) {
      return { status: 404, body: { message: "Not Found" } };
    }
    const fault = this.faults.get(step);
    if (fault !== undefined) {
      this.faults.delete(step);
      call.answer = fault.body;
      return { status: fault.status, body: fault.body };
    }
    const [status, answer] = this.answer(step, params.parameter, request.query, body ?? {});
    call.answer = answer;
    return { status, body: answer };
  }

  private answer(step: GitHubStep, parameter: string | undefined, query: URLSearchParams, body: Record<string, unknown>): [number, unknown?] {
    switch (step) {
      case "repository":
        return [200, { full_name: `${this.owner}/${this.repo}`, default_branch: this.defaultBranch }];
      case "getRef": {
        const commit = this.branches.get(parameter!);
        return commit === undefined ? [404, { message: "Not Found" }] : [200, { ref: `refs/heads/${parameter}`, object: { type: "commit", sha: commit } }];
      }
      case "getCommit":
        return parameter === this.baseCommit ? [200, { sha: this.baseCommit, tree: { sha: this.baseTree }, parents: [] }] : [404, { message: "Not Found" }];
      case "getContent": {
        const content = query.get("ref") === this.baseCommit ? this.files.get(parameter!) : undefined;
        // GitHub wraps the base64 at 60 characters.
        const wrapped = content === undefined ? undefined : (Buffer.from(content, "utf8").toString("base64").match(/.{1,60}/g) ?? []).join("\n");
        return wrapped === undefined ? [404, { message: "Not Found" }] : [200, { type: "file", encoding: "base64", path: parameter, content: wrapped }];
      }
      case "createBlob":
        return [201, { sha: sha(`blob ${String(body.content)}`) }];
      case "createTree":
        return [201, { sha: sha(`tree ${JSON.stringify(body)}`) }];
      case "createCommit":
        return [201, { sha: sha(`commit ${JSON.stringify(body)}`) }];
      case "createRef": {
        const branch = String(body.ref).replace(/^refs\/heads\//, "");
        if (this.branches.has(branch)) {
          return [422, { message: "Reference already exists", documentation_url: "https://docs.github.com/rest/git/refs#create-a-reference", status: "422" }];
        }
        this.branches.set(branch, String(body.sha));
        return [201, { ref: body.ref, object: { type: "commit", sha: body.sha } }];
      }
      case "deleteRef":
        return this.branches.delete(parameter!) ? [204] : [422, { message: "Reference does not exist" }];
      case "createPull": {
        const number = this.pulls.length + 1;
        this.pulls.push(body);
        return [201, { number, html_url: `https://github.example/${this.owner}/${this.repo}/pull/${number}`, head: { ref: body.head }, base: { ref: body.base } }];
      }
    }
  }
}
