import { Cron, Duration, Size } from "cdk8s";
import * as kplus from "cdk8s-plus-28";
import type { Construct } from "constructs";
import { nodeOptionsFor } from "../../flywheel-job/src/contract";
import { jobImageUser, restrictedContainerSecurity } from "./security-contexts";

/** What differs between the `flywheel verify …` CronJobs. */
export interface VerifyCronJobProps {
  /** The CronJob's and its container's name. */
  readonly name: string;
  readonly namespace: string;
  /** Labels of the CronJob and of its pods, which the isolation table selects them by. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The label `--stack S` finds the CronJob by, and its value. */
  readonly stackLabel: { readonly key: string; readonly value: string };
  readonly serviceAccountName: string;
  /** The job image, pinned by digest. */
  readonly image: string;
  /** The container's arguments (`verify <what> --in-cluster --config <path>`). */
  readonly args: readonly string[];
  /** The ConfigMap mounted at `configPath`, its one key named as the path's last segment. */
  readonly configMap: kplus.IConfigMap;
  readonly configPath: string;
  /** @default 30 minutes */
  readonly maxDuration?: Duration;
  /** @default 1 day */
  readonly keepFinishedJobsFor?: Duration;
}

const memoryLimit = Size.mebibytes(512);

/** The key of a ConfigMap mounted at `path` with `subPath`: the path's last segment. */
export function configKeyOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * The suspended CronJob every `flywheel verify …` command creates its Jobs from (never scheduled:
 * the deploy workflow and people start them). One attempt, since a failed check is an answer, not a
 * fault to retry; bounded in time; its Job and pod log deleted a day after it finishes; the pod meets
 * Pod Security `restricted`. Returns the container, for the mounts a verification adds.
 */
export function verifyCronJob(scope: Construct, props: VerifyCronJobProps): { readonly cronJob: kplus.CronJob; readonly container: kplus.Container } {
  const labels = { ...props.podLabels };
  const cronJob = new kplus.CronJob(scope, "CronJob", {
    metadata: { namespace: props.namespace, name: props.name, labels: { ...labels, [props.stackLabel.key]: props.stackLabel.value } },
    // Suspended, the schedule never fires; a CronJob must have one.
    suspend: true,
    schedule: Cron.schedule({ minute: "0", hour: "0", day: "1", month: "1" }),
    concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
    activeDeadline: props.maxDuration ?? Duration.minutes(30),
    ttlAfterFinished: props.keepFinishedJobsFor ?? Duration.days(1),
    backoffLimit: 0,
    serviceAccount: kplus.ServiceAccount.fromServiceAccountName(scope, "ServiceAccountRef", props.serviceAccountName),
    automountServiceAccountToken: true,
    securityContext: { ensureNonRoot: true, user: jobImageUser.uid, group: jobImageUser.gid, fsGroup: jobImageUser.gid },
    podMetadata: { labels },
  });
  const container = cronJob.addContainer({
    name: props.name,
    image: props.image,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    args: [...props.args],
    resources: {
      cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
      memory: { request: Size.mebibytes(256), limit: memoryLimit },
    },
    securityContext: restrictedContainerSecurity(jobImageUser),
    envVariables: { NODE_OPTIONS: kplus.EnvValue.fromValue(nodeOptionsFor(memoryLimit.toMebibytes())) },
  });
  container.mount(props.configPath, kplus.Volume.fromConfigMap(scope, "ConfigVolume", props.configMap), { subPath: configKeyOf(props.configPath), readOnly: true });
  container.mount("/tmp", kplus.Volume.fromEmptyDir(scope, "Scratch", "scratch", { sizeLimit: Size.mebibytes(100) }));
  return { cronJob, container };
}
