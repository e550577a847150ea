import type { MetricName } from "../config/job-config";
import type { StageCounts } from "../curation/curate";
import { messageOf } from "../errors";
import type { RunLog } from "../log";
import type { RunStatus } from "../store/records";
import type { RunDetails, RunStore } from "../store/run-store";
import { jobMetricFamilies, type MetricFamily, type RunStage } from "./job-metrics";

/** The run's group on the Pushgateway: its workload and client, never its id, so each push replaces the pair's last. */
export interface MetricsGroup {
  readonly workload: string;
  readonly client: string;
}

/**
 * Where a run's metrics go: the Pushgateway (`pushgateway.ts`) in a cluster, a recorder in tests.
 * Each push replaces everything the group held. It rejects when the push failed; the run only warns.
 */
export interface JobMetricsSink {
  /** Where the metrics go, for the warning when a push fails. */
  readonly description: string;
  push(group: MetricsGroup, families: readonly MetricFamily[]): Promise<void>;
}

/**
 * What one run pushes, and when: at each stage's end and at its exit. It times the stages (each from
 * the end of the one before, the first from the run's start) and reads the run's records for the
 * rest. Nothing it does fails the run: a push or a read that fails is a warning. Without a sink it
 * pushes nothing.
 */
export class RunMetrics {
  private readonly startedAt = new Date();
  private lastStageEnd = this.startedAt;
  private readonly stageSeconds: Partial<Record<RunStage, number>> = {};
  private curation: StageCounts | undefined;

  constructor(
    private readonly sink: JobMetricsSink | undefined,
    private readonly run: {
      readonly store: RunStore;
      readonly log: RunLog;
      readonly runId: string;
      readonly group: MetricsGroup;
      readonly targets: Readonly<Partial<Record<MetricName, number>>>;
    },
  ) {}

  /** Records the end of `stage` (curation gives its counts) and pushes the run as running. */
  async stageEnded(stage: RunStage, curation?: StageCounts): Promise<void> {
    const now = new Date();
    this.stageSeconds[stage] = (now.getTime() - this.lastStageEnd.getTime()) / 1000;
    this.lastStageEnd = now;
    this.curation = curation ?? this.curation;
    await this.push("running", now);
  }

  /** Pushes the run with its final status. */
  runEnded(status: RunStatus): Promise<void> {
    return this.push(status, new Date());
  }

  private async push(status: RunStatus, at: Date): Promise<void> {
    const sink = this.sink;
    if (sink === undefined) {
      return;
    }
    const { store, log, runId, group, targets } = this.run;
    let details: RunDetails | undefined;
    try {
      details = await store.details(runId);
    } catch (error) {
      log.warn(`metrics: could not read run ${runId}'s records, so this push has no records, scores or GPU-seconds: ${messageOf(error)}`);
    }
    const families = jobMetricFamilies({
      status,
      startedAt: this.startedAt,
      at,
      stageSeconds: { ...this.stageSeconds },
      ...(this.curation === undefined ? {} : { curation: this.curation }),
      dropCounts: details?.run.drop_counts ?? null,
      nims: details?.nims ?? [],
      evaluations: details?.evaluations ?? [],
      targets,
    });
    await sink.push(group, families).catch((error: unknown) => log.warn(`metrics: could not push the run's metrics to ${sink.description} (the run goes on): ${messageOf(error)}`));
  }
}
