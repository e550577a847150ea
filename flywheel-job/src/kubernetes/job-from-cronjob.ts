import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { flywheelScheduleContract } from "../api/flywheel-api-service";

/** The annotation `kubectl create job --from=cronjob/…` puts on the Job, which tells it from a scheduled one. */
export const instantiateAnnotation = { key: "cronjob.kubernetes.io/instantiate", value: "manual" } as const;

/** Longest name a Job may have: its name is the value of its pods' `batch.kubernetes.io/job-name` label. */
const maxJobNameLength = 63;

/**
 * The Job of an on-demand run: the CronJob's name, shortened to leave room, then the run's id (24
 * hexadecimal digits). The same run always gets the same name, so a create that is retried cannot
 * start a second Job.
 */
export function onDemandJobName(cronJobName: string, runId: string): string {
  const prefix = cronJobName.slice(0, maxJobNameLength - runId.length - 1).replace(/-+$/, "");
  return `${prefix}-${runId}`;
}

/** What makes a CronJob unusable for an on-demand run: the stack's FlywheelSchedule never renders one. */
export class CronJobShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CronJobShapeError";
  }
}

/**
 * A Job from a CronJob as `kubectl create job --from=cronjob/<name>` makes it, named `jobName`: the
 * job template's labels and annotations, the annotation `cronjob.kubernetes.io/instantiate: manual`,
 * the CronJob as its controlling owner (so deleting the CronJob deletes it; `blockOwnerDeletion`
 * makes a foreground delete of the CronJob wait for it), and the template's spec, each container
 * passed through `container` (the identity when not given).
 */
export function manualJobFromCronJob(cronJob: k8s.V1CronJob, jobName: string, container: (container: k8s.V1Container) => k8s.V1Container = (same) => same): k8s.V1Job {
  const name = cronJob.metadata?.name;
  const uid = cronJob.metadata?.uid;
  const template = cronJob.spec?.jobTemplate;
  if (name === undefined || uid === undefined || template?.spec === undefined) {
    throw new CronJobShapeError(`the CronJob ${name ?? "(no name)"} has no ${name === undefined ? "name" : uid === undefined ? "uid" : "spec.jobTemplate.spec"}`);
  }
  const podSpec = template.spec.template.spec;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobName,
      ...(cronJob.metadata?.namespace === undefined ? {} : { namespace: cronJob.metadata.namespace }),
      labels: { ...template.metadata?.labels },
      // As kubectl does: the template's own annotations win over the marker.
      annotations: { [instantiateAnnotation.key]: instantiateAnnotation.value, ...template.metadata?.annotations },
      ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name, uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      ...template.spec,
      template: { ...template.spec.template, spec: { ...podSpec, containers: (podSpec?.containers ?? []).map(container) } },
    },
  };
}

/**
 * The Job of an on-demand run: `manualJobFromCronJob`, named by `onDemandJobName`, whose `flywheel`
 * container's arguments end in `--run-id <id>`, so the Job adopts the pending run the API recorded
 * instead of recording a new one.
 */
export function jobFromCronJob(cronJob: k8s.V1CronJob, runId: string): k8s.V1Job {
  const name = cronJob.metadata?.name ?? "";
  const { containerName, runIdFlag } = flywheelScheduleContract;
  const containers = cronJob.spec?.jobTemplate.spec?.template.spec?.containers ?? [];
  if (cronJob.spec?.jobTemplate.spec !== undefined && !containers.some((container) => container.name === containerName)) {
    throw new CronJobShapeError(`the CronJob ${name} has no container "${containerName}" in its job template`);
  }
  return manualJobFromCronJob(cronJob, onDemandJobName(name, runId), (container) =>
    container.name === containerName ? { ...container, args: [...(container.args ?? []), runIdFlag, runId] } : container,
  );
}
