import type { KubernetesApi } from "../../kubernetes/kubernetes-api";
import { labelKeys } from "../../kubernetes/labels";
import type { RunLog } from "../../log";
import type { SweepContext } from "../../platform/candidate-deployments";

/**
 * Deletes NIMServices that a run left behind when its process died (flywheel-job/README.md, "What a
 * run does", step 3), so a crash holds GPUs no longer than until the next run:
 * - owned by a Job that is gone, was replaced (another uid) or has finished;
 * - owned by this run's own Job: an earlier attempt of this Job (the Job retried a crashed pod);
 * - not owned by a Job (an offline run) whose run this store knows has finished.
 * A NIMService of a run this store does not know, created outside a Job, is left alone and reported.
 * Returns the names deleted.
 */
export async function sweepOrphanedNimServices(api: KubernetesApi, context: SweepContext, log: RunLog, signal: AbortSignal): Promise<string[]> {
  const deleted: string[] = [];
  for (const service of await api.listNimServices(labelKeys.runId, signal)) {
    const name = service.metadata.name;
    const runId = service.metadata.labels?.[labelKeys.runId] ?? "";
    const owner = service.metadata.ownerReferences?.find((ref) => ref.kind === "Job");
    let reason: string | undefined;
    if (owner && context.currentJob && owner.uid === context.currentJob.uid) {
      reason = `an earlier attempt of this Job (${owner.name}) created it`;
    } else if (owner) {
      const job = await api.getJob(owner.name, signal);
      if (job === undefined || job.uid !== owner.uid) {
        reason = `its Job ${owner.name} no longer exists`;
      } else if (job.finished) {
        reason = `its Job ${owner.name} has finished`;
      }
    } else {
      const finished = await context.runFinished(runId);
      if (finished === true) {
        reason = `its run ${runId} has finished`;
      } else if (finished === undefined) {
        log.warn(`NIMService ${name} belongs to run ${runId}, which was not started by a Job and is not in this run store; left alone`);
      }
    }
    if (reason !== undefined && (await api.deleteNimService(name, signal))) {
      log.info(`deleted NIMService ${name} left behind by run ${runId}: ${reason}`);
      deleted.push(name);
    }
  }
  return deleted;
}
