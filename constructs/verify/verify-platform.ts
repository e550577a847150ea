import { Cron, Duration, Size } from "cdk8s";
import * as kplus from "cdk8s-plus-28";
import { Construct } from "constructs";
import { clusterAutoscalerStatus, labelKeys, nodeOptionsFor, type PlatformVerifyConfig, platformVerifyConfigSchema, verifyPlatformNaming, verifyPlatformPermissions } from "../../flywheel-job/src/contract";
import { fail, resourceLabel } from "../common/errors";
import { isPinnedByDigest } from "../common/images";
import { validateNamespace } from "../common/names";
import { jobImageUser, restrictedContainerSecurity } from "../common/security-contexts";

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

const defaultMemoryLimit = Size.mebibytes(512);
const configKey = verifyPlatformNaming.configPath.slice(verifyPlatformNaming.configPath.lastIndexOf("/") + 1);

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

    this.cronJob = new kplus.CronJob(this, "CronJob", {
      // `flywheel verify platform --stack S` starts only the CronJob labelled with S.
      metadata: { ...metadata, name: verifyPlatformNaming.cronJob, labels: { ...metadata.labels, [verifyPlatformNaming.stackLabel]: config.stack } },
      // Suspended, the schedule never fires; a CronJob must have one.
      suspend: true,
      schedule: Cron.schedule({ minute: "0", hour: "0", day: "1", month: "1" }),
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      activeDeadline: props.maxDuration ?? Duration.minutes(30),
      ttlAfterFinished: props.keepFinishedJobsFor ?? Duration.days(1),
      // A failed check is an answer, not a fault to retry: the checklist says what failed.
      backoffLimit: 0,
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(this, "ServiceAccountRef", serviceAccount.name),
      automountServiceAccountToken: true,
      securityContext: { ensureNonRoot: true, user: jobImageUser.uid, group: jobImageUser.gid, fsGroup: jobImageUser.gid },
      podMetadata: { labels: { ...this.podLabels } },
    });
    const container = this.cronJob.addContainer({
      name: verifyPlatformNaming.cronJob,
      image: props.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: ["verify", "platform", "--in-cluster", "--config", verifyPlatformNaming.configPath],
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
        memory: { request: Size.mebibytes(256), limit: defaultMemoryLimit },
      },
      securityContext: restrictedContainerSecurity(jobImageUser),
      envVariables: {
        NODE_OPTIONS: kplus.EnvValue.fromValue(nodeOptionsFor(defaultMemoryLimit.toMebibytes())),
      },
    });
    container.mount(verifyPlatformNaming.configPath, kplus.Volume.fromConfigMap(this, "ConfigVolume", this.configMap), { subPath: configKey, readOnly: true });
    const credentials = kplus.Secret.fromSecretName(this, "CredentialsRef", verifyPlatformNaming.credentialsSecret);
    container.mount(verifyPlatformNaming.credentialsPath, kplus.Volume.fromSecret(this, "CredentialsVolume", credentials), { readOnly: true });
    container.mount("/tmp", kplus.Volume.fromEmptyDir(this, "Scratch", "scratch", { sizeLimit: Size.mebibytes(100) }));
  }
}
