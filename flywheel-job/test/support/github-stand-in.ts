import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

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
  readonly pattern: RegExp;
}

const repoPath = "/repos/([^/]+)/([^/]+)";
const endpoints: readonly Endpoint[] = [
  { step: "repository", method: "GET", pattern: new RegExp(`^${repoPath}$`) },
  { step: "getRef", method: "GET", pattern: new RegExp(`^${repoPath}/git/ref/heads/(.+)$`) },
  { step: "getCommit", method: "GET", pattern: new RegExp(`^${repoPath}/git/commits/([0-9a-f]+)$`) },
  { step: "getContent", method: "GET", pattern: new RegExp(`^${repoPath}/contents/(.+)$`) },
  { step: "createBlob", method: "POST", pattern: new RegExp(`^${repoPath}/git/blobs$`) },
  { step: "createTree", method: "POST", pattern: new RegExp(`^${repoPath}/git/trees$`) },
  { step: "createCommit", method: "POST", pattern: new RegExp(`^${repoPath}/git/commits$`) },
  { step: "createRef", method: "POST", pattern: new RegExp(`^${repoPath}/git/refs$`) },
  { step: "deleteRef", method: "DELETE", pattern: new RegExp(`^${repoPath}/git/refs/heads/(.+)$`) },
  { step: "createPull", method: "POST", pattern: new RegExp(`^${repoPath}/pulls$`) },
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
  private server: Server | undefined;
  url = "";

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

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) {
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(request.url ?? "/", "http://stand-in");
    const path = decodeURIComponent(url.pathname);
    const method = request.method ?? "GET";
    const endpoint = endpoints.find((candidate) => candidate.method === method && candidate.pattern.test(path));
    const send = (status: number, body?: unknown): void => {
      response.writeHead(status, body === undefined ? {} : { "content-type": "application/json; charset=utf-8" });
      response.end(body === undefined ? "" : JSON.stringify(body));
    };
    if (endpoint === undefined) {
      send(404, { message: `Not Found: no stand-in route ${method} ${path}` });
      return;
    }
    const match = endpoint.pattern.exec(path)!;
    const body = text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>);
    const call: GitHubCall = { step: endpoint.step, method, path, query: url.searchParams, authorization: request.headers.authorization, body };
    this.calls.push(call);
    if (match[1] !== this.owner || match[2] !== this.repo) {
      send(404, { message: "Not Found" });
      return;
    }
    const fault = this.faults.get(endpoint.step);
    if (fault !== undefined) {
      this.faults.delete(endpoint.step);
      call.answer = fault.body;
      send(fault.status, fault.body);
      return;
    }
    const [status, answer] = this.answer(endpoint.step, match[3], url.searchParams, body ?? {});
    call.answer = answer;
    send(status, answer);
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
