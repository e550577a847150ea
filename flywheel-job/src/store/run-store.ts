import type { RecordStore } from "./record-store";
import { cursorOf, type RunCursor, type RunPage } from "./run-page";
import {
  activeStatuses,
  type CustomizationRecord,
  type EvaluationRecord,
  type EvaluationSampleRecord,
  finishedStatuses,
  type IclExamplePoolRecord,
  type JudgeRunRecord,
  type NimRecord,
  type Patch,
  type RunRecord,
  type RunStatus,
} from "./records";

/** The error of a run cancelled while it was pending: nothing of it ran. */
export const cancelledBeforeStart = "cancelled before its Job started it";

/** A run with everything recorded about it. */
export interface RunDetails {
  readonly run: RunRecord;
  readonly nims: readonly NimRecord[];
  readonly evaluations: readonly EvaluationRecord[];
  readonly customizations: readonly CustomizationRecord[];
  readonly judgeRuns: readonly JudgeRunRecord[];
}

export interface RunFilter {
  readonly workloadId?: string;
  readonly clientId?: string;
  readonly statuses?: readonly RunStatus[];
  readonly limit?: number;
}

/**
 * The run records' operations, on any RecordStore. Status changes that another process may race
 * (a cancel against the run closing itself) are conditional updates, so a cancel is never lost.
 */
export class RunStore {
  constructor(readonly records: RecordStore) {}

  get description(): string {
    return this.records.description;
  }

  async insertRun(run: RunRecord): Promise<void> {
    await this.records.insert("flywheel_runs", run);
  }

  /** Updates a run that is still active (pending or running); false when it has finished or was cancelled meanwhile. */
  async updateActiveRun(id: string, patch: Patch<RunRecord>): Promise<boolean> {
    return this.records.update("flywheel_runs", id, patch, activeStatuses);
  }

  async updateRun(id: string, patch: Patch<RunRecord>): Promise<void> {
    await this.records.update("flywheel_runs", id, patch);
  }

  /**
   * Closes a run with `status`, unless a cancel arrived first: then the run stays `cancelled` and
   * only the other fields are set. Returns the status the run ends with.
   */
  async finishRun(id: string, patch: Patch<RunRecord> & { readonly status: RunStatus }): Promise<RunStatus> {
    if (await this.records.update("flywheel_runs", id, patch, activeStatuses)) {
      return patch.status;
    }
    const rest: Patch<RunRecord> = { ...patch };
    delete (rest as { status?: RunStatus }).status;
    await this.records.update("flywheel_runs", id, rest);
    return (await this.getRun(id))?.status ?? patch.status;
  }

  /**
   * Asks a run to stop: sets `cancelled` when it is still pending or running. A pending run has not
   * begun, so it is finished at once (its Job, if it starts, refuses it); a running one notices at its
   * next check, cleans up, and finishes itself. Returns the run as it is now, or undefined when there
   * is none.
   */
  async requestCancel(id: string, now: Date = new Date()): Promise<{ readonly run: RunRecord; readonly changed: boolean } | undefined> {
    const changed =
      (await this.records.update("flywheel_runs", id, { status: "cancelled", finished_at: now, error: cancelledBeforeStart }, ["pending"])) ||
      (await this.records.update("flywheel_runs", id, { status: "cancelled" }, activeStatuses));
    const run = await this.getRun(id);
    return run && { run, changed };
  }


  /**
   * Takes the pending run an on-demand request recorded (`POST /api/jobs`) for the Job that runs it:
   * sets `patch` and `running` only while the run is still `pending` and belongs to the pair, so a run
   * is adopted once, by a Job of its own pair. Returns the adopted run, or why it was refused.
   */
  async adoptPendingRun(
    id: string,
    pair: { readonly workloadId: string; readonly clientId: string },
    patch: Patch<RunRecord>,
  ): Promise<{ readonly adopted: RunRecord } | { readonly refused: string }> {
    const refusal = this.adoptionRefusal(id, await this.getRun(id), pair);
    if (refusal !== undefined) {
      return { refused: refusal };
    }
    if (!(await this.records.update("flywheel_runs", id, { ...patch, status: "running" }, ["pending"]))) {
      return { refused: `run ${id} stopped being pending while this Job adopted it (cancelled, closed or adopted by another Job)` };
    }
    const adopted = await this.getRun(id);
    return adopted === undefined ? { refused: `the record of run ${id} is gone from ${this.description}` } : { adopted };
  }

  /** Why the run `id` (as read: undefined when there is none) cannot be adopted by a Job of `pair`, or undefined when it can. */
  adoptionRefusal(id: string, run: RunRecord | undefined, pair: { readonly workloadId: string; readonly clientId: string }): string | undefined {
    if (run === undefined) {
      return `there is no run ${id} in ${this.description}`;
    }
    if (run.workload_id !== pair.workloadId || run.client_id !== pair.clientId) {
      return `run ${id} belongs to workload "${run.workload_id}", client "${run.client_id}", not to this Job's workload "${pair.workloadId}", client "${pair.clientId}"`;
    }
    if (run.status !== "pending") {
      return `run ${id} is ${run.status}, not pending: only a pending run can be adopted`;
    }
    return undefined;
  }

  /**
   * Closes as `failed`, with `error`, every pending run recorded before `cutoff`: a run whose Job never
   * started, or whose pod exited before adopting it. Conditional on `pending`, so a run adopted
   * meanwhile is left alone. Returns the ids closed.
   */
  async closeStalePendingRuns(cutoff: Date, error: string, now: Date): Promise<string[]> {
    const stale = (await this.listRuns({ statuses: ["pending"] })).filter((run) => run.started_at.getTime() < cutoff.getTime());
    const closed: string[] = [];
    for (const run of stale) {
      if (await this.records.update("flywheel_runs", run.id, { status: "failed", error, finished_at: now }, ["pending"])) {
        closed.push(run.id);
      }
    }
    return closed;
  }

  /**
   * Closes one pending run as `failed` with `error`: its Job failed before adopting it, or the pair's
   * next run found it never started. Conditional on `pending`, so a cancel or an adoption that came
   * first wins. Returns whether it was closed.
   */
  failPendingRun(id: string, error: string, now: Date): Promise<boolean> {
    return this.records.update("flywheel_runs", id, { status: "failed", error, finished_at: now }, ["pending"]);
  }

  getRun(id: string): Promise<RunRecord | undefined> {
    return this.records.get("flywheel_runs", id);
  }

  /**
   * One page of the runs that match, newest first: at most `limit` runs after `after`, and the cursor
   * of the next page when there is one (the store reads one run more than the page to know).
   */
  async listRunsPage(filter: RunFilter & { readonly limit: number; readonly after?: RunCursor }): Promise<RunPage> {
    if (!Number.isInteger(filter.limit) || filter.limit < 1) {
      throw new RangeError(`a page holds at least one run, not ${filter.limit}`);
    }
    const runs = await this.records.find(
      "flywheel_runs",
      { workload_id: filter.workloadId, client_id: filter.clientId, status: filter.statuses },
      { newestFirst: true, limit: filter.limit + 1, after: filter.after },
    );
    const page = runs.slice(0, filter.limit);
    return runs.length > filter.limit ? { runs: page, next: cursorOf(page[page.length - 1]) } : { runs: page };
  }

  listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    return this.records.find(
      "flywheel_runs",
      { workload_id: filter.workloadId, client_id: filter.clientId, status: filter.statuses },
      { newestFirst: true, limit: filter.limit },
    );
  }

  /**
   * Runs of the pair that never finished although the caller holds the pair's lock: their process
   * died. They are closed (active ones as failed, cancelled ones stay cancelled) so they do not look
   * alive forever and can be deleted.
   */
  async closeAbandonedRuns(workloadId: string, clientId: string, exceptId: string, error: string, now: Date): Promise<string[]> {
    const unfinished = (await this.listRuns({ workloadId, clientId, statuses: [...activeStatuses, "cancelled"] })).filter(
      (run) => run.id !== exceptId && run.finished_at === null,
    );
    for (const run of unfinished) {
      await this.records.update("flywheel_runs", run.id, { status: run.status === "cancelled" ? "cancelled" : "failed", error: run.error ?? error, finished_at: now });
    }
    return unfinished.map((run) => run.id);
  }

  async insertNim(record: NimRecord): Promise<void> {
    await this.records.insert("nims", record);
  }

  async updateNim(id: string, patch: Patch<NimRecord>): Promise<void> {
    await this.records.update("nims", id, patch);
  }

  async insertEvaluation(record: EvaluationRecord): Promise<void> {
    await this.records.insert("evaluations", record);
  }

  async updateEvaluation(id: string, patch: Patch<EvaluationRecord>): Promise<void> {
    await this.records.update("evaluations", id, patch);
  }

  async insertCustomization(record: CustomizationRecord): Promise<void> {
    await this.records.insert("customizations", record);
  }

  async updateCustomization(id: string, patch: Patch<CustomizationRecord>): Promise<void> {
    await this.records.update("customizations", id, patch);
  }

  async insertJudgeRun(record: JudgeRunRecord): Promise<void> {
    await this.records.insert("llm_judge_runs", record);
  }

  async updateJudgeRun(id: string, patch: Patch<JudgeRunRecord>): Promise<void> {
    await this.records.update("llm_judge_runs", id, patch);
  }

  async insertEvaluationSamples(records: readonly EvaluationSampleRecord[]): Promise<void> {
    for (const record of records) {
      await this.records.insert("evaluation_samples", record);
    }
  }

  /** The per-sample results kept of a run's evaluations, lowest-scoring first within each evaluation. */
  async evaluationSamples(runId: string): Promise<EvaluationSampleRecord[]> {
    const samples = await this.records.find("evaluation_samples", { flywheel_run_id: runId });
    return samples.sort((a, b) => a.evaluation_id.localeCompare(b.evaluation_id) || a.rank - b.rank);
  }

  async insertIclExamplePool(record: IclExamplePoolRecord): Promise<void> {
    await this.records.insert("icl_example_pools", record);
  }

  /** The in-context examples the run recorded, or undefined when it recorded none (it has not curated yet, or ended before). */
  async iclExamplePool(runId: string): Promise<IclExamplePoolRecord | undefined> {
    const [pool] = await this.records.find("icl_example_pools", { flywheel_run_id: runId }, { limit: 1 });
    return pool;
  }

  async details(id: string): Promise<RunDetails | undefined> {
    const run = await this.getRun(id);
    if (run === undefined) {
      return undefined;
    }
    const nims = await this.records.find("nims", { flywheel_run_id: id });
    const nimIds = nims.map((nim) => nim.id);
    const [evaluations, customizations, judgeRuns] = await Promise.all([
      nimIds.length > 0 ? this.records.find("evaluations", { nim_id: nimIds }) : [],
      nimIds.length > 0 ? this.records.find("customizations", { nim_id: nimIds }) : [],
      this.records.find("llm_judge_runs", { flywheel_run_id: id }),
    ]);
    return { run, nims, evaluations, customizations, judgeRuns };
  }

  /** Deletes a run and every record of its parts. */
  async deleteRun(details: RunDetails): Promise<void> {
    const samples = await this.records.find("evaluation_samples", { flywheel_run_id: details.run.id });
    await this.records.delete("evaluation_samples", samples.map((r) => r.id));
    const pools = await this.records.find("icl_example_pools", { flywheel_run_id: details.run.id });
    await this.records.delete("icl_example_pools", pools.map((r) => r.id));
    await this.records.delete("evaluations", details.evaluations.map((r) => r.id));
    await this.records.delete("customizations", details.customizations.map((r) => r.id));
    await this.records.delete("llm_judge_runs", details.judgeRuns.map((r) => r.id));
    await this.records.delete("nims", details.nims.map((r) => r.id));
    await this.records.delete("flywheel_runs", [details.run.id]);
  }

  close(): Promise<void> {
    return this.records.close();
  }
}

export function isFinishedRun(run: RunRecord): boolean {
  return finishedStatuses.includes(run.status) && run.finished_at !== null;
}
