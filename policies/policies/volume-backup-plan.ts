import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { describeObject, isKind, kubernetesObjectsIn } from "../lib/kubernetes";
import { refersTo } from "../lib/references";
import { isRecord } from "../lib/values";

export interface VolumeBackupPlanConfig {
  /** The stack must back up its retained EBS volumes and its EFS file systems with AWS Backup. */
  readonly required: boolean;
  /** Fewest days a plan's rules may keep a recovery point. */
  readonly minRetentionDays: number;
}

export const volumeBackupPlanDefaults: VolumeBackupPlanConfig = { required: true, minRetentionDays: 7 };

const planType = "aws:backup/plan:Plan";
const selectionType = "aws:backup/selection:Selection";
const fileSystemType = "aws:efs/fileSystem:FileSystem";

/** Provisioners of EBS volumes: the EBS CSI driver tags a volume only with its class's `tagSpecification_N`. */
const ebsProvisioners = new Set(["ebs.csi.aws.com"]);

interface SelectionTag {
  readonly type?: string;
  readonly key?: string;
  readonly value?: string;
}

/** The `key=value` tags a StorageClass has the EBS CSI driver put on its volumes. */
function volumeTags(parameters: Record<string, unknown>): string[] {
  return Object.entries(parameters)
    .filter(([name, value]) => /^tagSpecification_\d+$/.test(name) && typeof value === "string")
    .map(([, value]) => String(value));
}

/** The `key=value` tags a selection picks resources by (its STRINGEQUALS conditions). */
function selectedTags(selection: PolicyResource): string[] {
  const tags: unknown = selection.props.selectionTags;
  return (Array.isArray(tags) ? (tags as SelectionTag[]) : []).filter((t) => t.type === "STRINGEQUALS").map((t) => `${t.key}=${t.value}`);
}

/**
 * The retained EBS volumes (Data Store's repositories, the databases', the log store's) and the EFS
 * file system have no backup but AWS Backup's. A stack policy: a selection belongs to a plan by its
 * `planId`, selects EBS volumes by the tag their StorageClass gives them, and the file system by ARN
 * in a selection without tag conditions (with both, AWS Backup narrows the ARNs by the tags).
 */
export const volumeBackupPlan: StackValidationPolicy = {
  name: "volume-backup-plan",
  description:
    "An AWS Backup plan keeps every recovery point at least minRetentionDays days, and, when required, its selections name the tag of every retained EBS StorageClass (Retain) " +
    "and every EFS file system of the stack (config required, minRetentionDays). Mandatory in production: these volumes have no other backup.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Set aws.backups.enabled: true and aws.backups.retentionDays to at least minRetentionDays in the stack file.",
  configSchema: {
    properties: {
      required: { type: "boolean", default: volumeBackupPlanDefaults.required, description: "Back up the retained EBS volumes and the EFS file systems." },
      minRetentionDays: { type: "integer", minimum: 1, default: volumeBackupPlanDefaults.minRetentionDays, description: "Fewest days a recovery point is kept." },
    },
  },
  validateStack: (args, reportViolation) => {
    const { required, minRetentionDays } = policyConfig(args, volumeBackupPlanDefaults);
    const plans = args.resources.filter((r) => r.type === planType);
    for (const plan of plans) {
      const rules: unknown = plan.props.rules;
      for (const rule of Array.isArray(rules) ? rules : []) {
        const deleteAfter: unknown = isRecord(rule) && isRecord(rule.lifecycle) ? rule.lifecycle.deleteAfter : undefined;
        // No deleteAfter: AWS Backup keeps the recovery point until someone deletes it.
        if (typeof deleteAfter === "number" && deleteAfter < minRetentionDays) {
          const ruleName = isRecord(rule) ? String(rule.ruleName) : "(unnamed)";
          reportViolation(
            `Backup plan "${plan.name}" rule "${ruleName}" deletes recovery points after ${deleteAfter} day(s), fewer than ${minRetentionDays}. Fix: set aws.backups.retentionDays to ${minRetentionDays} or more.`,
            plan.urn,
          );
        }
      }
    }
    if (!required) {
      return;
    }
    const selections = args.resources.filter((r) => r.type === selectionType && plans.some((plan) => refersTo(r.props.planId, plan)));
    const fix = "Fix: set aws.backups.enabled: true in the stack file.";
    for (const { object, resource } of kubernetesObjectsIn(args.resources)) {
      if (!isKind(object, "storage.k8s.io", "StorageClass") || !ebsProvisioners.has(String(object.provisioner)) || object.reclaimPolicy !== "Retain") {
        continue;
      }
      const tags = volumeTags(isRecord(object.parameters) ? object.parameters : {});
      if (!selections.some((s) => selectedTags(s).some((t) => tags.includes(t)))) {
        const has = tags.length > 0 ? `tags its volumes ${tags.join(", ")}, which no backup plan's selection names` : "gives its volumes no tag (tagSpecification_N), so no backup selection can find them";
        reportViolation(`${describeObject(object)} keeps its volumes (Retain) but ${has}. ${fix}`, resource.urn);
      }
    }
    for (const fileSystem of args.resources.filter((r) => r.type === fileSystemType)) {
      const resources = (s: PolicyResource): unknown[] => (Array.isArray(s.props.resources) ? (s.props.resources as unknown[]) : []);
      // A selection with tag conditions too keeps only the listed resources that carry the tag.
      if (!selections.some((s) => selectedTags(s).length === 0 && resources(s).some((arn) => refersTo(arn, fileSystem)))) {
        reportViolation(`EFS file system "${fileSystem.name}" is in no backup plan's selection. ${fix}`, fileSystem.urn);
      }
    }
  },
};
