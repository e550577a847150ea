import { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import { type ComputeResources, resourceRequirements, validateComputeResources } from "../common/compute-resources";
import { contentHash } from "../common/content-hash";
import { fail } from "../common/errors";
import { validateInteger } from "../common/integers";
import { validateNodeSelector } from "../common/labels";
import { validateLabelName } from "../common/names";
import { type ImageUser, nonRootPodSecurityContext, restrictedContainerSecurityContext } from "../common/security-contexts";

/** How long and how often a bootstrap Job may try before it is marked failed, and how long it is kept. */
export interface JobRunLimits {
  /**
   * Pod retries before the Job fails (each Pod already retries its own requests).
   * @default 3
   */
  readonly backoffLimit?: number;
  /**
   * Seconds after which the Job fails however many retries are left.
   * @default 1800
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * Seconds a finished Job (and its Pod's logs) is kept before Kubernetes deletes it.
   * @default 86400
   */
  readonly ttlSecondsAfterFinished?: number;
}

/** Validates the limits and fills in the defaults. */
export function resolveJobRunLimits(owner: string, limits: JobRunLimits): Required<JobRunLimits> {
  const resolved = {
    backoffLimit: limits.backoffLimit ?? 3,
    activeDeadlineSeconds: limits.activeDeadlineSeconds ?? 1800,
    ttlSecondsAfterFinished: limits.ttlSecondsAfterFinished ?? 86400,
  };
  validateInteger(owner, "backoffLimit", resolved.backoffLimit, 0, 20);
  validateInteger(owner, "activeDeadlineSeconds", resolved.activeDeadlineSeconds, 60);
  validateInteger(owner, "ttlSecondsAfterFinished", resolved.ttlSecondsAfterFinished, 0);
  return resolved;
}

/** Environment variable a script's retry loop (`shellBackoff`) reads its bound from. */
export const maxAttemptsEnv = "MAX_ATTEMPTS";

/** Validates the bound of a script's retry loop and fills in the default (30 attempts: about 25 minutes). */
export function resolveMaxAttempts(owner: string, maxAttempts: number | undefined): number {
  const resolved = maxAttempts ?? 30;
  validateInteger(owner, "maxAttempts", resolved, 1, 1000);
  return resolved;
}

/** The parts of a retry loop a script places around its own attempt. */
export interface ShellBackoff {
  /** Before the loop: the first attempt, and a first delay of 2 s. */
  readonly start: string;
  /** A test that is true once `$MAX_ATTEMPTS` attempts have failed: give up then. */
  readonly exhausted: string;
  /** After a failed attempt: logs the retry, sleeps, and doubles the delay up to 60 s. */
  readonly wait: string;
}

/**
 * The retry loop of the bootstrap scripts, with backoff from 2 s doubling to 60 s and at most
 * `$MAX_ATTEMPTS` attempts, indented by `indent` (its body by two spaces more). `unavailable` says
 * what the retry waits for, as the start of the log line (it may use shell variables).
 */
export function shellBackoff(indent: string, unavailable: string): ShellBackoff {
  const body = `${indent}  `;
  return {
    start: [`${indent}attempt=1`, `${indent}delay=2`].join("\n"),
    exhausted: `[ "$attempt" -ge "$${maxAttemptsEnv}" ]`,
    wait: [
      `${body}echo "${unavailable}, retry $attempt/$${maxAttemptsEnv} in \${delay}s"`,
      `${body}sleep "$delay"`,
      `${body}attempt=$((attempt + 1))`,
      `${body}delay=$((delay * 2))`,
      `${body}if [ "$delay" -gt 60 ]; then delay=60; fi`,
    ].join("\n"),
  };
}

/**
 * The name of a Job (or its ConfigMap) for one version of its content. Jobs are immutable, so a
 * changed script or config must be a new Job: the name carries the content hash, and Pulumi replaces
 * the old Job with one that runs again.
 */
export function versionedName(owner: string, baseName: string, hash: string): string {
  // A Job's name is also the value of its Pods' `job-name` label: at most 63 characters.
  const maxBase = 63 - hash.length - 1;
  if (baseName.length > maxBase) {
    fail(owner, `name "${baseName}" must be at most ${maxBase} characters (the Job name adds a ${hash.length}-character content hash)`);
  }
  return `${baseName}-${hash}`;
}

/** A volume of the Job's pod beside its script, and where the container mounts it. */
export interface ScriptJobVolume {
  readonly volume: k8s.Volume;
  readonly mountPath: string;
  /**
   * Mount it read-only.
   * @default false
   */
  readonly readOnly?: boolean;
}

export interface VersionedJobProps {
  /** The resource the Job belongs to, `Kind namespace/name`, for validation messages. */
  readonly owner: string;
  /** Base name of the Job and its ConfigMap; a content hash is appended. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly limits: Required<JobRunLimits>;
  /** Files of the ConfigMap the Job mounts (the script and its inputs). */
  readonly files: Readonly<Record<string, string>>;
  /** Directory the ConfigMap is mounted at. */
  readonly scriptDirectory: string;
  /** The file of `files` the container runs with `/bin/sh`. */
  readonly script: string;
  /** Image with a POSIX shell and the script's tools. */
  readonly image: string;
  /** The image's own non-root user, which the pod runs as. */
  readonly user: ImageUser;
  /** Environment of the container. */
  readonly env: readonly k8s.EnvVar[];
  /** CPU and memory of the container. */
  readonly resources: ComputeResources;
  /**
   * Node labels the Job's pod must run on.
   * @default - any node
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Further volumes, after the script's.
   * @default none
   */
  readonly volumes?: readonly ScriptJobVolume[];
}

// The container, and the volume of its ConfigMap.
const containerName = "bootstrap";

/**
 * A run-once script Job and its immutable ConfigMap, both named after a hash of everything the Job
 * runs. The pod is hardened the same way for every script: never restarted in place (the Job
 * retries), no service account token, non-root as the image's own user, and a container with Pod
 * Security `restricted` settings and a read-only root filesystem that runs `/bin/sh <dir>/<script>`
 * from the ConfigMap mounted read-only at a directory.
 */
export class VersionedJob extends Construct {
  readonly name: string;
  readonly job: k8s.KubeJob;

  constructor(scope: Construct, id: string, props: VersionedJobProps) {
    super(scope, id);
    validateLabelName(props.owner, "name", props.name);
    if (props.files[props.script] === undefined) {
      fail(props.owner, `script "${props.script}" must be one of the Job's files (${Object.keys(props.files).join(", ")})`);
    }
    validateComputeResources(props.owner, "resources", props.resources);
    if (props.nodeSelector !== undefined) validateNodeSelector(props.owner, "nodeSelector", props.nodeSelector);

    const hash = contentHash({ files: props.files, pod: k8s.toJson_PodSpec(podSpec(props, "")), limits: props.limits });
    this.name = versionedName(props.owner, props.name, hash);
    const metadata = { name: this.name, namespace: props.namespace, labels: { ...props.labels } };
    new k8s.KubeConfigMap(this, "config", { metadata, immutable: true, data: { ...props.files } });
    this.job = new k8s.KubeJob(this, "job", {
      metadata,
      spec: {
        backoffLimit: props.limits.backoffLimit,
        activeDeadlineSeconds: props.limits.activeDeadlineSeconds,
        ttlSecondsAfterFinished: props.limits.ttlSecondsAfterFinished,
        template: { metadata: { labels: { ...props.labels } }, spec: podSpec(props, this.name) },
      },
    });
  }
}

/** The Job's pod, given the name of its ConfigMap. */
function podSpec(props: VersionedJobProps, configMapName: string): k8s.PodSpec {
  const volumes = props.volumes ?? [];
  return {
    restartPolicy: "Never",
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: nonRootPodSecurityContext(props.user),
    nodeSelector: props.nodeSelector === undefined ? undefined : { ...props.nodeSelector },
    containers: [{
      name: containerName,
      image: props.image,
      command: ["/bin/sh", `${props.scriptDirectory}/${props.script}`],
      env: [...props.env],
      resources: resourceRequirements(props.resources),
      securityContext: restrictedContainerSecurityContext(),
      volumeMounts: [
        { name: containerName, mountPath: props.scriptDirectory, readOnly: true },
        ...volumes.map((entry) => ({ name: entry.volume.name, mountPath: entry.mountPath, readOnly: entry.readOnly })),
      ],
    }],
    volumes: [
      { name: containerName, configMap: { name: configMapName } },
      ...volumes.map((entry) => entry.volume),
    ],
  };
}
