import { z } from "zod";
import { gpuInstanceType, nimGpuForProduct } from "../../../infra/gpu-instance-types";
import { awsSchema, checkAws } from "./aws";
import { checkBackups } from "./backups";
import { existingClusterSchema } from "./existing-cluster";
import { modelsSchema } from "./models";
import { checkProductionPlatform, platformSchema } from "./platform";
import { secretsSchema } from "./secrets";
import { checkProductionServing, checkServing, servingSchema } from "./serving";
import { flywheelSchema, workloadsSchema } from "./workloads";

/**
 * The schema of everything a stack file can set under the project's namespace. Every object is
 * strict: an unknown key is an error, because a misspelt key that is silently ignored is a default
 * nobody chose.
 */

export const stackConfigSchema = z
  .strictObject({
    /** `production` turns on the checks a production cluster must pass. */
    environment: z.enum(["development", "production"]),
    /** `aws`: this stack builds an EKS cluster. `existing`: it deploys into the current kubeconfig's cluster. */
    cloud: z.enum(["aws", "existing"]),
    aws: awsSchema.optional(),
    existingCluster: existingClusterSchema.optional(),
    platform: platformSchema,
    models: modelsSchema,
    flywheel: flywheelSchema,
    workloads: workloadsSchema,
    serving: servingSchema,
    secrets: secretsSchema,
  })
  .superRefine((cfg, ctx) => {
    if (cfg.cloud === "aws" && !cfg.aws) {
      ctx.addIssue({ code: "custom", path: ["aws"], input: undefined, message: "is required when cloud is aws" });
    }
    if (cfg.cloud === "aws" && cfg.existingCluster) {
      ctx.addIssue({ code: "custom", path: ["existingCluster"], input: "(set)", message: "only applies when cloud is existing" });
    }
    if (cfg.cloud === "existing" && cfg.aws) {
      ctx.addIssue({ code: "custom", path: ["aws"], input: "(set)", message: "only applies when cloud is aws" });
    }
    if (cfg.aws) {
      checkAws(cfg.aws, cfg.environment === "production", ctx);
    }
    if (cfg.environment === "production") {
      checkProductionPlatform(cfg.platform, ctx);
      checkProductionServing(cfg.serving, ctx);
    }
    checkServing({ serving: cfg.serving, gpuBudget: cfg.flywheel.gpuBudget, apiEnabled: cfg.flywheel.api.enabled, ownMonitoring: cfg.platform.monitoring.enabled && !cfg.platform.monitoring.external, ...(cfg.aws ? { aws: cfg.aws } : {}) }, ctx);
    checkBackups(cfg.platform.backups, { cloud: cfg.cloud, production: cfg.environment === "production" }, ctx);
    if (cfg.secrets.source === "aws-secrets-manager" && cfg.cloud !== "aws") {
      ctx.addIssue({
        code: "custom",
        path: ["secrets", "source"],
        input: cfg.secrets.source,
        message: "needs cloud aws: the operator reads the secrets with an EKS Pod Identity this stack creates (on a cluster you bring, use source pulumi)",
      });
    }
    if (cfg.platform.postgres.rds && cfg.cloud !== "aws") {
      ctx.addIssue({ code: "custom", path: ["platform", "postgres", "rds"], input: "(set)", message: "needs cloud aws" });
    }
    if (cfg.platform.elasticsearch.snapshots && cfg.cloud !== "aws") {
      ctx.addIssue({
        code: "custom",
        path: ["platform", "elasticsearch", "snapshots"],
        input: true,
        message: "needs cloud aws (the snapshot repository is an S3 bucket this stack creates)",
      });
    }
    // One switch turns snapshots on: a bucket name alone would be easy to leave behind after turning them off.
    if (cfg.platform.elasticsearch.snapshotBucket !== undefined && !cfg.platform.elasticsearch.snapshots) {
      ctx.addIssue({
        code: "custom",
        path: ["platform", "elasticsearch", "snapshotBucket"],
        input: cfg.platform.elasticsearch.snapshotBucket,
        message: "names a snapshot bucket, but snapshots are off: set platform.elasticsearch.snapshots: true as well (or remove snapshotBucket)",
      });
    }
    const pools = cfg.aws?.gpuNodePools ?? cfg.existingCluster?.gpuPools ?? [];
    const where = cfg.aws ? ["aws", "gpuNodePools"] : ["existingCluster", "gpuPools"];
    const hasTrainingPool = pools.some((p) => p.role === "training");
    const inferenceProducts = new Set(
      (cfg.aws?.gpuNodePools ?? [])
        .filter((p) => p.role === "inference")
        .map((p) => gpuInstanceType(p.instanceTypes[0])?.product ?? p.instanceTypes[0])
        .concat((cfg.existingCluster?.gpuPools ?? []).filter((p) => p.role === "inference").map((p) => p.gpuProduct)),
    );
    if (inferenceProducts.size === 0) {
      ctx.addIssue({ code: "custom", path: [...where], input: pools.map((p) => p.name), message: "needs a pool with role inference: the candidate models run there" });
    } else if (inferenceProducts.size > 1) {
      ctx.addIssue({
        code: "custom",
        path: [...where],
        input: [...inferenceProducts],
        message: "inference pools must share one GPU product: each model's cache holds the engine profiles of one GPU",
      });
    } else {
      const [product] = inferenceProducts;
      const models = [...cfg.models.candidates.map((m, i) => ({ m, path: ["models", "candidates", i] })), ...(["judge", "embedding"] as const).map((role) => ({ m: cfg.models[role], path: ["models", role] }))];
      for (const { m, path } of models) {
        if ("image" in m && !m.profiles && !nimGpuForProduct(product)) {
          ctx.addIssue({
            code: "custom",
            path: [...path, "profiles"],
            input: undefined,
            message: `is required: the inference pools' GPU ${product} has no NIM profile name this project knows, so list the NIM's profiles to cache`,
          });
        }
      }
    }
    cfg.workloads.forEach((w, i) => {
      if (cfg.workloads.findIndex((v) => v.workloadId === w.workloadId && v.clientId === w.clientId) !== i) {
        ctx.addIssue({ code: "custom", path: ["workloads", i], input: `${w.workloadId}/${w.clientId}`, message: "repeats another workload's workloadId and clientId" });
      }
      const writerNamespaces = cfg.platform.elasticsearch.logWriterNamespaces;
      w.logWriters?.forEach((namespace, j) => {
        if (!writerNamespaces.includes(namespace)) {
          ctx.addIssue({
            code: "custom",
            path: ["workloads", i, "logWriters", j],
            input: namespace,
            message: `is not in platform.elasticsearch.logWriterNamespaces (${writerNamespaces.length > 0 ? writerNamespaces.join(", ") : "none"}), so nothing it writes exists`,
          });
        }
      });
      w.candidates.forEach((c, j) => {
        const model = cfg.models.candidates.find((m) => m.name === c.model);
        const at = ["workloads", i, "candidates", j];
        if (!model) {
          ctx.addIssue({
            code: "custom",
            path: [...at, "model"],
            input: c.model,
            message: `is not in models.candidates (${cfg.models.candidates.map((m) => m.name).join(", ")})`,
          });
        } else if (c.customize && !model.customization) {
          ctx.addIssue({ code: "custom", path: [...at, "customize"], input: true, message: `needs models.candidates "${c.model}" to have a customization section` });
        } else if (c.customize && !hasTrainingPool) {
          ctx.addIssue({ code: "custom", path: [...at, "customize"], input: true, message: "needs a GPU pool with role training to run the fine-tuning on" });
        }
      });
    });
    pools.forEach((p, i) => {
      if (pools.findIndex((q) => q.name === p.name) !== i) {
        ctx.addIssue({ code: "custom", path: [...where, i, "name"], input: p.name, message: "is used by another pool; pool names must be unique" });
      }
    });
  });

export type StackSettings = z.infer<typeof stackConfigSchema>;
