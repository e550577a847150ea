import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { imageAllowed, imagesOf, parseImage } from "../lib/images";
import { describeObject, validateKubernetesObject } from "../lib/kubernetes";

export interface ImageRegistryAllowedConfig {
  /**
   * Where images may come from: a registry (`nvcr.io`), or a registry and repository prefix
   * (`ghcr.io/my-org`); `*` matches one DNS label (`*.dkr.ecr.*.amazonaws.com`).
   */
  readonly allowedRegistries: readonly string[];
}

export const imageRegistryAllowedDefaults: ImageRegistryAllowedConfig = {
  allowedRegistries: [
    "nvcr.io",
    "docker.io/library",
    // The curl project's own image (the Elasticsearch bootstrap Job): this repository only.
    "docker.io/curlimages/curl",
    "docker.elastic.co",
    "quay.io/mongodb",
    // prometheus-community's Elasticsearch exporter, published on quay.io and Docker Hub only: this repository only.
    "quay.io/prometheuscommunity/elasticsearch-exporter",
    "registry.k8s.io",
    "ghcr.io",
    "public.ecr.aws",
    "*.dkr.ecr.*.amazonaws.com",
  ],
};

/**
 * Images from unvetted registries are a supply-chain risk, and public images move or vanish (the
 * Bitnami catalogue left Docker Hub in 2025); the list names the registries the stacks rely on.
 */
export const imageRegistryAllowed: ResourceValidationPolicy = {
  name: "image-registry-allowed",
  description:
    "Every image the stack runs comes from an allowed registry (config allowedRegistries). " +
    "Mandatory: images from anywhere else are unvetted and may disappear.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Use an image from an allowed registry, mirror it into one (e.g. your ECR), or add its registry to allowedRegistries in policies/config/<environment>.json.",
  configSchema: {
    properties: {
      allowedRegistries: {
        type: "array",
        items: { type: "string" },
        minItems: 1,
        default: [...imageRegistryAllowedDefaults.allowedRegistries],
        description: "Registries (optionally with a repository prefix; * matches one DNS label) images may come from.",
      },
    },
  },
  validateResource: validateKubernetesObject((object, args, reportViolation) => {
    const { allowedRegistries } = policyConfig(args, imageRegistryAllowedDefaults);
    for (const use of imagesOf(object)) {
      const image = parseImage(use.image);
      if (!imageAllowed(image, allowedRegistries)) {
        reportViolation(
          `${describeObject(object)}: image "${use.image}" comes from ${image.registry}/${image.repository}, which is not an allowed source (${allowedRegistries.join(", ")}) (at ${use.path}). ` +
            "Fix: use or mirror the image in an allowed registry, or allow its registry in the policy config.",
        );
      }
    }
  }),
};
