import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { backupPrefixes } from "../../infra/platform/backup-storage";
import { policyConfig } from "../lib/config";
import { describeObject, isKind, kubernetesObjectsIn } from "../lib/kubernetes";
import type { KubernetesObject } from "../lib/kubernetes-object";
import { isRecord, valueAt } from "../lib/values";

export interface StatefulStoreBackedUpConfig {
  /** Fewest days a backup archive may be kept (the expiration of its prefix's lifecycle rule). */
  readonly minRetentionDays: number;
}

export const statefulStoreBackedUpDefaults: StatefulStoreBackedUpConfig = { minRetentionDays: 7 };

const bucketType = "aws:s3/bucket:Bucket";
const lifecycleType = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";

interface Container {
  readonly command?: readonly string[];
  readonly args?: readonly string[];
}

/** Whether a CronJob's pod runs mongodump against the replica set `name` in `namespace` (its members' hosts). */
function dumps(cronJob: KubernetesObject, name: string, namespace: string): boolean {
  const spec = valueAt(cronJob, "spec.jobTemplate.spec.template.spec");
  const containers = isRecord(spec) ? [...((spec.initContainers ?? []) as Container[]), ...((spec.containers ?? []) as Container[])] : [];
  return containers.some((c) => {
    const line = [...(c.command ?? []), ...(c.args ?? [])];
    return line.includes("mongodump") && line.some((arg) => arg.includes(`${name}-svc.${namespace}.`));
  });
}

/** Each rule's prefix and expiration, as recorded for a BucketLifecycleConfiguration. */
/** The barman-cloud plugin's name, as a CloudNativePG Cluster lists it under spec.plugins. */
const barmanCloudPlugin = "barman-cloud.cloudnative-pg.io";

/** Whether a CloudNativePG Cluster archives its WAL through the barman-cloud plugin. */
function archivesWal(cluster: KubernetesObject): boolean {
  const plugins: unknown = valueAt(cluster, "spec.plugins");
  return Array.isArray(plugins) && plugins.some((p) => isRecord(p) && p.name === barmanCloudPlugin && p.isWALArchiver === true);
}

/** Whether a ScheduledBackup takes base backups of the cluster through the plugin. */
function backsUp(scheduled: KubernetesObject, clusterName: string, namespace: string): boolean {
  return scheduled.metadata.namespace === namespace && valueAt(scheduled, "spec.cluster.name") === clusterName && valueAt(scheduled, "spec.method") === "plugin";
}

function expirations(lifecycle: PolicyResource): { prefix: string; days?: number }[] {
  const rules: unknown = lifecycle.props.rules;
  return (Array.isArray(rules) ? rules : []).flatMap((rule) => {
    if (!isRecord(rule) || !isRecord(rule.filter) || typeof rule.filter.prefix !== "string") {
      return [];
    }
    const days = isRecord(rule.expiration) && typeof rule.expiration.days === "number" ? rule.expiration.days : undefined;
    return [{ prefix: rule.filter.prefix, ...(days === undefined ? {} : { days }) }];
  });
}

/**
 * MongoDB holds every run's record and has no backup of its own (the community operator has none).
 * A stack policy: in a stack that has S3 buckets (and so somewhere to put backups), each
 * MongoDBCommunity needs a CronJob in its namespace that runs mongodump against its members; and a
 * lifecycle rule on a backup prefix keeps archives at least `minRetentionDays`.
 */
export const statefulStoreBackedUp: StackValidationPolicy = {
  name: "stateful-store-backed-up",
  description:
    "In a stack with an S3 bucket, every MongoDBCommunity replica set has a backup CronJob (mongodump) in its namespace, every CloudNativePG Cluster archives its WAL through the barman-cloud plugin and has a ScheduledBackup by it, and every lifecycle rule on a backup prefix " +
    `(${Object.values(backupPrefixes).join(", ")}) keeps archives at least minRetentionDays days (config minRetentionDays). Mandatory: neither has another backup.`,
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Set platform.backups.enabled: true, and platform.backups.retentionDays to at least minRetentionDays, in the stack file.",
  configSchema: {
    properties: {
      minRetentionDays: { type: "integer", minimum: 1, default: statefulStoreBackedUpDefaults.minRetentionDays, description: "Fewest days a backup archive is kept." },
    },
  },
  validateStack: (args, reportViolation) => {
    const { minRetentionDays } = policyConfig(args, statefulStoreBackedUpDefaults);
    const prefixes: readonly string[] = Object.values(backupPrefixes);
    for (const lifecycle of args.resources.filter((r) => r.type === lifecycleType)) {
      for (const { prefix, days } of expirations(lifecycle)) {
        if (prefixes.includes(prefix) && days !== undefined && days < minRetentionDays) {
          reportViolation(
            `Lifecycle "${lifecycle.name}" deletes the backups under ${prefix} after ${days} day(s), fewer than ${minRetentionDays}. Fix: set platform.backups.retentionDays to ${minRetentionDays} or more.`,
            lifecycle.urn,
          );
        }
      }
    }
    if (!args.resources.some((r) => r.type === bucketType)) {
      return;
    }
    const objects = kubernetesObjectsIn(args.resources);
    const cronJobs = objects.filter(({ object }) => isKind(object, "batch", "CronJob")).map(({ object }) => object);
    const scheduledBackups = objects.filter(({ object }) => isKind(object, "postgresql.cnpg.io", "ScheduledBackup")).map(({ object }) => object);
    for (const { object, resource } of objects) {
      if (isKind(object, "postgresql.cnpg.io", "Cluster")) {
        const clusterName = object.metadata.name ?? "";
        const namespace = object.metadata.namespace ?? "default";
        if (!archivesWal(object) || !scheduledBackups.some((s) => backsUp(s, clusterName, namespace))) {
          reportViolation(
            `${describeObject(object)} ${archivesWal(object) ? "has no ScheduledBackup by the barman-cloud plugin" : "archives no WAL through the barman-cloud plugin"} although the stack has S3 buckets. Fix: set platform.backups.enabled: true in the stack file.`,
            resource.urn,
          );
        }
        continue;
      }
      if (!isKind(object, "mongodbcommunity.mongodb.com", "MongoDBCommunity")) {
        continue;
      }
      const name = object.metadata.name ?? "";
      const namespace = object.metadata.namespace ?? "default";
      if (!cronJobs.some((c) => c.metadata.namespace === namespace && dumps(c, name, namespace))) {
        reportViolation(`${describeObject(object)} has no backup CronJob (mongodump of ${name}-svc.${namespace}) although the stack has S3 buckets. Fix: set platform.backups.enabled: true in the stack file.`, resource.urn);
      }
    }
  },
};
