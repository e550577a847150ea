import { UsageError } from "../errors";
import { printableLine } from "../text/printable";

/** A repository on GitHub (or GitHub Enterprise Server), as its API names it. */
export interface GitHubRepository {
  readonly owner: string;
  readonly repo: string;
}

/** A user or organisation name as GitHub allows it: letters, digits and single inner hyphens, at most 39 characters. */
const ownerPattern = /^(?=.{1,39}$)[A-Za-z0-9](?:-?[A-Za-z0-9])*$/;
/** A repository name as GitHub allows it; `.` and `..` are not names. */
const repoPattern = /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;
/** Longer than any remote URL a person writes; what is longer is refused before it is parsed. */
const maxRemoteLength = 2048;

/**
 * The `owner/name` of `--repo` as a repository, or a UsageError naming the flag and the value.
 */
export function parseRepositoryFlag(value: string): GitHubRepository {
  const parts = value.split("/");
  const repository = parts.length === 2 ? { owner: parts[0], repo: parts[1] } : undefined;
  if (repository === undefined || !isRepository(repository)) {
    throw new UsageError(`--repo ${quoted(value)} is not a GitHub repository: expected owner/name, e.g. NVIDIA/data-flywheel`);
  }
  return repository;
}

/**
 * The repository a git remote URL points at, in the forms `git remote get-url origin` prints:
 * `https://host/owner/name(.git)`, `ssh://git@host(:port)/owner/name(.git)` and the scp-like
 * `git@host:owner/name(.git)`. Any host is accepted (GitHub Enterprise Server has its own); which
 * API serves it is the caller's `baseUrl`. A UsageError, naming the URL and `--repo`, for anything else.
 */
export function parseGitHubRemote(url: string): GitHubRepository {
  const text = url.trim();
  const path = text.length <= maxRemoteLength ? remotePath(text) : undefined;
  const match = path === undefined ? null : /^\/?([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(path);
  const repository = match === null ? undefined : { owner: match[1], repo: match[2] };
  if (repository === undefined || !isRepository(repository)) {
    throw new UsageError(`the git remote ${quoted(text)} is not a GitHub repository URL (https://github.com/owner/name, git@github.com:owner/name.git): name the repository with --repo owner/name`);
  }
  return repository;
}

/** The path part of a remote URL (after the host), or undefined when it is not a URL form git uses for a hosted repository. */
function remotePath(text: string): string | undefined {
  const scpLike = /^(?:[^@/:\s]+@)?[^@/:\s]+:(?!\/\/)(.+)$/.exec(text);
  if (scpLike !== null) {
    return scpLike[1];
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return undefined;
  }
  if (!["https:", "http:", "ssh:", "git:", "git+ssh:", "ssh+git:"].includes(parsed.protocol) || parsed.hostname === "") {
    return undefined;
  }
  try {
    return decodeURIComponent(parsed.pathname);
  } catch {
    return undefined;
  }
}

function isRepository(repository: GitHubRepository): boolean {
  return ownerPattern.test(repository.owner) && repoPattern.test(repository.repo);
}

/** A value from the user or git, bounded and printable, for a message. */
function quoted(value: string): string {
  const bounded = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  return `"${printableLine(bounded)}"`;
}
