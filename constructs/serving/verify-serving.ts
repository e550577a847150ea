import type { Duration } from "cdk8s";
import * as kplus from "cdk8s-plus-28";
import { Construct } from "constructs";
import { labelKeys, type ServingVerifyConfig, servingVerifyConfigSchema, verifyServingNaming } from "../../flywheel-job/src/contract";
import { fail, resourceLabel } from "../common/errors";
import { isPinnedByDigest } from "../common/images";
import { validateNamespace } from "../common/names";
import { configKeyOf, verifyCronJob } from "../common/verify-cron-job";

export interface VerifyServingProps {
  /** The flywheel namespace: the CronJob, its ConfigMap and its service account live there. */
  readonly namespace: string;
  /** The serving namespace, whose NIMServices the Job may read and nothing else. */
  readonly servingNamespace: string;
  /** What the Job checks: the stack's name and its serving entries. */
  readonly config: ServingVerifyConfig;
  /** The job image (`flywheel.image`), pinned by digest. */
  readonly image: string;
  /**
   * How long one verification may take: waiting for every entry's NIMService to be Ready (weights
   * loading from the cache) is most of it.
   * @default 30 minutes
   */
  readonly maxDuration?: Duration;
  /**
   * How long a finished Job and its pod's log (the result table) are kept.
   * @default 1 day
   */
  readonly keepFinishedJobsFor?: Duration;
}

const configKey = configKeyOf(verifyServingNaming.configPath);

/**
 * What `flywheel verify serving` runs in the cluster: a suspended CronJob (never scheduled; the
 * deploy workflow and people create Jobs from it) running the job image's `verify serving
 * --in-cluster` against the configuration this construct renders into a ConfigMap, as a service
 * account that may only read the NIMServices of the serving namespace. One attempt, bounded in
 * time, its Job deleted a day after it finishes; the pod meets Pod Security `restricted`.
 */
export class VerifyServing extends Construct {
  readonly cronJob: kplus.CronJob;
  readonly configMap: kplus.ConfigMap;
  /** Labels of the Job's pods, which the isolation table selects them by. */
  readonly podLabels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: VerifyServingProps) {
    super(scope, id);
    const owner = resourceLabel("VerifyServing", props.namespace, verifyServingNaming.cronJob);
    validateNamespace(owner, props.namespace);
    validateNamespace(owner, props.servingNamespace);
    if (!isPinnedByDigest(props.image)) {
      fail(owner, `image "${props.image}" must be pinned by digest (registry/repository@sha256:<digest>), so a verification runs the program that was reviewed`);
    }
    // The job parses the file with the same schema: what it would refuse never reaches the cluster.
    const parsed = servingVerifyConfigSchema.safeParse(props.config);
    if (!parsed.success) {
      fail(owner, `config is not a verify-serving configuration: ${parsed.error.issues.map((i) => `${i.path.join(".") || "the value"}: ${i.message}`).join("; ")}`);
    }
    const partOf = { [labelKeys.partOf]: "data-flywheel" };
    this.podLabels = { [labelKeys.component]: verifyServingNaming.component, ...partOf };
    const metadata = { namespace: props.namespace, labels: { ...this.podLabels } };

    this.configMap = new kplus.ConfigMap(this, "Config", {
      metadata: { ...metadata, name: verifyServingNaming.configMap },
      data: { [configKey]: `${JSON.stringify(parsed.data, null, 2)}\n` },
    });

    const serviceAccount = new kplus.k8s.KubeServiceAccount(this, "ServiceAccount", {
      metadata: { ...metadata, name: verifyServingNaming.serviceAccount },
    });
    const access = { name: verifyServingNaming.serviceAccount, namespace: props.servingNamespace, labels: { ...partOf } };
    new kplus.k8s.KubeRole(this, "Role", {
      metadata: access,
      rules: [{ apiGroups: ["apps.nvidia.com"], resources: ["nimservices"], verbs: ["get", "list", "watch"] }],
    });
    new kplus.k8s.KubeRoleBinding(this, "RoleBinding", {
      metadata: access,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: verifyServingNaming.serviceAccount },
      subjects: [{ kind: "ServiceAccount", name: verifyServingNaming.serviceAccount, namespace: props.namespace }],
    });

    this.cronJob = verifyCronJob(this, {
      name: verifyServingNaming.cronJob,
      namespace: props.namespace,
      podLabels: this.podLabels,
      stackLabel: { key: verifyServingNaming.stackLabel, value: props.config.stack },
      serviceAccountName: serviceAccount.name,
      image: props.image,
      args: ["verify", "serving", "--in-cluster", "--config", verifyServingNaming.configPath],
      configMap: this.configMap,
      configPath: verifyServingNaming.configPath,
      maxDuration: props.maxDuration,
      keepFinishedJobsFor: props.keepFinishedJobsFor,
    }).cronJob;
  }
}
