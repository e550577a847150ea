import { z } from "zod";
import { mongodbMemberCounts, mongodbMembersRule } from "../../../constructs/data";
import { namespaces } from "../../../infra/platform/namespaces";
import { backupsSchema } from "./backups";
import { monitoringSchema } from "./monitoring";

const platformNamespaceNames: readonly string[] = Object.values(namespaces);

/**
 * `data-flywheel:platform`: what runs on the cluster besides the flywheel itself — GPU software,
 * data services and NeMo microservices. Defaults suit a development cluster; production rules are
 * checked in the stack schema.
 */

const storageGiB = z.int().min(1).max(16384);

export const platformSchema = z
  .strictObject({
    gpuOperator: z
      .strictObject({
        /**
         * Install the GPU Operator. Turn it off on a cluster that already runs one (most GPU clusters
         * do): two would fight over the device plugin and the ClusterPolicy.
         */
        enabled: z.boolean().default(true),
        /**
         * Install the NVIDIA driver with the GPU Operator. Off by default: the EKS AL2023 NVIDIA AMI
         * ships it; turn it on for clusters whose GPU nodes have no driver.
         */
        driver: z.boolean().default(false),
        /** Install the NVIDIA container toolkit with the GPU Operator (same reasoning). */
        toolkit: z.boolean().default(false),
      })
      .prefault({}),
    /** Deploy NeMo Guardrails (not used by the flywheel run itself). */
    guardrails: z.boolean().default(false),
    elasticsearch: z
      .strictObject({
        /** Elasticsearch nodes; production needs at least 3. */
        nodes: z.int().min(1).max(15).default(1),
        storageGiB: storageGiB.default(50),
        /** Days production logs are kept before ILM deletes them. */
        logRetentionDays: z.int().min(1).max(3650).default(30),
        /** Snapshot the log store to an S3 bucket this stack creates (EKS only). */
        snapshots: z.boolean().default(false),
        /** Name of the snapshot bucket; S3 names are global. Default: `<cluster name>-log-snapshots-<region>`. */
        snapshotBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "expected an S3 bucket name").optional(),
        /** Days a snapshot is kept (the SLM policy's `expire_after`; it always keeps the newest 5, at most 50); at least a day. */
        snapshotRetentionDays: z.int().min(1).max(3650).default(30),
        /**
         * Namespaces (existing ones) of applications whose logger writes the logs: each gets an
         * Elasticsearch user of its own (`log-writer-<namespace>`), whose credentials and the CA are
         * its Secret `flywheel-log-writer`; the log store stamps every document with its writer.
         */
        logWriterNamespaces: z
          .array(
            z
              .string()
              .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "expected a namespace name (a DNS-1123 label)")
              // Its pods would be allowed into Elasticsearch, and the stack's own namespaces are not applications.
              .refine((n) => !platformNamespaceNames.includes(n), {
                error: (issue) => `"${String(issue.input)}" is one of the platform's own namespaces (${platformNamespaceNames.join(", ")}), not an application's`,
              }),
          )
          .default([]),
      })
      .prefault({}),
    mongodb: z
      .strictObject({
        /** Replica-set members: 1, 3, 5 or 7; production needs at least 3. */
        members: z
          .int()
          .refine((n) => mongodbMemberCounts.includes(n), mongodbMembersRule)
          .default(1),
        storageGiB: storageGiB.default(20),
      })
      .prefault({}),
    redis: z
      .strictObject({
        /** Append-only-file persistence, so held GPU leases survive a Redis restart. */
        persistence: z.boolean().default(false),
        storageGiB: storageGiB.default(5),
      })
      .prefault({}),
    postgres: z
      .strictObject({
        /**
         * PostgreSQL instances of the in-cluster cluster (CloudNativePG): 1 primary, the rest replicas.
         * With `rds`, this and `storageGiB` do not apply: the cluster holds Data Store's database alone,
         * sized by `datastorePostgresSizing` (infra/platform/nemo-microservices.ts).
         */
        instances: z.int().min(1).max(5).default(1),
        storageGiB: storageGiB.default(20),
        /**
         * Use Amazon RDS for PostgreSQL (EKS only, TLS required: rds.force_ssl=1) for every service but
         * Data Store, whose Gitea connects without TLS and so keeps its database in the in-cluster
         * cluster; a bootstrap Job creates each other service's database and user.
         */
        rds: z
          .strictObject({
            instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "expected an RDS instance class such as db.m7g.large"),
            /** PostgreSQL major (and optionally minor) version, e.g. "16" or "16.4". */
            engineVersion: z.string().regex(/^\d{2}(\.\d+)?$/, 'expected a PostgreSQL version such as "16" or "16.4" (quoted)'),
            allocatedStorageGiB: z.int().min(20).max(65536).default(50),
            /** A standby in a second zone, promoted automatically if the primary fails. */
            multiAz: z.boolean().default(true),
            backupRetentionDays: z.int().min(1).max(35).default(7),
          })
          .optional(),
      })
      .prefault({}),
    monitoring: monitoringSchema,
    backups: backupsSchema,
  })
  .prefault({});

export type PlatformSettings = z.infer<typeof platformSchema>;

/** Production needs data that survives the loss of a node. */
export function checkProductionPlatform(platform: PlatformSettings, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], input: unknown, message: string): void =>
    ctx.addIssue({ code: "custom", path: ["platform", ...path], input, message });
  if (platform.elasticsearch.nodes < 3) {
    issue(["elasticsearch", "nodes"], platform.elasticsearch.nodes, "must be at least 3 in production");
  }
  if (platform.mongodb.members < 3) {
    issue(["mongodb", "members"], platform.mongodb.members, "must be at least 3 in production, so a majority survives a lost member");
  }
  if (platform.postgres.rds && !platform.postgres.rds.multiAz) {
    issue(["postgres", "rds", "multiAz"], false, "must be true in production");
  }
  if (!platform.redis.persistence) {
    issue(["redis", "persistence"], false, "must be true in production");
  }
  if (platform.monitoring.enabled && !platform.monitoring.external && platform.monitoring.prometheus.replicas < 2) {
    issue(["monitoring", "prometheus", "replicas"], platform.monitoring.prometheus.replicas, "must be at least 2 in production, so metrics and alerts survive a lost node");
  }
  if (!platform.postgres.rds && platform.postgres.instances < 3) {
    issue(["postgres", "instances"], platform.postgres.instances, "must be at least 3 in production (a primary and two replicas), or use postgres.rds");
  }
}
