import { z } from "zod";
import { awsSchema, checkAws } from "./aws";
import { existingClusterSchema } from "./existing-cluster";
import { modelsSchema } from "./models";
import { checkProductionPlatform, platformSchema } from "./platform";

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
    }
    if (cfg.platform.elasticsearch.snapshots && cfg.cloud !== "aws") {
      ctx.addIssue({
        code: "custom",
        path: ["platform", "elasticsearch", "snapshots"],
        input: true,
        message: "needs cloud aws (the snapshot repository is an S3 bucket this stack creates)",
      });
    }
    const pools = cfg.aws?.gpuNodePools ?? cfg.existingCluster?.gpuPools ?? [];
    const where = cfg.aws ? ["aws", "gpuNodePools"] : ["existingCluster", "gpuPools"];
    pools.forEach((p, i) => {
      if (pools.findIndex((q) => q.name === p.name) !== i) {
        ctx.addIssue({ code: "custom", path: [...where, i, "name"], input: p.name, message: "is used by another pool; pool names must be unique" });
      }
    });
  });

export type StackSettings = z.infer<typeof stackConfigSchema>;
