import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policyConfig } from "../lib/config";
import { describeObject, isKind, validateKubernetesObject } from "../lib/kubernetes";
import { valueAt } from "../lib/values";

export interface MongodbReplicaSetConfig {
  /** Fewest replica set members; 3 survive the loss of one. */
  readonly minMembers: number;
}

export const mongodbReplicaSetDefaults: MongodbReplicaSetConfig = { minMembers: 3 };

/** The operator's data volume claim; an emptyDir of this name would replace it. */
const dataVolume = "data-volume";

/** The flywheel's run metadata: in production a replica set that survives losing a member. */
export const mongodbReplicaSet: ResourceValidationPolicy = {
  name: "mongodb-replica-set",
  description:
    "MongoDBCommunity replica sets have at least minMembers members (config minMembers) and keep data on their persistent volumes. " +
    "Mandatory: the flywheel's run records must survive losing a member.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Set spec.members to at least minMembers and do not replace the operator's data-volume claim with an emptyDir.",
  configSchema: {
    properties: {
      minMembers: { type: "integer", minimum: 1, default: mongodbReplicaSetDefaults.minMembers, description: "Fewest replica set members." },
    },
  },
  validateResource: validateKubernetesObject((object, args, reportViolation) => {
    if (!isKind(object, "mongodbcommunity.mongodb.com", "MongoDBCommunity")) {
      return;
    }
    const { minMembers } = policyConfig(args, mongodbReplicaSetDefaults);
    const members = valueAt(object, "spec.members");
    const name = describeObject(object);
    if (typeof members !== "number" || members < minMembers) {
      reportViolation(
        `${name} has ${typeof members === "number" ? members : "no"} member(s); this environment needs at least ${minMembers}, so that losing one keeps a primary. ` +
          `Fix: set spec.members to ${minMembers}.`,
      );
    }
    const volumes = (valueAt(object, "spec.statefulSet.spec.template.spec.volumes") ?? []) as readonly { name?: string; emptyDir?: unknown }[];
    if (volumes.some((v) => v.name === dataVolume && v.emptyDir !== undefined)) {
      reportViolation(`${name} replaces its ${dataVolume} claim with an emptyDir, which a restart wipes. Fix: remove the emptyDir volume.`);
    }
  }),
};
