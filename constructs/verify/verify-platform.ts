import type { Duration } from "cdk8s";
import * as kplus from "cdk8s-plus-28";
import { Construct } from "constructs";
import { clusterAutoscalerStatus, labelKeys, type PlatformVerifyConfig, platformVerifyConfigSchema, verifyPlatformNaming, verifyPlatformPermissions } from "../../flywheel-job/src/contract";
import { fail, resourceLabel } from "../common/errors";
import { isPinnedByDigest } from "../common/images";
import { validateNamespace } from "../common/names";
import { configKeyOf, verifyCronJob } from "../common/verify-cron-job";

/** One RBAC rule, as Kubernetes spells it. */
export interface VerifyPlatformRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly verbs: readonly string[];
}

type Scope = (typeof verifyPlatformPermissions)[number]["namespace"];

/**
 * The rules of one scope (cluster-wide when `scope` is undefined), from the calls the job makes
 * (`verifyPlatformPermissions`, its one owner): one rule per resource, the verbs of its calls.
 */
export function verifyPlatformRules(scope: Scope): VerifyPlatformRule[] {
  const rules = new Map<string, { apiGroup: string; resource: string; resourceNames?: readonly string[]; verbs: Set<string> }>();
  for (const permission of verifyPlatformPermissions.filter((p) => p.namespace === scope)) {
    const key = `${permission.apiGroup}/${permission.resource}/${(permission.resourceNames ?? []).join(",")}`;
    const rule = rules.get(key) ?? { apiGroup: permission.apiGroup, resource: permission.resource, ...(permission.resourceNames ? { resourceNames: permission.resourceNames } : {}), verbs: new Set<string>() };
    permission.verbs.forEach((verb) => rule.verbs.add(verb));
    rules.set(key, rule);
  }
  return [...rules.values()].map((r) => ({ apiGroups: [r.apiGroup], resources: [r.resource], ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}), verbs: [...r.verbs].sort() }));
}

export interface VerifyPlatformProps {
  /** The flywheel namespace: the CronJob, its ConfigMap, its service account and its credentials Secret live there. */
  readonly namespace: string;
  /** What the Job checks, as the stack declared it; `gpuProbe.namespace` is where its probe Role is. */
  readonly config: PlatformVerifyConfig;
  /** The job image (`flywheel.image`), pinned by digest. */
  readonly image: string;
  /**
   * How long one verification may take: with `--probe-gpu`, a pool scaling up from zero is most of it.
   * @default 30 minutes
   */
  readonly maxDuration?: Duration;
  /**
   * How long a finished Job and its pod's log (the checklist) are kept.
   * @default 1 day
   */
  readonly keepFinishedJobsFor?: Duration;
}

const configKey = configKeyOf(verifyPlatformNaming.configPath);

function mutable(rules: readonly VerifyPlatformRule[]): kplus.k8s.PolicyRule[] {
  return rules.map((r) => ({
    apiGroups: [...r.apiGroups],
    resources: [...r.resources],
    ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}),
    verbs: [...r.verbs],
  }));
}

/**
 * What `flywheel verify platform` runs in the cluster: a suspended CronJob (never scheduled; the
 * deploy workflow and people create Jobs from it) running the job image's `verify platform
 * --in-cluster` against the configuration this construct renders into a ConfigMap, with the
 * non-admin credentials Secret mounted read-only. Its service account reads, cluster-wide, only
 * what the checks look at; it writes only the GPU probe's pods, in the probe namespace. One attempt,
 * bounded in time, its Job deleted a day after it finishes; the pod meets Pod Security `restricted`.
 * Its rules are the job's own calls (`verifyPlatformPermissions`); the policy pack's
 * `verify-platform-read-only` holds them read-only.
 */
export class VerifyPlatform extends Construct {
  readonly cronJob: kplus.CronJob;
  readonly configMap: kplus.ConfigMap;
  /** Labels of the Job's pods, which the isolation table selects them by. */
  readonly podLabels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: VerifyPlatformProps) {
    super(scope, id);
    const owner = resourceLabel("VerifyPlatform", props.namespace, verifyPlatformNaming.cronJob);
    validateNamespace(owner, props.namespace);
    if (!isPinnedByDigest(props.image)) {
      fail(owner, `image "${props.image}" must be pinned by digest (registry/repository@sha256:<digest>), so a verification runs the program that was reviewed`);
    }
    // The job parses the file with the same schema: what it would refuse never reaches the cluster.
    const parsed = platformVerifyConfigSchema.safeParse(props.config);
    if (!parsed.success) {
      fail(owner, `config is not a verify-platform configuration: ${parsed.error.issues.map((i) => `${i.path.join(".") || "the value"}: ${i.message}`).join("; ")}`);
    }
    const config = parsed.data;
    validateNamespace(owner, config.gpuProbe.namespace);
    const partOf = { [labelKeys.partOf]: "data-flywheel" };
    this.podLabels = { [labelKeys.component]: verifyPlatformNaming.component, ...partOf };
    const metadata = { namespace: props.namespace, labels: { ...this.podLabels } };
    const name = verifyPlatformNaming.serviceAccount;
    const subjects = [{ kind: "ServiceAccount", name, namespace: props.namespace }];

    this.configMap = new kplus.ConfigMap(this, "Config", {
      metadata: { ...metadata, name: verifyPlatformNaming.configMap },
      data: { [configKey]: `${JSON.stringify(config, null, 2)}\n` },
    });
    const serviceAccount = new kplus.k8s.KubeServiceAccount(this, "ServiceAccount", { metadata: { ...metadata, name } });

    new kplus.k8s.KubeClusterRole(this, "ClusterRole", { metadata: { name, labels: { ...partOf } }, rules: mutable(verifyPlatformRules(undefined)) });
    new kplus.k8s.KubeClusterRoleBinding(this, "ClusterRoleBinding", {
      metadata: { name, labels: { ...partOf } },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects,
    });
    const namespacedRole = (key: string, namespace: string, rules: readonly VerifyPlatformRule[]): void => {
      const access = { name, namespace, labels: { ...partOf } };
      new kplus.k8s.KubeRole(this, `${key}Role`, { metadata: access, rules: mutable(rules) });
      new kplus.k8s.KubeRoleBinding(this, `${key}RoleBinding`, {
        metadata: access,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
        subjects,
      });
    };
    namespacedRole("Autoscaler", clusterAutoscalerStatus.namespace, verifyPlatformRules(clusterAutoscalerStatus.namespace));
    namespacedRole("Probe", config.gpuProbe.namespace, verifyPlatformRules("gpuProbe.namespace"));

    const { cronJob, container } = verifyCronJob(this, {
      name: verifyPlatformNaming.cronJob,
      namespace: props.namespace,
      podLabels: this.podLabels,
      // `flywheel verify platform --stack S` starts only the CronJob labelled with S.
      stackLabel: { key: verifyPlatformNaming.stackLabel, value: config.stack },
      serviceAccountName: serviceAccount.name,
      image: props.image,
      args: ["verify", "platform", "--in-cluster", "--config", verifyPlatformNaming.configPath],
      configMap: this.configMap,
      configPath: verifyPlatformNaming.configPath,
      maxDuration: props.maxDuration,
      keepFinishedJobsFor: props.keepFinishedJobsFor,
    });
    this.cronJob = cronJob;
    const credentials = kplus.Secret.fromSecretName(this, "CredentialsRef", verifyPlatformNaming.credentialsSecret);
    container.mount(verifyPlatformNaming.credentialsPath, kplus.Volume.fromSecret(this, "CredentialsVolume", credentials), { readOnly: true });
  }
}
