import { ApiObject, Cron, Duration, JsonPatch, Size } from "cdk8s";
import * as kplus from "cdk8s-plus-28";
import { Construct } from "constructs";
import { stringify } from "yaml";
import {
  annotationKeys,
  ExitCode,
  flywheelScheduleContract,
  type FlywheelJobConfigInput,
  jobEnvironment,
  labelKeys,
  mountedConfigPath,
  nameFragment,
  nodeOptionsFor,
  parseJobConfig,
} from "../../flywheel-job/src/contract";
import { fail, resourceLabel } from "../common/errors";
import { validateHttpUrl } from "../common/http-urls";
import { isPinnedByDigest } from "../common/images";
import { validateInteger } from "../common/integers";
import { validatePodSelectorLabels } from "../common/labels";
import { jobImageUser, restrictedContainerSecurity } from "../common/security-contexts";

/** A key of a ConfigMap. */
export interface ConfigMapKey {
  readonly name: string;
  readonly key: string;
}

export interface FlywheelScheduleProps {
  /** Namespace of the CronJob; the run's NIMServices and the NIMCaches live there too. */
  readonly namespace: string;
  /** The workload's job configuration; written to a ConfigMap the Job mounts. */
  readonly jobConfig: FlywheelJobConfigInput & { readonly workloadId: string; readonly clientId: string };
  /** Cron schedule, five fields. */
  readonly schedule: string;
  /**
   * IANA time zone of the schedule.
   * @default the time zone of kube-controller-manager
   */
  readonly timeZone?: string;
  /** The job image, pinned by digest (`registry/repository@sha256:…`). */
  readonly image: string;
  /** Service account the Job runs as (see `FlywheelJobAccess`). */
  readonly serviceAccountName: string;
  /** Secrets whose keys become the Job's environment: connection URLs, credentials, API keys. */
  readonly environmentSecrets: readonly string[];
  /**
   * The stack's CA certificate, which signed Elasticsearch's, Redis's and MongoDB's certificates:
   * mounted and passed as `ELASTICSEARCH_CA_FILE`, `REDIS_CA_FILE` and `MONGODB_CA_FILE`.
   * @default none (the system's CAs)
   */
  readonly certificateAuthority?: ConfigMapKey;
  /**
   * The Prometheus Pushgateway the run pushes its metrics to (`FLYWHEEL_PUSHGATEWAY_URL`), `http(s)://…`.
   * @default none: the run pushes nothing
   */
  readonly pushgatewayUrl?: string;
  /**
   * The MLflow tracking server each completed evaluation is logged to (`FLYWHEEL_MLFLOW_URL`), `http(s)://…`.
   * @default none: the run logs nothing to MLflow
   */
  readonly mlflowUrl?: string;
  /** Labels of the Job's pods; the flywheel namespace's NetworkPolicies select the job by them. */
  readonly podLabels: Readonly<Record<string, string>>;
  /**
   * How long a run may take before Kubernetes stops it.
   * @default 12 hours
   */
  readonly maxRunDuration?: Duration;
  /**
   * How late after its scheduled time a run may still start (a missed slot is skipped after this).
   * @default 1 hour
   */
  readonly startingDeadline?: Duration;
  /**
   * How long a finished Job (and its pod's logs) is kept. Deleting the Job is what lets the garbage
   * collector remove anything it still owns.
   * @default 1 day
   */
  readonly keepFinishedJobsFor?: Duration;
  /**
   * Retries of a run that failed for a reason worth retrying (a transient fault, a crash).
   * @default 2
   */
  readonly retries?: number;
  /**
   * Time between SIGTERM and SIGKILL: a cancelled or stopped run deletes its deployments, cancels
   * its jobs and releases its GPUs in this time.
   * @default 5 minutes
   */
  readonly cleanupGracePeriod?: Duration;
  /**
   * CPU and memory of the job container.
   * @default requests 500m / 1Gi, limits 2 / 2Gi
   */
  readonly resources?: kplus.ContainerResources;
}

const caDirectory = "/etc/flywheel/ca";

/** A cron expression with five fields (what CronJob accepts without the non-standard macros). */
export function isCronSchedule(schedule: string): boolean {
  return /^(\S+\s+){4}\S+$/.test(schedule.trim());
}

/** Exit codes of deterministic failures (flywheel-job/src/errors.ts): retrying cannot change them. */
export const nonRetryableExitCodes = [ExitCode.usage, ExitCode.insufficientData, ExitCode.cancelled];

const defaultMemoryLimit = Size.gibibytes(2);


/** A Kubernetes-name-safe slug of a workload and client. */
export function scheduleName(workloadId: string, clientId: string): string {
  // CronJob names leave room for the 11 characters of the Jobs' suffix.
  return nameFragment(`flywheel-${workloadId}-${clientId}`, 52);
}

/**
 * One workload's flywheel as a CronJob: never two runs of the workload at once, bounded in time,
 * retried only for failures a retry can fix, given time to clean up when stopped, and its Job deleted
 * a while after it finishes so that what the run owns is garbage-collected with it. The pod meets
 * Pod Security `restricted` (non-root, no capabilities, RuntimeDefault seccomp, no privilege
 * escalation) on a read-only root filesystem and knows its Job's name and uid (downward API), which
 * the run uses as the owner of the NIMServices it creates.
 */
export class FlywheelSchedule extends Construct {
  readonly cronJob: kplus.CronJob;
  readonly configMap: kplus.ConfigMap;

  constructor(scope: Construct, id: string, props: FlywheelScheduleProps) {
    super(scope, id);
    const name = scheduleName(props.jobConfig.workloadId, props.jobConfig.clientId);
    const owner = resourceLabel("FlywheelSchedule", props.namespace, name);
    if (!isCronSchedule(props.schedule)) {
      fail(owner, `schedule "${props.schedule}" is not a cron expression with five fields`);
    }
    if (!isPinnedByDigest(props.image)) {
      fail(owner, `image "${props.image}" must be pinned by digest (registry/repository@sha256:<digest>), so every run of the schedule runs the same program`);
    }
    if (props.pushgatewayUrl !== undefined) {
      validateHttpUrl(owner, "pushgatewayUrl", props.pushgatewayUrl);
    }
    if (props.mlflowUrl !== undefined) {
      validateHttpUrl(owner, "mlflowUrl", props.mlflowUrl);
    }
    // The namespace's NetworkPolicies select the job's pods by these labels.
    validatePodSelectorLabels(owner, "podLabels", props.podLabels);
    const retries = props.retries ?? 2;
    validateInteger(owner, "retries", retries, 0);
    // The stack's loader has parsed this config with the job's parser already; this is the backstop
    // for any other user of the construct: a config the job would refuse never reaches the cluster.
    try {
      parseJobConfig(props.jobConfig, "the job config");
    } catch (error) {
      const details = (error as { details?: readonly string[] }).details ?? [];
      fail(owner, [(error as Error).message, ...details.map((d) => `  - ${d}`)].join("\n"));
    }
    const metadata = { namespace: props.namespace, labels: { "app.kubernetes.io/part-of": "data-flywheel", "app.kubernetes.io/instance": name } };

    this.configMap = new kplus.ConfigMap(this, "Config", {
      metadata: { ...metadata, name: `${name}-config` },
      data: { "config.yaml": stringify(props.jobConfig, { sortMapEntries: true }) },
    });

    const [minute, hour, day, month, weekDay] = props.schedule.trim().split(/\s+/);
    this.cronJob = new kplus.CronJob(this, "CronJob", {
      metadata: {
        ...metadata,
        name,
        // The Flywheel API finds the workloads' CronJobs by this label and each one's pair by these
        // annotations (the name is a truncated slug; the annotations hold the ids in full).
        labels: { ...metadata.labels, [labelKeys.component]: flywheelScheduleContract.component },
        annotations: {
          // When Pulumi deletes the schedule it waits until its Jobs, and the NIMServices they own, are
          // gone, so the NIM operator is not removed while it still has NIMServices to finalise.
          "pulumi.com/deletionPropagationPolicy": "foreground",
          [annotationKeys.workload]: props.jobConfig.workloadId,
          [annotationKeys.client]: props.jobConfig.clientId,
        },
      },
      schedule: Cron.schedule({ minute, hour, day, month, weekDay }),
      timeZone: props.timeZone,
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      startingDeadline: props.startingDeadline ?? Duration.hours(1),
      activeDeadline: props.maxRunDuration ?? Duration.hours(12),
      ttlAfterFinished: props.keepFinishedJobsFor ?? Duration.days(1),
      backoffLimit: retries,
      terminationGracePeriod: props.cleanupGracePeriod ?? Duration.minutes(5),
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(this, "ServiceAccount", props.serviceAccountName),
      automountServiceAccountToken: true,
      securityContext: { ensureNonRoot: true, user: jobImageUser.uid, group: jobImageUser.gid, fsGroup: jobImageUser.gid },
      podMetadata: { labels: { ...props.podLabels, ...metadata.labels } },
    });

    const container = this.cronJob.addContainer({
      // The API adds its run id to the arguments of the container of this name.
      name: flywheelScheduleContract.containerName,
      image: props.image,
      // Pinned by digest: what is on the node is exactly what was asked for.
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: ["run", "--workload", props.jobConfig.workloadId, "--client", props.jobConfig.clientId, "--config", mountedConfigPath],
      resources: props.resources ?? {
        cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.units(2) },
        memory: { request: Size.gibibytes(1), limit: defaultMemoryLimit },
      },
      // Pod Security `restricted`, whatever the namespace enforces: no capabilities and the
      // runtime's default syscall filter.
      securityContext: restrictedContainerSecurity(jobImageUser),
      envVariables: {
        [jobEnvironment.FLYWHEEL_JOB_NAME]: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_LABEL, { key: "batch.kubernetes.io/job-name" }),
        [jobEnvironment.FLYWHEEL_JOB_UID]: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_LABEL, { key: "batch.kubernetes.io/controller-uid" }),
        [jobEnvironment.FLYWHEEL_NAMESPACE]: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
        // Node sizes its heap from the machine, not the container: keep it inside the memory limit.
        NODE_OPTIONS: kplus.EnvValue.fromValue(nodeOptionsFor((props.resources?.memory?.limit ?? defaultMemoryLimit).toMebibytes())),
        ...(props.pushgatewayUrl ? { [jobEnvironment.FLYWHEEL_PUSHGATEWAY_URL]: kplus.EnvValue.fromValue(props.pushgatewayUrl) } : {}),
        ...(props.mlflowUrl ? { [jobEnvironment.FLYWHEEL_MLFLOW_URL]: kplus.EnvValue.fromValue(props.mlflowUrl) } : {}),
        ...(props.certificateAuthority
          ? {
              [jobEnvironment.ELASTICSEARCH_CA_FILE]: kplus.EnvValue.fromValue(`${caDirectory}/${props.certificateAuthority.key}`),
              [jobEnvironment.REDIS_CA_FILE]: kplus.EnvValue.fromValue(`${caDirectory}/${props.certificateAuthority.key}`),
              [jobEnvironment.MONGODB_CA_FILE]: kplus.EnvValue.fromValue(`${caDirectory}/${props.certificateAuthority.key}`),
            }
          : {}),
      },
    });
    for (const secretName of props.environmentSecrets) {
      container.env.copyFrom(kplus.Env.fromSecret(kplus.Secret.fromSecretName(this, `Env-${secretName}`, secretName)));
    }
    container.mount(mountedConfigPath, kplus.Volume.fromConfigMap(this, "ConfigVolume", this.configMap), { subPath: "config.yaml", readOnly: true });
    if (props.certificateAuthority) {
      const ca = kplus.ConfigMap.fromConfigMapName(this, "Ca", props.certificateAuthority.name);
      container.mount(caDirectory, kplus.Volume.fromConfigMap(this, "CaVolume", ca), { readOnly: true });
    }
    // Datasets are written under /tmp before they are uploaded; the root filesystem is read-only.
    container.mount("/tmp", kplus.Volume.fromEmptyDir(this, "Scratch", "scratch", { sizeLimit: Size.gibibytes(5) }));

    // cdk8s-plus has no field for it: a deterministic failure fails the Job at once instead of being
    // retried, and a node drained or preempted under the pod does not count as a failure.
    ApiObject.of(this.cronJob).addJsonPatch(
      JsonPatch.add("/spec/jobTemplate/spec/podFailurePolicy", {
        rules: [
          { action: "FailJob", onExitCodes: { containerName: flywheelScheduleContract.containerName, operator: "In", values: nonRetryableExitCodes } },
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
        ],
      }),
      // podFailurePolicy requires pods that are never restarted in place.
      JsonPatch.replace("/spec/jobTemplate/spec/template/spec/restartPolicy", "Never"),
    );
  }
}
