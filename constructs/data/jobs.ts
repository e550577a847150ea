import { k8s } from "cdk8s-plus-28";
import { Construct } from "constructs";
import { contentHash, invalidProp, requireInteger } from "./common";

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
export function resolveJobRunLimits(construct: string, id: string, limits: JobRunLimits): Required<JobRunLimits> {
  const resolved = {
    backoffLimit: limits.backoffLimit ?? 3,
    activeDeadlineSeconds: limits.activeDeadlineSeconds ?? 1800,
    ttlSecondsAfterFinished: limits.ttlSecondsAfterFinished ?? 86400,
  };
  requireInteger(construct, id, "backoffLimit", resolved.backoffLimit, 0, 20);
  requireInteger(construct, id, "activeDeadlineSeconds", resolved.activeDeadlineSeconds, 60);
  requireInteger(construct, id, "ttlSecondsAfterFinished", resolved.ttlSecondsAfterFinished, 0);
  return resolved;
}

/**
 * The name of a Job (or its ConfigMap) for one version of its content. Jobs are immutable, so a
 * changed script or config must be a new Job: the name carries the content hash, and Pulumi replaces
 * the old Job with one that runs again.
 */
export function versionedName(construct: string, id: string, baseName: string, hash: string): string {
  // A Job's name is also the value of its Pods' `job-name` label: at most 63 characters.
  const maxBase = 63 - hash.length - 1;
  if (baseName.length > maxBase) {
    throw invalidProp(construct, id, "name", baseName, `must be at most ${maxBase} characters (the Job name adds a ${hash.length}-character content hash)`);
  }
  return `${baseName}-${hash}`;
}

export interface VersionedJobProps {
  readonly constructName: string;
  readonly id: string;
  /** Base name of the Job and its ConfigMap. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly limits: Required<JobRunLimits>;
  /** Files of the ConfigMap the Job mounts (script and inputs). */
  readonly files: Readonly<Record<string, string>>;
  /** The Job's pod, given the name of its ConfigMap. */
  readonly podSpec: (configMapName: string) => k8s.PodSpec;
}

/** A Job and its immutable ConfigMap, both named after a hash of everything the Job runs. */
export class VersionedJob extends Construct {
  readonly name: string;
  readonly job: k8s.KubeJob;

  constructor(scope: Construct, id: string, props: VersionedJobProps) {
    super(scope, id);
    const hash = contentHash({ files: props.files, pod: k8s.toJson_PodSpec(props.podSpec("")), limits: props.limits });
    this.name = versionedName(props.constructName, props.id, props.name, hash);
    const metadata = { name: this.name, namespace: props.namespace, labels: { ...props.labels } };
    new k8s.KubeConfigMap(this, "config", { metadata, immutable: true, data: { ...props.files } });
    this.job = new k8s.KubeJob(this, "job", {
      metadata,
      spec: {
        backoffLimit: props.limits.backoffLimit,
        activeDeadlineSeconds: props.limits.activeDeadlineSeconds,
        ttlSecondsAfterFinished: props.limits.ttlSecondsAfterFinished,
        template: { metadata: { labels: { ...props.labels } }, spec: props.podSpec(this.name) },
      },
    });
  }
}
