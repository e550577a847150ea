import { blueprintDeploymentStatus, blueprintJobStatus, blueprintNimStatus, extraFieldKeys, jobDetailResponse, jobsListResponse } from "../src/api/blueprint-shapes";
import { buildRunReport } from "../src/report/run-report";
import { nimDeploymentStatuses, pendingCustomization, pendingEvaluation, pendingJudgeRun, pendingNim, pendingRun, type RunRecord } from "../src/store/records";
import type { RunDetails } from "../src/store/run-store";
import { blueprintValidator, describeWithBlueprintContract } from "./support/blueprint-contract";

const started = new Date("2026-03-01T10:00:00.000Z");
const now = new Date("2026-03-01T10:05:00.000Z");

function youngRun(): RunRecord {
  return pendingRun({ workload_id: "support", client_id: "acme", started_at: started, seed: 7, targets: {}, gpu_hourly_cost: null, job: null });
}

function details(run: RunRecord, rest: Partial<Omit<RunDetails, "run">> = {}): RunDetails {
  return { run, nims: [], evaluations: [], customizations: [], judgeRuns: [], ...rest };
}

/** A run that has just started: one NIM waiting for its deployment, one deploying, nothing evaluated. */
function youngRunDetail(): ReturnType<typeof jobDetailResponse> {
    const run = youngRun();
    const waiting = pendingNim({ flywheel_run_id: run.id, model_name: "meta/llama-3.2-1b-instruct", gpus: 1 });
    const deploying = { ...pendingNim({ flywheel_run_id: run.id, model_name: "meta/llama-3.2-3b-instruct", gpus: 1 }), status: "running" as const, deployment_status: "deploying" as const, started_at: started };
    const notStartedEvaluation = pendingEvaluation({ nim_id: deploying.id, eval_type: "base-eval" });
    const notStartedCustomization = pendingCustomization({ nim_id: deploying.id, base_model: deploying.model_name });
    const judge = pendingJudgeRun({ flywheel_run_id: run.id, model_name: "judge", deployment_type: "remote" });
    return jobDetailResponse(details(run, { nims: [waiting, deploying], evaluations: [notStartedEvaluation], customizations: [notStartedCustomization], judgeRuns: [judge] }), now);
}

/** A finished run with a NIM, its evaluation and fine-tune, and a report. */
function finishedRunDetail(): ReturnType<typeof jobDetailResponse> {
    const finished = new Date("2026-03-01T11:00:00.000Z");
    const run: RunRecord = {
      ...youngRun(),
      status: "completed",
      finished_at: finished,
      num_records: 120,
      workload_type: "generic",
      datasets: [{ kind: "eval", name: "flywheel-eval-x", num_records: 20, nmp_uri: "hf://datasets/dfwbp/flywheel-eval-x" }],
      drop_counts: { duplicate: 3 },
    };
    const nim = { ...pendingNim({ flywheel_run_id: run.id, model_name: "meta/llama-3.2-1b-instruct", gpus: 1 }), status: "completed" as const, deployment_status: "deleted" as const, started_at: started, finished_at: finished, runtime_seconds: 3600 };
    const evaluation = { ...pendingEvaluation({ nim_id: nim.id, eval_type: "base-eval" }), status: "completed" as const, scores: { similarity: 0.8 }, progress: 100, started_at: started, finished_at: finished, runtime_seconds: 60, nmp_uri: "http://evaluator/v1/evaluation/jobs/e1", mlflow_uri: "http://mlflow.nemo:80/#/experiments/3/runs/0a1b" };
    const customization = { ...pendingCustomization({ nim_id: nim.id, base_model: nim.model_name }), status: "completed" as const, progress: 100, epochs_completed: 2, steps_completed: 40, started_at: started, finished_at: finished, runtime_seconds: 600, customized_model: "dfwbp/llama-lora@v1" };
    const report = buildRunReport(run, [nim], [evaluation]);
    return jobDetailResponse(details({ ...run, report }, { nims: [nim], evaluations: [evaluation], customizations: [customization] }), now);
}

describe("the blueprint's shapes of this project's run records", () => {
  it("calls a pending run queued, and keeps the other statuses", () => {
    expect(blueprintJobStatus("pending")).toBe("queued");
    expect(blueprintJobStatus("running")).toBe("running");
    expect(blueprintJobStatus("completed")).toBe("completed");
    expect(jobsListResponse([youngRun()])).toMatchObject({ jobs: [{ status: "queued", workload_id: "support", client_id: "acme", started_at: started.toISOString(), finished_at: null, datasets: [] }] });
  });

  it("says deploying-nim while a running NIM's deployment comes up, running-evals once it is ready", () => {
    expect(blueprintNimStatus({ status: "running", deployment_status: "pending" })).toBe("deploying-nim");
    expect(blueprintNimStatus({ status: "running", deployment_status: "waiting_for_gpus" })).toBe("deploying-nim");
    expect(blueprintNimStatus({ status: "running", deployment_status: "deploying" })).toBe("deploying-nim");
    expect(blueprintNimStatus({ status: "running", deployment_status: "ready" })).toBe("running-evals");
    expect(blueprintNimStatus({ status: "completed", deployment_status: "deleted" })).toBe("completed");
    expect(blueprintNimStatus({ status: "pending", deployment_status: "pending" })).toBe("pending");
  });

  it("leaves out the parts of a young run that have not started, instead of sending their required fields as null", () => {
    const detail = youngRunDetail();
    expect(JSON.stringify(detail)).not.toMatch(/"(started_at|runtime_seconds|num_records)":null/);
    expect(detail).toMatchObject({
      status: "queued",
      num_records: 0,
      llm_judge: { model_name: "judge", type: "remote", deployment_status: "pending" },
      nims: [{ model_name: "meta/llama-3.2-3b-instruct", status: "deploying-nim", deployment_status: "running", runtime_seconds: 300, evaluations: [], customizations: [] }],
    });
    expect(detail.nims).toHaveLength(1);
  });

  it("shows a finished run with its parts, its datasets and this project's fields under their own keys", () => {
    const detail = finishedRunDetail();
    expect(detail).toMatchObject({
      status: "completed",
      num_records: 120,
      llm_judge: null,
      datasets: [{ name: "flywheel-eval-x", num_records: 20, nmp_uri: "hf://datasets/dfwbp/flywheel-eval-x" }],
      nims: [
        {
          status: "completed",
          deployment_status: "completed",
          runtime_seconds: 3600,
          evaluations: [{ eval_type: "base-eval", scores: { similarity: 0.8 }, runtime_seconds: 60, progress: 100, mlflow_uri: "http://mlflow.nemo:80/#/experiments/3/runs/0a1b" }],
          customizations: [{ customized_model: "dfwbp/llama-lora@v1", epochs_completed: 2, steps_completed: 40, runtime_seconds: 600 }],
        },
      ],
      [extraFieldKeys.seed]: 7,
      [extraFieldKeys.dropCounts]: { duplicate: 3 },
    });
    expect(detail[extraFieldKeys.report]).toMatchObject({ workload_type: "generic" });
  });
});

describeWithBlueprintContract("the blueprint's shapes, against the blueprint's own schemas", () => {
  it("lists a young run as a valid JobsListResponse, and the validator refuses a job without its required fields", () => {
    const validListResponse = blueprintValidator("JobsListResponse");
    expect(validListResponse(jobsListResponse([youngRun()]))).toBeUndefined();
    expect(validListResponse({ jobs: [{ id: "x", status: null }] })).toBeDefined();
  });

  it("has a blueprint deployment status for every deployment status of this project", () => {
    const validStatus = blueprintValidator("DeploymentStatus");
    for (const status of nimDeploymentStatuses) {
      expect(validStatus(blueprintDeploymentStatus[status])).toBeUndefined();
    }
  });

  it("details a young and a finished run as valid JobDetailResponses", () => {
    const validDetail = blueprintValidator("JobDetailResponse");
    expect(validDetail(youngRunDetail())).toBeUndefined();
    expect(validDetail(finishedRunDetail())).toBeUndefined();
  });
});
