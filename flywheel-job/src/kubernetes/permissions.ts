/** An RBAC rule in the shape of a Role's: the verbs the job uses on one resource. */
export interface KubernetesPermission {
  readonly apiGroup: string;
  readonly resource: string;
  readonly verbs: readonly string[];
}

/**
 * Everything a run does with the Kubernetes API, in its own namespace: create, read, list (by run
 * label, for the sweep) and delete the candidates' NIMServices; read the NIMCaches they serve from;
 * read a Job, to tell whether the run that created a NIMService still runs. The stack's Role for the
 * job grants exactly these (constructs/flywheel/flywheel-job-access.ts), and the tests check that a
 * run never calls anything else.
 */
export const kubernetesPermissions: readonly KubernetesPermission[] = [
  { apiGroup: "apps.nvidia.com", resource: "nimservices", verbs: ["create", "get", "list", "delete"] },
  { apiGroup: "apps.nvidia.com", resource: "nimcaches", verbs: ["get"] },
  { apiGroup: "batch", resource: "jobs", verbs: ["get"] },
];
