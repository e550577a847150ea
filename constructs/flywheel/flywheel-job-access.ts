import { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import { kubernetesPermissions } from "../../flywheel-job/src/contract";

export interface FlywheelJobAccessProps {
  /** The flywheel namespace: the Role grants nothing outside it. */
  readonly namespace: string;
  /**
   * Name of the service account, Role and RoleBinding.
   * @default "flywheel-job"
   */
  readonly name?: string;
}

/**
 * The flywheel Job's identity: a service account whose Role allows only what a run does in its own
 * namespace (the job's `kubernetesPermissions`): create, read, list and delete the candidates'
 * NIMServices, read the NIMCaches they serve from, and read a Job, to tell whether the run that
 * created a NIMService still runs (the sweep that deletes what a crashed run left behind).
 */
export class FlywheelJobAccess extends Construct {
  readonly serviceAccountName: string;

  constructor(scope: Construct, id: string, props: FlywheelJobAccessProps) {
    super(scope, id);
    const name = props.name ?? "flywheel-job";
    const metadata = { name, namespace: props.namespace, labels: { "app.kubernetes.io/part-of": "data-flywheel" } };
    new k8s.KubeServiceAccount(this, "ServiceAccount", { metadata });
    new k8s.KubeRole(this, "Role", {
      metadata,
      rules: kubernetesPermissions.map((p) => ({ apiGroups: [p.apiGroup], resources: [p.resource], verbs: [...p.verbs] })),
    });
    new k8s.KubeRoleBinding(this, "RoleBinding", {
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace: props.namespace }],
    });
    this.serviceAccountName = name;
  }
}
