import type * as CronParser from "cron-parser";
import type { WorkloadSchedule } from "../kubernetes/workload-schedules";
import type { RunRecord } from "../store/records";
import type { JsonObject } from "../store/run-json";
import { blueprintJobStatus } from "./blueprint-shapes";

/**
 * When the CronJob next starts a run after `now`, in its time zone (the controller's, UTC here, when
 * it names none); null while it is suspended, or when its schedule or zone cannot be read.
 */
export function nextScheduledTime(schedule: string, timeZone: string | undefined, suspended: boolean, now: Date): Date | null {
  if (suspended) {
    return null;
  }
  try {
    return loadCronParser().CronExpressionParser.parse(schedule, { currentDate: now, tz: timeZone ?? "UTC" }).next().toDate();
  } catch {
    return null;
  }
}

/**
 * cron-parser (with luxon, some 7 MiB), loaded on the first `GET /api/workloads`: a service without a
 * cluster never answers one. A require rather than import() for the reason `loadUndici` gives.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const loadCronParser = (): typeof CronParser => require("cron-parser") as typeof CronParser;

/** One configured workload of `GET /api/workloads`: its CronJob's schedule and its newest run. */
export function workloadItem(schedule: WorkloadSchedule, lastRun: RunRecord | undefined, now: Date): JsonObject {
  const spec = schedule.cronJob.spec;
  const cron = spec?.schedule ?? "";
  const suspended = spec?.suspend === true;
  const next = nextScheduledTime(cron, spec?.timeZone, suspended, now);
  return {
    workload_id: schedule.workloadId,
    client_id: schedule.clientId,
    cron_job: schedule.cronJob.metadata?.name ?? "",
    schedule: cron,
    time_zone: spec?.timeZone ?? null,
    suspended,
    next_run_at: next === null ? null : next.toISOString(),
    last_run: lastRun === undefined ? null : { id: lastRun.id, status: blueprintJobStatus(lastRun.status), started_at: lastRun.started_at.toISOString() },
  };
}

/** `GET /api/workloads`: one item per CronJob, ordered by workload then client. */
export function workloadsResponse(items: readonly { readonly schedule: WorkloadSchedule; readonly lastRun: RunRecord | undefined }[], now: Date): JsonObject {
  const key = (schedule: WorkloadSchedule): string => `${schedule.workloadId}\u0000${schedule.clientId}`;
  const sorted = [...items].sort((a, b) => (key(a.schedule) < key(b.schedule) ? -1 : key(a.schedule) > key(b.schedule) ? 1 : 0));
  return { workloads: sorted.map(({ schedule, lastRun }) => workloadItem(schedule, lastRun, now)) };
}
