import { apiGroup } from "./kubernetes";
import type { KubernetesObject } from "./kubernetes-object";
import { isRecord, valueAt } from "./values";
import { nimImage, podTemplatesOf } from "./workloads";

/** A container image reference, split into its parts. */
export interface ImageReference {
  /** Registry host, `docker.io` when the reference names none. */
  readonly registry: string;
  /** Repository path in the registry, e.g. `library/redis` or `nim/meta/llama-3.1-8b-instruct`. */
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:…` when the reference pins a digest. */
  readonly digest?: string;
}

/** Parses `[registry/]repository[:tag][@digest]` the way container runtimes do. */
export function parseImage(reference: string): ImageReference {
  const at = reference.indexOf("@");
  const name = at >= 0 ? reference.slice(0, at) : reference;
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const lastSlash = name.lastIndexOf("/");
  const colon = name.indexOf(":", lastSlash + 1);
  const path = colon >= 0 ? name.slice(0, colon) : name;
  const tag = colon >= 0 ? name.slice(colon + 1) : undefined;
  const parts = path.split("/");
  const first = parts[0] ?? "";
  const hasRegistry = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  const registry = hasRegistry ? first.toLowerCase() : "docker.io";
  const rest = hasRegistry ? parts.slice(1).join("/") : path;
  const repository = registry === "docker.io" && !rest.includes("/") ? `library/${rest}` : rest;
  return { registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/**
 * True when an image comes from one of the allowed sources. A source is a registry host
 * (`nvcr.io`) or a registry and repository prefix (`ghcr.io/my-org`); `*` stands for one DNS label
 * (`*.dkr.ecr.*.amazonaws.com`).
 */
export function imageAllowed(image: ImageReference, allowed: readonly string[]): boolean {
  return allowed.some((source) => {
    const slash = source.indexOf("/");
    const host = slash >= 0 ? source.slice(0, slash) : source;
    const prefix = slash >= 0 ? source.slice(slash + 1) : "";
    const hostPattern = new RegExp(`^${host.toLowerCase().split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^.]+")}$`);
    const repositoryMatches = !prefix || image.repository === prefix || image.repository.startsWith(`${prefix}/`);
    return hostPattern.test(image.registry) && repositoryMatches;
  });
}

/** One place an object names an image. */
export interface ImageUse {
  readonly image: string;
  /** Field path of the image in the object. */
  readonly path: string;
  /** The container, when the image is a container's. */
  readonly container?: string;
}

/** Image fields of NeMo Customizer and Evaluator beyond their own `spec.image`. */
const nemoImageFields: Record<string, readonly string[]> = {
  NemoCustomizer: ["spec.modelDownloadJobs.image", "spec.nemoDatastoreTools.image"],
};

/** Every image an object makes a cluster pull: its containers', and the NIM operator's extra images. */
export function imagesOf(object: KubernetesObject): ImageUse[] {
  const uses: ImageUse[] = podTemplatesOf(object).flatMap((pod) =>
    pod.containers.flatMap(({ name, container, fields }) => (container.image ? [{ image: container.image, path: fields.image, container: name }] : [])),
  );
  if (apiGroup(object.apiVersion) !== "apps.nvidia.com") {
    return uses;
  }
  for (const path of nemoImageFields[object.kind] ?? []) {
    const image = valueAt(object, path);
    if (typeof image === "string") {
      uses.push({ image, path });
    }
  }
  const training = valueAt(object, "spec.trainingConfig.image");
  const trainingImage = isRecord(training) ? nimImage(training) : undefined;
  if (trainingImage) {
    uses.push({ image: trainingImage, path: "spec.trainingConfig.image" });
  }
  const evaluationImages = valueAt(object, "spec.evaluationImages");
  if (isRecord(evaluationImages)) {
    for (const [name, image] of Object.entries(evaluationImages)) {
      if (typeof image === "string") {
        uses.push({ image, path: `spec.evaluationImages.${name}` });
      }
    }
  }
  return uses;
}
