import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { imagesOf, parseImage } from "../lib/images";
import { describeObject, validateKubernetesObject } from "../lib/kubernetes";
import { chartName, helmReleaseOf } from "../lib/helm";
import { valueAt, walk } from "../lib/values";

export interface ImagePinnedConfig {
  /** Tags that move: an image pinned to one of them is not pinned. */
  readonly floatingTags: readonly string[];
  /**
   * Helm charts whose default image tag floats (or must match something the chart cannot know),
   * with the values path that must pin it.
   */
  readonly helmImageTagValues: Readonly<Record<string, string>>;
}

export const imagePinnedDefaults: ImagePinnedConfig = {
  floatingTags: ["latest", "main", "master", "stable", "edge", "nightly", "dev", "develop"],
  helmImageTagValues: {
    // Its default tag is the mutable branch tag release-3.0.
    "k8s-nim-operator": "operator.image.tag",
    // The chart's default image follows the newest Kubernetes minor, not the cluster's.
    "cluster-autoscaler": "image.tag",
    // The chart's development values carry "latest".
    volcano: "basic.image_tag_version",
  },
};

function unpinnedReason(image: string, floatingTags: readonly string[]): string | undefined {
  const ref = parseImage(image);
  if (ref.digest) {
    return undefined;
  }
  if (!ref.tag) {
    return "has no tag, so it pulls latest";
  }
  return floatingTags.includes(ref.tag.toLowerCase()) ? `uses the floating tag "${ref.tag}"` : undefined;
}

/**
 * A floating image tag makes two deployments of the same commit run different code, and makes a
 * rollback roll nothing back.
 */
export const imagePinned: ResourceValidationPolicy = {
  name: "image-pinned",
  description:
    "Every image is pinned to a digest or to a tag that does not float (config floatingTags), Helm values included (config helmImageTagValues). " +
    "Mandatory: a floating tag makes deployments unrepeatable and rollbacks meaningless.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Pin images to an immutable version tag or a digest in stacks/config/versions.ts or the stack config.",
  configSchema: {
    properties: {
      floatingTags: {
        type: "array",
        items: { type: "string" },
        default: [...imagePinnedDefaults.floatingTags],
        description: "Tags that do not pin an image.",
      },
      helmImageTagValues: {
        type: "object",
        additionalProperties: { type: "string" },
        default: { ...imagePinnedDefaults.helmImageTagValues },
        description: "Chart name → values path that must pin the chart's image tag.",
      },
    },
  },
  validateResource: [
    validateKubernetesObject((object, args, reportViolation) => {
      const { floatingTags } = policyConfig(args, imagePinnedDefaults);
      for (const use of imagesOf(object)) {
        const reason = unpinnedReason(use.image, floatingTags);
        if (reason) {
          reportViolation(
            `${describeObject(object)}: image "${use.image}"${use.container ? ` of container "${use.container}"` : ""} ${reason} (at ${use.path}). ` +
              "Fix: pin an immutable version tag or a digest (image@sha256:…).",
          );
        }
      }
    }),
    (args, reportViolation) => {
      const release = helmReleaseOf(args.type, args.props);
      if (!release) {
        return;
      }
      const { floatingTags, helmImageTagValues } = policyConfig(args, imagePinnedDefaults);
      const chart = chartName(release.chart);
      const values = release.values;
      const requiredPath = helmImageTagValues[chart];
      if (requiredPath !== undefined) {
        const tag = valueAt(values, requiredPath);
        if (typeof tag !== "string" || tag === "") {
          reportViolation(
            `Helm release "${args.name}" (chart ${chart}) leaves values.${requiredPath} unset, and this chart's default image tag is not a pin this stack can rely on. ` +
              `Fix: set values.${requiredPath} to an exact version.`,
          );
        }
      }
      for (const [path, value] of walk(values)) {
        const key = path.split(".").pop() ?? "";
        if (typeof value !== "string") {
          continue;
        }
        const floating = /tag/i.test(key) ? floatingTags.includes(value.toLowerCase()) : /image$/i.test(key) && floatingTags.includes((parseImage(value).tag ?? "").toLowerCase());
        if (floating) {
          reportViolation(`Helm release "${args.name}" (chart ${chart}) sets values.${path} to "${value}", which floats. Fix: set an exact version tag or a digest.`);
        }
      }
    },
  ],
};
