import { join } from "node:path";
import { InProcessGpuBudget, InProcessRunLocks } from "../../src/budget/in-process-budget";
import { type FlywheelJobConfigInput, parseJobConfig } from "../../src/config/job-config";
import { streamLog } from "../../src/log";
import { JsonlLogSource } from "../../src/logs/jsonl-log-source";
import type { MetricFamily } from "../../src/metrics/job-metrics";
import type { JobMetricsSink, MetricsGroup } from "../../src/metrics/run-metrics";
import type { EvaluationTracking } from "../../src/mlflow/mlflow-tracking";
import type { RunOutcome } from "../../src/run/run-records";
import { runFlywheel } from "../../src/run/run-flywheel";
import { JsonFileRecordStore } from "../../src/store/json-file-record-store";
import { RunStore } from "../../src/store/run-store";
import { largerModel, smallModel, toolWorkload } from "./flywheel-fixture";
import { InMemoryPlatform } from "./in-memory-platform";
import { temporaryDirectory, toolLogs, writeLogFile } from "./logs";

/** One push a sink received. */
export interface RecordedPush {
  readonly group: MetricsGroup;
  readonly families: readonly MetricFamily[];
}

/** A sink that keeps every push, for the run's calls to be observed. */
export class RecordingSink implements JobMetricsSink {
  readonly description = "the test's recording sink";
  readonly pushes: RecordedPush[] = [];

  push(group: MetricsGroup, families: readonly MetricFamily[]): Promise<void> {
    this.pushes.push({ group, families });
    return Promise.resolve();
  }
}

/** A tool-calling run of the pair `toolWorkload` on an in-memory platform, with a 2-GPU budget. */
export interface MetricsRun {
  readonly platform: InMemoryPlatform;
  readonly store: RunStore;
  /** The lines of the run's log. */
  readonly log: string[];
  /** Runs `input`, pushing to `sink` and logging its evaluations to `tracking`; `shutdown` is SIGTERM's signal. */
  run(input: FlywheelJobConfigInput, sink: JobMetricsSink | undefined, shutdown?: AbortSignal, tracking?: EvaluationTracking): Promise<RunOutcome>;
}

/** A workspace whose runs share one store; each run pushes to the sink it is given. */
export function metricsRun(): MetricsRun {
  const directory = temporaryDirectory();
  const logs = toolLogs(60, ["lookup_order", "issue_refund", "escalate_to_human"], { workload: toolWorkload.workloadId, client: toolWorkload.clientId });
  const platform = new InMemoryPlatform();
  const store = new RunStore(new JsonFileRecordStore(join(directory, "state")));
  const log: string[] = [];
  const logFile = writeLogFile(logs, directory);
  return {
    platform,
    store,
    log,
    run: (input, sink, shutdown = new AbortController().signal, tracking) =>
      runFlywheel(
        { config: parseJobConfig(input, "test config"), ...toolWorkload, workDirectory: join(directory, "work") },
        {
          store,
          budget: new InProcessGpuBudget(2),
          locks: new InProcessRunLocks(),
          platform,
          models: { checkChatModel: () => Promise.resolve(), embed: () => Promise.reject(new Error("these runs select ICL examples uniformly: nothing is embedded")) },
          logSource: new JsonlLogSource(logFile),
          log: streamLog({ write: (text: string) => log.push(text) }),
          ...(sink === undefined ? {} : { metrics: sink }),
          ...(tracking === undefined ? {} : { tracking }),
        },
        shutdown,
      ),
  };
}

/** A job configuration for `metricsRun`: polling in milliseconds, both candidates unless told. */
export function metricsRunConfig(overrides: Partial<FlywheelJobConfigInput> = {}): FlywheelJobConfigInput {
  return {
    ...toolWorkload,
    data: { limit: 30, evalSize: 6, minTotalRecords: 10, seed: 7 },
    candidates: [{ ...smallModel }, { ...largerModel }],
    judge: { url: "https://judge.example.com/v1/chat/completions", modelId: "judge/llama-3.3-70b-instruct" },
    targets: { function_name_and_args_accuracy: 0.9 },
    gpuBudget: { gpus: 2, leaseSeconds: 2, waitMinutes: 1 },
    polling: { minSeconds: 0.005, maxSeconds: 0.02 },
    stallTimeouts: { deploymentMinutes: 0.5, customizationMinutes: 0.5, evaluationMinutes: 0.5 },
    ...overrides,
  };
}
