import { fail } from "./errors";

/** A container image as the NIM operator's `image` fields take it: repository and tag apart. */
export interface ContainerImage {
  /** Registry and path, e.g. `nvcr.io/nvidia/nemo-microservices/datastore`. */
  readonly repository: string;
  /** A fixed release tag, e.g. `25.08`; never `latest`. */
  readonly tag: string;
}

/** `repository:tag`, the form of the operator's plain-string image fields. */
export function imageReference(image: ContainerImage): string {
  return `${image.repository}:${image.tag}`;
}

// A registry host (with an optional port) and at least one path component, all lower case.
const repositoryPattern = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)+$/;
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const digestPattern = /^sha256:[a-f0-9]{64}$/;

function validateTag(owner: string, prop: string, tag: string): void {
  if (!tagPattern.test(tag)) {
    fail(owner, `${prop} "${tag}" is not a valid image tag`);
  }
  if (tag === "latest") {
    fail(owner, `${prop} must pin a release, not "latest": a moving tag changes what runs without a reviewed change`);
  }
}

/** Repository and tag apart (the operator joins them as `repository:tag`, so no digest here). */
export function validateImage(owner: string, prop: string, image: ContainerImage): void {
  if (!repositoryPattern.test(image.repository)) {
    fail(owner, `${prop}.repository "${image.repository}" is not an image repository such as nvcr.io/nvidia/nemo-microservices/datastore (no tag or digest here)`);
  }
  validateTag(owner, `${prop}.tag`, image.tag);
}

/** A full image reference pinned by tag (`repo:1.2.3`) or digest (`repo@sha256:…`), never `latest`. */
export function validatePinnedReference(owner: string, prop: string, reference: string): void {
  const [name, digest, ...rest] = reference.split("@");
  if (rest.length > 0 || (digest !== undefined && !digestPattern.test(digest))) {
    fail(owner, `${prop} "${reference}" has a malformed digest (expected @sha256:<64 hex digits>)`);
  }
  const lastSlash = name.lastIndexOf("/");
  const tagSeparator = name.lastIndexOf(":");
  const hasTag = tagSeparator > lastSlash;
  const repository = hasTag ? name.slice(0, tagSeparator) : name;
  if (!repositoryPattern.test(repository)) {
    fail(owner, `${prop} "${reference}" is not an image reference such as nvcr.io/nim/meta/llama-3.2-1b-instruct:1.12.0`);
  }
  if (hasTag) {
    validateTag(owner, `${prop} "${reference}": tag`, name.slice(tagSeparator + 1));
  } else if (digest === undefined) {
    fail(owner, `${prop} "${reference}" must be pinned by a tag or a digest (without either it means "latest")`);
  }
}

/** An image reference pinned by digest alone (`registry/repository@sha256:…`): the same bytes on every pull. */
export function isPinnedByDigest(reference: string): boolean {
  const [repository, digest, ...rest] = reference.split("@");
  return rest.length === 0 && digest !== undefined && repositoryPattern.test(repository) && digestPattern.test(digest);
}
